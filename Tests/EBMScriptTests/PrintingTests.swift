import XCTest
@testable import EBMScript

/// Small things print whole, large ones clipped unless asked, and rounding noise prints as 0.
final class PrintingTests: XCTestCase {
    func testSmallVectorsAndMatricesPrintWhole() {
        let s = Session()
        XCTAssertEqual(eval(s, "ones([9])"), "tensor [9] float32\n[1 1 1 1 1 1 1 1 1]\n")
        XCTAssertFalse(eval(s, "zeros([20, 20])").contains("…"), "20 × 20 is whole")
        XCTAssertTrue(eval(s, "zeros([21])").contains("…"), "beyond 20 it clips")
        XCTAssertFalse(eval(s, "print(zeros([50, 30]), full: true)").contains("…"), "full: true prints everything")
        XCTAssertEqual(eval(s, "print(zeros([50, 30]), full: true)").split(separator: "\n").count, 51)
    }

    func testRoundingNoisePrintsAsZero() {
        XCTAssertEqual(zeroingNoise([-1.3878e-16, 1]), [0, 1])
        XCTAssertEqual(zeroingNoise([1.22e-16, 2]), [0, 2])
        XCTAssertEqual(zeroingNoise([1e-20]), [1e-20], "a tiny number alone is not noise")
        XCTAssertEqual(zeroingNoise([1e-9, 1]), [1e-9, 1], "a small number the printing can show is kept")
        let s = Session()
        let modes = eval(s, "mix = mixture()\nmodes(langevin(mix, chains: 50, steps: 10), mix)")
        XCTAssertFalse(modes.contains("e-16"), modes)
        XCTAssertTrue(modes.contains("(0, -2)") || modes.contains("(0, 2)"), modes)
    }
}
