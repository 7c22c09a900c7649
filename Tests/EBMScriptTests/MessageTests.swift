import XCTest
@testable import EBMScript

/// Messages as a new user meets them: the command named once, no echo of a verdict the table
/// already states, help on a name that is nothing yet, advice that fits the sampler.
final class MessageTests: XCTestCase {
    func testTheCommandIsNamedOnce() {
        let text = errorText("derive(rbm(visible: 30, hidden: 20), rand([4, 30]) > 0.5)")
        XCTAssertTrue(text.contains("derive writes out"), text)
        XCTAssertFalse(text.contains("derive: derive"), text)
        XCTAssertEqual(naming("train", "train: lr too large"), "train: lr too large")
        XCTAssertEqual(naming("train", "lr too large"), "train: lr too large")
    }

    func testCompareAndModesDoNotEchoTheVerdictTheirTableStates() {
        let s = Session()
        eval(s, "g = gaussian(mean: [1, -1], std: [0.5, 2])\nc = langevin(g, chains: 200, steps: 200, step_size: 0.05, seed: 1)")
        let out = eval(s, "compare(c, g)")
        XCTAssertTrue(out.contains("chain mean"), out)
        XCTAssertFalse(out.hasSuffix("true\n") || out.hasSuffix("false\n"), out)
        XCTAssertEqual(eval(s, "ok = compare(c, g)\nprint(ok == true or ok == false)").components(separatedBy: "\n").dropLast().last, "true")
        let modes = eval(s, "mix = mixture()\nmodes(langevin(mix, chains: 50, steps: 10), mix)")
        XCTAssertTrue(modes.hasSuffix("hold at least a fifth of their share\n"), modes)
        XCTAssertTrue(eval(s, "n = modes(langevin(mix, chains: 50, steps: 10), mix)\nprint(n >= 0)").hasSuffix("true\n"))
    }

    func testHelpOnAnUnknownNameSaysItIsNothingAndSuggests() {
        // (`dbn` was the example before deep belief networks made it a command.)
        let text = errorText("help frobnicate")
        XCTAssertTrue(text.contains("'frobnicate' is not a command or a variable"), text)
        XCTAssertFalse(text.contains("assign it first"), text)
        XCTAssertTrue(errorText("help bars_and_strpes").contains("did you mean 'bars_and_stripes'?"))
        let s = Session()
        eval(s, "my_chain = 3")
        XCTAssertTrue(errorText("help my_chian", in: s).contains("did you mean 'my_chain'?"))
    }

    func testAFailingMALAIsNotToldToTryMALA() {
        let s = Session()
        eval(s, "g = gaussian(mean: [1, -1], std: [0.5, 2])")
        let mala = eval(s, "compare(langevin(g, chains: 500, steps: 1, mala: true, init: [[6, 6]], step_size: 0.001), g)")
        XCTAssertTrue(mala.contains("standard errors from the exact value"), mala)
        XCTAssertFalse(mala.contains("MALA\n"), mala)
        let ula = eval(s, "compare(langevin(g, chains: 500, steps: 1, init: [[6, 6]], step_size: 0.001), g)")
        XCTAssertTrue(ula.contains("or MALA"), ula)
    }
}
