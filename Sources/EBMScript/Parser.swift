/// A recursive-descent parser from tokens to statements.
///
/// Precedence, lowest first: `or`, `and`, `not`, comparisons, `+ -`, `* / % @`, unary `- +`,
/// `**` (right-associative), then calls, subscripts and properties. A statement that starts with
/// the name of a command followed directly by an argument (`show x`, `help train`) is a call
/// without brackets, as in a shell.
struct Parser {
    /// How deeply expressions and blocks may nest (brackets, unary operators, `**`, blocks).
    static let maxNesting = 200

    private var tokens: [Token]
    private var position = 0
    private let commandNames: Set<String>
    private let source: SourceText
    private var nesting = 0

    init(tokens: [Token], commandNames: Set<String>, source: SourceText) {
        self.tokens = tokens
        self.commandNames = commandNames
        self.source = source
    }

    /// Parses a whole program. Throws `.incompleteInput` when the text ended where more was
    /// needed (an operator at the end, an open bracket), so a REPL can ask for another line.
    static func parse(_ source: SourceText, commandNames: Set<String>) throws -> [Statement] {
        var parser = Parser(tokens: try Lexer.tokenize(source), commandNames: commandNames, source: source)
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
        let kind: ScriptError.Kind = restIsClosingBlocks ? .incompleteInput : .syntax
        return ScriptError(kind, "expected \(expected), found \(current)", at: current.location)
    }

    mutating func program() throws -> [Statement] {
        let statements = try statementList()
        if current.kind == .dedent {
            // Only a stray dedent can be left over (the lexer balances them); say so plainly.
            throw ScriptError(.syntax, "unexpected end of an indented block", at: current.location)
        }
        return statements
    }

    /// Statements up to the end of the text or of the enclosing indented block.
    private mutating func statementList() throws -> [Statement] {
        var statements: [Statement] = []
        while true {
            while current.kind == .newline { advance() }
            if current.kind == .end || current.kind == .dedent { return statements }
            let s = try statement()
            statements.append(s)
            if s.isCompound { continue }
            switch current.kind {
            case .newline: advance()
            case .end, .dedent: break
            default:
                throw ScriptError(.syntax, "expected the end of the statement, found \(current)", at: current.location,
                                  hint: "put one statement on each line")
            }
        }
    }

    private mutating func statement() throws -> Statement {
        let start = current
        switch start.kind {
        case .metaCommand(let name, let argument):
            advance()
            return Statement(kind: .metaCommand(name: name, argument: argument), location: start.location)
        case .indent:
            throw ScriptError(.syntax, "unexpected indentation", at: start.location,
                              hint: "indent only the body of a block, after a line ending in ':'")
        case .keyword(let k) where statementKeywords.contains(k):
            return try keywordStatement(k)
        default:
            return try simpleStatement()
        }
    }

    private mutating func keywordStatement(_ keyword: String) throws -> Statement {
        let start = advance()
        let at = start.location
        switch keyword {
        case "if":
            var branches: [(condition: Expr, body: [Statement])] = []
            var otherwise: [Statement]?
            branches.append((try expression(), try block(after: "if")))
            while true {
                // A one-line body leaves its newline before the `elif` / `else`.
                if current.kind == .newline, case .keyword(let k) = peek().kind, k == "elif" || k == "else" { advance() }
                if current.kind == .keyword("elif") {
                    advance()
                    branches.append((try expression(), try block(after: "elif")))
                } else if current.kind == .keyword("else") {
                    advance()
                    otherwise = try block(after: "else")
                    break
                } else {
                    break
                }
            }
            return Statement(kind: .conditional(branches: branches, otherwise: otherwise), location: at)
        case "while":
            let condition = try expression()
            return Statement(kind: .whileLoop(condition: condition, body: try block(after: "while")), location: at)
        case "for":
            guard case .identifier(let name) = current.kind else { throw unexpected(expected: "a name after 'for'") }
            advance()
            guard current.kind == .keyword("in") else { throw unexpected(expected: "'in' after 'for \(name)'") }
            advance()
            let sequence = try expression()
            return Statement(kind: .forLoop(variable: name, sequence: sequence, body: try block(after: "for")), location: at)
        case "def":
            return Statement(kind: .functionDefinition(try functionDefinition(at: at)), location: at)
        case "break": return Statement(kind: .breakLoop, location: at)
        case "continue": return Statement(kind: .continueLoop, location: at)
        case "pass": return Statement(kind: .pass, location: at)
        case "return":
            if endsStatement(current) { return Statement(kind: .returnValue(nil), location: at) }
            return Statement(kind: .returnValue(try expression()), location: at)
        default:
            // `elif` / `else` with no `if` before them.
            throw ScriptError(.syntax, "'\(keyword)' without an 'if' before it", at: at,
                              hint: "'\(keyword)' must follow the body of an 'if', indented as far as the 'if'")
        }
    }

    private func endsStatement(_ t: Token) -> Bool {
        t.kind == .newline || t.kind == .end || t.kind == .dedent
    }

    /// `: simple-statement` on the same line, or `:` NEWLINE INDENT statements DEDENT.
    private mutating func block(after keyword: String) throws -> [Statement] {
        _ = try expect(":", "':' to end the '\(keyword)' line")
        if restIsClosingBlocks || current.kind == .newline && onlyClosingBlocks(from: position + 1) {
            throw ScriptError(.incompleteInput, "expected an indented block after '\(keyword) …:'", at: current.location,
                              hint: "indent the lines of the body, e.g. by 4 spaces")
        }
        guard current.kind == .newline else {
            // A one-line body: `for k in ks: print k`.
            let s = try simpleStatementOrJump()
            return [s]
        }
        advance()
        guard current.kind == .indent else {
            throw ScriptError(.syntax, "expected an indented block after '\(keyword) …:'", at: current.location,
                              hint: "indent the lines of the body, e.g. by 4 spaces")
        }
        advance()
        try enter(at: current.location)
        defer { nesting -= 1 }
        let body = try statementList()
        if current.kind == .dedent { advance() }
        return body
    }

    private mutating func simpleStatementOrJump() throws -> Statement {
        if case .keyword(let k) = current.kind, ["break", "continue", "pass", "return"].contains(k) {
            return try keywordStatement(k)
        }
        if case .keyword(let k) = current.kind, statementKeywords.contains(k) {
            throw ScriptError(.syntax, "'\(k)' cannot follow ':' on the same line", at: current.location,
                              hint: "start a new line and indent it")
        }
        return try simpleStatement()
    }

    private mutating func functionDefinition(at location: SourceLocation) throws -> FunctionDefinition {
        guard case .identifier(let name) = current.kind else { throw unexpected(expected: "the function's name after 'def'") }
        advance()
        _ = try expect("(", "'(' and the parameters after 'def \(name)'")
        var parameters: [FunctionDefinition.Parameter] = []
        var seenDefault = false
        while !current.isPunct(")") {
            guard case .identifier(let p) = current.kind else { throw unexpected(expected: "a parameter name") }
            let t = advance()
            if parameters.contains(where: { $0.name == p }) {
                throw ScriptError(.syntax, "parameter '\(p)' appears twice", at: t.location)
            }
            var defaultValue: Expr?
            if accept("=") || accept(":") {
                defaultValue = try expression()
                seenDefault = true
            } else if seenDefault {
                throw ScriptError(.syntax, "parameter '\(p)' without a default follows one with a default", at: t.location,
                                  hint: "put the parameters that have defaults last")
            }
            parameters.append(.init(name: p, defaultValue: defaultValue, location: t.location))
            if !accept(",") { break }
        }
        _ = try expect(")", "')' to close the parameters")
        let body = try block(after: "def")
        return FunctionDefinition(name: name, parameters: parameters, body: body,
                                  doc: documentation(of: body, definedAt: location),
                                  source: source, location: location)
    }

    /// The first comment line of a function's body (or a string as its first statement, as in
    /// Python), for `help`.
    private func documentation(of body: [Statement], definedAt location: SourceLocation) -> String? {
        if let first = body.first, case .expression(let e) = first.kind, case .string(let s) = e.kind {
            return s.split(separator: "\n").first.map { String($0).trimmingBlanks() }
        }
        guard let firstLine = body.first?.location.line, firstLine > location.line else { return nil }
        // Comment lines between the `def` line and the first statement.
        for n in (location.line + 1)..<firstLine {
            let text = source.line(n)?.trimmingBlanks() ?? ""
            if text.hasPrefix("#") { return String(text.drop(while: { $0 == "#" })).trimmingBlanks() }
        }
        return nil
    }

    private static let assignmentOperators = ["=", "+=", "-=", "*=", "/=", "%=", "@="]

    private mutating func simpleStatement() throws -> Statement {
        let start = current
        if case .identifier(let name) = start.kind {
            // `help for`: a statement keyword as the topic of help.
            if name == "help", commandNames.contains(name), case .keyword(let k) = peek().kind, statementKeywords.contains(k) || k == "in" {
                advance()
                let topic = advance()
                let callee = Expr(kind: .name(name), location: start.location)
                let argument = Argument(label: nil, labelLocation: nil, value: Expr(kind: .string(k), location: topic.location))
                return Statement(kind: .expression(Expr(kind: .call(callee: callee, arguments: [argument]), location: start.location)),
                                 location: start.location)
            }
            // `help :vars`: a meta-command as help's topic.
            if name == "help", commandNames.contains(name), peek().isPunct(":"), case .identifier(let meta) = peek(2).kind {
                let topic = Expr(kind: .string(":" + meta), location: peek().location)
                advance(); advance(); advance()
                let callee = Expr(kind: .name(name), location: start.location)
                return Statement(kind: .expression(Expr(kind: .call(callee: callee, arguments: [Argument(label: nil, labelLocation: nil, value: topic)]),
                                                        location: start.location)), location: start.location)
            }
            if commandNames.contains(name), !Parser.assignmentOperators.contains(where: { peek().isPunct($0) }),
               startsArgument(peek()) {
                advance()
                let arguments = try argumentList(until: nil)
                let callee = Expr(kind: .name(name), location: start.location)
                return Statement(kind: .expression(Expr(kind: .call(callee: callee, arguments: arguments), location: start.location)),
                                 location: start.location)
            }
        }
        let e = try expression()
        for op in Parser.assignmentOperators where current.isPunct(op) {
            guard Parser.isAssignable(e) else {
                throw ScriptError(.syntax, "only a name, a part (x[i]) or a property (x.name) can be assigned to", at: current.location,
                                  hint: "write 'name = value', 'x[i] = value' or 'm.W = value'")
            }
            advance()
            let value = try expression()
            return Statement(kind: .assignment(target: e, op: op == "=" ? nil : String(op.dropLast()), value: value),
                             location: start.location)
        }
        return Statement(kind: .expression(e), location: start.location)
    }

    /// A name, or parts and properties of one: `x`, `W[0, 1]`, `m.W`, `m.W[0, 1]`.
    private static func isAssignable(_ e: Expr) -> Bool {
        switch e.kind {
        case .name: return true
        case .index(let base, _), .property(let base, _, _): return isAssignable(base)
        default: return false
        }
    }

    /// Counts one level of nesting (a bracket, a unary operator, a block) and refuses to go
    /// deeper than `maxNesting`, so deep input is an error rather than a stack overflow.
    private mutating func enter(at location: SourceLocation) throws {
        nesting += 1
        if nesting > Parser.maxNesting {
            throw ScriptError(.syntax, "nested too deeply (more than \(Parser.maxNesting) levels)", at: location,
                              hint: "split it up: assign inner parts to names, or move an inner block into a function")
        }
    }

    /// Whether only the dedents that close the text's blocks are left.
    private var restIsClosingBlocks: Bool { onlyClosingBlocks(from: position) }

    private func onlyClosingBlocks(from start: Int) -> Bool {
        tokens[min(start, tokens.count - 1)...].allSatisfy { $0.kind == .dedent || $0.kind == .end }
    }

    /// Can this token begin the first argument of a bracket-less command call?
    private func startsArgument(_ t: Token) -> Bool {
        switch t.kind {
        case .identifier, .number, .string: return true
        // Command names cannot be variables, so `plot [1, 2]` is a call, never an index.
        case .punct("["): return true
        case .keyword(let k): return ["true", "false", "none", "not"].contains(k)
        default: return false
        }
    }

    // MARK: Expressions

    mutating func expression() throws -> Expr { try or() }

    /// One left-associative precedence level, parsed into a flat chain (no recursion per term).
    private mutating func chain(_ operators: [Token.Kind], _ operand: (inout Parser) throws -> Expr) throws -> Expr {
        let first = try operand(&self)
        var rest: [ChainLink] = []
        while operators.contains(current.kind) {
            let t = advance()
            let op: String
            switch t.kind {
            case .punct(let p): op = p
            case .keyword(let k): op = k
            default: op = ""
            }
            rest.append(ChainLink(op: op, operand: try operand(&self), location: t.location))
        }
        if rest.isEmpty { return first }
        if rest.count == 1 {
            return Expr(kind: .binary(op: rest[0].op, lhs: first, rhs: rest[0].operand), location: rest[0].location)
        }
        return Expr(kind: .chain(first: first, rest: rest), location: rest[0].location)
    }

    private mutating func or() throws -> Expr {
        try chain([.keyword("or")]) { try $0.and() }
    }

    private mutating func and() throws -> Expr {
        try chain([.keyword("and")]) { try $0.not() }
    }

    private mutating func not() throws -> Expr {
        if current.kind == .keyword("not") {
            let op = advance()
            try enter(at: op.location)
            defer { nesting -= 1 }
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
        try chain([.punct("+"), .punct("-")]) { try $0.multiplicative() }
    }

    private mutating func multiplicative() throws -> Expr {
        try chain([.punct("*"), .punct("/"), .punct("%"), .punct("@")]) { try $0.unary() }
    }

    private mutating func unary() throws -> Expr {
        if current.isPunct("-") || current.isPunct("+") {
            let t = advance()
            guard case .punct(let op) = t.kind else { return try unary() }
            try enter(at: t.location)
            defer { nesting -= 1 }
            return Expr(kind: .unary(op: op, operand: try unary()), location: t.location)
        }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if current.isPunct("**") {
            let t = advance()
            try enter(at: t.location)
            defer { nesting -= 1 }
            return Expr(kind: .binary(op: "**", lhs: base, rhs: try unary()), location: t.location)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            if current.isPunct("(") {
                let open = advance()
                try enter(at: open.location)
                defer { nesting -= 1 }
                let arguments = try argumentList(until: ")")
                _ = try expect(")", "')' to close the call opened at column \(open.location.column)")
                e = Expr(kind: .call(callee: e, arguments: arguments), location: e.location)
            } else if current.isPunct("[") {
                let open = advance()
                try enter(at: open.location)
                defer { nesting -= 1 }
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
            if closer == nil, endsStatement(current) { break }
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
            try enter(at: t.location)
            defer { nesting -= 1 }
            let e = try expression()
            _ = try expect(")", "')'")
            return e
        case .punct("["):
            advance()
            try enter(at: t.location)
            defer { nesting -= 1 }
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

extension Statement {
    /// True for statements that end with an indented block (or a one-line body).
    var isCompound: Bool {
        switch kind {
        case .conditional, .whileLoop, .forLoop, .functionDefinition: return true
        default: return false
        }
    }
}
