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

    static let print = Command(
        "print", category: .session,
        summary: "write values on one line, separated by spaces (strings without quotes)",
        variadic: Parameter("values", .any, ""),
        details: "Example:\n  print \"log Z =\", log_z"
    ) { args, context in
        let text = args.rest.map { v -> String in
            if case .string(let s) = v { return s }
            return context.format.render(v)
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
