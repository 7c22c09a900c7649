import ArgumentParser
import EBMScript
import Foundation

/// `ebm help`: the command line's usage and the language's command list; `ebm help NAME`: a
/// subcommand's usage (run, check, update) or a language command's help.
enum HelpCommand {
    static func run(topics: [String]) -> Int32 {
        let session = Session(output: StandardOutput())
        guard let topic = topics.first else {
            print(EBMCommand.helpMessage())
            print("")
            _ = session.run(SourceText(name: "<help>", text: "help"), record: false)
            return 0
        }
        for sub in EBMCommand.configuration.subcommands where sub.configuration.commandName == topic {
            print(EBMCommand.helpMessage(for: sub))
            return 0
        }
        let source = SourceText(name: "<help>", text: "help(\"\(topic.replacingOccurrences(of: "\"", with: ""))\")")
        if let error = session.run(source, record: false).error {
            StandardError.write(error.rendered(with: nil))
            return 1
        }
        return 0
    }
}
