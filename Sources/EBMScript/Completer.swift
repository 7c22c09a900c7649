/// Tab completion for the REPL, kept apart from readline so that it can be tested as plain logic.
///
/// The word being completed is the run of name characters (letters, digits, `_`) just before the
/// cursor; the REPL's line editor breaks words at every other character, so both agree on what
/// is replaced. What is offered depends on where that word sits:
///
/// - after `:` at the start of a line: the meta-command names (`:va` → `vars`);
/// - inside an unclosed string: the parameter's choices when it has them (`method: "` →
///   `cd`, `pcd`, …; for `train` those of the model's family; `plot h, y: "` → h's columns;
///   `derive(m, d, derivation: "` → m's derivations), else a file path;
/// - as an argument of an open call `name(…` (or of a bracket-less call `name a, …`): that
///   command's keyword arguments not yet given, written `label: `, plus variables and commands;
/// - after `x.`: the properties of variable `x`;
/// - anywhere else: command and variable names.
public enum Completer {
    /// What to offer for the word before the cursor.
    public enum Completion: Equatable, Sendable {
        /// Replacements for the word (each starts with it), sorted and without duplicates.
        case candidates([String])
        /// The cursor is inside a string (or a file argument of `:load`/`:save`): complete a
        /// file path there.
        case filePath
        /// The cursor is inside a string that takes one of these values (without quotes).
        case choices([String])
    }

    /// The completion at `cursor` in `line`.
    ///
    /// - Parameters:
    ///   - line: the line being edited.
    ///   - cursor: the cursor's offset in `line` in UTF-8 bytes (as readline's `rl_point`); it is
    ///     clamped to the line and moved back to a character boundary.
    ///   - pending: earlier lines of an entry still being typed (a call open across lines), so
    ///     that an open bracket or string on them is seen.
    public static func complete(line: String, cursor: Int, pending: String = "", session: Session) -> Completion {
        let utf8 = line.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, min(cursor, utf8.count)))
        while end > line.startIndex, end.samePosition(in: line.unicodeScalars) == nil {
            end = utf8.index(before: end)
        }
        let before = String(line[..<end])
        return complete(before: pending.isEmpty ? before : pending + "\n" + before,
                        metaAllowed: pending.isEmpty, session: session)
    }

    /// The completion at the end of `text` (everything typed before the cursor).
    static func complete(before text: String, metaAllowed: Bool, session: Session) -> Completion {
        if metaAllowed, let meta = metaCommandCompletion(text, session: session) { return meta }
        let scan = Scan(text)
        if scan.inString { return stringCompletion(Array(scan.tokens.dropLast()), session: session) }
        if scan.inComment { return .candidates([]) }

        var word = ""
        var tokens = scan.tokens
        if let last = tokens.last, last.end == scan.length {
            switch last.kind {
            case .name(let n): word = n; tokens.removeLast()
            case .number: return .candidates([])
            default: break
            }
        }
        let previous = tokens.last

        // `x.` → the properties of x.
        if let previous, previous.kind == .punct("."), previous.end == scan.length - word.count {
            let base = tokens.dropLast().last
            guard let base, case .name(let name) = base.kind, base.end == previous.end - 1,
                  let value = session.variables[name] else { return .candidates([]) }
            return .candidates(filtered(Properties.names(of: value), word))
        }

        var names = Array(session.variables.keys) + session.commands.names
        if let call = openCall(in: tokens), let previous, previous.kind == .punct(call.opener) || previous.kind == .punct(",") {
            // A command's parameters, or those of a function defined with `def`.
            var parameters: [String] = []
            if let command = session.commands[call.name] {
                parameters = command.parameters.map(\.name)
            } else if case .object(let f as UserFunction)? = session.variables[call.name] {
                parameters = f.definition.parameters.map(\.name)
            }
            let given = call.givenLabels
            let labels = parameters.filter { !given.contains($0) }
            // `seed: ` beside the command `seed` would stop Tab at the common prefix: the label wins.
            names = names.filter { !labels.contains($0) } + labels.map { $0 + ": " }
        }
        // At the start of a statement: the statement keywords too (`for`, `while`, `def`, …).
        if previous == nil || previous?.kind == .newline {
            names += statementKeywords
        }
        return .candidates(filtered(names, word))
    }

    /// Inside the string that `tokens` lead to: the choices of the parameter it is the value of.
    private static func stringCompletion(_ tokens: [Scan.Token], session: Session) -> Completion {
        guard let call = openCall(in: tokens), let command = session.commands[call.name] else { return .filePath }
        let arguments = call.arguments
        // Labelled: `label: "` or `label = "`; positional: the count of top-level commas.
        var parameter: Parameter?
        if arguments.count >= 2, case .name(let label) = arguments[arguments.count - 2].kind,
           arguments.last?.kind == .punct(":") || arguments.last?.kind == .punct("=") {
            parameter = command.parameters.first { $0.name == label }
        } else {
            var depth = 0, index = 0
            for t in arguments {
                switch t.kind {
                case .punct("("), .punct("["), .punct("{"): depth += 1
                case .punct(")"), .punct("]"), .punct("}"): depth -= 1
                case .punct(",") where depth == 0: index += 1
                default: break
                }
            }
            let positional = command.parameters.filter { !$0.keywordOnly }
            parameter = index < positional.count ? positional[index] : nil
        }
        guard let parameter else { return .filePath }
        // The first argument, when it is a variable, refines the choices by what it holds.
        var subject: Value?
        if case .name(let n)? = arguments.first?.kind { subject = session.variables[n] }
        switch (command.name, parameter.name) {
        case ("train", "method"):
            if case .object(let m as any ModelValue)? = subject, !m.trainMethods.isEmpty {
                return .choices(m.trainMethods)
            }
        case ("plot", "y"):
            if case .object(let o)? = subject {
                let history = (o as? HistoryValue) ?? (o as? any ModelValue)?.historyValue
                if let history { return .choices(history.history.columnNames) }
            }
            return .choices([])
        case ("derive", "derivation"):
            if case .object(let m as any ModelValue)? = subject { return .choices(m.derivations) }
        default: break
        }
        let choices = parameter.type.choices
        return choices.isEmpty ? .filePath : .choices(choices)
    }

    /// `:` at the start of a line: meta-command names, then for `:help` a command, for
    /// `:load`/`:save` a file.
    private static func metaCommandCompletion(_ text: String, session: Session) -> Completion? {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.first == ":", !trimmed.contains("\n") else { return nil }
        let rest = trimmed.dropFirst()
        guard let space = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            guard rest.allSatisfy(isNameCharacter) else { return .candidates([]) }
            return .candidates(filtered(MetaCommand.all.map(\.name), String(rest)))
        }
        let name = String(rest[..<space])
        let argument = rest[space...].drop(while: { $0 == " " || $0 == "\t" })
        let matches = MetaCommand.all.filter { $0.name.hasPrefix(name) }
        guard !name.isEmpty, matches.count == 1 || matches.contains(where: { $0.name == name }) else {
            return .candidates([])
        }
        let meta = matches.first(where: { $0.name == name }) ?? matches[0]
        switch meta.name {
        case "load", "save": return .filePath
        case "help":
            guard argument.allSatisfy(isNameCharacter) else { return .candidates([]) }
            return .candidates(filtered(session.commands.names, String(argument)))
        default: return .candidates([])
        }
    }

    /// The names starting with `word`, sorted and de-duplicated.
    private static func filtered(_ names: [String], _ word: String) -> [String] {
        Array(Set(names.filter { $0.hasPrefix(word) })).sorted()
    }

    static func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// The innermost open bracket, when it is a call's `(` right after a name; else, with no
    /// bracket open, a bracket-less call (`rand 3, se`) on the last line.
    private static func openCall(in tokens: [Scan.Token]) -> OpenCall? {
        var stack: [Int] = []   // indices of open brackets
        for (i, t) in tokens.enumerated() {
            guard case .punct(let p) = t.kind else { continue }
            if p == "(" || p == "[" || p == "{" { stack.append(i) }
            if p == ")" || p == "]" || p == "}" { _ = stack.popLast() }
        }
        if let open = stack.last {
            guard tokens[open].kind == .punct("("), open > 0, case .name(let name) = tokens[open - 1].kind,
                  tokens[open - 1].end == tokens[open].index else { return nil }
            return OpenCall(name: name, opener: "(",
                            arguments: Array(tokens[(open + 1)...]))
        }
        // A statement that starts with a name followed by an argument is a bracket-less call.
        let statementStart = tokens.lastIndex(where: { $0.kind == .newline }).map { $0 + 1 } ?? 0
        guard statementStart + 1 < tokens.count, case .name(let name) = tokens[statementStart].kind else { return nil }
        switch tokens[statementStart + 1].kind {
        case .name, .number, .string: break
        default: return nil
        }
        return OpenCall(name: name, opener: ",",
                        arguments: Array(tokens[(statementStart + 1)...]))
    }

    private struct OpenCall {
        var name: String
        /// The token after which a first argument may follow: `(`, or for a bracket-less call
        /// (whose first argument is already there) `,`.
        var opener: String
        var arguments: [Scan.Token]

        /// Labels already written at the call's own level (`label:` or `label =`).
        var givenLabels: Set<String> {
            var labels: Set<String> = []
            var depth = 0
            for (i, t) in arguments.enumerated() {
                switch t.kind {
                case .punct("("), .punct("["), .punct("{"): depth += 1
                case .punct(")"), .punct("]"), .punct("}"): depth -= 1
                case .name(let n) where depth == 0 && i + 1 < arguments.count:
                    let next = arguments[i + 1].kind
                    if next == .punct(":") || next == .punct("=") { labels.insert(n) }
                default: break
                }
            }
            return labels
        }
    }
}

/// A forgiving tokenizer for text that is still being typed: unlike the lexer it never fails,
/// and it reports whether the text ends inside a string or a comment.
private struct Scan {
    struct Token: Equatable {
        enum Kind: Equatable {
            case name(String)
            case number
            case string
            case punct(String)
            case newline
        }
        var kind: Kind
        /// Start and end offsets in characters.
        var index: Int
        var end: Int
    }

    var tokens: [Token] = []
    var inString = false
    var inComment = false
    let length: Int

    init(_ text: String) {
        let chars = Array(text)
        length = chars.count
        var depth = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let start = i
            if c == "\n" {
                // Inside brackets a newline is just space, as in the lexer.
                if depth == 0 { tokens.append(Token(kind: .newline, index: i, end: i + 1)) }
                i += 1
            } else if c == " " || c == "\t" || c == "\r" {
                i += 1
            } else if c == "\\" && i + 1 < chars.count && chars[i + 1] == "\n" {
                i += 2   // an explicit line continuation joins the lines
            } else if c == "#" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                if i == chars.count { inComment = true }
            } else if c == "\"" || c == "'" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\" { i += 2; continue }
                    if chars[i] == c { closed = true; i += 1; break }
                    i += 1
                }
                if !closed { inString = true; i = chars.count }
                tokens.append(Token(kind: .string, index: start, end: min(i, chars.count)))
            } else if c.isLetter || c == "_" {
                while i < chars.count && Completer.isNameCharacter(chars[i]) { i += 1 }
                tokens.append(Token(kind: .name(String(chars[start..<i])), index: start, end: i))
            } else if c.isNumber {
                while i < chars.count && (Completer.isNameCharacter(chars[i]) || chars[i] == ".") { i += 1 }
                tokens.append(Token(kind: .number, index: start, end: i))
            } else {
                // Two-character operators, so that `a == b` is not read as a label `a =`.
                if i + 1 < chars.count, chars[i + 1] == "=", "=!<>".contains(c) {
                    i += 2
                } else if c == "*", i + 1 < chars.count, chars[i + 1] == "*" {
                    i += 2
                } else {
                    i += 1
                }
                let p = String(chars[start..<i])
                if p == "(" || p == "[" || p == "{" { depth += 1 }
                if p == ")" || p == "]" || p == "}" { depth = max(0, depth - 1) }
                tokens.append(Token(kind: .punct(p), index: start, end: i))
            }
        }
    }
}

extension ParameterType {
    /// The string values the type takes by name (`.choice`, also inside `.oneOf`/`.optional`).
    var choices: [String] {
        switch self {
        case .choice(let cs): return cs
        case .oneOf(let types): return types.flatMap(\.choices)
        case .optional(let t): return t.choices
        default: return []
        }
    }
}
