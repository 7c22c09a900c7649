/// A recursive-descent parser from tokens to statements.
///
/// Precedence, lowest first: `or`, `and`, `not`, comparisons, `+ -`, `* / % @`, unary `- +`,
/// `**` (right-associative), then calls, subscripts and properties. A statement that starts with
/// the name of a command followed directly by an argument (`show x`, `help train`) is a call
/// without brackets, as in a shell.
struct Parser {
    private var tokens: [Token]
    private var position = 0
    private let commandNames: Set<String>

    init(tokens: [Token], commandNames: Set<String>) {
        self.tokens = tokens
        self.commandNames = commandNames
    }

    /// Parses a whole program. Throws `.incompleteInput` when the text ended where more was
    /// needed (an operator at the end, an open bracket), so a REPL can ask for another line.
    static func parse(_ source: SourceText, commandNames: Set<String>) throws -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokenize(source), commandNames: commandNames)
        return try parser.program()
    }

    private var current: Token { tokens[position] }
    private func peek(_ k: Int = 1) -> Token { tokens[min(position + k, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    private mutating func accept(_ p: String) -> Bool {
        if current.isPunct(p) { advance(); return true }
        return false
    }

    private mutating func expect(_ p: String, _ what: String) throws -> Token {
        if current.isPunct(p) { return advance() }
        throw unexpected(expected: what)
    }

    private func unexpected(expected: String) -> ScriptError {
        let kind: ScriptError.Kind = current.kind == .end ? .incompleteInput : .syntax
        return ScriptError(kind, "expected \(expected), found \(current)", at: current.location)
    }

    mutating func program() throws -> [Statement] {
        var statements: [Statement] = []
        while current.kind != .end {
            statements.append(try statement())
            switch current.kind {
            case .newline: advance()
            case .end: break
            default:
                throw ScriptError(.syntax, "expected the end of the statement, found \(current)", at: current.location,
                                  hint: "put one statement on each line")
            }
        }
        return statements
    }

    private mutating func statement() throws -> Statement {
        let start = current
        if case .metaCommand(let name, let argument) = start.kind {
            advance()
            return Statement(kind: .metaCommand(name: name, argument: argument), location: start.location)
        }
        if case .identifier(let name) = start.kind {
            if peek().isPunct("=") {
                advance(); advance()
                let value = try expression()
                return Statement(kind: .assignment(name: name, value: value), location: start.location)
            }
            // `help :vars`: a meta-command as help's topic.
            if name == "help", peek().isPunct(":"), case .identifier(let meta) = peek(2).kind {
                let topic = Expr(kind: .string(":" + meta), location: peek().location)
                advance(); advance(); advance()
                let callee = Expr(kind: .name(name), location: start.location)
                return Statement(kind: .expression(Expr(kind: .call(callee: callee, arguments: [Argument(label: nil, labelLocation: nil, value: topic)]),
                                                        location: start.location)), location: start.location)
            }
            if commandNames.contains(name), startsArgument(peek()) {
                advance()
                let arguments = try argumentList(until: nil)
                let callee = Expr(kind: .name(name), location: start.location)
                return Statement(kind: .expression(Expr(kind: .call(callee: callee, arguments: arguments), location: start.location)),
                                 location: start.location)
            }
        }
        let e = try expression()
        if current.isPunct("=") {
            throw ScriptError(.syntax, "only a name can be assigned to", at: current.location,
                              hint: "write 'name = value'")
        }
        return Statement(kind: .expression(e), location: start.location)
    }

    /// Can this token begin the first argument of a bracket-less command call?
    private func startsArgument(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier, .number, .string: return true
        // Command names cannot be variables, so `plot [1, 2]` is a call, never an index.
        case .punct("["): return true
        case .keyword(let k): return k != "and" && k != "or"
        default: return false
        }
    }

    // MARK: Expressions

    mutating func expression() throws -> Expr { try or() }

    private mutating func or() throws -> Expr {
        var lhs = try and()
        while current.kind == .keyword("or") {
            let op = advance()
            lhs = Expr(kind: .binary(op: "or", lhs: lhs, rhs: try and()), location: op.location)
        }
        return lhs
    }

    private mutating func and() throws -> Expr {
        var lhs = try not()
        while current.kind == .keyword("and") {
            let op = advance()
            lhs = Expr(kind: .binary(op: "and", lhs: lhs, rhs: try not()), location: op.location)
        }
        return lhs
    }

    private mutating func not() throws -> Expr {
        if current.kind == .keyword("not") {
            let op = advance()
            return Expr(kind: .unary(op: "not", operand: try not()), location: op.location)
        }
        return try comparison()
    }

    private mutating func comparison() throws -> Expr {
        let lhs = try additive()
        for op in ["==", "!=", "<", "<=", ">", ">="] where current.isPunct(op) {
            let t = advance()
            return Expr(kind: .binary(op: op, lhs: lhs, rhs: try additive()), location: t.location)
        }
        return lhs
    }

    private mutating func additive() throws -> Expr {
        var lhs = try multiplicative()
        while current.isPunct("+") || current.isPunct("-") {
            let t = advance()
            guard case .punct(let op) = t.kind else { break }
            lhs = Expr(kind: .binary(op: op, lhs: lhs, rhs: try multiplicative()), location: t.location)
        }
        return lhs
    }

    private mutating func multiplicative() throws -> Expr {
        var lhs = try unary()
        while ["*", "/", "%", "@"].contains(where: { current.isPunct($0) }) {
            let t = advance()
            guard case .punct(let op) = t.kind else { break }
            lhs = Expr(kind: .binary(op: op, lhs: lhs, rhs: try unary()), location: t.location)
        }
        return lhs
    }

    private mutating func unary() throws -> Expr {
        if current.isPunct("-") || current.isPunct("+") {
            let t = advance()
            guard case .punct(let op) = t.kind else { return try unary() }
            return Expr(kind: .unary(op: op, operand: try unary()), location: t.location)
        }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if current.isPunct("**") {
            let t = advance()
            return Expr(kind: .binary(op: "**", lhs: base, rhs: try unary()), location: t.location)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            if current.isPunct("(") {
                let open = advance()
                let arguments = try argumentList(until: ")")
                _ = try expect(")", "')' to close the call opened at column \(open.location.column)")
                e = Expr(kind: .call(callee: e, arguments: arguments), location: e.location)
            } else if current.isPunct("[") {
                let open = advance()
                var indices: [Subscript] = []
                repeat {
                    if current.isPunct("]") { break }
                    indices.append(try subscriptItem())
                } while accept(",")
                _ = try expect("]", "']' to close the subscript")
                if indices.isEmpty {
                    throw ScriptError(.syntax, "empty subscript", at: open.location, hint: "write x[i], x[i:j] or x[i, j]")
                }
                e = Expr(kind: .index(base: e, indices: indices), location: open.location)
            } else if current.isPunct(".") {
                let dot = advance()
                guard case .identifier(let name) = current.kind else {
                    throw unexpected(expected: "a property name after '.'")
                }
                let t = advance()
                e = Expr(kind: .property(base: e, name: name, nameLocation: t.location), location: dot.location)
            } else {
                return e
            }
        }
    }

    private mutating func subscriptItem() throws -> Subscript {
        let start = current.location
        var first: Expr?
        if !current.isPunct(":") { first = try expression() }
        guard accept(":") else {
            guard let first else { throw unexpected(expected: "an index") }
            return .index(first)
        }
        var stop: Expr?
        var step: Expr?
        if !current.isPunct(":") && !current.isPunct("]") && !current.isPunct(",") { stop = try expression() }
        if accept(":"), !current.isPunct("]") && !current.isPunct(",") { step = try expression() }
        return .slice(start: first, stop: stop, step: step, location: start)
    }

    /// `a, b, name: c, ...` up to (not including) `closer`, or to the end of the statement when
    /// `closer` is nil. `name = c` is accepted too, for hands used to Python.
    private mutating func argumentList(until closer: String?) throws -> [Argument] {
        var arguments: [Argument] = []
        var seenLabel: SourceLocation?
        while true {
            if let closer, current.isPunct(closer) { break }
            if closer == nil, current.kind == .newline || current.kind == .end { break }
            if case .identifier(let label) = current.kind, peek().isPunct(":") || peek().isPunct("=") {
                let t = advance(); advance()
                arguments.append(Argument(label: label, labelLocation: t.location, value: try expression()))
                seenLabel = t.location
            } else {
                let value = try expression()
                if seenLabel != nil {
                    throw ScriptError(.syntax, "a positional argument cannot follow a keyword argument", at: value.location,
                                      hint: "put positional arguments first, or give this one its name")
                }
                arguments.append(Argument(label: nil, labelLocation: nil, value: value))
            }
            if !accept(",") { break }
        }
        return arguments
    }

    private mutating func primary() throws -> Expr {
        let t = current
        switch t.kind {
        case .number(let v): advance(); return Expr(kind: .number(v), location: t.location)
        case .string(let s): advance(); return Expr(kind: .string(s), location: t.location)
        case .keyword("true"): advance(); return Expr(kind: .bool(true), location: t.location)
        case .keyword("false"): advance(); return Expr(kind: .bool(false), location: t.location)
        case .keyword("none"): advance(); return Expr(kind: .none, location: t.location)
        case .identifier(let name): advance(); return Expr(kind: .name(name), location: t.location)
        case .punct("("):
            advance()
            let e = try expression()
            _ = try expect(")", "')'")
            return e
        case .punct("["):
            advance()
            var items: [Expr] = []
            while !current.isPunct("]") {
                items.append(try expression())
                if !accept(",") { break }
            }
            _ = try expect("]", "',' or ']' in the list")
            return Expr(kind: .list(items), location: t.location)
        case .metaCommand(let name, _):
            throw ScriptError(.syntax, "a meta-command (:\(name)) must start its own line", at: t.location)
        default:
            throw unexpected(expected: "an expression")
        }
    }
}
