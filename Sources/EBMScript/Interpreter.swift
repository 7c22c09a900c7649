import EBM
import Foundation

/// Evaluates statements against a session's variables and commands.
///
/// The interpreter never prints: echoes and command output go to the session's output sink.
/// It polls the session's interruption check before every statement, loop iteration and call,
/// and long-running commands poll it in their loops, so Ctrl-C stops at a safe point with the
/// state intact.
///
/// Scopes: at the top level names live in the session's variables. A user function's call has
/// its own locals: assignment inside it creates or changes a local; reading a name looks in the
/// locals, then the session's variables, then the commands. Assigning to a part (`W[0, 1] = 0`,
/// `m.W = W2`) changes the variable where the name was found.
final class Interpreter {
    unowned let session: Session

    enum Outcome { case continueRunning, quit }

    /// How a statement finished: normally, or by a jump that an enclosing loop or call takes.
    enum Flow {
        case normal
        case breakLoop(SourceLocation)
        case continueLoop(SourceLocation)
        case returnValue(Value, SourceLocation)
        case quit
    }

    /// How many user-function calls may be open at once (recursion depth); documented in
    /// docs/language.md. The stack guard below catches deeper native recursion as well.
    static let maxCallDepth = 500

    private struct Frame {
        var locals: [String: Value]
        let function: UserFunction
    }

    private var frames: [Frame] = []
    /// The text of the code running now: the entry's, or the current function's definition.
    private var sources: [SourceText]
    /// The lowest stack address this thread may reach before the interpreter refuses to go
    /// deeper (a margin above the end of the thread's stack), or nil when unknown. Found at
    /// the first call of a user function (it reads the process's memory map).
    private lazy var stackLimit: UInt? = StackGuard.limit()

    init(session: Session, source: SourceText) {
        self.session = session
        self.sources = [source]
    }

    /// Runs one top-level statement.
    func execute(_ statement: Statement) throws -> Outcome {
        switch try run(statement) {
        case .normal: return .continueRunning
        case .quit: return .quit
        case .breakLoop(let at):
            throw ScriptError(.syntax, "'break' outside a loop", at: at, hint: "'break' leaves the innermost 'for' or 'while'")
        case .continueLoop(let at):
            throw ScriptError(.syntax, "'continue' outside a loop", at: at, hint: "'continue' goes on with the next iteration of a 'for' or 'while'")
        case .returnValue(_, let at):
            throw ScriptError(.syntax, "'return' outside a function", at: at, hint: "'return' ends a function defined with 'def'")
        }
    }

    private func run(_ block: [Statement]) throws -> Flow {
        for s in block {
            let flow = try run(s)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func run(_ statement: Statement) throws -> Flow {
        try checkInterrupt(at: statement.location)
        switch statement.kind {
        case .expression(let e):
            let value: Value
            session.resultShown = false
            // A bare command name on its own runs the command (`help`, `info`), as in a shell.
            if case .name(let name) = e.kind, lookupVariable(name) == nil, let c = session.commands[name] {
                value = try call(c, arguments: [], at: e.location)
            } else {
                value = try evaluate(e)
            }
            let quiet: Bool
            if case .call = e.kind { quiet = session.resultShown } else { quiet = false }
            // Inside a function's body a bare expression (a docstring, a call made for its
            // value) does not echo, as in Python: a function's output comes from print and
            // return. Top-level statements and loops echo.
            if !value.isNone && !quiet && frames.isEmpty { session.output.write(session.format.render(value) + "\n") }
        case .assignment(let target, let op, let valueExpr):
            var value = try evaluate(valueExpr)
            if let op {
                value = try arithmetic(op, try evaluate(target), value, at: statement.location)
            }
            try assign(value, to: target, at: statement.location)
        case .metaCommand(let name, let argument):
            if try session.runMetaCommand(name, argument: argument, at: statement.location) == .quit { return .quit }
        case .conditional(let branches, let otherwise):
            for branch in branches where try condition(branch.condition, of: "if") {
                return try run(branch.body)
            }
            if let otherwise { return try run(otherwise) }
        case .whileLoop(let test, let body):
            while try condition(test, of: "while") {
                try checkInterrupt(at: statement.location)
                switch try run(body) {
                case .breakLoop: return .normal
                case .normal, .continueLoop: continue
                case let other: return other
                }
            }
        case .forLoop(let variable, let sequenceExpr, let body):
            let sequence = try LoopSequence(try evaluate(sequenceExpr), at: sequenceExpr.location)
            for i in 0..<sequence.count {
                try checkInterrupt(at: statement.location)
                try bind(variable, try sequence.element(i), at: statement.location)
                switch try run(body) {
                case .breakLoop: return .normal
                case .normal, .continueLoop: continue
                case let other: return other
                }
            }
        case .breakLoop: return .breakLoop(statement.location)
        case .continueLoop: return .continueLoop(statement.location)
        case .returnValue(let e):
            return .returnValue(try e.map(evaluate) ?? .none, statement.location)
        case .pass: break
        case .functionDefinition(let definition):
            // Defaults are evaluated once, here, as in Python.
            var defaults: [Value?] = []
            for p in definition.parameters { defaults.append(try p.defaultValue.map(evaluate)) }
            try bind(definition.name, .object(UserFunction(definition, defaults: defaults)), at: statement.location)
        }
        return .normal
    }

    private func condition(_ e: Expr, of keyword: String) throws -> Bool {
        let v = try evaluate(e)
        guard case .bool(let b) = v else {
            throw ScriptError(.type, "'\(keyword)' needs true or false, got \(describe(v))", at: e.location,
                              hint: "compare first, e.g. '\(keyword) x > 0:'; for a tensor use .min, .max or .sum")
        }
        return b
    }

    func checkInterrupt(at location: SourceLocation) throws {
        if session.isInterrupted() {
            throw ScriptError(.interrupted, "interrupted", at: location)
        }
    }

    // MARK: Names

    private func lookupVariable(_ name: String) -> Value? {
        if let frame = frames.last, let v = frame.locals[name] { return v }
        return session.variables[name]
    }

    /// `name = value`: a local inside a function, a session variable at the top level.
    private func bind(_ name: String, _ value: Value, at location: SourceLocation) throws {
        if session.commands[name] != nil {
            throw ScriptError(.name, "'\(name)' is a command and cannot be assigned to", at: location,
                              hint: "choose another name, e.g. my_\(name)")
        }
        if frames.isEmpty {
            session.variables[name] = value
        } else {
            frames[frames.count - 1].locals[name] = value
        }
    }

    /// Writes a changed value back to the variable `name` where it was found (a local, else the
    /// session's variable), for assignment to a part.
    private func rebind(_ name: String, _ value: Value, at location: SourceLocation) throws {
        if let last = frames.indices.last, frames[last].locals[name] != nil {
            frames[last].locals[name] = value
        } else if session.variables[name] != nil {
            session.variables[name] = value
        } else {
            try bind(name, value, at: location)
        }
    }

    /// Removes the variable `name` and returns its value, so that changing a part of a tensor
    /// or list changes the only copy (no copy of the whole tensor per element written).
    private func takeVariable(_ name: String, at location: SourceLocation) throws -> Value {
        if let last = frames.indices.last, let v = frames[last].locals[name] {
            frames[last].locals[name] = Value.none
            return v
        }
        if let v = session.variables[name] {
            session.variables[name] = Value.none
            return v
        }
        return try lookup(name, at: location)
    }

    private func assign(_ value: Value, to target: Expr, at location: SourceLocation) throws {
        switch target.kind {
        case .name(let name):
            try bind(name, value, at: location)
        case .index(let base, let indices):
            let items = try indices.map { try evaluateSubscript($0) }
            if case .name(let name) = base.kind {
                var container = try takeVariable(name, at: base.location)
                let original = container
                do {
                    try Subscripting.assign(value, to: &container, items, at: target.location)
                } catch {
                    try rebind(name, original, at: location)
                    throw error
                }
                try rebind(name, container, at: location)
            } else {
                var container = try evaluate(base)
                try Subscripting.assign(value, to: &container, items, at: target.location)
                try assign(container, to: base, at: location)
            }
        case .property(let base, let name, let nameLocation):
            let b = try evaluate(base)
            guard case .object(var object) = b else {
                throw ScriptError(.type, "\(describe(b)) has no properties that can be set", at: nameLocation)
            }
            // The part's name as written (`e.w`), for messages.
            var written = name
            if case .name(let n) = base.kind { written = n + "." + name }
            if Autodiff.isTraced(value) {
                throw ScriptError(.value, "grad: automatic differentiation does not follow assignment to a model's parameter ('\(written) = …')",
                                  at: nameLocation, hint: "pass the parameter to the function and compute with it there, e.g. def f(w): return sum(w * x); grad(f, \(written))")
            }
            do {
                try object.setProperty(name, to: value)
            } catch var e as ScriptError {
                // Values name a part as "W" or "m.W" whatever the variable is called.
                for prefix in ["m." + name + " ", name + " "] where e.message.hasPrefix(prefix) {
                    e.message = written + " " + e.message.dropFirst(prefix.count)
                    break
                }
                throw e.located(at: nameLocation)
            }
            // Objects of reference kinds (models) changed in place; others are written back.
            if !(type(of: object) is AnyClass) { try assign(.object(object), to: base, at: location) }
        default:
            throw ScriptError(.syntax, "only a name, a part (x[i]) or a property (x.name) can be assigned to", at: target.location)
        }
    }

    // MARK: Expressions

    func evaluate(_ e: Expr) throws -> Value {
        switch e.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .list(let items):
            let values = try items.map(evaluate)
            try Interpreter.checkNesting(values, at: e.location)
            return .list(values)
        case .name(let name): return try lookup(name, at: e.location)
        case .unary(let op, let operand):
            let v = try evaluate(operand)
            if let t = Autodiff.traced(v) { return try Autodiff.unary(op, t, at: e.location) }
            return try Operators.unary(op, v, at: e.location)
        case .binary(let op, let lhs, let rhs):
            return try binary(op, lhs, rhs, at: e.location)
        case .chain(let first, let rest):
            // Left to right without recursion per term: `1 + 1 + … + 1` of any length.
            var value = try evaluate(first)
            for link in rest {
                if link.op == "and" || link.op == "or" {
                    let l = try truth(value, op: link.op, at: link.location)
                    if link.op == "and" && !l { return .bool(false) }
                    if link.op == "or" && l { return .bool(true) }
                    value = .bool(try truth(try evaluate(link.operand), op: link.op, at: link.operand.location))
                } else {
                    value = try arithmetic(link.op, value, try evaluate(link.operand), at: link.location)
                }
            }
            return value
        case .property(let base, let name, let nameLocation):
            return try Properties.get(try evaluate(base), name, at: nameLocation)
        case .index(let base, let indices):
            let b = try evaluate(base)
            let items = try indices.map { try evaluateSubscript($0) }
            if let t = Autodiff.traced(b) { return try Autodiff.subscripted(t, items, at: e.location) }
            return try Subscripting.apply(b, items, at: e.location)
        case .call(let callee, let arguments):
            let f = try evaluate(callee)
            var passed: [PassedArgument] = []
            passed.reserveCapacity(arguments.count)
            var asksForHelp = false
            if case .command(let command) = f { asksForHelp = command.name == "help" || command.name == "apropos" }
            for a in arguments {
                // `help dbn`: a name that is not (yet) anything is a topic to look up, not an error.
                var value: Value
                // `help m` asks about the variable m by its name.
                if asksForHelp, case .name(let n) = a.value.kind, session.commands[n] == nil {
                    value = .string(n)
                } else {
                    value = try evaluate(a.value)
                }
                passed.append(PassedArgument(label: a.label, labelLocation: a.labelLocation,
                                             value: value, location: a.value.location))
            }
            switch f {
            case .command(let command):
                // grad(f, x) of a function defined with `def`: automatic differentiation.
                if command.name == "grad", let first = passed.first, first.label == nil,
                   case .object(let function as UserFunction) = first.value {
                    return try gradient(of: function, arguments: Array(passed.dropFirst()), at: e.location)
                }
                if command.name == "gradcheck", let first = passed.first, first.label == nil,
                   case .object(let function as UserFunction) = first.value {
                    return try gradientCheck(of: function, arguments: Array(passed.dropFirst()), at: e.location)
                }
                if passed.contains(where: { Autodiff.containsTraced($0.value) }) {
                    return try Autodiff.command(command, passed, at: e.location) { try call(command, arguments: $0, at: e.location) }
                }
                return try call(command, arguments: passed, at: e.location)
            case .object(let o as UserFunction):
                return try call(o, arguments: passed, at: e.location)
            default:
                throw ScriptError(.type, "\(describe(f)) cannot be called", at: e.location,
                                  hint: "only commands and functions defined with 'def' take arguments in brackets; see 'help'")
            }
        }
    }

    /// How deeply lists may nest inside one another. Built by a loop (`x = [x]`), deeper lists
    /// would overflow the stack when printed or freed, so making one is an error.
    static let maxListNesting = 100

    /// Throws when a list of `items` would nest deeper than `maxListNesting`.
    static func checkNesting(_ items: [Value], at location: SourceLocation) throws {
        func depth(_ v: Value, _ level: Int) -> Int {
            guard case .list(let inner) = v, level <= maxListNesting else { return level }
            return inner.reduce(level + 1) { Swift.max($0, depth($1, level + 1)) }
        }
        if items.contains(where: { depth($0, 1) > maxListNesting }) {
            throw ScriptError(.value, "lists nested too deeply (more than \(maxListNesting) levels)", at: location,
                              hint: "keep lists flat, or hold numbers in a tensor")
        }
    }

    private func binary(_ op: String, _ lhs: Expr, _ rhs: Expr, at location: SourceLocation) throws -> Value {
        // `and` / `or` short-circuit, as in Python and Swift.
        if op == "and" || op == "or" {
            let l = try truth(try evaluate(lhs), op: op, at: lhs.location)
            if op == "and" && !l { return .bool(false) }
            if op == "or" && l { return .bool(true) }
            return .bool(try truth(try evaluate(rhs), op: op, at: rhs.location))
        }
        return try arithmetic(op, try evaluate(lhs), try evaluate(rhs), at: location)
    }

    /// `a op b`, recorded on grad's tape when either side is followed by it.
    private func arithmetic(_ op: String, _ a: Value, _ b: Value, at location: SourceLocation) throws -> Value {
        if case .object(let o) = a, o is TracedValue { return try Autodiff.binary(op, a, b, at: location) }
        if case .object(let o) = b, o is TracedValue { return try Autodiff.binary(op, a, b, at: location) }
        return try Operators.binary(op, a, b, at: location)
    }

    func call(_ command: Command, arguments: [PassedArgument], at location: SourceLocation) throws -> Value {
        try checkInterrupt(at: location)
        var bound = try command.bind(arguments, at: location)
        // A random call without `seed:` draws its seed from the session's generator, in this
        // one place for every command. train keeps its fixed default: the same settings must
        // continue the same trainer.
        if command.name != "train", command.parameters.contains(where: { $0.name == "seed" }), !bound.isGiven("seed") {
            bound.values["seed"] = .number(Double(session.nextSeed()))
        }
        // An error inside a user energy's E that a chain or trainer recorded is the real one.
        let userCode = UserCodeArguments(bound, at: location, source: sources[sources.count - 1])
        do {
            let value = try command.run(bound, CallContext(session: session, location: location))
            if let e = userCode.takeError() { throw e }
            return value
        } catch let error as ScriptError {
            throw ((userCode.takeError() as? ScriptError) ?? error).located(at: location)
        } catch is CancellationError {
            throw ScriptError(.interrupted, "interrupted", at: location)
        } catch {
            throw ScriptError(.io, naming(command.name, "\(error)"), at: location)
        }
    }

    /// Calls a function defined with `def`: binds the arguments as its locals, runs its body,
    /// and returns what `return` gave (none when it ends without one). An error inside gets a
    /// frame of the traceback: where this call was made.
    func call(_ function: UserFunction, arguments: [PassedArgument], at location: SourceLocation) throws -> Value {
        try checkInterrupt(at: location)
        if frames.count >= Interpreter.maxCallDepth || StackGuard.isNear(stackLimit) {
            // Name the function that recurses: the one with the most open calls, not the one
            // whose call happened to reach the limit.
            var open: [String: Int] = [function.name: 1]
            for f in frames { open[f.function.name, default: 0] += 1 }
            let recursing = open.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key ?? function.name
            throw ScriptError(.value, "too many nested calls (more than \(min(frames.count, Interpreter.maxCallDepth)) open, \(open[recursing] ?? 0) of them of '\(recursing)')",
                              at: location, hint: "does the recursion reach its base case? Write deep recursions as a loop")
        }
        let locals = try function.bind(arguments, at: location)
        let callerSource = sources[sources.count - 1]
        let caller = frames.last?.function.name
        frames.append(Frame(locals: locals, function: function))
        sources.append(function.definition.source)
        defer {
            frames.removeLast()
            sources.removeLast()
        }
        do {
            switch try run(function.definition.body) {
            case .returnValue(let v, _): return v
            case .normal: return .none
            case .quit: return .none
            case .breakLoop(let at):
                throw ScriptError(.syntax, "'break' outside a loop", at: at)
            case .continueLoop(let at):
                throw ScriptError(.syntax, "'continue' outside a loop", at: at)
            }
        } catch var error as ScriptError {
            let source = function.definition.source
            if error.quotedLine == nil, let at = error.location, at.source == source.name, error.traceback.isEmpty {
                error.quotedLine = source.line(at.line)
            }
            error.traceback.append(TraceFrame(function: function.name, caller: caller, callLocation: location,
                                              callLine: callerSource.line(location.line)?.trimmingBlanks()))
            throw error
        }
    }

    private func lookup(_ name: String, at location: SourceLocation) throws -> Value {
        if let v = lookupVariable(name) { return v }
        if let c = session.commands[name] { return .command(c) }
        var candidates = Array(session.variables.keys) + session.commands.names
        if let frame = frames.last { candidates += frame.locals.keys }
        let hint = closestName(to: name, among: candidates).map { "did you mean '\($0)'?" }
            ?? "assign it first ('\(name) = ...'), or see 'help' for the commands"
        throw ScriptError(.name, "unknown name '\(name)'", at: location, hint: hint)
    }

    private func truth(_ v: Value, op: String, at location: SourceLocation) throws -> Bool {
        guard case .bool(let b) = v else {
            throw ScriptError(.type, "'\(op)' takes true or false, got \(describe(v))", at: location,
                              hint: "compare first, e.g. x > 0 \(op) ...")
        }
        return b
    }

    private func evaluateSubscript(_ s: Subscript) throws -> Subscripting.Item {
        switch s {
        case .index(let e):
            return .index(try integer(try evaluate(e), what: "an index", at: e.location), e.location)
        case .slice(let start, let stop, let step, let location):
            func bound(_ e: Expr?) throws -> Int? {
                guard let e else { return nil }
                let v = try evaluate(e)
                if v.isNone { return nil }
                return try integer(v, what: "a slice bound", at: e.location)
            }
            let st = try bound(step)
            if st == 0 { throw ScriptError(.value, "a slice step cannot be 0", at: location) }
            return .slice(try bound(start), try bound(stop), st ?? 1, location)
        }
    }

    private func integer(_ v: Value, what: String, at location: SourceLocation) throws -> Int {
        guard case .number(let d) = v, d == d.rounded(), abs(d) < 1e15 else {
            throw ScriptError(.type, "\(what) must be a whole number, got \(describe(v))", at: location)
        }
        return Int(d)
    }
}

/// What a command's implementation may use of its session: output, paths, interruption and
/// progress. It is the only way a command reaches the outside.
public struct CallContext {
    let session: Session
    public let location: SourceLocation

    /// Writes text (a line should end with "\n") to the host's output.
    public func write(_ text: String) { session.output.write(text) }

    public var format: ValueFormat { session.format }
    public var commands: CommandTable { session.commands }

    /// A path as the user wrote it, resolved against the session's working directory (the
    /// notebook's folder when a notebook is replayed).
    public func resolve(_ path: String) -> String { session.resolve(path) }

    /// Records that a file was written, so a notebook can reference the images a block made.
    public func didWrite(_ resolvedPath: String) { session.recordWrite(resolvedPath) }

    /// True once the user has pressed Ctrl-C; long loops poll it between steps.
    public var isInterrupted: Bool { session.isInterrupted() }

    /// Throws `.interrupted` if the user has pressed Ctrl-C.
    public func checkInterrupt() throws {
        if session.isInterrupted() { throw ScriptError(.interrupted, "interrupted", at: location) }
    }

    /// Says that the command's printed output already states its result, so that a bare call
    /// does not echo it again (`ok = compare(c, g)` still gets the value).
    public func resultIsShown() { session.resultShown = true }

    /// Where a long command reports its progress (nil when the host shows none).
    public var progress: (any ProgressReporter)? { session.progress }
}

/// A host's progress display (a bar on a terminal); quiet hosts supply none.
public protocol ProgressReporter: AnyObject {
    /// Starts a task of `total` steps (nil when unknown).
    func begin(_ title: String, total: Int?)
    /// `done` steps of the task are finished; `status` is a short line of monitors.
    func update(done: Int, status: String)
    func end()
}
