/// `help` and `:help`: the command listing by category, and one command's signature, parameters
/// and details, all read from the command table.
extension Session {
    func runHelp(topic: String?, at location: SourceLocation) throws {
        guard var topic else {
            output.write(helpListing())
            return
        }
        // `:help "partition"` takes its argument as text: the quotes are not part of the topic.
        for quote in ["\"", "'"] where topic.count >= 2 && topic.hasPrefix(quote) && topic.hasSuffix(quote) {
            topic = String(topic.dropFirst().dropLast())
        }
        if topic.isEmpty {
            output.write(helpListing())
            return
        }
        // `help :save` is the meta-command, `help save` the command; `:help vars` finds the
        // meta-command when no command or variable has the name.
        if topic.hasPrefix(":") {
            output.write(metaCommandHelp(try MetaCommand.find(String(topic.dropFirst()), at: location)))
        } else if let c = commands[topic] {
            output.write(helpText(for: c))
        } else if case .object(let f as UserFunction)? = variables[topic] {
            output.write(f.helpText)
        } else if let text = Session.keywordHelp[topic] {
            output.write(text + "\nThe grammar: docs/language.md\n")
        } else if let v = variables[topic] {
            output.write(valueHelp(topic, v))
        } else if let m = MetaCommand.all.first(where: { $0.name == topic }) {
            output.write(metaCommandHelp(m))
        } else if case let hits = apropos(topic), !hits.isEmpty {
            output.write("'\(topic)' is not a command or a variable; the help that mentions it:\n" + hits)
        } else {
            let candidates = commands.names + Array(variables.keys) + MetaCommand.all.map { ":" + $0.name }
            let hint = closestName(to: topic, among: candidates).map { "did you mean '\($0)'? " } ?? ""
            throw ScriptError(.name, "'\(topic)' is not a command or a variable", at: location,
                              hint: hint + "type 'help' for the commands, ':help' for the meta-commands")
        }
    }

    func helpListing() -> String {
        var out = "Commands (help NAME for one; call as name(args) or, at the start of a line, name args):\n"
        for category in Command.Category.allCases {
            let members = commands.commands.filter { $0.category == category }
            if members.isEmpty { continue }
            out += "\n\(category.rawValue)\n"
            let width = members.map(\.name.count).max() ?? 0
            for c in members {
                out += "  \(c.name)\(String(repeating: " ", count: width - c.name.count))  \(c.summary)\n"
            }
        }
        out += "\nMeta-commands (any unambiguous prefix works, e.g. :q)\n"
        let width = MetaCommand.all.map { $0.name.count + ($0.argument.map { $0.count + 1 } ?? 0) }.max() ?? 0
        for m in MetaCommand.all {
            let head = m.name + (m.argument.map { " " + $0 } ?? "")
            out += "  :\(head)\(String(repeating: " ", count: width - head.count))  \(m.summary)\n"
        }
        return out
    }

    func helpText(for c: Command) -> String {
        var out = "\(c.signature)\n    \(c.summary)\n"
        func list(_ all: [Parameter]) -> String {
            let width = all.map(\.name.count).max() ?? 0
            var out = ""
            for p in all {
                var line = "  \(p.name)\(String(repeating: " ", count: width - p.name.count))  \(p.type.description)"
                if p.name == "seed" && c.name != "train" {
                    line += " (default: drawn from the session's generator; seed(N) restarts it)"
                } else if let d = p.defaultValue { line += " (default \(format.render(d)))" }
                if !p.help.isEmpty { line += "\n  \(String(repeating: " ", count: width))  \(p.help)" }
                out += line + "\n"
            }
            return out
        }
        let grouped = c.groupedParameterNames
        if !c.parameters.isEmpty || c.variadic != nil {
            out += "\nArguments:\n" + list(c.parameters.filter { !grouped.contains($0.name) } + (c.variadic.map { [$0] } ?? []))
        }
        for group in c.parameterGroups {
            out += "\nFor \(group.title)\n" + list(group.parameters)
        }
        if !c.details.isEmpty { out += "\n" + c.details + (c.details.hasSuffix("\n") ? "" : "\n") }
        return out
    }

    /// `help for`, `help def`, …: the statement's form and an example.
    static let keywordHelp: [String: String] = {
        let loops = """
        for NAME in EXPR:          loop over a list, range(…), a tensor's rows or a data set's examples
            BODY
        while CONDITION:           repeat while CONDITION is true
            BODY
        break                      leave the innermost loop
        continue                   go on with its next iteration
        Example:
          for k in [1, 2, 5]:
              print k, log_z(rbm(visible: 8, hidden: k, seed: 1))
        """
        let conditionals = """
        if CONDITION:              CONDITION is true or false (compare first: x > 0)
            BODY
        elif CONDITION:
            BODY
        else:
            BODY
        """
        let functions = """
        def NAME(a, b=1):          a function; b has a default; call as NAME(x) or NAME(x, b: 2)
            # the first comment line is what help NAME shows
            return EXPR            give a value (none without return)
        pass                       a statement that does nothing
        grad(NAME, x)              ∂NAME/∂x by automatic differentiation, when NAME returns a number
        """
        return ["for": loops, "in": loops, "while": loops, "break": loops, "continue": loops,
                "if": conditionals, "elif": conditionals, "else": conditionals,
                "def": functions, "return": functions, "pass": functions]
    }()
}
