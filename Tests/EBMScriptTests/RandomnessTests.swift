import XCTest
@testable import EBMScript

/// One session generator, as NumPy's: calls without a seed differ, the session replays, seed(N)
/// resets it, and an explicit seed keeps its meaning.
final class RandomnessTests: XCTestCase {
    func testCallsWithoutASeedDrawFromTheSessionGenerator() {
        let s = Session()
        let a = eval(s, "rand([3])"), b = eval(s, "rand([3])")
        XCTAssertNotEqual(a, b, "two calls without a seed differ")
        let replay = Session()
        XCTAssertEqual(eval(replay, "rand([3])"), a, "every session starts the generator the same")
        XCTAssertEqual(eval(replay, "rand([3])"), b)
        eval(s, "seed(7)")
        let c = eval(s, "rand([3])")
        eval(s, "seed(7)")
        XCTAssertEqual(eval(s, "rand([3])"), c, "seed(N) resets the generator")
        XCTAssertEqual(eval(s, "rand([3], seed: 1)"), eval(Session(), "rand([3], seed: 1)"), "an explicit seed keeps its meaning")
        eval(s, "seed(7)\nx = rand([3], seed: 1)")
        XCTAssertEqual(eval(s, "rand([3])"), c, "an explicit seed does not advance the generator")
        eval(s, ":reset")
        XCTAssertEqual(eval(s, "rand([3])"), a, ":reset restarts the generator")
    }

    func testTrainingAgainContinuesTheSameTrainer() {
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 4, seed: 1)\nd = bars_and_stripes(3)\ntrain(m, d, epochs: 2)\ntrain(m, d, epochs: 2)")
        XCTAssertEqual(eval(s, "m.history.steps"), "[1, 2, 3, 4]\n", "train without seed: keeps its fixed default, so it continues")
    }
}

extension RandomnessTests {
    func testHelpSaysWhereAnOmittedSeedComesFrom() {
        XCTAssertTrue(eval(Session(), "help rand").contains("drawn from the session's generator"))
    }
}
