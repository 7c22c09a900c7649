import XCTest
@testable import EBMScript
import EBM

/// tempered, train(method: "pt"), ais(reverse: true) and rbm(visible_units: "gaussian").
final class TemperingCommandTests: XCTestCase {
    private func number(_ s: Session, _ expr: String) -> Double {
        Double(eval(s, "print \(expr)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }

    func testTemperedPrintsTheLadderAndPassesChiSquaredOnAnRBM() {
        let s = Session()
        let out = eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1, init: 1)\nt = tempered(m, betas: 6, rounds: 4000, thin: 5, seed: 1)\nt")
        XCTAssertTrue(out.contains("parallel tempering: 6 inverse temperatures"), out)
        XCTAssertTrue(out.contains("swap acceptance to next"), out)
        XCTAssertTrue(out.contains("round trips"), out)
        XCTAssertGreaterThan(number(s, "t.p_value"), 1e-3)
        XCTAssertEqual(number(s, "t.round_trips") > 0, true)
        let st = eval(s, "u = tempered(m, betas: [0, 0.5, 1], method: \"st\", rounds: 3000, seed: 2)\nu")
        XCTAssertTrue(st.contains("simulated tempering") && st.contains("share of steps"), st)
        XCTAssertGreaterThan(number(s, "u.p_value"), 1e-3)
    }

    /// weights: "ais" sets simulated tempering's weights from AIS along the ladder: on a 6 × 2
    /// RBM they match the exact −log Z(β) + log Z(1) (the joint at β is the RBM with βW, βb, βc),
    /// they differ from Wang–Landau's, the samples pass χ², and PT refuses the option.
    func testSimulatedTemperingTakesWeightsFromAIS() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1, init: 1)")
        let out = eval(s, "u = tempered(m, betas: [0, 0.5, 1], method: \"st\", weights: \"ais\", ais_runs: 400, ais_steps: 200, rounds: 3000, seed: 2)\nu")
        XCTAssertTrue(out.contains("set by AIS along the ladder"), out)
        XCTAssertGreaterThan(number(s, "u.p_value"), 1e-3)
        XCTAssertEqual(number(s, "u.weights[2]"), 0)
        eval(s, "half = rbm(visible: 6, hidden: 2)\nhalf.W = 0.5 * m.W\nhalf.b = 0.5 * m.b\nhalf.c = 0.5 * m.c")
        XCTAssertEqual(number(s, "u.weights[0]"), number(s, "log_z(m)") - 8 * log(2.0), accuracy: 0.05, "β = 0: 2⁸ equally likely joint states")
        XCTAssertEqual(number(s, "u.weights[1]"), number(s, "log_z(m) - log_z(half)"), accuracy: 0.05, "β = 0.5")
        let wl = eval(s, "w = tempered(m, betas: [0, 0.5, 1], method: \"st\", rounds: 3000, seed: 2)\nw")
        XCTAssertTrue(wl.contains("set by Wang–Landau"), wl)
        XCTAssertNotEqual(eval(s, "print u.weights"), eval(s, "print w.weights"))
        let pt = errorText("tempered(rbm(visible: 4, hidden: 2), weights: \"ais\")")
        XCTAssertTrue(pt.contains("method: \"st\""), pt)
        let wl2 = errorText("tempered(rbm(visible: 4, hidden: 2), method: \"st\", ais_runs: 10)")
        XCTAssertTrue(wl2.contains("weights: \"ais\""), wl2)
        XCTAssertTrue(eval(s, "help tempered").contains("weights"))
    }

    func testTemperedOnAContinuousEnergyNeedsBetaAboveZero() {
        let text = errorText("tempered(mixture(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3]), betas: [0, 1])")
        XCTAssertTrue(text.contains("above 0"), text)
        let s = Session()
        eval(s, "e = mixture(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])")
        eval(s, "t = tempered(e, betas: 10, rounds: 6000, thin: 5, step_size: 0.02, seed: 1)")
        XCTAssertEqual(number(s, "mean(t.samples[:, 0] < 0)"), 0.8, accuracy: 0.07)
    }

    func testTrainTakesMethodPTAndBetasOnlyWithIt() {
        let s = Session()
        let out = eval(s, "m = rbm(visible: 9, hidden: 6, seed: 1)\nh = train(m, bars_and_stripes(3), method: \"pt\", betas: 5, batch: 4, epochs: 10, seed: 1)\nh")
        XCTAssertTrue(out.contains("PT-1 (5 temperatures)"), out)
        let rates = eval(s, "print m.swap_acceptance")
        XCTAssertTrue(rates.contains("tensor [4]"), rates)
        let wrong = errorText("train(rbm(visible: 9, hidden: 6), bars_and_stripes(3), betas: 5)")
        XCTAssertTrue(wrong.contains("method: \"pt\""), wrong)
        let ladder = errorText("train(rbm(visible: 9, hidden: 6), bars_and_stripes(3), method: \"pt\", betas: [0, 0.5])")
        XCTAssertTrue(ladder.contains("end at β = 1"), ladder)
    }

    func testReverseAISPrintsBesideTheExactValue() {
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 6, seed: 1, init: 1)")
        let out = eval(s, "r = ais(m, runs: 100, betas: 300, reverse: true, seed: 1)\nr")
        XCTAssertTrue(out.contains("reverse AIS (an estimate from above)"), out)
        XCTAssertTrue(out.contains("exact log Z"), out)
        let big = errorText("ais(rbm(visible: 30, hidden: 30), reverse: true)")
        XCTAssertTrue(big.contains("start:"), big)
    }

    func testGaussianRBMTrainsWithExactLogLikelihood() {
        let s = Session()
        let out = eval(s, "g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", seed: 1, init: 0.5)\ng")
        XCTAssertTrue(out.contains("gaussian_rbm: 2 gaussian visible × 3 binary hidden"), out)
        eval(s, "x = plane_data(\"moons\", 1000, seed: 1)")
        let before = number(s, "loglik(g, x)")
        let h = eval(s, "h = train(g, x, lr: 0.05, lr_sigma: 0.01, batch: 50, epochs: 10, seed: 1, monitor_every: 5)\nh")
        XCTAssertTrue(h.contains("log-likelihood (exact)"), h)
        XCTAssertGreaterThan(number(s, "loglik(g, x)"), before)
        XCTAssertEqual(number(s, "sum(g.components[:, 0])"), 1, accuracy: 1e-5)
        // The arguments every RBM trainer shares are read once for both unit types: betas
        // without method: "pt" is an error for Gaussian units too, not silently dropped.
        let betas = errorText("train(rbm(visible: 2, hidden: 3, visible_units: \"gaussian\"), plane_data(\"moons\", 100), betas: 5)")
        XCTAssertTrue(betas.contains("method: \"pt\""), betas)
        let ladder = errorText("train(rbm(visible: 2, hidden: 3, visible_units: \"gaussian\"), plane_data(\"moons\", 100), method: \"pt\", betas: [0, 1])")
        XCTAssertTrue(ladder.contains("above 0"), ladder)
        let sigma = errorText("rbm(visible: 2, hidden: 3, sigma: 2)")
        XCTAssertTrue(sigma.contains("visible_units"), sigma)
    }
}

final class TemperingAdaptCommandTests: XCTestCase {
    func testAdaptMovesTheLadderAndKeepsItsEnds() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1, init: 1)")
        eval(s, "a = tempered(m, betas: 6, rounds: 2000, adapt: 0.5, seed: 1)\nb = tempered(m, betas: 6, rounds: 2000, seed: 1)")
        let adapted = eval(s, "print a.betas"), fixed = eval(s, "print b.betas")
        XCTAssertNotEqual(adapted, fixed)
        XCTAssertEqual(eval(s, "print a.betas[0]").trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertEqual(eval(s, "print a.betas[5]").trimmingCharacters(in: .whitespacesAndNewlines), "1")
        let bad = errorText("tempered(rbm(visible: 4, hidden: 2), betas: [0, 0.7, 0.5, 1])")
        XCTAssertTrue(bad.contains("increase strictly"), bad)
    }
}
