import XCTest
@testable import EBMScript

/// The exact text users see for each kind of mistake: location, caret, what was expected, and a hint.
final class ErrorMessageTests: XCTestCase {
    func testParseErrorShowsTheLineAndACaret() {
        XCTAssertEqual(errorText("x = 1\ny = (2 +* 3)"), """
        test.ebm:2:9: error: expected an expression, found '*'
            y = (2 +* 3)
                    ^

        """)
    }

    func testUnknownNameSuggestsTheClosest() {
        XCTAssertEqual(errorText("bars_and_stripe(4)"), """
        test.ebm:1:1: error: unknown name 'bars_and_stripe'
            bars_and_stripe(4)
            ^
        hint: did you mean 'bars_and_stripes'?

        """)
        let s = Session()
        eval(s, "learning_rate = 0.1")
        XCTAssertTrue(errorText("learning_rte * 2", in: s).contains("hint: did you mean 'learning_rate'?"))
    }

    func testWrongArgumentNamesTheArgumentWhatItGotAndWhatItTakes() {
        XCTAssertEqual(errorText("bars_and_stripes(\"four\")"), """
        test.ebm:1:18: error: bars_and_stripes: argument 'n' takes a whole number from 1 to 12, got string "four"
            bars_and_stripes("four")
                             ^
        hint: n: the side of the square image

        """)
        XCTAssertEqual(errorText("rand([2], sed: 1)"), """
        test.ebm:1:11: error: rand has no argument 'sed'
            rand([2], sed: 1)
                      ^
        hint: did you mean 'seed'? it takes shape, seed; see 'help rand'

        """)
        XCTAssertTrue(errorText("rand()").contains("error: rand: missing argument 'shape' (a whole number ≥ 0 or a list)\n"))
        XCTAssertTrue(errorText("bars_and_stripes(1, 2)").contains("error: bars_and_stripes takes at most 1 positional argument, got more"))
    }

    func testTypeAndValueErrors() {
        XCTAssertTrue(errorText("1 + \"a\"").contains("error: '+' does not apply to number 1 and string \"a\""))
        XCTAssertTrue(errorText("tensor([[1, 2]]) @ tensor([[1, 2]])")
            .contains("error: '@' needs matrices whose inner sizes agree, got [1, 2] @ [1, 2]"))
        XCTAssertTrue(errorText("[1, 2][5]").contains("error: index 5 is out of range for 2 items\n"))
        XCTAssertTrue(errorText("zeros([2]).shap").contains("hint: did you mean 'shape'?"))
        XCTAssertTrue(errorText("help = 3").contains("error: 'help' is a command and cannot be assigned to"))
        XCTAssertTrue(errorText("x = 3\nx(1)").contains("error: number 3 cannot be called"))
    }

    func testMetaCommandErrors() {
        XCTAssertTrue(errorText(":frobnicate").contains("error: unknown meta-command ':frobnicate'"))
        XCTAssertTrue(errorText(":save").contains("error: :save needs a file name"))
    }

    func testPNGErrorsNameThePathAndTheFix() {
        XCTAssertTrue(errorText("png(zeros([2, 2]), \"x.jpg\")").contains("the file name should end in .png"))
        let blocked = FileManager.default.temporaryDirectory.appendingPathComponent("ebm-blocked-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: blocked, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: blocked) }
        let text = errorText("png(zeros([2, 2]), \"\(blocked)/a/b.png\")")
        XCTAssertTrue(text.contains(blocked), text)
    }
}
