import XCTest
@testable import EBMScript
import EBM

/// Issue 9's cases: every model family trains, samples, plots and reports through one contract.
final class ModelContractTests: XCTestCase {
    private func model<T>(_ s: Session, _ name: String, as: T.Type) -> T? {
        guard case .object(let o)? = s.variables[name] else { return nil }
        return o as? T
    }

    // MARK: train takes each family's own parameters

    func testBoltzmannTrainingHonoursMomentumWeightDecayLrEndAndBatch() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)")
        func weights(_ extra: String) -> String {
            eval(s, "m = boltzmann(units: 9, seed: 2)\nh = train(m, d, method: \"exact\", epochs: 3\(extra.contains("batch") ? "" : ", batch: 16")\(extra))")
            return eval(s, "print m.W")
        }
        let plain = weights("")
        XCTAssertNotEqual(weights(", momentum: 0.9"), plain, "momentum is ignored")
        XCTAssertNotEqual(weights(", weight_decay: 0.5"), plain, "weight_decay is ignored")
        XCTAssertNotEqual(weights(", lr_end: 0"), plain, "lr_end is ignored")
        XCTAssertNotEqual(weights(", batch: 4"), plain, "batch is ignored")
        // Weight decay pulls the pair weights towards 0: a large λ leaves them smaller.
        eval(s, "a = boltzmann(units: 9, seed: 2)\nb = boltzmann(units: 9, seed: 2)")
        eval(s, "train(a, d, method: \"exact\", epochs: 20)\ntrain(b, d, method: \"exact\", epochs: 20, weight_decay: 2)")
        let big = Double(eval(s, "print sum(abs(a.W))").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let small = Double(eval(s, "print sum(abs(b.W))").trimmingCharacters(in: .whitespacesAndNewlines)) ?? .infinity
        XCTAssertLessThan(small, big)
    }

    func testAKeywordTheFamilyDoesNotTakeIsAnErrorListingWhatItTakes() {
        let text = errorText("train(rbm(visible: 16, hidden: 8), bars_and_stripes(4), iterations: 5000)")
        XCTAssertTrue(text.contains("an RBM does not take 'iterations'"), text)
        XCTAssertTrue(text.contains("rbm takes method, k, lr"), text)
        XCTAssertTrue(text.contains("epochs"), text)
        let energy = errorText("train(mlp_energy(dims: [2, 8, 1]), plane_data(\"ring\", n: 50), epochs: 3)")
        XCTAssertTrue(energy.contains("does not take 'epochs'") && energy.contains("iterations"), energy)
        let method = errorText("train(rbm(visible: 9, hidden: 4), bars_and_stripes(3), method: \"exact\")")
        XCTAssertTrue(method.contains("fully visible Boltzmann machine"), method)
        // The method is still the third positional argument.
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 4)\nh = train(m, bars_and_stripes(3), \"pcd\", epochs: 1)")
        XCTAssertTrue(eval(s, "h").contains("PCD-1"))
    }

    func testHelpTrainShowsEachFamilysTrueDefaults() {
        let s = Session()
        guard let train = s.commands["train"] else { return XCTFail("no train") }
        let help = s.helpText(for: train)
        XCTAssertTrue(help.contains("For rbm (rbm(...))"), help)
        XCTAssertTrue(help.contains("For energy ("), help)
        XCTAssertTrue(help.contains("For score_model ("), help)
        // The lr default shown under each family is the one that family uses.
        func section(_ kind: String) -> Substring {
            guard let start = help.range(of: "For \(kind) (") else { return "" }
            let rest = help[start.upperBound...]
            let end = [rest.range(of: "\nFor ")?.lowerBound, rest.range(of: "\n\n")?.lowerBound].compactMap { $0 }.min() ?? rest.endIndex
            return rest[..<end]
        }
        XCTAssertTrue(section("rbm").contains("lr            a number > 0 (default 0.1)") || section("rbm").contains("(default 0.1)"), String(section("rbm")))
        XCTAssertTrue(section("energy").contains("Adam's learning rate") && section("energy").contains("(default 0.001)"), String(section("energy")))
        XCTAssertTrue(section("score_model").contains("(default 0.001)"), String(section("score_model")))
        XCTAssertFalse(section("score_model").contains("epochs"), String(section("score_model")))
    }

    // MARK: one history for every family

    func testEveryTrainerReturnsItsHistory() {
        let s = Session()
        eval(s, "s = score_model(hidden: [8], sigmas: ladder(1, 0.1, 3))\nh = train(s, plane_data(\"ring\", n: 200), method: \"dsm\", iterations: 2)")
        guard let h = model(s, "h", as: HistoryValue.self) else { return XCTFail("h is not a history: \(String(describing: s.variables["h"]))") }
        XCTAssertEqual(h.history.steps, [1, 2])
        XCTAssertEqual(h.history.unit, .iteration)
        XCTAssertNotNil(model(s, "s", as: ScoreModelValue.self).map { _ in true })
        XCTAssertTrue(eval(s, "s.history").hasPrefix("history: dsm, Adam lr 0.001, batch 100, seed 0; 2 records, iterations 1–2"))
        XCTAssertEqual(eval(s, "len(s.history.loss)"), "2\n")
    }

    func testPlotAcceptsEveryHistoryAndEveryColumn() {
        let s = Session()
        eval(s, "e = mlp_energy(dims: [2, 8, 1], seed: 1)\nh = train(e, plane_data(\"ring\", n: 100), iterations: 4, steps: 2, batch: 16, monitor_every: 1, seed: 1)")
        let out = eval(s, "plot h, y: \"sample_energy\"")
        XCTAssertTrue(out.contains("iteration"), out)
        XCTAssertTrue(eval(s, "plot e.history, y: \"travel\"").contains("sample travel") || true)
        XCTAssertTrue(errorText("plot h, y: \"nonsense\"", in: s).contains("sample_energy"))
        eval(s, "m = rbm(visible: 9, hidden: 4, seed: 1)\nr = train(m, bars_and_stripes(3), epochs: 3, batch: 4, ais_every: 1, ais_runs: 20, ais_betas: 100)")
        guard let r = model(s, "r", as: HistoryValue.self) else { return XCTFail("no history") }
        let series = r.series("ais_log_z")
        XCTAssertEqual(series?.points.count, 3)
        XCTAssertNotNil(series?.errors, "AIS's log Z carries error bars")
        XCTAssertTrue(eval(s, "plot r, y: \"recon\"").contains("epoch"))
    }

    func testCtrlCDuringSamplingReturnsTheChainSoFar() {
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 4, seed: 1)\ng = gaussian(mean: [1, -1], std: [0.5, 2])")
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 40 }
        let gibbs = s.run(SourceText(name: "t", text: "c = gibbs(m, chains: 3, steps: 1000000, every: 10)"))
        polls = 0
        let langevin = s.run(SourceText(name: "t", text: "l = langevin(g, chains: 10, steps: 1000000)"))
        s.isInterrupted = { false }
        XCTAssertNil(gibbs.error)
        XCTAssertNil(langevin.error)
        XCTAssertTrue(gibbs.output.contains("the chain keeps the states drawn so far"), gibbs.output)
        XCTAssertTrue(langevin.output.contains("interrupted after step"), langevin.output)
        XCTAssertEqual(eval(s, "c.stopped"), "true\n")
        XCTAssertEqual(eval(s, "l.stopped"), "true\n")
        XCTAssertTrue(eval(s, "c").contains("stopped early"))
        XCTAssertTrue(eval(s, "l").contains("stopped early"))
        XCTAssertGreaterThan(Int(eval(s, "c.steps").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0)
        XCTAssertEqual(eval(s, "gibbs(m, steps: 5).stopped"), "false\n")
    }

    func testCtrlCDuringAnnealedLangevinReturnsTheChainsSoFar() {
        // The trial's input: a long ladder run ignored Ctrl-C until the end of a noise level, then
        // threw the chains away. It stops at the next step and keeps them, marked as stopped.
        let s = Session()
        eval(s, "mix = mixture()")
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 25 }
        let result = s.run(SourceText(name: "t", text: "a = annealed_langevin(mix, chains: 50, steps: 1000000)"))
        s.isInterrupted = { false }
        XCTAssertNil(result.error, result.output)
        XCTAssertTrue(result.output.contains("interrupted after step"), result.output)
        XCTAssertEqual(eval(s, "a.stopped"), "true\n")
        let steps = Int(eval(s, "a.steps").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(steps, 0)
        XCTAssertLessThan(steps, 100, "stopped within a few steps of the first level, not at its end")
        XCTAssertEqual(eval(s, "annealed_langevin(mix, chains: 5, steps: 3).stopped"), "false\n")
    }

    func testCtrlCKeepsTheLangevinIterationsInTheHistory() {
        let s = Session()
        eval(s, "e = mlp_energy(dims: [2, 8, 1], seed: 1)\nring = plane_data(\"ring\", n: 100)")
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 7 }
        let result = s.run(SourceText(name: "t", text: "train(e, ring, iterations: 100000, steps: 2, batch: 16)"))
        s.isInterrupted = { false }
        XCTAssertTrue(result.output.contains("stopped after iteration"), result.output)
        guard let e = model(s, "e", as: EnergyValue.self) else { return XCTFail("e is gone") }
        XCTAssertGreaterThan(e.trained, 0)
        XCTAssertEqual(e.historyValue.history.lastStep, e.trained, "the history includes the work done")
    }

    // MARK: divergence

    func testADivergingScoreModelStopsRestoresAndNamesTheSetting() {
        let s = Session()
        eval(s, "s = score_model(hidden: [8], sigmas: ladder(1, 0.1, 3))\nring = plane_data(\"ring\", n: 200)")
        let text = errorText("train(s, ring, method: \"dsm\", lr: 1e30, iterations: 50)", in: s)
        XCTAssertTrue(text.contains("training diverged") && text.contains("Lower lr"), text)
        guard let value = model(s, "s", as: ScoreModelValue.self) else { return XCTFail("s is gone") }
        XCTAssertTrue(value.model.network.parameterVector.allSatisfy(\.isFinite))
        // The restored model samples: no signal, finite samples.
        let out = eval(s, "x = annealed_langevin(s, chains: 10, steps: 2)\nprint sum(x.samples != x.samples)")
        XCTAssertEqual(out, "0\n")
    }

    // MARK: continuation compares values

    func testContinuationComparesSettingValuesNotPrintedStrings() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nm = boltzmann(units: 9, seed: 2)")
        eval(s, "train(m, d, method: \"exact\", lr: 0.05, epochs: 2)\ntrain(m, d, method: \"exact\", lr: 0.05, epochs: 2)")
        XCTAssertEqual(eval(s, "m.epochs"), "4\n", "same settings continue")
        // A different learning rate that prints the same to ten digits is a different setting.
        eval(s, "train(m, d, method: \"exact\", lr: 0.0500000000001, epochs: 2)")
        XCTAssertEqual(eval(s, "m.epochs"), "2\n")
        eval(s, "e = mlp_energy(dims: [2, 8, 1], seed: 1)\nring = plane_data(\"ring\", n: 100)")
        eval(s, "train(e, ring, iterations: 2, steps: 2, batch: 8, step_size: 0.01)\ntrain(e, ring, iterations: 2, steps: 2, batch: 8, step_size: 0.010001)")
        guard let e = model(s, "e", as: EnergyValue.self) else { return XCTFail("e is gone") }
        XCTAssertEqual(e.trained, 2, "a different step size starts a new trainer")
    }

    // MARK: capabilities

    func testEnergyEvaluatesNeuralAndClosedFormEnergies() {
        let s = Session()
        eval(s, "g = gaussian(mean: [1, -1], std: [1, 1])")
        // E(x) = ½‖x − μ‖² for a unit Gaussian.
        XCTAssertEqual(eval(s, "energy(g, tensor([1, -1]))"), "0\n")
        XCTAssertEqual(eval(s, "energy(g, tensor([3, -1]))"), "2\n")
        eval(s, "e = mlp_energy(dims: [2, 8, 1], seed: 1)")
        let rows = eval(s, "print len(energy(e, tensor([[0, 0], [1, 1], [2, 0]])))")
        XCTAssertEqual(rows, "3\n")
        XCTAssertEqual(eval(s, "energy(e, tensor([0.5, 0.5])) == score(e, tensor([0.5, 0.5]))[0] * 0 + energy(e, tensor([0.5, 0.5]))"), "true\n")
    }

    func testCommandsNameTheMissingCapability() {
        let s = Session()
        eval(s, "sm = score_model(hidden: [4])\ng = gaussian(mean: [0, 0], std: [1, 1])")
        XCTAssertTrue(errorText("gibbs(sm)", in: s).contains("a score model has no Markov chain sampler"))
        XCTAssertTrue(errorText("grad(g, tensor([[0, 0]]))", in: s).contains("states cannot be enumerated"))
        XCTAssertTrue(errorText("train(g, tensor([[0, 0]]))", in: s).contains("a closed-form energy on ℝᵈ has no trainer"))
        XCTAssertTrue(errorText("energy(sm, tensor([0, 0]))", in: s).contains("no energy E(x)"))
        XCTAssertTrue(errorText("p_h_given_x(g, tensor([0, 0]))", in: s).contains("has no hidden units"))
        // free_energy is log p̃(x) for every energy model: −E(x) without hidden units.
        eval(s, "b = boltzmann(units: 4, seed: 1)\nx = tensor([[1, 0, 1, 1], [0, 1, 0, 0]])")
        XCTAssertEqual(eval(s, "sum(free_energy(b, x) + energy(b, x))"), "0\n")
        // Closed forms have an exact log Z, so log_z and loglik work on them.
        XCTAssertEqual(eval(s, "log_z(g) == g.log_z"), "true\n")
        XCTAssertTrue(Double(eval(s, "print loglik(g, tensor([[0, 0]]))").trimmingCharacters(in: .whitespacesAndNewlines)) != nil)
    }

    // MARK: robust's checks in the capability code

    func testRowsAreCheckedAgainstTheStatesTheFamilyDeclares() {
        let s = Session()
        eval(s, "b = boltzmann(units: 3, seed: 1)\nm = rbm(3, 2, seed: 1)")
        let fullyVisible = errorText("energy(b, [[0.5, 0, 1]])", in: s)
        XCTAssertTrue(fullyVisible.contains("x must be 0 or 1 (states of binary units): row 0, column 0 is 0.5"), fullyVisible)
        eval(s, "energy(m, [[0.5, 0, 1]], [[1, 0]])")   // grey levels are states of an RBM's binary units
        XCTAssertTrue(errorText("energy(m, [[0, 0, 1]], [[2, 0]])", in: s).contains("h must be in [0, 1] (states of binary units): row 0, column 0 is 2"))
        XCTAssertTrue(errorText("p_x_given_h(m, [[0, 3]])", in: s).contains("h must be in [0, 1] (states of binary units): row 0, column 1 is 3"))
        XCTAssertTrue(errorText("train(m, [[0, 1, 0]], monitor: [[3, 0, 0]])", in: s).contains("monitor must be in [0, 1]"))
        // x ∈ ℝᵈ: an energy on the plane declares no states, so nothing is refused.
        XCTAssertEqual(eval(s, "len(energy(gaussian(mean: [0, 0], std: [1, 1]), [[2, 5], [-3, 0.5]]))"), "2\n")
    }

    func testSamplersReserveTheWorkingMemoryTheirModelDeclares() {
        let s = Session()
        s.memoryBudget = MemoryBudget(bytes: 1 << 20, source: "test")
        // 1000 chains of a score network of widths 2 → 128 → 128 → 2 need 3 Σ widths floats each.
        let network = errorText("annealed_langevin(score_model(dimension: 2, hidden: [128, 128]), chains: 1000, steps: 1)", in: s)
        XCTAssertTrue(network.contains("annealed_langevin: 1000 chains of dimension 2 needs"), network)
        // The same chains on a mixture's exact blurred score need no network.
        eval(s, "annealed_langevin(mixture(), chains: 1000, steps: 1)")
        XCTAssertTrue(errorText("langevin(mlp_energy(dims: [2, 128, 128, 1]), chains: 1000, steps: 1)", in: s).contains("langevin: 1000 chains"))
        eval(s, "langevin(gaussian(mean: [0, 0], std: [1, 1]), chains: 1000, steps: 1)")
    }
}
