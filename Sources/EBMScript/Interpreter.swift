import EBM

/// Evaluates statements against a session's variables and commands.
///
/// The interpreter never prints: echoes and command output go to the session's output sink.
/// It polls the session's interruption check before every statement and call, and long-running
/// commands poll it in their loops, so Ctrl-C stops at a safe point with the state intact.
struct Interpreter {
    unowned let session: Session

    enum Outcome { case continueRunning, quit }

    func execute(_ statement: Statement) throws -> Outcome {
        try checkInterrupt(at: statement.location)
        switch statement.kind {
        case .expression(let e):
            let value: Value
            session.resultShown = false
            // A bare command name on its own runs the command (`help`, `info`), as in a shell.
            if case .name(let name) = e.kind, session.variables[name] == nil, let c = session.commands[name] {
                value = try call(c, arguments: [], at: e.location)
            } else {
                value = try evaluate(e)
            }
            let quiet: Bool
            if case .call = e.kind { quiet = session.resultShown } else { quiet = false }
            if !value.isNone && !quiet { session.output.write(session.format.render(value) + "\n") }
        case .assignment(let name, let valueExpr):
            if session.commands[name] != nil {
                throw ScriptError(.name, "'\(name)' is a command and cannot be assigned to", at: statement.location,
                                  hint: "choose another name, e.g. my_\(name)")
            }
            session.variables[name] = try evaluate(valueExpr)
        case .metaCommand(let name, let argument):
            return try session.runMetaCommand(name, argument: argument, at: statement.location)
        }
        return .continueRunning
    }

    func checkInterrupt(at location: SourceLocation) throws {
        if session.isInterrupted() {
            throw ScriptError(.interrupted, "interrupted", at: location)
        }
    }

    func evaluate(_ e: Expr) throws -> Value {
        switch e.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .list(let items): return .list(try items.map(evaluate))
        case .name(let name): return try lookup(name, at: e.location)
        case .unary(let op, let operand):
            return try Operators.unary(op, try evaluate(operand), at: e.location)
        case .binary(let op, let lhs, let rhs):
            // `and` / `or` short-circuit, as in Python and Swift.
            if op == "and" || op == "or" {
                let l = try truth(try evaluate(lhs), op: op, at: lhs.location)
                if op == "and" && !l { return .bool(false) }
                if op == "or" && l { return .bool(true) }
                return .bool(try truth(try evaluate(rhs), op: op, at: rhs.location))
            }
            return try Operators.binary(op, try evaluate(lhs), try evaluate(rhs), at: e.location)
        case .property(let base, let name, let nameLocation):
            return try Properties.get(try evaluate(base), name, at: nameLocation)
        case .index(let base, let indices):
            let b = try evaluate(base)
            let items = try indices.map { try evaluateSubscript($0) }
            return try Subscripting.apply(b, items, at: e.location)
        case .call(let callee, let arguments):
            let f = try evaluate(callee)
            guard case .command(let command) = f else {
                throw ScriptError(.type, "\(describe(f)) cannot be called", at: e.location,
                                  hint: "only commands take arguments in brackets; see 'help'")
            }
            var passed: [PassedArgument] = []
            for a in arguments {
                // `help dbn`: a name that is not (yet) anything is a topic to look up, not an error.
                var value: Value
                // `help m` asks about the variable m by its name.
                if command.name == "help" || command.name == "apropos", case .name(let n) = a.value.kind, session.commands[n] == nil {
                    value = .string(n)
                } else {
                    value = try evaluate(a.value)
                }
                passed.append(PassedArgument(label: a.label, labelLocation: a.labelLocation,
                                             value: value, location: a.value.location))
            }
            return try call(command, arguments: passed, at: e.location)
        }
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
        do {
            return try command.run(bound, CallContext(session: session, location: location))
        } catch let error as ScriptError {
            throw error.located(at: location)
        } catch is CancellationError {
            throw ScriptError(.interrupted, "interrupted", at: location)
        } catch {
            throw ScriptError(.io, naming(command.name, "\(error)"), at: location)
        }
    }

    private func lookup(_ name: String, at location: SourceLocation) throws -> Value {
        if let v = session.variables[name] { return v }
        if let c = session.commands[name] { return .command(c) }
        let candidates = Array(session.variables.keys) + session.commands.names
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
