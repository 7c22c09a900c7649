import XCTest
@testable import EBMScript

final class OutputComparisonTests: XCTestCase {
    let comparison = OutputComparison()

    func testWildcardMatchesAnyNumberOfLines() {
        XCTAssertTrue(comparison.matches(recorded: ["a", "...", "z"], replayed: ["a", "z"]))
        XCTAssertTrue(comparison.matches(recorded: ["a", "...", "z"], replayed: ["a", "b", "c", "z"]))
        XCTAssertTrue(comparison.matches(recorded: ["..."], replayed: []))
        XCTAssertTrue(comparison.matches(recorded: ["a", "..."], replayed: ["a", "b"]))
        XCTAssertTrue(comparison.matches(recorded: ["...", "z", "..."], replayed: ["x", "z", "y"]))
        XCTAssertFalse(comparison.matches(recorded: ["a", "...", "z"], replayed: ["a", "b"]))
        XCTAssertFalse(comparison.matches(recorded: ["a", "...", "z"], replayed: ["b", "z"]))
        XCTAssertFalse(comparison.matches(recorded: ["a"], replayed: ["a", "b"]))
        // Only a line that is exactly "..." is a wildcard.
        XCTAssertFalse(comparison.matches(recorded: ["a ..."], replayed: ["a b"]))
    }

    func testLastPrintedDigitDifferencesMatch() {
        XCTAssertTrue(comparison.lineMatches("loss 0.1234", "loss 0.1235"))
        XCTAssertTrue(comparison.lineMatches("[[0.7029 0.5204]", "[[0.7028 0.5205]"))
        XCTAssertTrue(comparison.lineMatches("mean 1.5e-06", "mean 1.6e-06"))
        XCTAssertTrue(comparison.lineMatches("x = -0.0000", "x = 0.0000"))
        XCTAssertTrue(comparison.lineMatches("3.3333333333", "3.333333333"))
    }

    func testRealNumericDifferencesFail() {
        XCTAssertFalse(comparison.lineMatches("loss 0.1234", "loss 0.1236"))
        XCTAssertFalse(comparison.lineMatches("epoch 3", "epoch 4"))
        XCTAssertFalse(comparison.lineMatches("tensor [2, 3] float32", "tensor [2, 4] float32"))
        XCTAssertFalse(comparison.lineMatches("float32", "float64"))
        XCTAssertFalse(comparison.lineMatches("0.5", "-0.5"))
        XCTAssertFalse(comparison.lineMatches("1.5e-06", "1.5e-05"))
        XCTAssertFalse(comparison.lineMatches("a 1 b", "a 1 b 2"))
    }

    func testTextDifferencesFail() {
        XCTAssertFalse(comparison.lineMatches("loss 0.5", "lost 0.5"))
        XCTAssertFalse(comparison.lineMatches("loss 0.5", "loss  0.5"))
        XCTAssertFalse(comparison.lineMatches("value nan", "value nano"))
    }

    func testNanAndInfinityMatchOnlyThemselves() {
        XCTAssertTrue(comparison.lineMatches("nan inf -inf", "nan inf -inf"))
        XCTAssertTrue(comparison.lineMatches("x nan", "x NaN"))
        XCTAssertFalse(comparison.lineMatches("x nan", "x 0.5"))
        XCTAssertFalse(comparison.lineMatches("x inf", "x -inf"))
        XCTAssertFalse(comparison.lineMatches("x inf", "x 1e308"))
    }

    func testRelativeToleranceIsSettable() {
        XCTAssertFalse(comparison.lineMatches("100.0", "100.5"))
        XCTAssertTrue(OutputComparison(relativeTolerance: 0.01).lineMatches("100.0", "100.5"))
        XCTAssertTrue(comparison.lineMatches("123456789.0", "123456789.1"))   // within 1e-6
    }

    func testImagesAreCompared() {
        XCTAssertTrue(comparison.matches(recorded: "a\n", recordedImages: ["images/a.png"], replayed: "a\n", replayedImages: ["images/a.png"]))
        XCTAssertFalse(comparison.matches(recorded: "a\n", recordedImages: ["images/a.png"], replayed: "a\n", replayedImages: ["images/b.png"]))
        XCTAssertFalse(comparison.matches(recorded: "a\n", recordedImages: [], replayed: "a\n", replayedImages: ["images/a.png"]))
    }

    func testUnifiedDiffOfAKnownCase() {
        let recorded = ["epoch 1", "epoch 2", "epoch 3", "loss 0.5000", "a", "b", "c", "d", "e", "f", "g", "h", "last"]
        let replayed = ["epoch 1", "epoch 2", "epoch 3", "loss 0.5001", "a", "b", "c", "d", "e", "f", "g", "h", "changed", "new"]
        let diff = UnifiedDiff.render(recorded: recorded, replayed: replayed,
                                      recordedHeader: "tour.ebm:42 (recorded)", replayedHeader: "tour.ebm:42 (replayed)")
        XCTAssertEqual(diff, """
        --- tour.ebm:42 (recorded)
        +++ tour.ebm:42 (replayed)
        @@ -10,4 +10,5 @@
         f
         g
         h
        -last
        +changed
        +new

        """)
    }

    func testUnifiedDiffSeparatesDistantHunks() {
        let recorded = ["x", "1", "2", "3", "4", "5", "6", "7", "8", "y"]
        let replayed = ["X", "1", "2", "3", "4", "5", "6", "7", "8"]
        XCTAssertEqual(UnifiedDiff.render(recorded: recorded, replayed: replayed, recordedHeader: "a", replayedHeader: "b"), """
        --- a
        +++ b
        @@ -1,4 +1,4 @@
        -x
        +X
         1
         2
         3
        @@ -7,4 +7,3 @@
         6
         7
         8
        -y

        """)
    }

    func testUnifiedDiffTreatsWildcardLinesAsEqual() {
        let recorded = ["start", "...", "loss 0.25", "end"]
        let replayed = ["start", "step 1", "step 2", "loss 0.25", "END"]
        XCTAssertEqual(UnifiedDiff.render(recorded: recorded, replayed: replayed, recordedHeader: "r", replayedHeader: "p"), """
        --- r
        +++ p
        @@ -1,4 +1,5 @@
         start
         ...
         loss 0.25
        -end
        +END

        """)
    }

    func testNoDiffWhenTheLinesMatch() {
        XCTAssertEqual(UnifiedDiff.render(recorded: ["a 0.1234", "..."], replayed: ["a 0.1235", "b"],
                                          recordedHeader: "r", replayedHeader: "p"), "")
    }
}
