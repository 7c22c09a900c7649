import Foundation
import XCTest
@testable import EBMScript

/// A fresh folder per test, removed afterwards.
class NotebookTestCase: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ebm-notebook-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `text` to `name` inside the test folder and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }
}

final class NotebookTests: NotebookTestCase {
    // MARK: parsing

    func testParseFindsBlocksOutputsAndImages() throws {
        let text = """
        # Title

        ```ebm
        x = 3
        x
        ```

        ```output
        3
        ```

        ![grid](images/grid.png)

        Prose.

        ```ebm fails
        foo
        ```

        """
        let notebook = try Notebook.parse(text, name: "nb.ebm")
        let blocks = notebook.blocks
        XCTAssertEqual(blocks.count, 2)
        XCTAssertEqual(blocks[0].code, "x = 3\nx\n")
        XCTAssertEqual(blocks[0].fenceLine, 3)
        XCTAssertEqual(blocks[0].firstLine, 4)
        XCTAssertFalse(blocks[0].expectsFailure)
        XCTAssertEqual(blocks[0].recorded, Notebook.RecordedOutput(text: "3\n", images: ["images/grid.png"], firstLine: 9))
        let region = String(decoding: notebook.bytes[blocks[0].outputRange], as: UTF8.self)
        XCTAssertEqual(region, "\n```output\n3\n```\n\n![grid](images/grid.png)\n")
        XCTAssertEqual(blocks[1].code, "foo\n")
        XCTAssertTrue(blocks[1].expectsFailure)
        XCTAssertNil(blocks[1].recorded)
        XCTAssertTrue(blocks[1].outputRange.isEmpty)
        // The segments cover the file exactly.
        var covered = 0
        for segment in notebook.segments {
            switch segment {
            case .prose(let r): XCTAssertEqual(r.lowerBound, covered); covered = r.upperBound
            case .block(let b): XCTAssertEqual(b.range.lowerBound, covered); covered = b.range.upperBound
            }
        }
        XCTAssertEqual(covered, notebook.bytes.count)
    }

    func testImageLineWithOtherNameOrTwoBlankLinesIsProse() throws {
        let text = "```ebm\nx\n```\n\n```output\n1\n```\n\n![a diagram](images/grid.png)\n\n\n![grid](images/grid.png)\n"
        let block = try XCTUnwrap(Notebook.parse(text, name: "nb.ebm").blocks.first)
        XCTAssertEqual(block.recorded?.images, [])
    }

    func testUnclosedFenceIsAnErrorAtItsLine() {
        XCTAssertThrowsError(try Notebook.parse("# t\n\n```ebm\nx = 1\n", name: "dir/nb.ebm")) { error in
            let e = error as? ScriptError
            XCTAssertEqual(e?.location, SourceLocation(source: "dir/nb.ebm", line: 3, column: 1))
            XCTAssertEqual(e?.message, "the ebm block opened at line 3 is never closed")
            XCTAssertNotNil(e?.hint)
        }
        XCTAssertThrowsError(try Notebook.parse("text\n~~~python\nx\n```\n", name: "nb.ebm")) { error in
            XCTAssertEqual((error as? ScriptError)?.location?.line, 2)
        }
    }

    func testOutputBlockWithoutEbmBlockIsAnError() {
        let text = "```ebm\nx\n```\n\nprose\n\n```output\n1\n```\n"
        XCTAssertThrowsError(try Notebook.parse(text, name: "nb.ebm")) { error in
            let e = error as? ScriptError
            XCTAssertEqual(e?.location?.line, 7)
            XCTAssertEqual(e?.message, "an output block must come right after an ebm block")
            XCTAssertEqual(e.map { $0.rendered(with: nil) }?.hasPrefix("nb.ebm:7:1: error: "), true)
        }
    }

    func testUnknownInfoWordIsAnError() {
        XCTAssertThrowsError(try Notebook.parse("```ebm fail\nx\n```\n", name: "nb.ebm")) { error in
            XCTAssertEqual((error as? ScriptError)?.message, "unknown word 'fail' in the ebm block's info string")
        }
    }

    // MARK: update

    func testUpdateInsertsOutputBlocksIntoANewNotebook() throws {
        let path = try write("# Tour\n\n```ebm\nx = 2\nx * 21\nprint(\"hi\")\n```\n\nNo output here:\n\n```ebm\ny = 1\n```\n\nEnd.\n", to: "tour.ebm")
        XCTAssertEqual(try NotebookUpdate.update(path: path), .updated(blocks: 2))
        XCTAssertEqual(try read(path), "# Tour\n\n```ebm\nx = 2\nx * 21\nprint(\"hi\")\n```\n\n```output\n42\nhi\n```\n\nNo output here:\n\n```ebm\ny = 1\n```\n\nEnd.\n")
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 2))
    }

    func testUpdatePreservesEverythingOutsideOutputRegions() throws {
        // Odd fences, trailing blanks, a tilde fence holding ```ebm, indented code with ```, a
        // longer ebm fence, an indented fence, no final newline.
        let prose = """
        Intro with trailing blanks   \t
        ~~~
        ```ebm
        not run
        ```
        ~~~

            ```ebm
            indented code: not a fence

        ```python
        print("not ebm")
        ```

        """
        let text = prose + "````ebm\nprint(\"a\")\n````\n\n\n```output\nstale\n```\n\n  ```ebm\n  1 + 1\n  ```\nclosing prose, no newline"
        let path = try write(text, to: "odd.ebm")
        try NotebookUpdate.update(path: path)
        let expected = prose + "````ebm\nprint(\"a\")\n````\n\n```output\na\n```\n\n  ```ebm\n  1 + 1\n  ```\n\n```output\n2\n```\nclosing prose, no newline"
        XCTAssertEqual(try read(path), expected)
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 2))
        XCTAssertEqual(try read(path), expected)
    }

    func testUpdateKeepsCRLFLineEndings() throws {
        let text = "# CRLF  \r\n\r\n```ebm\r\nx = 5\r\nx\r\n```\r\n\r\n```output\r\nold\r\n```\r\n\r\nprose\r\n"
        let path = try write(text, to: "crlf.ebm")
        try NotebookUpdate.update(path: path)
        let expected = "# CRLF  \r\n\r\n```ebm\r\nx = 5\r\nx\r\n```\r\n\r\n```output\r\n5\r\n```\r\n\r\nprose\r\n"
        XCTAssertEqual(try read(path), expected)
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 1))
        XCTAssertEqual(try read(path), expected)
    }

    func testClosingFenceAtEndOfFileWithoutNewline() throws {
        let path = try write("```ebm\n7\n```", to: "eof.ebm")
        try NotebookUpdate.update(path: path)
        XCTAssertEqual(try read(path), "```ebm\n7\n```\n\n```output\n7\n```\n")
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 1))
    }

    func testBlockThatNoLongerPrintsLosesItsRegion() throws {
        let path = try write("```ebm\nx = 1\n```\n\n```output\n1\n```\n\nafter\n", to: "quiet.ebm")
        try NotebookUpdate.update(path: path)
        XCTAssertEqual(try read(path), "```ebm\nx = 1\n```\n\nafter\n")
    }

    func testOutputWithBackticksGetsALongerFence() throws {
        let path = try write("```ebm\nprint(\"```\")\nprint(\"````x\")\n```\n", to: "ticks.ebm")
        try NotebookUpdate.update(path: path)
        XCTAssertEqual(try read(path), "```ebm\nprint(\"```\")\nprint(\"````x\")\n```\n\n`````output\n```\n````x\n`````\n")
        let notebook = try Notebook.read(path: path)
        XCTAssertEqual(notebook.blocks.first?.recorded?.text, "```\n````x\n")
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 1))
    }

    func testUnexpectedErrorLeavesTheFileUntouchedAndNamesFileAndLine() throws {
        let text = "# t\n\n```ebm\nx = 1\nx\n```\n\n```ebm\ny = 2\nundefined_thing + 1\n```\n"
        let path = try write(text, to: "broken.ebm")
        XCTAssertThrowsError(try NotebookUpdate.update(path: path)) { error in
            let e = error as? ScriptError
            XCTAssertEqual(e?.location, SourceLocation(source: path, line: 10, column: 1))
            XCTAssertEqual(e.map { $0.rendered(with: nil) }?.hasPrefix("\(path):10:1: error: unknown name 'undefined_thing'"), true)
        }
        XCTAssertEqual(try read(path), text)
    }

    func testFailsBlockRecordsTheErrorWithTheBaseNameOnly() throws {
        let path = try write("```ebm\nprint(\"before\")\n```\n\n```ebm fails\nprint(\"first\")\nnope\n```\n", to: "sub/dir/f.ebm")
        try NotebookUpdate.update(path: path)
        let expected = """
        ```ebm
        print("before")
        ```

        ```output
        before
        ```

        ```ebm fails
        print("first")
        nope
        ```

        ```output
        first
        f.ebm:11:1: error: unknown name 'nope'
            nope
            ^
        hint: assign it first ('nope = ...'), or see 'help' for the commands
        ```

        """
        XCTAssertEqual(try read(path), expected)
        XCTAssertFalse(try read(path).contains(folder))
        // The error names the line the block has once the output above it was inserted.
        XCTAssertEqual(NotebookCheck.check(path: path).status, .passed)
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 2))
    }

    func testFailsBlockThatSucceedsIsAnError() throws {
        let text = "intro\n\n```ebm fails\nx = 1\n```\n"
        let path = try write(text, to: "nofail.ebm")
        XCTAssertThrowsError(try NotebookUpdate.update(path: path)) { error in
            let e = error as? ScriptError
            XCTAssertEqual(e?.location, SourceLocation(source: path, line: 3, column: 1))
            XCTAssertEqual(e?.message, "this block was expected to fail (```ebm fails) but succeeded")
        }
        XCTAssertEqual(try read(path), text)
    }

    func testUpdateKeepsRecordedOutputsThatStillMatch() throws {
        let text = "```ebm\nprint(1)\nprint(2)\nprint(3)\nprint(0.12345)\n```\n\n```output\n1\n...\n0.12346\n```\n"
        let path = try write(text, to: "keep.ebm")
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 1))
        XCTAssertEqual(try read(path), text)
    }

    func testImagesAreReferencedRelativeToTheNotebook() throws {
        let path = try write("```ebm\npng(bars_and_stripes(2), \"images/bars.png\")\n```\n\nafter\n", to: "nb/pictures.ebm")
        try NotebookUpdate.update(path: path)
        XCTAssertEqual(try read(path), """
        ```ebm
        png(bars_and_stripes(2), "images/bars.png")
        ```

        ```output
        wrote images/bars.png (8×8 grey)
        ```

        ![bars](images/bars.png)

        after

        """)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/nb/images/bars.png"))
        let block = try XCTUnwrap(Notebook.read(path: path).blocks.first)
        XCTAssertEqual(block.recorded?.images, ["images/bars.png"])
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 1))
    }

    // MARK: check, run

    func testCheckPassesFailsWithADiffAndSkips() throws {
        let good = try write("```ebm\nx = 0.5\nx\nprint(\"text\")\n```\n\n```output\n0.5\ntext\n```\n", to: "good.ebm")
        XCTAssertEqual(NotebookCheck.check(path: good).summaryLine, "ok   \(good) (1 block)")

        let bad = try write("# t\n```ebm\n1 + 1\n```\n\n```output\n3\n```\n\n```ebm\n2\n```\n\n```output\n2\n```\n", to: "bad.ebm")
        let report = NotebookCheck.check(path: bad)
        XCTAssertEqual(report.status, .failed)
        XCTAssertEqual(report.summaryLine, "FAIL \(bad): 1 of 2 blocks differs")
        XCTAssertEqual(report.diffs, "--- \(bad):7 (recorded)\n+++ \(bad):7 (replayed)\n@@ -1,1 +1,1 @@\n-3\n+2\n")

        let skipped = try write("```ebm\nprint(\"skip: the MNIST files are missing\")\n```\n\n```output\nreal output\n```\n\n```ebm\nnever_run\n```\n", to: "skip.ebm")
        XCTAssertEqual(NotebookCheck.check(path: skipped).summaryLine, "skip \(skipped): the MNIST files are missing")
        XCTAssertEqual(try NotebookUpdate.update(path: skipped), .skipped(reason: "the MNIST files are missing"))

        let broken = try write("```ebm\nnope\n```\n", to: "broken.ebm")
        let brokenReport = NotebookCheck.check(path: broken)
        XCTAssertEqual(brokenReport.status, .failed)
        XCTAssertEqual(brokenReport.summaryLine, "FAIL \(broken): \(broken):2:1: error: unknown name 'nope'")
        XCTAssertEqual(brokenReport.error?.contains("    nope\n    ^\n"), true)
    }

    func testErrorsCarryTheNotebooksLineNumbers() throws {
        let path = try write("# t\n\nprose\n\n```ebm\nx = 1\n\ny = x +* 2\n```\n", to: "lines.ebm")
        let replay = try NotebookReplay.replay(path: path)
        XCTAssertEqual(replay.failure?.location?.line, 8)
        XCTAssertEqual(replay.renderedFailure?.contains("    y = x +* 2\n"), true)
    }

    func testTranscriptMarksContinuationLines() {
        XCTAssertEqual(NotebookReplay.transcript(of: "x = [1,\n  2]\ny = x\n\n"),
                       "ebm> x = [1,\n...>   2]\nebm> y = x\n")
        // A block's body, its blank lines and its else continue the statement that opened it.
        XCTAssertEqual(NotebookReplay.transcript(of: "def f(x):\n    y = x\n\n    return y\nif f(1) > 0:\n    z = 1\nelse:\n    z = 2\nz\n"),
                       "ebm> def f(x):\n...>     y = x\n...>\n...>     return y\nebm> if f(1) > 0:\n...>     z = 1\n...> else:\n...>     z = 2\nebm> z\n")
    }

    func testReplayResolvesPathsAgainstTheNotebookFolder() throws {
        let path = try write("```ebm\npng(bars_and_stripes(2), \"out/a.png\")\npng(bars_and_stripes(2), \"../b.png\")\n```\n", to: "deep/nb.ebm")
        let replay = try NotebookReplay.replay(path: path)
        XCTAssertNil(replay.failure)
        XCTAssertEqual(replay.results.first?.images, ["out/a.png", "../b.png"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/deep/out/a.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/b.png"))
    }
}
