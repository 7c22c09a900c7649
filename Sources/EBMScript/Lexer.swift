/// Turns source text into tokens.
///
/// Newlines end statements except inside brackets, where they are ignored so that a long call
/// can span lines. `#` starts a comment to the end of the line. A line whose first non-blank
/// character is `:` (outside brackets) is a meta-command: its name, and the rest of the line as
/// its argument. Text that ends inside a string or a bracket raises `.incompleteInput`, which is
/// how the REPL knows to ask for another line.
///
/// Indentation is Python's: at the start of each line outside brackets the lexer compares the
/// line's indentation (a tab counts to the next multiple of 8) with a stack of the enclosing
/// blocks' indentations, and emits `.indent` when it grows and one `.dedent` per block it
/// closes. Blank and comment-only lines do not count, and a block starts only after a line
/// ending in `:` (other extra indentation is ignored, as the language always did). Brackets nest at most `maxNesting` deep.
struct Lexer {
    /// How deeply brackets may nest; deeper input is a located error, never a stack overflow.
    static let maxNesting = 100

    private let chars: [Character]
    private let source: SourceText
    private var index = 0
    private var line: Int
    private var column = 1
    private var depth = 0
    private var openBrackets: [(Character, SourceLocation)] = []
    private var atLineStart = true
    /// The indentation of every open block, outermost (0) first.
    private var indentation: [Int] = [0]
    /// Set while the first token of a line is being read (meta-commands must start a line).
    private var firstOnLine = false
    private var queued: [Token] = []
    /// Whether the last line (outside brackets) ended with ':', so the next must be indented.
    private var lineEndedWithColon = false
    private var lastKind: Token.Kind = .newline

    init(_ source: SourceText) {
        self.source = source
        self.chars = Array(source.text)
        self.line = source.firstLine
    }

    static func tokenize(_ source: SourceText) throws -> [Token] {
        var lexer = Lexer(source)
        return try lexer.all()
    }

    private var location: SourceLocation { SourceLocation(source: source.name, line: line, column: column) }
    private func peek(_ k: Int = 0) -> Character? { index + k < chars.count ? chars[index + k] : nil }

    private mutating func advance() -> Character {
        let c = chars[index]
        index += 1
        if c == "\n" { line += 1; column = 1 } else { column += 1 }
        return c
    }

    mutating func all() throws -> [Token] {
        var tokens: [Token] = []
        while true {
            let t = try next()
            // Collapse runs of newlines and drop leading ones: blank lines mean nothing.
            if t.kind == .newline, tokens.last?.kind == .newline || tokens.isEmpty { continue }
            if t.kind == .end {
                // Every block still open ends with the text.
                for _ in indentation.dropFirst() {
                    tokens.append(Token(kind: .dedent, location: t.location, offset: t.offset, length: 0))
                }
                indentation = [0]
                tokens.append(t)
                break
            }
            tokens.append(t)
        }
        return tokens
    }

    /// At the start of a line outside brackets: skips blank and comment-only lines, then
    /// compares the line's indentation with the open blocks' and queues indents or dedents.
    private mutating func startLine() throws {
        while true {
            var width = 0
            while let c = peek(), c == " " || c == "\t" || c == "\r" {
                if c == " " { width += 1 } else if c == "\t" { width = (width / 8 + 1) * 8 }
                _ = advance()
            }
            if peek() == "#" { while let ch = peek(), ch != "\n" { _ = advance() } }
            guard let c = peek() else { return }          // the end: `all` closes the blocks
            if c == "\n" { _ = advance(); continue }       // a blank line counts for nothing
            if c == "\\" && peek(1) == "\n" { return }    // a continued line: no indentation change
            atLineStart = false
            firstOnLine = true
            let at = location
            let offset = index
            func token(_ kind: Token.Kind) -> Token { Token(kind: kind, location: at, offset: offset, length: 0) }
            guard let current = indentation.last else { return }
            if width > current {
                // A block starts only after a line ending in ':'; other extra indentation
                // (a pasted line, a hand-aligned continuation) means nothing.
                if lineEndedWithColon {
                    indentation.append(width)
                    queued.append(token(.indent))
                }
            } else if width < current {
                while let last = indentation.last, last > width {
                    indentation.removeLast()
                    queued.append(token(.dedent))
                }
                if indentation.last != width {
                    throw ScriptError(.syntax, "this line's indentation matches no enclosing block", at: at,
                                      hint: "indent it exactly as far as the lines of the block it belongs to")
                }
            }
            return
        }
    }

    private mutating func next() throws -> Token {
        let t = try nextToken()
        if t.kind == .newline { lineEndedWithColon = lastKind == .punct(":") }
        lastKind = t.kind
        return t
    }

    private mutating func nextToken() throws -> Token {
        if atLineStart && depth == 0 { try startLine() }
        if !queued.isEmpty { return queued.removeFirst() }
        skipBlanksAndComments()
        let start = location
        let startIndex = index
        func token(_ kind: Token.Kind) -> Token {
            Token(kind: kind, location: start, offset: startIndex, length: index - startIndex)
        }
        guard let c = peek() else {
            if let (open, at) = openBrackets.last {
                throw ScriptError(.incompleteInput, "'\(open)' is never closed", at: at,
                                  hint: "close it with '\(Lexer.closing[open]!)'")
            }
            return token(.end)
        }
        let lineStart = firstOnLine || atLineStart
        atLineStart = false
        firstOnLine = false
        if c == "\n" {
            _ = advance()
            atLineStart = true
            return token(.newline)
        }
        if c == ":" && lineStart && depth == 0, let n = peek(1), n.isLetter {
            _ = advance()
            var name = ""
            while let ch = peek(), ch.isLetter || ch.isNumber || ch == "_" { name.append(advance()) }
            var argument = ""
            while let ch = peek(), ch != "\n" { argument.append(advance()) }
            return token(.metaCommand(name: name, argument: argument.trimmingBlanks()))
        }
        if c.isLetter || c == "_" {
            var name = ""
            while let ch = peek(), ch.isLetter || ch.isNumber || ch == "_" { name.append(advance()) }
            return token(keywords.contains(name) ? .keyword(name) : .identifier(name))
        }
        if c.isASCII && c.isNumber || (c == "." && (peek(1)?.isASCII ?? false) && (peek(1)?.isNumber ?? false)) {
            return token(.number(try number(start: start)))
        }
        if c == "\"" || c == "'" {
            return token(.string(try string(quote: c, start: start)))
        }
        _ = advance()
        switch c {
        case "(", "[", "{":
            if depth >= Lexer.maxNesting {
                throw ScriptError(.syntax, "brackets nested too deeply (more than \(Lexer.maxNesting) levels)", at: start,
                                  hint: "split the expression: assign inner parts to names first")
            }
            depth += 1
            openBrackets.append((c, start))
            return token(.punct(String(c)))
        case ")", "]", "}":
            guard let (open, _) = openBrackets.last else {
                throw ScriptError(.syntax, "unexpected '\(c)' with no matching opening bracket", at: start,
                                  hint: "remove it, or add the opening bracket before it")
            }
            guard Lexer.closing[open] == c else {
                throw ScriptError(.syntax, "'\(c)' does not close '\(open)'", at: start,
                                  hint: "expected '\(Lexer.closing[open]!)' here")
            }
            depth -= 1
            openBrackets.removeLast()
            return token(.punct(String(c)))
        case "*":
            if peek() == "*" { _ = advance(); return token(.punct("**")) }
            if peek() == "=" { _ = advance(); return token(.punct("*=")) }
            return token(.punct("*"))
        case "=", "!", "<", ">":
            if peek() == "=" { _ = advance(); return token(.punct(String(c) + "=")) }
            if c == "!" {
                throw ScriptError(.syntax, "unexpected '!'", at: start, hint: "write 'not x' for negation, '!=' for inequality")
            }
            return token(.punct(String(c)))
        case "+", "-", "/", "%", "@":
            // Augmented assignment: `x += 1` is `x = x + 1`.
            if peek() == "=" { _ = advance(); return token(.punct(String(c) + "=")) }
            return token(.punct(String(c)))
        case ",", ":", ".":
            return token(.punct(String(c)))
        default:
            throw ScriptError(.syntax, "unexpected character '\(c)'", at: start,
                              hint: "names are letters, digits and '_'; strings go in quotes")
        }
    }

    private static let closing: [Character: Character] = ["(": ")", "[": "]", "{": "}"]

    private mutating func skipBlanksAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" {
                _ = advance()
            } else if c == "#" {
                while let ch = peek(), ch != "\n" { _ = advance() }
            } else if c == "\n" && depth > 0 {
                _ = advance()   // inside brackets a newline is just space
            } else if c == "\\" && peek(1) == "\n" {
                _ = advance(); _ = advance()   // explicit line continuation
            } else {
                return
            }
        }
    }

    private mutating func number(start: SourceLocation) throws -> Double {
        var text = ""
        func digits() { while let ch = peek(), ch.isASCII && ch.isNumber || ch == "_" { let d = advance(); if d != "_" { text.append(d) } } }
        digits()
        if peek() == ".", let n = peek(1), n.isASCII && n.isNumber { text.append(advance()); digits() }
        else if peek() == ".", !(peek(1)?.isLetter ?? false), peek(1) != "." { text.append(advance()) }
        if let e = peek(), e == "e" || e == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if let d = peek(signed ? 2 : 1), d.isASCII && d.isNumber {
                text.append(advance())
                if signed { text.append(advance()) }
                digits()
            }
        }
        if let ch = peek(), ch.isLetter || ch == "_" {
            throw ScriptError(.syntax, "a number cannot run into a name ('\(text)\(ch)…')", at: start,
                              hint: "put an operator between them, e.g. \(text) * \(ch)")
        }
        guard let value = Double(text) else {
            throw ScriptError(.syntax, "'\(text)' is not a number", at: start)
        }
        return value
    }

    private mutating func string(quote: Character, start: SourceLocation) throws -> String {
        _ = advance()
        var value = ""
        while true {
            guard let c = peek() else {
                throw ScriptError(.incompleteInput, "the string is never closed", at: start,
                                  hint: "end it with \(quote)")
            }
            _ = advance()
            if c == quote { return value }
            if c == "\\" {
                let at = location
                guard let e = peek() else { continue }
                _ = advance()
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                case "'": value.append("'")
                case "\n": break
                default:
                    throw ScriptError(.syntax, "unknown escape '\\\(e)' in a string", at: at,
                                      hint: "use \\n, \\t, \\\\, \\\" or \\'")
                }
            } else {
                value.append(c)
            }
        }
    }
}

extension String {
    func trimmingTrailingBlanks() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }

    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
