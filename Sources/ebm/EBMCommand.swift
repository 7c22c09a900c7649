import ArgumentParser
import EBMScript
import Foundation

/// The command line: `ebm` (a REPL on a terminal, a script from a pipe), `ebm -e COMMAND`,
/// and the notebook commands `run`, `check` and `update`.
struct EBMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebm",
        abstract: "Energy-based models, learned by doing: a small language for building, sampling and training them.",
        discussion: """
        With no arguments on a terminal, ebm starts an interactive session (type 'help' there). \
        With standard input from a pipe or a file, it runs the commands it reads and stops at the \
        first error with a non-zero exit status.

        Language help: ebm help COMMAND (for example: ebm help bars_and_stripes).
        """,
        subcommands: [Start.self, RunNotebook.self, CheckNotebooks.self, UpdateNotebooks.self],
        defaultSubcommand: Start.self
    )
}

/// The default: the REPL, a piped script, or one command with `-e`.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an interactive session (the default), or run commands from -e or a pipe.",
        shouldDisplay: false
    )

    @Option(name: [.customShort("e"), .customLong("execute")], help: "Run these commands and exit (may be repeated).")
    var commands: [String] = []
    @OptionGroup var memory: MemoryBudgetOption

    func run() throws {
        try memory.apply()
        if !commands.isEmpty {
            let session = Session(output: StandardOutput())
            for (i, text) in commands.enumerated() {
                let source = SourceText(name: commands.count == 1 ? "<command line>" : "<command line \(i + 1)>", text: text)
                let result = session.run(source)
                if let error = result.error {
                    StandardError.write(error.rendered(with: source))
                    throw ExitCode(1)
                }
                if result.quit { break }
            }
            return
        }
        if isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 {
            try REPL().run()
        } else {
            try ScriptFromStandardInput.run()
        }
    }
}

/// Standard output as the session's sink.
/// Goes through C's stdout, like Swift's `print`, so the two never reorder; flushed at once so
/// output appears before a prompt or a progress bar.
final class StandardOutput: TextSink {
    func write(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
}

enum StandardError {
    static func write(_ text: String) {
        fflush(stdout)
        fputs(text, stderr)
    }
}
