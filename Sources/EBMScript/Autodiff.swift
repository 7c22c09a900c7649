import EBM

/// `grad(f, x, …)` for a function defined with `def`: runs f with its arguments on a tape
/// (EBM's `Tape`) and plays the tape backwards for ∂f/∂x. The operations the tape supports are
/// listed in `differentiableCommands` and `differentiableOperators`; any other operation on a
/// followed value is an error naming it.
enum Autodiff {
    /// Commands that record onto the tape when given a followed value.
    static let differentiableCommands: Set<String> = ["exp", "log", "sqrt", "abs", "sigmoid", "softplus", "sum", "mean", "transpose", "tensor"]
    /// Commands that only look at a followed value (it passes through them as its plain value).
    static let transparentCommands: Set<String> = ["print", "str", "len", "help", "assert"]
    static let differentiableOperators = ["+", "-", "*", "/", "**", "@", "unary -", "unary +"]

    static var supportedList: String {
        (differentiableOperators.map { "'\($0)'" } + differentiableCommands.sorted() + [".T", ".sum", ".mean", "indexing"])
            .joined(separator: ", ")
    }

    /// Runs a tape operation, turning its failure into a script error.
    static func run(_ body: () throws -> Int) throws -> Int {
        do {
            return try body()
        } catch let f as Tape.Failure {
            throw ScriptError(.value, "grad: " + f.message)
        }
    }

    static func traced(_ v: Value) -> TracedValue? {
        if case .object(let t as TracedValue) = v { return t }
        return nil
    }

    static func isTraced(_ v: Value) -> Bool { traced(v) != nil }

    /// A followed value, or a list holding one (`tensor([x[0] * 2, x[1]])`).
    static func containsTraced(_ v: Value) -> Bool {
        if isTraced(v) { return true }
        if case .list(let items) = v { return items.contains(where: containsTraced) }
        return false
    }

    /// `tensor([a, b, …])` where some items are followed: the items (numbers, or tensors of one
    /// shape) stacked along a new first axis, recorded on the tape.
    static func stacked(_ items: [Value], on tape: Tape, at location: SourceLocation) throws -> Value {
        var ids: [Int] = []
        for item in items {
            if case .list(let inner) = item {
                guard containsTraced(item) else {
                    ids.append(try node(item, on: tape, what: "tensor", at: location))
                    continue
                }
                guard let t = traced(try stacked(inner, on: tape, at: location)) else { continue }
                ids.append(t.node)
            } else {
                ids.append(try node(item, on: tape, what: "tensor", at: location))
            }
        }
        do {
            return .object(TracedValue(tape: tape, node: try tape.stack(ids)))
        } catch let f as Tape.Failure {
            throw ScriptError(.value, "grad: tensor: " + f.message, at: location)
        }
    }

    /// The tape node for an operand: a followed value's own node, or a constant.
    static func node(_ v: Value, on tape: Tape, what: String, at location: SourceLocation) throws -> Int {
        if let t = traced(v) {
            guard t.tape === tape else {
                throw ScriptError(.value, "grad: values followed by two different grad calls meet in '\(what)'", at: location,
                                  hint: "grad inside a function that grad is differentiating is not supported")
            }
            return t.node
        }
        if case .bool = v {
            throw ScriptError(.type, "grad: '\(what)' does not apply to \(describe(v))", at: location)
        }
        guard let t = tensorValue(v) else {
            throw ScriptError(.type, "grad: '\(what)' does not apply to \(describe(v))", at: location,
                              hint: "grad follows numbers and tensors")
        }
        if case .number(let d) = v { return tape.constant(Tape.Value(shape: [], entries: [d])) }
        return tape.constant(Tape.Value(t))
    }

    /// `a op b` where at least one side is followed.
    static func binary(_ op: String, _ a: Value, _ b: Value, at location: SourceLocation) throws -> Value {
        switch op {
        case "==", "!=", "<", "<=", ">", ">=":
            // Comparisons are flat (no gradient): they compare the plain values.
            return try Operators.binary(op, plainValue(a), plainValue(b), at: location)
        default: break
        }
        guard let tape = (traced(a) ?? traced(b))?.tape else { return try Operators.binary(op, a, b, at: location) }
        let x = try node(a, on: tape, what: op, at: location), y = try node(b, on: tape, what: op, at: location)
        let id: Int
        do {
            switch op {
            case "+": id = try tape.add(x, y)
            case "-": id = try tape.subtract(x, y)
            case "*": id = try tape.multiply(x, y)
            case "/": id = try tape.divide(x, y)
            case "**": id = try tape.power(x, y)
            case "@": id = try tape.matmul(x, y)
            default:
                throw ScriptError(.value, "grad: automatic differentiation does not support '\(op)'", at: location,
                                  hint: "supported: " + supportedList)
            }
        } catch let f as Tape.Failure {
            throw ScriptError(.value, "grad: " + f.message, at: location)
        }
        return .object(TracedValue(tape: tape, node: id))
    }

    static func unary(_ op: String, _ v: TracedValue, at location: SourceLocation) throws -> Value {
        switch op {
        case "-": return .object(TracedValue(tape: v.tape, node: v.tape.negate(v.node)))
        case "+": return .object(v)
        default:
            throw ScriptError(.value, "grad: automatic differentiation does not support '\(op)'", at: location,
                              hint: "supported: " + supportedList)
        }
    }

    /// The tape of the first followed value in a (nested) list.
    static func firstTape(_ items: [Value]) -> Tape? {
        for item in items {
            if let t = traced(item) { return t.tape }
            if case .list(let inner) = item, let tape = firstTape(inner) { return tape }
        }
        return nil
    }

    static func plainValue(_ v: Value) -> Value {
        if let t = traced(v) { return t.plain }
        if case .list(let items) = v { return .list(items.map(plainValue)) }
        return v
    }

    /// Refuses a point where f's value is NaN or infinite (`log(-x)` at x = 1): it has no
    /// gradient there, and the tape's would be a number with no meaning. Names the operation
    /// that first gave a non-finite value.
    static func requireFinite(_ tape: Tape, _ output: Int, function: String, command: String, at location: SourceLocation) throws {
        let value = tape.value(output).entries
        guard value.count == 1, !value[0].isFinite else { return }
        let origin = tape.firstNonFinite(through: output).map { op in
            ["variable", "constant"].contains(op) ? "" : ": the first non-finite value came from '\(op)'"
        } ?? ""
        throw ScriptError(.value, "\(command): \(function) is not finite at this point (it gives \(formatNumber(value[0])))\(origin), so it has no gradient there",
                          at: location, hint: "evaluate \(function) at the point first; pick a point inside its domain (log and sqrt need positive arguments)")
    }

    /// "0, 1" for flat index 1 of a 2 × 3 tensor.
    static func indexText(_ flat: Int, shape: [Int]) -> String {
        var rest = flat
        var parts: [Int] = []
        for size in shape.reversed() {
            parts.append(rest % size)
            rest /= size
        }
        return parts.reversed().map(String.init).joined(separator: ", ")
    }

    /// A command called with a followed argument.
    static func command(_ command: Command, _ arguments: [PassedArgument], at location: SourceLocation,
                        plainCall: ([PassedArgument]) throws -> Value) throws -> Value {
        let name = command.name
        if transparentCommands.contains(name) {
            return try plainCall(arguments.map { var a = $0; a.value = plainValue(a.value); return a })
        }
        guard differentiableCommands.contains(name) else {
            throw ScriptError(.value, "grad: automatic differentiation does not support '\(name)'", at: location,
                              hint: "supported: " + supportedList)
        }
        let positional = arguments.filter { $0.label == nil }
        if name == "tensor", positional.count == 1, arguments.count == 1, case .list(let items) = positional[0].value,
           let tape = firstTape(items) {
            return try stacked(items, on: tape, at: location)
        }
        guard let first = positional.first, let x = traced(first.value) else {
            if let first = positional.first, containsTraced(first.value) {
                throw ScriptError(.value, "grad: automatic differentiation does not follow '\(name)' of a list holding followed values",
                                  at: location, hint: "build a tensor first, e.g. \(name)(tensor([a, b])); supported: " + supportedList)
            }
            throw ScriptError(.value, "grad: '\(name)' is followed only in its first argument", at: location)
        }
        let tape = x.tape
        var axis: Int?
        let rest = Array(positional.dropFirst()) + arguments.filter { $0.label != nil }
        for a in rest {
            let isAxis = (name == "sum" || name == "mean") && (a.label == nil || a.label == "axis")
            guard isAxis else {
                throw ScriptError(.argument, "grad: '\(name)' of a followed value takes no other arguments", at: a.location)
            }
            switch a.value {
            case .none: continue
            case .number(let d) where d == 0 || d == 1: axis = Int(d)
            default: throw ScriptError(.argument, "\(name): axis must be 0 or 1, got \(describe(a.value))", at: a.location)
            }
        }
        let id: Int
        do {
            switch name {
            case "exp": id = tape.exp(x.node)
            case "log": id = tape.log(x.node)
            case "sqrt": id = tape.sqrt(x.node)
            case "abs": id = tape.abs(x.node)
            case "sigmoid": id = tape.sigmoid(x.node)
            case "softplus": id = tape.softplus(x.node)
            case "sum": id = try tape.sum(x.node, axis: axis)
            case "mean": id = try tape.sum(x.node, axis: axis, mean: true)
            case "transpose": id = tape.transpose(x.node)
            default: id = x.node   // tensor(x)
            }
        } catch let f as Tape.Failure {
            throw ScriptError(.value, "grad: \(name): " + f.message, at: location)
        }
        return .object(TracedValue(tape: tape, node: id))
    }

    /// `x[…]` on a followed value: the same selection as on a tensor, recorded as a gather.
    static func subscripted(_ x: TracedValue, _ items: [Subscripting.Item], at location: SourceLocation) throws -> Value {
        // The flat indices the subscripts pick, computed from the shape alone: the cost is the
        // selection's size, so a loop over the rows stays linear.
        let (indices, shape) = try Subscripting.selection(x.value.shape, items, at: location)
        return .object(TracedValue(tape: x.tape, node: x.tape.select(x.node, indices: indices, shape: shape)))
    }
}

extension Interpreter {
    /// `grad(f, x, y, …)`: the gradient of the number f(x, y, …) with respect to each of the
    /// positional arguments (a number or a tensor each); keyword arguments are passed to f as
    /// constants. One argument gives one gradient (its shape), several give a list.
    func gradient(of function: UserFunction, arguments: [PassedArgument], at location: SourceLocation) throws -> Value {
        let tape = Tape()
        var passed: [PassedArgument] = []
        var inputs: [(node: Int, isNumber: Bool)] = []
        for a in arguments {
            guard a.label == nil else { passed.append(a); continue }
            guard !Autodiff.isTraced(a.value), let t = tensorValue(a.value) else {
                throw ScriptError(.type, "grad: can differentiate with respect to numbers and tensors only, got \(describe(a.value))",
                                  at: a.location, hint: "pass the other values by name (f's keyword arguments) or as globals")
            }
            var isNumber = false
            if case .number = a.value { isNumber = true }
            let node = tape.variable(isNumber ? Tape.Value(shape: [], entries: [tensorValueDouble(a.value)]) : Tape.Value(t))
            inputs.append((node, isNumber))
            var b = a
            b.value = .object(TracedValue(tape: tape, node: node))
            passed.append(b)
        }
        guard !inputs.isEmpty else {
            throw ScriptError(.argument, "grad: give the values to differentiate at: grad(\(function.name), x)", at: location)
        }
        let result = try call(function, arguments: passed, at: location)
        let output: Int
        if let t = Autodiff.traced(result), t.tape === tape {
            output = t.node
        } else if case .number(let d) = result {
            output = tape.constant(Tape.Value(shape: [], entries: [d]))   // f does not depend on x
        } else {
            throw ScriptError(.type, "grad: \(function.name) must return a number, got \(describe(Autodiff.plainValue(result)))", at: location,
                              hint: "return one number, e.g. sum(...) of a tensor")
        }
        try Autodiff.requireFinite(tape, output, function: function.name, command: "grad", at: location)
        let gradients: [Tape.Value]
        do {
            gradients = try tape.gradient(of: output, withRespectTo: inputs.map(\.node))
        } catch let f as Tape.Failure {
            throw ScriptError(.type, "grad: \(function.name) must return a number: \(f.message)", at: location,
                              hint: "return one number, e.g. sum(...) of a tensor")
        }
        let values: [Value] = zip(gradients, inputs).map { g, input in
            input.isNumber ? .number(g.entries[0]) : .tensor(g.tensor)
        }
        return values.count == 1 ? values[0] : .list(values)
    }

    /// `gradcheck(f, x, …)`: the gradient of `grad(f, x, …)` against central finite differences
    /// of f itself (evaluated in double precision on a tape), for up to 20 entries of the
    /// positional arguments picked with seed 0.
    func gradientCheck(of function: UserFunction, arguments: [PassedArgument], at location: SourceLocation) throws -> Value {
        // The point: every positional argument's entries in one vector, with names for the table.
        var point: [Double] = []
        var names: [String] = []
        var shapes: [[Int]] = []
        let parameterNames = function.definition.parameters.map(\.name)
        var slot = 0
        for a in arguments where a.label == nil {
            guard !Autodiff.isTraced(a.value), let t = tensorValue(a.value) else {
                throw ScriptError(.type, "gradcheck: can check gradients with respect to numbers and tensors only, got \(describe(a.value))",
                                  at: a.location)
            }
            let name = slot < parameterNames.count ? parameterNames[slot] : "argument \(slot + 1)"
            if case .number(let d) = a.value {
                point.append(d); names.append(name); shapes.append([])
            } else {
                point += t.scalars.map(Double.init)
                shapes.append(t.shape)
                for i in 0..<t.count { names.append("\(name)[\(Autodiff.indexText(i, shape: t.shape))]") }
            }
            slot += 1
        }
        guard !shapes.isEmpty else {
            throw ScriptError(.argument, "gradcheck: give the values to check at: gradcheck(\(function.name), x)", at: location)
        }
        // f at a point, and its gradient there, both on a tape in double precision.
        func run(_ θ: [Double]) throws -> (Tape, Int, [Int]) {
            let tape = Tape()
            var offset = 0
            var inputs: [Int] = []
            var passed: [PassedArgument] = []
            var positional = 0
            for a in arguments {
                guard a.label == nil else { passed.append(a); continue }
                let shape = shapes[positional]
                let n = shape.reduce(1, *)
                let node = tape.variable(Tape.Value(shape: shape, entries: Array(θ[offset..<(offset + n)])))
                offset += n
                positional += 1
                inputs.append(node)
                var b = a
                b.value = .object(TracedValue(tape: tape, node: node))
                passed.append(b)
            }
            let result = try call(function, arguments: passed, at: location)
            if let t = Autodiff.traced(result), t.tape === tape, t.value.count == 1 { return (tape, t.node, inputs) }
            if case .number(let d) = result { return (tape, tape.constant(Tape.Value(shape: [], entries: [d])), inputs) }
            throw ScriptError(.type, "gradcheck: \(function.name) must return a number, got \(describe(Autodiff.plainValue(result)))",
                              at: location, hint: "return one number, e.g. sum(...) of a tensor")
        }
        let (tape, output, inputs) = try run(point)
        try Autodiff.requireFinite(tape, output, function: function.name, command: "gradcheck", at: location)
        let analytic: [Double]
        do {
            analytic = try tape.gradient(of: output, withRespectTo: inputs).flatMap(\.entries)
        } catch let f as Tape.Failure {
            throw ScriptError(.type, "gradcheck: " + f.message, at: location)
        }
        let check = try FiniteDifferenceCheck.check(function: { θ in
            let (t, out, _) = try run(θ)
            return t.value(out).entries[0]
        }, at: point, analytic: analytic, names: names)
        return .object(GradientCheckValue(check: check))
    }

    private func tensorValueDouble(_ v: Value) -> Double {
        if case .number(let d) = v { return d }
        return 0
    }
}
