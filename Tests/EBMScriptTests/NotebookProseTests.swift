import XCTest
@testable import EBMScript

final class NotebookProseTests: XCTestCase {
    /// `ebm run` prints the prose before each block and after the last.
    func testTheProseAroundEachBlock() throws {
        let text = "# Title\n\nSome prose.\n\n```ebm\nx = 1\n```\n\n```ebm\nx + 1\n```\n\n```output\n2\n```\n\nThe end.\n"
        let notebook = try Notebook.parse(text, name: "t.ebm")
        XCTAssertEqual(notebook.proseAroundBlocks, ["# Title\n\nSome prose.", "", "The end."])
    }
}
