import ArgumentParser
import EBMScript
import Foundation

/// `ebm < script.ebm` or `... | ebm`: no prompts, no line editing; statements run as complete
/// ones arrive (a call spanning lines inside brackets is gathered first), and the first error
/// stops the run with exit status 1.
enum ScriptFromStandardInput {
    static func run() throws {
        let session = Session(output: StandardOutput())
        SavedNotebookReplay.install(on: session)
        // Gathers each complete entry in time linear in its length (see InputGatherer).
        var gatherer = InputGatherer(mode: .script)
        func run(_ text: String, firstLine: Int) throws -> Bool {
            let source = SourceText(name: "<stdin>", text: text, firstLine: firstLine)
            let result = session.run(source)
            if let error = result.error {
                StandardError.write(error.rendered(with: source))
                throw ExitCode(1)
            }
            return result.quit
        }
        while let line = readLine(strippingNewline: true) {
            var ready = gatherer.add(line, session: session)
            while ready {
                let firstLine = gatherer.firstLine
                if try run(gatherer.take(), firstLine: firstLine) { return }
                // A line that ended a block may be a complete entry by itself.
                ready = gatherer.isReady
            }
        }
        if !gatherer.isEmpty {
            let firstLine = gatherer.firstLine
            _ = try run(gatherer.take(), firstLine: firstLine)
        }
    }
}
