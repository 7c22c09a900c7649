import ArgumentParser
import EBMScript
import Foundation

// Placeholders until the notebook replayer lands.
struct RunNotebook: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Replay a notebook and print each block's output.")
    @Argument(help: "The notebook (.ebm) to replay.") var file: String
    func run() throws { throw ValidationError("not yet") }
}

struct CheckNotebooks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Replay notebooks and compare every block's output with the recorded one.")
    @Argument(help: "The notebooks (.ebm) to check.") var files: [String]
    func run() throws { throw ValidationError("not yet") }
}

struct UpdateNotebooks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Replay notebooks and rewrite their recorded outputs in place.")
    @Argument(help: "The notebooks (.ebm) to update.") var files: [String]
    func run() throws { throw ValidationError("not yet") }
}
