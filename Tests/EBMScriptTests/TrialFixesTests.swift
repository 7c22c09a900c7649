import XCTest
@testable import EBMScript
import EBM

/// The new-user trial's defects, each kept as a test.
final class TrialFixesTests: XCTestCase {
    // MARK: 1. a divergence restores a model that evaluates finitely

    func testScoreModelRestoredAfterDivergenceScoresFinitely() {
        for warm in [true, false] {
            let s = Session()
            eval(s, "s = score_model(hidden: [8])\nd = plane_data(\"ring\", n: 100)")
            if warm { eval(s, "train(s, d, iterations: 3)") }
            let text = errorText("train(s, d, iterations: 3, lr: 1e30)", in: s)
            XCTAssertTrue(text.contains("training diverged"), text)
            let out = eval(s, "print score(s, tensor([[0.5, 1]]))")
            XCTAssertFalse(out.contains("inf") || out.contains("nan"), "warm \(warm): \(out)")
        }
    }

    func testMLPEnergyRestoredAfterDivergenceHasFiniteEnergy() {
        let s = Session()
        eval(s, "e = mlp_energy(dims: [2, 8, 1])\nd = plane_data(\"ring\", n: 100)")
        let text = errorText("train(e, d, method: \"langevin-ml\", iterations: 3, lr: 1e30)", in: s)
        XCTAssertTrue(text.contains("training diverged"), text)
        let out = eval(s, "print energy(e, tensor([[0.5, 1]]))")
        XCTAssertFalse(out.contains("inf") || out.contains("nan"), out)
    }

    func testTheGuardCommitsOnlyFiniteParameters() {
        var guardian = DivergenceGuard(1, step: 0)
        XCTAssertFalse(guardian.commit(2, step: 1, parameters: [Float.infinity]))
        XCTAssertEqual(guardian.lastGoodStep, 0)
        XCTAssertTrue(guardian.commit(3, step: 2, parameters: [Float(1)], awaitingEvaluation: true))
        XCTAssertEqual(guardian.lastGood, 1)
        guardian.evaluated(finite: false)
        XCTAssertEqual(guardian.lastGood, 1)
        guardian.commit(4, step: 3, parameters: [Double(1)], awaitingEvaluation: true)
        guardian.evaluated(finite: true)
        XCTAssertEqual(guardian.lastGood, 4)
        XCTAssertEqual(guardian.lastGoodStep, 3)
    }

}
