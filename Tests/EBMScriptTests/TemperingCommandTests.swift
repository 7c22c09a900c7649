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
    private func number(_ s: Session, _ expr: String) -> Double {
        Double(eval(s, "print \(expr)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }

    func testAdaptMovesTheLadderAndKeepsItsEnds() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1, init: 1)")
        eval(s, "a = tempered(m, betas: 6, rounds: 2000, adapt: 0.5, seed: 1)\nb = tempered(m, betas: 6, rounds: 2000, seed: 1)")
        let adapted = eval(s, "print a.betas"), fixed = eval(s, "print b.betas")
        XCTAssertNotEqual(adapted, fixed)
        XCTAssertEqual(eval(s, "print a.betas[0]").trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertEqual(eval(s, "print max(a.betas)").trimmingCharacters(in: .whitespacesAndNewlines), "1")
        let bad = errorText("tempered(rbm(visible: 4, hidden: 2), betas: [0, 0.7, 0.5, 1])")
        XCTAssertTrue(bad.contains("increase strictly"), bad)
    }
    /// adapt: sets the swap rate it is given (the old rescaling cancelled the target, so every
    /// target gave the same ladder), says so, and refuses 0 and 1.
    func testAdaptTargetsTheSwapRateAndSaysSo() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 4, seed: 1, init: 1)")
        let low = eval(s, "a = tempered(m, adapt: 0.3, rounds: 5000, seed: 1)\na")
        eval(s, "b = tempered(m, adapt: 0.9, rounds: 5000, seed: 1)")
        XCTAssertTrue(low.contains("ladder adapted to swap acceptance 0.3 on every gap"), low)
        XCTAssertNotEqual(eval(s, "print a.betas"), eval(s, "print b.betas"))
        XCTAssertLessThan(number(s, "len(a.betas)"), number(s, "len(b.betas)"))
        XCTAssertEqual(number(s, "mean(b.acceptance)"), 0.9, accuracy: 0.07)
        XCTAssertEqual(number(s, "mean(a.acceptance)"), 0.3, accuracy: 0.15)
        for bad in ["0", "1"] {
            let text = errorText("tempered(rbm(visible: 4, hidden: 2), adapt: \(bad))")
            XCTAssertTrue(text.contains("strictly between 0 and 1"), text)
        }
        let unreachable = eval(s, "c = tempered(m, adapt: 0.01, rounds: 1000, seed: 1)\nc")
        XCTAssertTrue(unreachable.contains("even 2 levels swap more often"), unreachable)
    }

    /// PT prints the round trips of every replica; the ST chart names the one chain it draws.
    func testRoundTripsPerReplicaAndChartTitles() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1, init: 1)")
        let out = eval(s, "t = tempered(m, betas: 5, rounds: 3000, seed: 1)\nt")
        XCTAssertTrue(out.contains("replica k's round trips"), out)
        XCTAssertEqual(number(s, "sum(t.replica_round_trips)"), number(s, "t.round_trips"))
        XCTAssertEqual(number(s, "len(t.replica_round_trips)"), 5)
        let st = TemperedValue(method: "simulated tempering", weightsMethod: "Wang–Landau", moveDescription: "", betas: [0, 0.5, 1],
                               occupancy: [100, 100, 100], weights: [2, 1, 0], samples: [], traces: [[0, 1, 2]], rounds: 3)
        XCTAssertTrue(st.chart.title.contains("level of chain 0"), st.chart.title)
        XCTAssertFalse(st.render(ValueFormat()).contains("not visited evenly"))
        let pt = TemperedValue(method: "parallel tempering", moveDescription: "", betas: [0, 1], swapAcceptance: [0.5],
                               samples: [], traces: [[0, 1], [1, 0]], rounds: 2)
        XCTAssertTrue(pt.chart.title.contains("replicas 0 and 1"), pt.chart.title)
        var skewed = st
        skewed.occupancy = [280, 10, 10]
        XCTAssertTrue(skewed.render(ValueFormat()).contains("not visited evenly"), skewed.render(ValueFormat()))
        let help = eval(s, "help tempered")
        XCTAssertTrue(help.contains("β = 0 followed by K − 1 levels geometric from 1/K to 1"), help)
    }

    /// Wang–Landau weights improve with rounds and match the exact −log Z(β) + log Z(1) of the
    /// 0.8 / 0.2 mixture (quadrature); before, they stopped at [−6.64 … 0] whatever the rounds.
    func testWangLandauWeightsOfTheMixtureMatchQuadrature() {
        let s = Session()
        eval(s, "two = mixture(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])")
        eval(s, "a = tempered(two, method: \"st\", betas: 6, chains: 4, step_size: 0.02, rounds: 20000, seed: 1)")
        // −log Z(β) + log Z(1) on the ladder 0.01 … 1 (numerical integration of e^(−βE) in 2-D).
        let exact = [-4.55, -3.74, -2.86, -1.92, -0.94, 0]
        for k in 0..<6 { XCTAssertEqual(number(s, "a.weights[\(k)]"), exact[k], accuracy: 0.15, "level \(k)") }
        eval(s, "b = tempered(two, method: \"st\", betas: 6, chains: 4, step_size: 0.02, rounds: 3000, seed: 1)")
        XCTAssertNotEqual(eval(s, "print a.weights"), eval(s, "print b.weights"))
    }

    /// compare(gibbs chain, model): the χ² test tempered uses, for plain Gibbs. On a bimodal RBM
    /// (modes x = 0 with mass 0.7 and x = 1 with 0.3, ~e⁻¹⁸ between) one Gibbs chain fails it
    /// and parallel tempering with the same budget passes.
    func testCompareTestsAGibbsChainByChiSquared() {
        let s = Session()
        let b = log(3.0 / 7.0) + 6 * (log(1 + exp(-5.0)) - log(1 + exp(5.0)))
        eval(s, "m = rbm(visible: 6, hidden: 1)\nm.W = [[10, 10, 10, 10, 10, 10]]\nm.b = [\(b)]\nm.c = [-5, -5, -5, -5, -5, -5]")
        let out = eval(s, "g = gibbs(m, chains: 1, steps: 21000, every: 10, seed: 1)\nc = compare(g, m, burn_in: 1000)\nc")
        XCTAssertTrue(out.contains("χ² test of 2000 samples"), out)
        XCTAssertTrue(out.contains("do not follow p(x)"), out)
        XCTAssertLessThan(number(s, "c.p_value"), 0.01)
        eval(s, "t = tempered(m, betas: 10, rounds: 20000, thin: 10, seed: 1)")
        XCTAssertGreaterThan(number(s, "t.p_value"), 0.01)
        // On a model with small weights, where Gibbs mixes, the same budget passes it.
        eval(s, "easy = rbm(visible: 6, hidden: 2, seed: 1)\nmixing = gibbs(easy, chains: 1, steps: 21000, every: 10, seed: 2)")
        XCTAssertGreaterThan(number(s, "compare(mixing, easy, burn_in: 1000).p_value"), 0.01)
        let notEnumerable = errorText("compare(gibbs(rbm(visible: 4, hidden: 2), steps: 10), mixture(means: [[0, 0]], stds: [1]))")
        XCTAssertTrue(notEnumerable.contains("no exact p(x)"), notEnumerable)
        let width = errorText("compare(gibbs(rbm(visible: 4, hidden: 2), steps: 10), rbm(visible: 5, hidden: 2))")
        XCTAssertTrue(width.contains("4 visible units, the model 5"), width)
        let late = errorText("compare(gibbs(rbm(visible: 4, hidden: 2), steps: 10), rbm(visible: 4, hidden: 2), burn_in: 10)")
        XCTAssertTrue(late.contains("no snapshot"), late)
        XCTAssertTrue(eval(s, "help compare").contains("gibbs"))
    }
}
