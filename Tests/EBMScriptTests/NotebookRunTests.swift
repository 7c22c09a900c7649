import Foundation
import XCTest
@testable import EBMScript

/// `ebm run` (issue 15): the prose, then each statement followed by its own output — while
/// `ebm check` and `ebm update` still compare and record whole blocks.
final class NotebookRunTests: NotebookTestCase {
    private func run(_ path: String, prose: Bool = true) throws -> (text: String, replay: NotebookReplay) {
        let notebook = try Notebook.read(path: path).treatingPlainScriptAsOneBlock()
        let buffer = TextBuffer()
        let replay = NotebookRun.run(notebook, folder: NotebookReplay.folder(of: NotebookReplay.absolutePath(path)),
                                     prose: prose, output: buffer)
        return (buffer.text, replay)
    }

    private let notebook = """
    # Title

    Intro.

    ```ebm
    x = 1
    print(x)

    # the next one
    print(x + 1)
    for i in [1, 2]:
        print(i * 10)

    x + 10
    ```

    ```output
    1
    2
    10
    20
    11
    ```

    Between.

    ```ebm
    y = 5
    y
    ```

    ```output
    5
    ```

    The end.

    """

    func testEachStatementIsFollowedByItsOwnOutput() throws {
        let path = try write(notebook, to: "nb.ebm")
        let (text, replay) = try run(path)
        XCTAssertNil(replay.failure)
        XCTAssertEqual(text, """
        # Title

        Intro.

        ebm> x = 1
        ebm> print(x)
        1
        ebm> # the next one
        ebm> print(x + 1)
        2
        ebm> for i in [1, 2]:
        ...>     print(i * 10)
        10
        20
        ebm> x + 10
        11

        Between.

        ebm> y = 5
        ebm> y
        5

        The end.

        """)
        // The recorded outputs are still whole blocks: check passes and update changes nothing.
        XCTAssertEqual(NotebookCheck.check(path: path).status, .passed)
        XCTAssertEqual(try NotebookUpdate.update(path: path), .unchanged(blocks: 2))
        XCTAssertEqual(try read(path), notebook)
    }

    func testQuietLeavesOutTheProse() throws {
        let path = try write(notebook, to: "nb.ebm")
        let (text, _) = try run(path, prose: false)
        XCTAssertTrue(text.hasPrefix("ebm> x = 1\nebm> print(x)\n1\n"), text)
        XCTAssertFalse(text.contains("Intro."))
        XCTAssertFalse(text.contains("The end."))
        XCTAssertTrue(text.contains("11\n\nebm> y = 5\n"), text)
    }

    /// An expected error follows the statement that raised it; the statements after it never ran,
    /// so they are not shown. A block that does not parse shows only its error, located: none of
    /// its commands ran.
    func testErrorsFollowTheirStatement() throws {
        let path = try write("```ebm fails\nprint(1)\nnope\nprint(2)\n```\n\n```ebm fails\nz = (1\nprint(3)\n```\n", to: "e.ebm")
        let (text, replay) = try run(path)
        XCTAssertNil(replay.failure)
        XCTAssertTrue(text.hasPrefix("ebm> print(1)\n1\nebm> nope\ne.ebm:3:1: error: unknown name 'nope'"), text)
        XCTAssertFalse(text.contains("print(2)"), text)
        XCTAssertFalse(text.contains("ebm> z = (1"), text)
        XCTAssertFalse(text.contains("print(3)"), text)
        XCTAssertTrue(text.contains("\n\ne.ebm:"), text)
    }

    /// Images are listed after the statement that wrote them, before the next statement.
    func testImagesFollowTheStatementThatWroteThem() throws {
        let path = try write("```ebm\npng(bars_and_stripes(2), \"images/a.png\")\nprint(\"next\")\n```\n", to: "i.ebm")
        let (text, _) = try run(path)
        let image = try XCTUnwrap(text.range(of: "[image: images/a.png]\n"))
        let next = try XCTUnwrap(text.range(of: "ebm> print(\"next\")"))
        XCTAssertLessThan(image.lowerBound, next.lowerBound, text)
        XCTAssertEqual(text.components(separatedBy: "[image:").count, 2, text)
    }

    /// A plain script (no ```ebm blocks) runs as one block, statement by statement.
    func testAPlainScriptRunsStatementByStatement() throws {
        let path = try write("a = 2\na * 3\na * 4\n", to: "plain.ebm")
        let (text, _) = try run(path)
        XCTAssertEqual(text, "ebm> a = 2\nebm> a * 3\n6\nebm> a * 4\n8\n")
    }

    func testStatementSourcesKeepCommentsWithTheStatementBelow() {
        let code = "# top\nx = [1,\n  2]\n\n# about y\ny = 1\nfor i in x:\n    # inside\n    y += i\n\n# trailing\n"
        XCTAssertEqual(NotebookReplay.statementSources(code, firstLine: 10, starts: [11, 15, 16]),
                       ["# top\nx = [1,\n  2]\n\n", "# about y\ny = 1\n", "for i in x:\n    # inside\n    y += i\n\n# trailing\n"])
        XCTAssertEqual(NotebookReplay.statementSources("x\n", firstLine: 1, starts: []), ["x\n"])
    }
}
