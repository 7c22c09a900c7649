/// Help beyond the command table: meta-commands, values held in variables, and a keyword
/// search over all help text (Julia's `apropos`).
extension Session {
    /// `help :save`, `:help vars`: a meta-command's own help.
    func metaCommandHelp(_ m: MetaCommand) -> String {
        var out = ":\(m.name)\(m.argument.map { " " + $0 } ?? "")\n    \(m.summary)\n"
        if let details = MetaCommand.details[m.name] { out += "\n" + details + "\n" }
        out += "\nA meta-command acts on the session; it starts a line with ':' and any unambiguous prefix works (:\(m.name.prefix(2))).\n"
        return out
    }

    /// `help m` on a variable: its kind, sizes, properties and the commands that take it.
    func valueHelp(_ name: String, _ value: Value) -> String {
        var out = "\(name) is \(describe(value))\n"
        if case .object(let o as any ModelValue) = value {
            let family = o.family
            out += "\n\(o.article), made by " + family.constructors.map { $0 + "(...)" }.joined(separator: ", ") + "; it has:\n"
            for capability in ModelCapability.allCases where o.capabilities.contains(capability) {
                let takers = capability.commands.filter { commands[$0] != nil }
                out += "  " + capability.rawValue + (takers.isEmpty ? "" : ": " + takers.joined(separator: ", ")) + "\n"
            }
        }
        let properties = Properties.names(of: value)
        if !properties.isEmpty {
            out += "\nProperties (\(name).NAME): " + properties.joined(separator: ", ") + "\n"
        }
        if case .object(let o) = value, !(o is any ModelValue) {
            // A data set also goes wherever a tensor parameter is documented as taking one
            // (train's data, log_likelihood's data, …), not only where its kind is named.
            let takers = commands.commands.filter { c in
                (c.parameters + (c.variadic.map { [$0] } ?? [])).contains { p in
                    p.type.namesKind(o.kindName)
                        || (o.kindName == "dataset" && p.type.takesTensor && p.help.lowercased().contains("data set"))
                }
            }.map(\.name)
            if !takers.isEmpty { out += "Commands that take it: " + takers.joined(separator: ", ") + "\n" }
        }
        return out
    }

    /// Every command and meta-command whose help mentions `keyword` (case-insensitive), with
    /// its summary; empty when none does.
    func apropos(_ keyword: String) -> String {
        let needle = keyword.lowercased()
        var hits: [(String, String)] = []
        for c in commands.commands where helpText(for: c).lowercased().contains(needle) { hits.append((c.name, c.summary)) }
        for m in MetaCommand.all where metaCommandHelp(m).lowercased().contains(needle) { hits.append((":" + m.name, m.summary)) }
        guard !hits.isEmpty else { return "" }
        let width = hits.map(\.0.count).max() ?? 0
        return hits.map { "  \($0.0)\(String(repeating: " ", count: width - $0.0.count))  \($0.1)\n" }.joined()
    }
}

extension MetaCommand {
    /// More than the one-line summary, for `help :name`.
    static let details: [String: String] = [
        "help": "With no argument, every command by topic and the meta-commands. With a name: a command's\nhelp, a meta-command's (:help :save), or what a variable holds (:help m). Any other word\nsearches all help text (:help partition), as apropos does.",
        "vars": "One line per variable in the order they were assigned: its name, kind and size (no values).",
        "info": "The BLAS library and its kernel selection, libpng, zlib and readline versions, and the\nmachine's cores: what to quote when reporting a speed or a crash.",
        "save": "Writes the session so far as a Markdown notebook: each entry as an ```ebm block with its\noutput below it, so that ebm check can replay it. Example: :save session.ebm\n(The command save(m, \"file\") saves a model instead: help save.)",
        "load": "Runs a notebook's ```ebm blocks (or a plain script) in this session, with paths relative\nto the notebook's folder; its variables stay defined. Example: :load notebooks/tour.ebm",
        "reset": "Forgets every variable, as if ebm had just started.",
        "quit": "Leaves ebm; the history is kept for the next session.",
    ]
}

extension ModelCapability {
    /// The commands that ask a model for this capability (for `help m`).
    var commands: [String] {
        switch self {
        case .energy: return ["energy", "free_energy"]
        case .exactLikelihood: return ["log_z", "loglik"]
        case .enumeration: return ["grad", "gradcheck", "derive"]
        case .pseudoLikelihood: return ["pll"]
        case .markovChain: return ["gibbs"]
        case .gradient: return ["langevin", "energy_map"]
        case .score: return ["score", "annealed_langevin"]
        case .training: return ["train"]
        case .filters: return ["filters", "show", "png"]
        case .derivation: return ["derive"]
        case .hiddenUnits: return ["p_h_given_x", "p_x_given_h", "reconstruct", "recon_error"]
        case .ais: return ["ais"]
        }
    }
}

extension ParameterType {
    /// True when the type names the object kind `kind` (so the parameter takes such a value).
    /// A tensor (and so a data set) is accepted here.
    var takesTensor: Bool {
        switch self {
        case .tensor: return true
        case .oneOf(let types): return types.contains { $0.takesTensor }
        case .optional(let t): return t.takesTensor
        default: return false
        }
    }

    func namesKind(_ kind: String) -> Bool {
        switch self {
        case .object(let kinds): return kinds.contains(kind)
        case .oneOf(let types): return types.contains { $0.namesKind(kind) }
        case .optional(let t): return t.namesKind(kind)
        default: return false
        }
    }
}
