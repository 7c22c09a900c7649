import XCTest
@testable import EBMScript
import EBM

/// A new user's trial of tempering and Gaussian–Bernoulli RBMs (issue 13): every input here once
/// crashed, hung, was silently ignored or printed a wrong message.
final class TemperingRobustnessTests: XCTestCase {
    private func number(_ s: Session, _ expr: String) -> Double {
        Double(eval(s, "print \(expr)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    }

    // 1. lr_sigma large enough to send log σ² to ±∞ hit a precondition (signal 4) in
    // GaussianUnits.init; now the divergence guard stops, restores and names lr_sigma.
    func testLargeSigmaLearningRateDivergesInsteadOfCrashing() {
        for (lr, lrSigma, method) in [(1.0, 30.0, "cd"), (100.0, 10.0, "cd"), (1.0, 30.0, "pcd")] {
            let s = Session()
            eval(s, "g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", init: 0.8, seed: 1)\nW0 = g.W\ns0 = g.sigma")
            let result = s.run(SourceText(name: "t", text: "train(g, randn([50,2], seed: 1), lr: \(lr), lr_sigma: \(lrSigma), epochs: 5, method: \"\(method)\")"))
            let text = (result.error.map { $0.description } ?? "") + result.output
            XCTAssertTrue(text.contains("training diverged"), text)
            XCTAssertTrue(text.contains("Lower lr") , text)
            if lr == 1 { XCTAssertTrue(text.contains("Lower lr_sigma (it was 30)"), text) }
            // The model kept is finite, with σ > 0.
            XCTAssertGreaterThan(number(s, "min(g.sigma)"), 0)
            XCTAssertTrue(number(s, "sum(g.W)").isFinite)
        }
    }

    // 2. betas beyond the documented 2…1000 (and not whole) were accepted as a tensor.
    func testLadderLevelsAreBoundedAndWhole() {
        let s = Session()
        eval(s, "m = rbm(visible: 4, hidden: 2, seed: 1)\nd = bars_and_stripes(2)")
        for k in ["1001", "5000", "10000000"] {
            let e = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: \(k), rounds: 10)")
            XCTAssertTrue(e.contains("betas must be a whole number of levels from 2 to 1000"), e)
        }
        let t = errorText("m = rbm(visible: 4, hidden: 2)\ntrain(m, bars_and_stripes(2), method: \"pt\", betas: 1000000)")
        XCTAssertTrue(t.contains("from 2 to 1000") && t.contains("betas"), t)
        let half = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: 2.5, rounds: 10)")
        XCTAssertTrue(half.contains("got 2.5"), half)
        let matrix = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: [[0, 0.5], [0.7, 1]], rounds: 10)")
        XCTAssertTrue(matrix.contains("one axis") && matrix.contains("[2, 2]"), matrix)
        XCTAssertTrue(eval(s, "tempered(m, betas: 1000, rounds: 10, burn_in: 0)").contains("1000 inverse temperatures"))
    }

    func testTemperingAsksTheMemoryBudget() {
        let s = Session()
        s.memoryBudget = MemoryBudget(bytes: 1 << 20)
        let e = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: 1000, rounds: 100000000)", in: s)
        XCTAssertTrue(e.contains("betas") && e.contains("needs"), e)
    }

    // 3. NaN energies left every replica stuck with swap acceptance 0, silently.
    func testNonFiniteEnergiesInTemperingAreReported() {
        let s = Session()
        eval(s, "def E(x, W): return sum(log(x @ W - 5))\nu = energy_fn(E, params: [ones([3])], domain: \"real\", dim: 3)")
        let out = eval(s, "t = tempered(u, betas: 3, rounds: 10, burn_in: 0)\nt")
        XCTAssertTrue(out.contains("NaN or ±inf"), out)
        XCTAssertGreaterThan(number(s, "t.non_finite"), 0)
        XCTAssertTrue(out.contains("MALA acceptance"), out)
        let fine = eval(s, "g = gaussian(mean: [0, 0], std: [1, 1])\nh = tempered(g, betas: 3, rounds: 200, burn_in: 0, step_size: 0.5)\nh")
        XCTAssertFalse(fine.contains("NaN"), fine)
        XCTAssertGreaterThan(number(s, "h.move_acceptance[2]"), 0.1)
    }

    // 4. Ctrl-C threw the samples away.
    func testCtrlCDuringTemperingReturnsTheSamplesSoFar() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1)")
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 30 }
        let pt = s.run(SourceText(name: "t", text: "t = tempered(m, betas: 5, rounds: 1000000, burn_in: 0)"))
        polls = 0
        // AIS weights (set in a few polls), so the stop lands in the sampling; a stop while
        // Wang–Landau adapts (it runs for `rounds` steps first) has no samples yet and says so.
        let st = s.run(SourceText(name: "t", text: "u = tempered(m, method: \"st\", betas: 3, rounds: 1000000, weights: \"ais\", ais_runs: 5, ais_steps: 20)"))
        polls = 0
        let during = s.run(SourceText(name: "t", text: "w = tempered(m, method: \"st\", betas: 3, rounds: 1000000)"))
        XCTAssertEqual(during.error?.kind, .interrupted)
        XCTAssertTrue(during.error?.message.contains("while setting its weights") ?? false, during.error?.message ?? "no error")
        s.isInterrupted = { false }
        XCTAssertNil(pt.error, pt.output)
        XCTAssertNil(st.error, st.output)
        XCTAssertTrue(pt.output.contains("interrupted after round"), pt.output)
        XCTAssertEqual(eval(s, "t.stopped"), "true\n")
        XCTAssertEqual(eval(s, "u.stopped"), "true\n")
        XCTAssertTrue(eval(s, "t").contains("stopped early"))
        XCTAssertGreaterThan(number(s, "len(t.samples)"), 0)
        XCTAssertEqual(eval(s, "tempered(m, betas: 3, rounds: 10, burn_in: 0).stopped"), "false\n")
    }

    func testCtrlCDuringAISSaysWhyThereIsNoEstimate() {
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1)")
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 3 }
        let forward = s.run(SourceText(name: "t", text: "ais(m, runs: 100, betas: 10000000)"))
        polls = 0
        let reverse = s.run(SourceText(name: "t", text: "ais(m, runs: 100, betas: 10000000, reverse: true)"))
        s.isInterrupted = { false }
        for r in [forward, reverse] {
            let text = r.error?.description ?? ""
            XCTAssertTrue(text.contains("valid only at the end of the annealing path"), text)
        }
    }

    // 5. A Gaussian–Bernoulli RBM's parameters could not be set.
    func testGaussianRBMParametersCanBeSet() {
        let s = Session()
        eval(s, "g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", seed: 1)")
        eval(s, "g.W = zeros([3, 2])\ng.b = [1, 2, 3]\ng.c = [0.5, -0.5]\ng.sigma = [2, 0.5]")
        XCTAssertEqual(number(s, "sum(g.W)"), 0)
        XCTAssertEqual(number(s, "g.b[2]"), 3)
        XCTAssertEqual(number(s, "g.c[1]"), -0.5)
        XCTAssertEqual(number(s, "g.sigma[0]"), 2)
        // W = 0: p(x) is N(c, σ²), independent of b: log Z = log Σ_h e^(bᵀh) + ½ Σ log(2πσᵢ²).
        let expected = log((1 + exp(1.0)) * (1 + exp(2.0)) * (1 + exp(3.0))) + 0.5 * (log(2 * Double.pi * 4) + log(2 * Double.pi * 0.25))
        XCTAssertEqual(number(s, "log_z(g)"), expected, accuracy: 1e-4)
        let shape = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ng.W = zeros([2, 3])")
        XCTAssertTrue(shape.contains("[3, 2]") && shape.contains(".T"), shape)
        eval(s, "g.sigma = 0.5")
        XCTAssertEqual(number(s, "g.sigma[1]"), 0.5, "a number sets every σ")
        let tiny = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ng.sigma = [1, 1e-45]")
        XCTAssertTrue(tiny.contains("sigma must be above 0"), tiny)
        let zero = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ng.sigma = [1, 0]")
        XCTAssertTrue(zero.contains("sigma must be above 0") && zero.contains("sigma[1]"), zero)
        let nan = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ng.c = [0, 0/0]")
        XCTAssertTrue(nan.contains("NaN"), nan)
        let computed = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ng.hidden = 4")
        XCTAssertTrue(computed.contains("computed"), computed)
    }

    // 6. Messages.
    func testGradOnAGaussianRBMSaysWhatItLacks() {
        let e = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\")\ngrad(g, randn([4, 2]))")
        XCTAssertFalse(e.contains("has no exact enumeration (log Z"), e)
        XCTAssertTrue(e.contains("log Z and log-likelihood are exact"), e)
    }

    func testLadderErrorsPrintTheNumbersAsWritten() {
        let noise = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: [0, 0.6, 0.5, 1])")
        XCTAssertTrue(noise.contains("β1 = 0.6 and β2 = 0.5"), noise)
        XCTAssertFalse(noise.contains("0.6000000238"), noise)
        let nan = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: [0, 0/0, 1])")
        XCTAssertTrue(nan.contains("β1 is NaN"), nan)
        XCTAssertFalse(nan.contains("-nan"), nan)
        let close = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, betas: [0, 0.99999999, 1])")
        XCTAssertTrue(close.contains("coincide in float32"), close)
        let tiny = errorText("m = rbm(visible: 4, hidden: 2)\ntempered(m, smallest: 1e-300, betas: 3)")
        XCTAssertTrue(tiny.contains("smallest") && tiny.contains("float32"), tiny)
    }

    // 7. Options that meant nothing were ignored.
    func testIgnoredTemperingOptionsAreRefused() {
        let rbm = "m = rbm(visible: 4, hidden: 2)\n"
        for (call, option) in [("tempered(m, chains: 4)", "chains"), ("tempered(m, step_size: 0.1)", "step_size"),
                               ("tempered(m, betas: [0, 0.5, 1], smallest: 0.1)", "smallest"),
                               ("tempered(m, method: \"st\", adapt: 0.4)", "adapt"),
                               ("tempered(m, method: \"st\", burn_in: 10)", "burn_in")] {
            let e = errorText(rbm + call)
            XCTAssertTrue(e.contains(option), "\(call): \(e)")
        }
    }

    // 8. Degenerate runs.
    func testThinBeyondTheRoundsAndTooFewSamplesForChiSquared() {
        let e = errorText("m = rbm(visible: 6, hidden: 2)\ntempered(m, rounds: 100, burn_in: 0, thin: 1000)")
        XCTAssertTrue(e.contains("thin") && e.contains("no samples"), e)
        let s = Session()
        eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1)")
        let out = eval(s, "t = tempered(m, betas: 100, rounds: 10, burn_in: 0)\nt")
        XCTAssertTrue(out.contains("no χ² test"), out)
        XCTAssertFalse(out.contains("p = 1"), out)
        XCTAssertEqual(eval(s, "print t.p_value"), "none\n")
        let st = eval(s, "u = tempered(m, method: \"st\", betas: 100, rounds: 1)\nprint u.samples.shape")
        XCTAssertTrue(st.hasSuffix("[0, 6]\n"), st)
    }

    func testReverseAISSaysWhenStartRowsAreReused() {
        let s = Session()
        let out = eval(s, "m = rbm(visible: 6, hidden: 2, seed: 1)\nais(m, runs: 20, betas: 100, reverse: true, start: [[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]])")
        XCTAssertTrue(out.contains("rows are reused"), out)
    }
}

extension TemperingRobustnessTests {
    // 6. help listed kinds the commands refuse.
    func testHelpListsOnlyTheKindsTemperedAndAISTake() {
        let s = Session()
        let tempered = eval(s, "help tempered")
        let ais = eval(s, "help ais")
        let temperedKinds = tempered.split(separator: "\n").first { $0.contains("model ") } ?? ""
        let aisKinds = ais.split(separator: "\n").first { $0.contains("model ") } ?? ""
        XCTAssertFalse(temperedKinds.contains("score model") || temperedKinds.contains("DBN"), String(temperedKinds))
        XCTAssertTrue(temperedKinds.contains("Gaussian–Bernoulli RBM"), String(temperedKinds))
        XCTAssertFalse(aisKinds.contains("Boltzmann") || aisKinds.contains("DBN"), String(aisKinds))
        let e = errorText("d = dbn([4, 3, 2])\nais(d)")
        XCTAssertTrue(e.contains("model"), e)
    }
}

extension TemperingRobustnessTests {
    // 1, the same kind: σ that float32 makes 0 or ∞ reached GaussianUnits' precondition from rbm(...).
    func testSigmaOutOfFloatRangeIsALocatedError() {
        let nanInit = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", init: 0/0)")
        XCTAssertTrue(nanInit.contains("init must be a finite number"), nanInit)
        for sigma in ["1e-50", "1e39"] {
            let e = errorText("g = rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", sigma: \(sigma))")
            XCTAssertTrue(e.contains("sigma") && e.contains("float32"), e)
        }
    }
}
