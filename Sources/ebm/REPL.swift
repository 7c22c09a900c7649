import CReadline
import EBMScript
import Foundation

/// The interactive session on a terminal: prompts, continuation lines, history, completion,
/// Ctrl-C and a progress bar. Every error is reported and the session goes on with its state.
struct REPL {
    static let version = "0.1.0"

    static let prompt = "ebm> "
    static let continuationPrompt = "... "

    func run() throws {
        let session = Session(output: StandardOutput())
        session.progress = TerminalProgress()
        session.hostInfo = [("readline", String(cString: rl_library_version)), ("ebm", REPL.version)]
        session.isInterrupted = { Interrupt.isPending }
        SavedNotebookReplay.install(on: session)
        Interrupt.install()

        // Lines typed so far of an entry that is not complete yet (a call open across lines, a
        // compound statement, which a blank line ends as in Python's REPL).
        var gatherer = InputGatherer(mode: .interactive)
        let editor = LineEditor(historyPath: LineEditor.defaultHistoryPath()) { line, cursor in
            Completer.complete(line: line, cursor: cursor, pending: gatherer.pending, session: session)
        }
        defer { editor.close() }

        print("ebm \(REPL.version) — type help for commands, :help for meta-commands, Ctrl-D to leave")
        // Errors name the source `<repl>` and count lines across the whole session.
        var nextLine = 1
        while true {
            let line: String
            switch editor.readLine(prompt: gatherer.isEmpty ? REPL.prompt : REPL.continuationPrompt) {
            case .endOfInput:
                print("")
                return
            case .interrupted:
                _ = gatherer.take()
                continue
            case .line(let text):
                line = text
            }
            if !gatherer.add(line, session: session) { continue }
            let entry = gatherer.take()
            editor.addHistory(entry)

            let source = SourceText(name: "<repl>", text: entry, firstLine: nextLine)
            nextLine += entry.split(separator: "\n", omittingEmptySubsequences: false).count
            Interrupt.reset()
            let result = session.run(source)
            // A Ctrl-C that stopped the command is used up; it must not also clear the next line.
            Interrupt.reset()
            if let error = result.error {
                // The terminal echoed ^C where the cursor was; start the report on a line of its own.
                let prefix = error.kind == .interrupted ? "\n" : ""
                StandardError.write(prefix + error.rendered(with: source))
            }
            if result.quit { return }
        }
    }
}
