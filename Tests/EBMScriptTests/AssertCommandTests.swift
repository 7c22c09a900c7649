import XCTest
@testable import EBMScript

final class AssertCommandTests: XCTestCase {
    func testATrueClaimPrintsACheckMarkLine() {
        let s = Session()
        XCTAssertEqual(eval(s, "x = 0.25\nassert(x < 0.3, \"x is below 0.3\")"), "✓ x is below 0.3\n")
        XCTAssertEqual(eval(s, "assert abs(x - 0.25) < 1e-9 and not (x > 1), \"x is a quarter\""), "✓ x is a quarter\n")
        XCTAssertEqual(eval(s, "assert(x >= 0 or x == -1, \"x is not negative\")"), "✓ x is not negative\n")
    }

    func testAFalseClaimIsAnErrorQuotingTheClaimAtTheCondition() {
        let text = errorText("p = 0.2\nassert(p > 0.5, \"the left mode holds most of the mass\")")
        XCTAssertTrue(text.hasPrefix("test.ebm:2:10: error: claim does not hold: \"the left mode holds most of the mass\"\n"), text)
        XCTAssertTrue(text.contains("    assert(p > 0.5, "), text)
        XCTAssertTrue(text.contains("hint: "), text)
    }

    func testAFalseClaimFailsTheNotebookCheck() throws {
        let folder = NSTemporaryDirectory() + "ebm-assert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/claims.ebm"
        let notebook = """
        The mean is above one half.

        ```ebm
        m = mean(tensor([0.2, 0.4]))
        assert(m > 0.5, "the mean is above one half")
        ```

        ```output
        ✓ the mean is above one half
        ```

        """
        try Data(notebook.utf8).write(to: URL(fileURLWithPath: path))
        let report = NotebookCheck.check(path: path)
        XCTAssertEqual(report.status, .failed)
        XCTAssertTrue(report.error?.contains("claim does not hold: \"the mean is above one half\"") == true, report.error ?? "")
    }

    func testTensorConditionsHoldWhenEveryEntryDoes() {
        let s = Session()
        eval(s, "a = tensor([1, 2, 3])\nb = tensor([1, 2, 3.001])")
        XCTAssertEqual(eval(s, "assert(abs(a - b) < 0.01, \"a and b agree to 0.01\")"), "✓ a and b agree to 0.01\n")
        XCTAssertTrue(errorText("a = tensor([1, 2, 3])\nassert(a < 3, \"every entry is below 3\")")
            .contains("claim does not hold: \"every entry is below 3\""))
        XCTAssertTrue(errorText("assert(tensor([1, 0 / 0]), \"no NaN\")").contains("claim does not hold"))
        XCTAssertTrue(errorText("assert(zeros([0]) == 1, \"empty\")").contains("empty tensor"))
    }

    func testTheConditionMustBeATruthAndTheClaimWords() {
        let number = errorText("assert(3, \"three\")")
        XCTAssertTrue(number.contains("error: assert: the condition must be true or false, got number 3"), number)
        XCTAssertTrue(number.contains("hint: compare"), number)
        XCTAssertTrue(errorText("assert(true, \"  \")").contains("the claim is empty"))
        XCTAssertTrue(errorText("assert(true)").contains("claim"))
    }

    func testHelpAndCompletionKnowAssert() {
        let s = Session()
        let help = eval(s, "help assert")
        XCTAssertTrue(help.contains("assert(condition, claim)"), help)
        XCTAssertTrue(help.contains("✓"), help)
        XCTAssertTrue(eval(s, "help").contains("assert"))
        guard case .candidates(let names) = Completer.complete(line: "asse", cursor: 4, pending: "", session: s) else {
            return XCTFail("expected candidates")
        }
        XCTAssertEqual(names, ["assert"])
    }
}
