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

    // MARK: 2. a diverged call keeps the history of the calls before it

    func testADivergedCallWithNewSettingsKeepsTheEarlierHistory() {
        let cases = [
            ("m = rbm(visible: 2, hidden: 4, visible_units: \"gaussian\", seed: 1)", "train(m, d, epochs: 1)", "train(m, d, epochs: 5, lr: 1e30)"),
            ("m = score_model(hidden: [8])", "train(m, d, iterations: 3, monitor_every: 1)", "train(m, d, iterations: 3, lr: 1e30)"),
            ("m = mlp_energy(dims: [2, 8, 1])", "train(m, d, method: \"langevin-ml\", iterations: 3, monitor_every: 1)",
             "train(m, d, method: \"langevin-ml\", iterations: 3, lr: 1e30)"),
        ]
        for (make, first, diverging) in cases {
            let s = Session()
            eval(s, "d = plane_data(\"ring\", n: 100)\n" + make)
            eval(s, first)
            let before = eval(s, "print len(m.history)")
            let text = errorText(diverging, in: s)
            XCTAssertTrue(text.contains("training diverged"), text)
            let after = eval(s, "print len(m.history)")
            XCTAssertEqual(after, before, make)
            XCTAssertNotEqual(before, "0\n", make)
            // The hint tells what model.history holds, truthfully.
            let rows = after.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(text.contains("model.history has \(rows) row"), text)
        }
    }

    // MARK: 3. continuation compares the settings as given

    func testARateDifferingInItsTwelfthDigitStartsANewTrainerInEveryFamily() {
        let cases = [
            ("m = rbm(visible: 9, hidden: 4, seed: 1)\nd = bars_and_stripes(3)", "epochs: 2"),
            ("m = boltzmann(units: 9, seed: 1)\nd = bars_and_stripes(3)", "epochs: 2"),
            ("m = rbm(visible: 2, hidden: 4, visible_units: \"gaussian\", seed: 1)\nd = plane_data(\"ring\", n: 50)", "epochs: 2"),
            ("m = score_model(hidden: [8])\nd = plane_data(\"ring\", n: 50)", "iterations: 2, monitor_every: 1"),
        ]
        for (make, length) in cases {
            let s = Session()
            eval(s, make)
            eval(s, "train(m, d, \(length), lr: 0.01)")
            eval(s, "train(m, d, \(length), lr: 0.01)")
            XCTAssertEqual(eval(s, "print len(m.history)"), "4\n", "the same rate continues: \(make)")
            eval(s, "train(m, d, \(length), lr: 0.010000000001)")
            XCTAssertEqual(eval(s, "print len(m.history)"), "2\n", "a different rate starts a new trainer: \(make)")
        }
    }

    // MARK: 5. every train setting has its range; the printed batch is the real one

    func testNegativeDecayNoiseAndPenaltyAreErrors() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nr = plane_data(\"ring\", n: 50)")
        for (call, name) in [("train(rbm(visible: 9, hidden: 4), d, weight_decay: -5)", "weight_decay"),
                             ("train(boltzmann(units: 9), d, weight_decay: -5)", "weight_decay"),
                             ("train(mlp_energy(dims: [2, 8, 1]), r, method: \"langevin-ml\", noise: -1)", "noise"),
                             ("train(mlp_energy(dims: [2, 8, 1]), r, method: \"langevin-ml\", alpha: -3)", "alpha")] {
            let text = errorText(call, in: s)
            XCTAssertTrue(text.contains(name) && text.contains("≥ 0"), text)
        }
    }

    func testABatchLargerThanTheDataPrintsTheRealBatch() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nm = rbm(visible: 9, hidden: 4)\nb = boltzmann(units: 9)")   // 16 rows
        eval(s, "train(m, d, epochs: 1, batch: 1000)\ntrain(b, d, method: \"pcd\", epochs: 1, batch: 1000)")
        let rbm = eval(s, "print m.history"), boltzmann = eval(s, "print b.history")
        XCTAssertTrue(rbm.contains("batch 16,") && !rbm.contains("batch 1000"), rbm)
        XCTAssertTrue(boltzmann.contains("batch 16,"), boltzmann)
    }

    // MARK: 6. a capability error and its hint agree, per value

    func testCapabilityErrorsNameTheValueAndHintOnlyWhatWorks() {
        let s = Session()
        eval(s, "e = mlp_energy(dims: [2, 8, 1])\nx = plane_data(\"ring\", n: 20)")
        for call in ["log_z(e)", "loglik(e, x)"] {
            let text = errorText(call, in: s)
            XCTAssertTrue(text.contains("a neural energy on ℝᵈ has no exact log Z"), text)
            XCTAssertFalse(text.contains("works on") && text.contains("an energy on ℝᵈ"), text)
            XCTAssertTrue(text.contains("a closed-form energy on ℝᵈ (gaussian, mixture, double_well)"), text)
        }
        let derive = errorText("derive(mixture(), x)", in: s)
        XCTAssertTrue(derive.contains("a closed-form energy on ℝᵈ has no derivation"), derive)
        XCTAssertTrue(derive.contains("a neural or Gaussian energy on ℝᵈ"), derive)
        let train = errorText("train(gaussian(mean: [0, 0]), x)", in: s)
        XCTAssertTrue(train.contains("a closed-form energy on ℝᵈ has no trainer"), train)
        XCTAssertTrue(train.contains("train works on") && train.contains("a neural energy on ℝᵈ (mlp_energy)"), train)
    }

    // MARK: 7. a DBN's greedy history plots one series per layer

    func testAGreedyHistoryPlotsOneSeriesPerLayer() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nn = dbn(layers: [9, 6, 4], seed: 1)\nh = train(n, d, epochs: 3, batch: 7)")
        let text = eval(s, "plot(h, y: \"pll\")")
        XCTAssertTrue(text.contains("* layer 1") && text.contains("o layer 2"), text)
        XCTAssertFalse(text.contains("series 1"), text)
        let single = eval(s, "m = rbm(visible: 9, hidden: 4)\ng = train(m, d, epochs: 2)\nplot(g, y: \"recon\")")
        XCTAssertTrue(single.contains("* recon") && !single.contains("series 1"), single)
    }

    // MARK: 8. messages that say what happened

    func testGibbsSummaryCountsAndPlacesItsSnapshotsTruly() {
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 4, seed: 1)")
        let two = eval(s, "print gibbs(m, chains: 2, steps: 2)")
        XCTAssertTrue(two.contains("2 steps, 2 snapshots (at steps 0, 2)"), two)
        let none = eval(s, "print gibbs(m, chains: 2, steps: 0)")
        XCTAssertTrue(none.contains("0 steps, 1 snapshot (at step 0)"), none)
    }

    func testAOneColumnRowCountIsSingular() {
        let s = Session()
        eval(s, "e = gaussian(mean: [0])")
        let text = errorText("energy(e, tensor([[1, 2]]))", in: s)
        XCTAssertTrue(text.contains("1 coordinate per row"), text)
    }

    func testHelpTrainSignatureShowsNoFalseDefault() {
        XCTAssertFalse(Command.train.signature.contains("method: none"), Command.train.signature)
        XCTAssertTrue(Command.train.signature.contains("method"), Command.train.signature)
    }
}
