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
        XCTAssertTrue(comparison.lineMatches("mean 1.523e-06", "mean 1.524e-06"))
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

    func testShortNumbersGetNoLastDigitAllowance() {
        // Trailing zeros were dropped: 0.5 is 0.5000…, so 0.6 is a real change.
        XCTAssertFalse(comparison.lineMatches("p 0.5", "p 0.6"))
        XCTAssertFalse(comparison.lineMatches("x 2.5", "x 2.4"))
        XCTAssertFalse(comparison.lineMatches("-3.72", "-3.73"))
        XCTAssertFalse(comparison.lineMatches("mean 1.5e-06", "mean 1.6e-06"))
        XCTAssertFalse(comparison.lineMatches("0.12", "0.13"))
        // A short number against a full one within the full one's last digit still matches
        // (0.5 printed with 4 digits on one machine, 0.5001 on another).
        XCTAssertTrue(comparison.lineMatches("[0.7311 0.5]", "[0.7311 0.5001]"))
        XCTAssertTrue(comparison.lineMatches("0.5", "0.5001"))
        XCTAssertTrue(comparison.lineMatches("0.5001", "0.5"))
        // The relative tolerance still covers float noise in short numbers.
        XCTAssertTrue(comparison.lineMatches("2.5", "2.500000001"))
    }

    func testAShortNumberIsCheckedAtLeastAsStrictlyAsALongOne() {
        // For every length, the largest change that still matches is no larger for the short
        // number than for a long number of the same size.
        func allowance(_ text: String) -> Double {
            let (number, _) = NumberScanner.number(in: Array(text), at: 0)!
            var low = 0.0, high = abs(number.value) + 1
            for _ in 0..<200 {
                let mid = (low + high) / 2
                if comparison.numbersMatch(number, PrintedNumber(value: number.value + mid, lastDigitUnit: 0, isWhole: false))
                { low = mid } else { high = mid }
            }
            return low
        }
        let longer = ["2.512", "2.5123", "2.51234", "2.512345", "2.5123456", "2.51234567", "2.512345678"]
        for short in ["2.5", "2.51"] {
            for long in longer {
                XCTAssertLessThanOrEqual(allowance(short), allowance(long) * (1 + 1e-9), "\(short) against \(long)")
            }
        }
        // What is left for a short number is the relative tolerance for float noise.
        XCTAssertEqual(allowance("2.5"), 2.5e-6, accuracy: 1e-8)
    }

    /// Every recorded number of every length, one digit changed: the check must fail.
    func testMutatingOneDigitOfARecordedNumberFails() {
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for digits in 1...10 {
            for _ in 0..<20 {
                let magnitude = pow(10, Double(Int.random(in: -6...6, using: &generator)))
                let value = Double.random(in: 1..<10, using: &generator) * magnitude * (Bool.random(using: &generator) ? 1 : -1)
                let printed = formatNumber(value, digits: digits)
                let chars = Array(printed)
                // The positions of significant digits (from the first non-zero one, mantissa only).
                let mantissaEnd = chars.firstIndex(where: { $0 == "e" }) ?? chars.count
                guard let first = chars[..<mantissaEnd].firstIndex(where: { $0.isNumber && $0 != "0" }) else { continue }
                let positions = (first..<mantissaEnd).filter { chars[$0].isNumber }
                // Past the fifth significant digit a change is within the relative tolerance
                // (1e-6) kept for float noise between machines.
                for (k, position) in positions.enumerated() where k < 5 {
                    let isLast = k == positions.count - 1
                    let d = Int(String(chars[position]))!
                    // A full-length number may wobble by one in its last digit: change it by 2 or
                    // more there; anywhere else, and in short numbers, by one.
                    let step = isLast && positions.count >= PrintedNumber.fullDigits ? 2 : 1
                    var mutated = chars
                    mutated[position] = Character(String((d + step) % 10))
                    if k == 0 && mutated[position] == "0" { mutated[position] = Character(String((d + step + 1) % 10)) }
                    let recorded = "loglik " + String(mutated) + " nats"
                    let replayed = "loglik " + printed + " nats"
                    XCTAssertFalse(comparison.lineMatches(recorded, replayed), "\(recorded) against \(replayed)")
                    XCTAssertFalse(comparison.lineMatches(replayed, recorded), "\(replayed) against \(recorded)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
    }

    func testAWrongLeadingDigitAlwaysFails() {
        for (a, b) in [("0.7311", "0.8311"), ("2.512345678", "3.512345678"), ("0.5", "0.6"), ("1.234e-05", "2.234e-05"),
                       ("-9.81", "-8.81"), ("3.3333", "4.3333")] {
            XCTAssertFalse(comparison.lineMatches(a, b), "\(a) \(b)")
        }
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
