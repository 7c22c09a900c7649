import Foundation
import XCTest
@testable import EBMScript

final class SaveLoadTests: NotebookTestCase {
    /// Runs each entry in `session` as the REPL would (one source per entry).
    private func runEntries(_ entries: [String], in session: Session) -> [Session.Execution] {
        entries.map { session.run(SourceText(name: "<repl>", text: $0)) }
    }

    func testSaveWritesTheTranscriptAsANotebook() throws {
        let session = Session(workingDirectory: folder)
        let results = runEntries(["x = 6", "x * 7", "print(\"a\")\nprint(\"b\")", "nope", ":save first.ebm",
                                  "png(bars_and_stripes(2), \"images/bs.png\")", ":sa s/session.ebm"], in: session)
        XCTAssertEqual(results.last?.output, "saved 5 blocks to s/session.ebm\n")
        XCTAssertNil(results.last?.error)
        XCTAssertEqual(try read(folder + "/s/session.ebm"), """
        # ebm session

        ```ebm
        x = 6
        ```

        ```ebm
        x * 7
        ```

        ```output
        42
        ```

        ```ebm
        print("a")
        print("b")
        ```

        ```output
        a
        b
        ```

        ```ebm fails
        nope
        ```

        ```output
        session.ebm:26:1: error: unknown name 'nope'
            nope
            ^
        hint: assign it first ('nope = ...'), or see 'help' for the commands
        ```

        ```ebm
        png(bars_and_stripes(2), "images/bs.png")
        ```

        ```output
        wrote images/bs.png (8×8 grey)
        ```

        ![bs](../images/bs.png)

        """)
    }

    func testSaveThenLoadReproducesTheOutputs() throws {
        let session = Session(workingDirectory: folder)
        let entries = ["x = 0.25", "y = [x, x * 2]\ny", "rand([2, 2], seed: 7)", "print(\"sum\", x + 1)", "missing_name",
                       "png(bars_and_stripes(2), \"pics/b.png\")"]
        let original = runEntries(entries, in: session)
        XCTAssertEqual(original[4].error?.kind, .name)
        _ = runEntries([":save round.ebm"], in: session)

        // Replaying the saved notebook checks clean, error message included.
        let path = folder + "/round.ebm"
        let report = NotebookCheck.check(path: path)
        XCTAssertEqual(report.status, .passed, report.diffs + (report.error ?? ""))
        XCTAssertEqual(report.blocks, entries.count)

        // :load into a fresh session prints the same outputs, in order.
        let output = TextBuffer()
        let fresh = Session(output: output, workingDirectory: folder)
        let load = fresh.run(SourceText(name: "<repl>", text: ":load round.ebm"))
        XCTAssertNil(load.error)
        let expected = original.map { r in
            r.output + (r.error.map { $0.rendered(with: SourceText(name: "<repl>", text: "missing_name")) } ?? "")
        }.joined()
        XCTAssertEqual(output.text, expected.replacingOccurrences(of: "<repl>:1:1", with: "round.ebm:35:1"))
        XCTAssertEqual(load.filesWritten, [folder + "/pics/b.png"])
        guard case .number(let x)? = fresh.variables["x"] else { return XCTFail("x was not loaded") }
        XCTAssertEqual(x, 0.25)
    }

    /// An error inside a function defined by an earlier entry names lines of that entry and a
    /// traceback; the saved notebook records them where the entries now sit, so it checks clean.
    func testSavedErrorsInsideFunctionsCheckClean() throws {
        let session = Session(workingDirectory: folder)
        var line = 1
        for entry in ["def g(x):\n    return x + \"a\"", "def f(x):\n    return g(x)", "y = 1", "f(y)", ":save fn.ebm"] {
            let result = session.run(SourceText(name: "<repl>", text: entry, firstLine: line))
            line += entry.split(separator: "\n").count
            if entry == "f(y)" { XCTAssertEqual(result.error?.traceback.count, 2) }
        }
        let report = NotebookCheck.check(path: folder + "/fn.ebm")
        XCTAssertEqual(report.status, .passed, report.diffs + (report.error ?? ""))
        XCTAssertTrue(try read(folder + "/fn.ebm").contains("in f, called at fn.ebm:"))
    }

    func testLoadResolvesPathsAgainstTheLoadedFile() throws {
        try write("```ebm\npng(bars_and_stripes(2), \"out/a.png\")\nk = 3\n```\n", to: "lib/pics.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load lib/pics.ebm\nk + 1"))
        XCTAssertNil(result.error)
        XCTAssertEqual(output.text, "wrote out/a.png (8×8 grey)\n4\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/lib/out/a.png"))
        XCTAssertEqual(session.workingDirectory, folder)
    }

    func testLoadRunsAPlainScript() throws {
        try write("# a plain script\na = 2\nb = [a,\n     a]\nprint(b)\n", to: "script.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        XCTAssertNil(session.run(SourceText(name: "<repl>", text: ":load script.ebm")).error)
        XCTAssertEqual(output.text, "[2, 2]\n")
    }

    func testLoadStopsAtTheFirstUnexpectedErrorWithFileAndLine() throws {
        try write("```ebm\nprint(1)\n```\n\n```ebm fails\nbad_one\n```\n\n```ebm\nprint(2)\nbad_two\nprint(3)\n```\n", to: "stops.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load stops.ebm"))
        XCTAssertEqual(result.error?.message, "stops.ebm:11:1: unknown name 'bad_two'")
        XCTAssertEqual(result.error?.location, SourceLocation(source: "<repl>", line: 1, column: 1))
        XCTAssertTrue(output.text.hasPrefix("1\nstops.ebm:6:1: error: unknown name 'bad_one'\n"), output.text)
        XCTAssertTrue(output.text.hasSuffix("2\n"), output.text)
    }

    func testLoadRefusesALoop() throws {
        try write("```ebm\n:load loop.ebm\n```\n", to: "loop.ebm")
        let session = Session(workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load loop.ebm"))
        XCTAssertEqual(result.error?.message.contains("already being loaded"), true, result.error?.message ?? "no error")
    }

    func testLoadOfAMissingFileIsAnError() {
        let session = Session(workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load nowhere.ebm"))
        XCTAssertEqual(result.error?.kind, .io)
        XCTAssertEqual(result.error?.location?.source, "<repl>")
    }
}
