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
        var pending = ""
        var firstLine = 1
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if pending.isEmpty { firstLine = lineNumber }
            pending += (pending.isEmpty ? "" : "\n") + line
            if session.isIncomplete(pending) { continue }
            let source = SourceText(name: "<stdin>", text: pending, firstLine: firstLine)
            pending = ""
            let result = session.run(source)
            if let error = result.error {
                StandardError.write(error.rendered(with: source))
                throw ExitCode(1)
            }
            if result.quit { return }
        }
        if !pending.isEmpty {
            let source = SourceText(name: "<stdin>", text: pending, firstLine: firstLine)
            if let error = session.run(source).error {
                StandardError.write(error.rendered(with: source))
                throw ExitCode(1)
            }
        }
    }
}
