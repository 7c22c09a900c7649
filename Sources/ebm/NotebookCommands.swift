import ArgumentParser
import EBMScript
import Foundation

// The notebook commands only parse arguments and print; replay, comparison and rewriting live
// in EBMScript (NotebookReplay, NotebookCheck, NotebookUpdate), where the tests reach them.

/// `ebm run FILE.ebm`: replay a notebook and print it as a session would.
struct RunNotebook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a notebook and print its prose and each command followed by its own output (--quiet: no prose).",
        discussion: "Relative paths in the notebook resolve against its own folder. A file without ```ebm blocks runs as one plain script."
    )
    @Argument(help: "The notebook (.ebm) to replay.") var file: String
    @OptionGroup var memory: MemoryBudgetOption
    @Flag(help: "Print only the commands and their output, not the notebook's prose.") var quiet = false

    func run() throws {
        try memory.apply()
        let replay: NotebookReplay
        do {
            let notebook = try Notebook.read(path: file).treatingPlainScriptAsOneBlock()
            let folder = NotebookReplay.folder(of: NotebookReplay.absolutePath(file))
            replay = NotebookRun.run(notebook, folder: folder, prose: !quiet, output: StandardOutput())
        } catch let error as ScriptError {
            StandardError.write(error.rendered(with: nil))
            throw ExitCode(1)
        }
        if let failure = replay.failure {
            StandardError.write(NotebookReplay.render(failure, in: replay.notebook))
            throw ExitCode(1)
        }
    }
}

/// `ebm check FILE.ebm...`: replay notebooks and compare every block with its recorded output.
struct CheckNotebooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Replay notebooks and compare every block's output with the recorded one.",
        discussion: """
        Numbers printed with 4 or more significant digits may differ by one in their last digit; \
        shorter ones lost their trailing zeros and must agree within the relative tolerance. A \
        recorded line '...' matches any number of lines. A notebook that prints a line starting with \
        'skip:' (its data are missing) is skipped, not failed.
        """
    )
    @Argument(help: "The notebooks (.ebm) to check.") var files: [String]
    @Option(help: "Relative tolerance for numbers.") var rtol: Double = 1e-6
    @OptionGroup var memory: MemoryBudgetOption

    func run() throws {
        try memory.apply()
        var passed = 0, failed = 0, skipped = 0
        for file in files {
            let report = NotebookCheck.check(path: file, comparison: OutputComparison(relativeTolerance: rtol))
            if !report.diffs.isEmpty { StandardOutput().write(report.diffs) }
            if let error = report.error { StandardError.write(error) }
            StandardOutput().write(report.summaryLine + "\n")
            switch report.status {
            case .passed: passed += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
        }
        StandardOutput().write("check: \(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "") + "\n")
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `ebm update FILE.ebm...`: replay notebooks and rewrite their recorded outputs.
struct UpdateNotebooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Replay notebooks and rewrite their recorded outputs in place.",
        discussion: """
        Only the output blocks and image lines after each ```ebm block change. Outputs that still \
        match (within --rtol, '...' included) are kept. A notebook with an unexpected error is \
        left untouched.
        """
    )
    @Argument(help: "The notebooks (.ebm) to update.") var files: [String]
    @Option(help: "Relative tolerance under which a recorded output is kept as it is.") var rtol: Double = 1e-6
    @OptionGroup var memory: MemoryBudgetOption

    func run() throws {
        try memory.apply()
        var failed = false
        for file in files {
            do {
                switch try NotebookUpdate.update(path: file, comparison: OutputComparison(relativeTolerance: rtol)) {
                case .updated(let blocks): StandardOutput().write("updated \(file) (\(plural(blocks, "block")))\n")
                case .unchanged(let blocks): StandardOutput().write("unchanged \(file) (\(plural(blocks, "block")))\n")
                case .skipped(let reason): StandardOutput().write("skip \(file): \(reason)\n")
                }
            } catch let error as ScriptError {
                let notebook = try? Notebook.read(path: file)
                StandardError.write(notebook.map { NotebookReplay.render(error, in: $0) } ?? error.rendered(with: nil))
                StandardOutput().write("FAIL \(file): not updated\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}
