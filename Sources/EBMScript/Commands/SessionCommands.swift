import EBM

extension Command {
    static let help = Command(
        "help", category: .session,
        summary: "list the commands, or explain one: help train",
        parameters: [Parameter("command", .optional(.oneOf([.string, .any])), default: Value.none, "a command, or its name")],
        details: """
        Examples:
          help                 # every command, by topic
          help bars_and_stripes
          help(png)
          help m               # what the variable m holds, and the commands that take it
          help :save           # a meta-command
          help "partition"     # every command whose help mentions a word (as apropos)
        """
    ) { args, context in
        var topic: String?
        switch args["command"] {
        case .none: topic = nil
        case .string(let s): topic = s
        case .command(let c): topic = c.name
        case .object(let f as UserFunction):
            context.write(f.helpText)
            return .none
        case let other:
            throw args.error("command", "help takes a command or its name, got \(describe(other))")
        }
        try context.session.runHelp(topic: topic, at: context.location)
        return .none
    }

    static let apropos = Command(
        "apropos", category: .session,
        summary: "search all help text for a word: apropos \"partition\"",
        parameters: [Parameter("word", .string, "a word or phrase (case does not matter)")],
        details: "Lists every command and meta-command whose help mentions the word, as Julia's apropos does."
    ) { args, context in
        let word = args.string("word")
        let hits = context.session.apropos(word)
        context.write(hits.isEmpty ? "no help mentions \"\(word)\"\n" : hits)
        return .none
    }

    static let seed = Command(
        "seed", category: .session,
        summary: "reset the session's random generator: seed(1), as numpy.random.seed",
        parameters: [Parameter("n", .integer(min: 0, max: nil), "the new seed")],
        details: """
        Every random command given no seed: draws one from the session's generator, which starts
        the same in every session (a notebook replays identically); seed(N) restarts it, so what
        follows repeats. An explicit seed: keeps its meaning and does not advance the generator.
        """
    ) { args, context in
        context.session.generator = Xoshiro256StarStar(seed: UInt64(args.int("n")))
        return .none
    }

    static let print = Command(
        "print", category: .session,
        summary: "write values on one line, separated by spaces (strings without quotes)",
        parameters: [Parameter("full", .bool, default: .bool(false), "print every entry of a tensor, however large").byNameOnly()],
        variadic: Parameter("values", .any, ""),
        details: "Vectors and matrices print whole up to 20 × 20 and clipped beyond; full: true prints everything.\nExamples:\n  print \"log Z =\", log_z\n  print(x, full: true)"
    ) { args, context in
        var format = context.format
        if args.bool("full") { format.fullThreshold = .max }
        let text = args.rest.map { v -> String in
            if case .string(let s) = v { return s }
            return format.render(v)
        }.joined(separator: " ")
        context.write(text + "\n")
        return .none
    }

    static let str = Command(
        "str", category: .session,
        summary: "the printed form of a value, as a string",
        parameters: [Parameter("value", .any, "any value")]
    ) { args, context in
        if case .string = args["value"] { return args["value"] }
        return .string(context.format.render(args["value"]))
    }
}
