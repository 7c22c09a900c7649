import XCTest
import EBM
import EBMIO
@testable import EBMScript

/// Issue 10's inputs, each a test: nothing crashes, nothing lies.
final class RobustnessCommandTests: XCTestCase {
    private let diverged = "c = langevin(gaussian(mean: [0, 0], std: [1, 1]), chains: 100, steps: 1000, step_size: 10, seed: 1)"

    // MARK: non-finite values in rendering and chains

    func testDivergedLangevinChainPrintsShowsAndDrawsWithAWarning() throws {
        let s = Session()
        eval(s, diverged)
        let printed = eval(s, "c")
        XCTAssertTrue(printed.contains("final states: mean [nan, nan], std [nan, nan]"), printed)
        XCTAssertTrue(printed.contains("warning: 100 of 100 chains hold NaN or ±inf (the first by step 100): the chains diverged; lower step_size (ε = 10 is too large for this energy)"), printed)
        XCTAssertTrue(printed.contains("no finite final state to draw a density of"), printed)
        XCTAssertTrue(eval(s, "show c").contains("warning: 100 of 100 chains"))
        let folder = NSTemporaryDirectory() + "ebm-robust-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        s.workingDirectory = folder
        XCTAssertTrue(eval(s, "energy_map(gaussian(mean: [0, 0], std: [1, 1]), \"e.png\", samples: c, paths: c)").contains("wrote e.png"))
        XCTAssertTrue(eval(s, "png(reshape(c.samples, [10, 20]), \"s.png\")").contains("wrote"))
        eval(s, "show reshape(c.samples, [10, 20])")
        eval(s, "plot(reshape(c.samples, [200]))")
    }

    func testPartlyDivergedChainStillDrawsItsFiniteStates() {
        let s = Session()
        // ε = 5 multiplies x by 1 − ε/2 = −1.5 each step: chains from 1e38 overflow within
        // three steps, chains from 0 stay finite over ten.
        eval(s, "c = langevin(gaussian(mean: [0, 0], std: [1, 1]), chains: 4, steps: 10, step_size: 5, every: 1, init: [[0, 0], [1e38, 1e38]], seed: 1)")
        let printed = eval(s, "c")
        XCTAssertTrue(printed.contains("warning: 2 of 4 chains hold NaN or ±inf"), printed)
        XCTAssertTrue(printed.contains("density of the final states"), printed)
    }

    func testCompareAndModesRefuseNonFiniteChains() {
        let s = Session()
        eval(s, diverged)
        let compare = errorText("compare(c, gaussian(mean: [0, 0], std: [1, 1]))", in: s)
        XCTAssertTrue(compare.contains("error: compare: 100 of 100 chains hold NaN or ±inf (the first by step 100), so their moments are NaN and compare with nothing"), compare)
        XCTAssertTrue(compare.contains("hint: the chains diverged; lower step_size (ε = 10 is too large for this energy)"), compare)
        let modes = errorText("modes(langevin(mixture(), chains: 10, steps: 100, step_size: 10), mixture())", in: s)
        XCTAssertTrue(modes.contains("error: modes: 10 of 10 chains hold NaN or ±inf (the first by step 100), so they lie near no mode"), modes)
        let matrix = errorText("modes(tensor([[0, 0], [0/0, 1]]), mixture())", in: s)
        XCTAssertTrue(matrix.contains("error: modes: 1 of 2 samples hold NaN or ±inf"), matrix)
        // A healthy chain still compares.
        eval(s, "h = langevin(gaussian(mean: [0, 0], std: [1, 1]), chains: 200, steps: 200, step_size: 0.05, seed: 1)")
        XCTAssertFalse(eval(s, "h").contains("warning"))
        eval(s, "compare(h, gaussian(mean: [0, 0], std: [1, 1]))")
    }

    func testAnnealedLangevinCountsDivergedChains() {
        let s = Session()
        let printed = eval(s, "annealed_langevin(mixture(), chains: 10, steps: 50, step_size: 1000, seed: 1)")
        XCTAssertTrue(printed.contains("warning: 10 of 10 chains hold NaN or ±inf"), printed)
    }

    func testGibbsChainOnNonFiniteWeightsSaysSo() throws {
        let folder = try npyModel(W: [.nan, 0, 0, 0, 0, 0])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let s = Session()
        eval(s, "m = import_npy(\"\(folder)\")")
        let printed = eval(s, "gibbs(m, chains: 3, steps: 2)")
        XCTAssertTrue(printed.contains("warning: 3 of 3 chains hold NaN or ±inf: the model's parameters are not finite"), printed)
        eval(s, "show gibbs(m, chains: 3, steps: 2)")
    }

    func testTextChartsAndRangesOfExtremeValuesDoNotTrap() {
        let s = Session()
        eval(s, "plot([0/0, 1/0, -1/0, 1e308, -1e308, 1])")
        eval(s, "plot(transpose([[-1e308, 1e308], [1, 2]]))")
        XCTAssertTrue(errorText("range(0, 1/0)", in: s).contains("the limit is 10,000,000"))
        XCTAssertEqual(eval(s, "len(range(0, 0/0))"), "0\n")
    }

    // MARK: rows read as binary states

    func testEveryCommandReadingRowsAsBinaryStatesChecksThemLikeTrain() {
        let s = Session()
        eval(s, "m = rbm(3, 2, seed: 1)\nb = boltzmann(units: 3, seed: 1)\nx = tensor([[2, 0, 1]])")
        let rbmMessage = "data must be in [0, 1] (states of binary units): row 0, column 0 is 2"
        for call in ["loglik(m, x)", "pll(m, x)", "recon_error(m, x)", "grad(m, x)", "ais(m, data: x)", "gradcheck(m, x)",
                     "reconstruct(m, x)", "free_energy(m, x)"] {
            let e = errorText(call, in: s)
            XCTAssertTrue(e.contains(rbmMessage) || e.contains("x must be in [0, 1]"), "\(call): \(e)")
        }
        for call in ["loglik(b, x)", "pll(b, x)", "grad(b, x)", "derive(b, x)", "gradcheck(b, x)"] {
            XCTAssertTrue(errorText(call, in: s).contains("data must be 0 or 1 (states of binary units): row 0, column 0 is 2"), call)
        }
        XCTAssertTrue(errorText("train(m, x)", in: s).contains("training data must be in [0, 1] (states of binary units): row 0, column 0 is 2"))
        XCTAssertTrue(errorText("train(b, x)", in: s).contains("a Boltzmann machine's data must be 0 or 1"))
        XCTAssertTrue(errorText("gibbs(m, init: x)", in: s).contains("init must be in [0, 1]"))
        XCTAssertTrue(errorText("loglik(m, [[0/0, 0, 1]])", in: s).contains("row 0, column 0 is nan"))
        // Grey levels are probabilities of binary units: an RBM accepts them, as train does.
        eval(s, "pll(m, [[0.5, 0, 1]])")
    }

    func testBestLoglikRefusesContinuousData() {
        let e = errorText("best_loglik(plane_data(\"ring\", n: 10))")
        XCTAssertTrue(e.contains("best_loglik: data must be whole numbers (discrete states): row 0, column 0 is"), e)
        XCTAssertEqual(eval(Session(), "best_loglik(tensor([[0, 1], [0, 1]]))"), "0\n")
    }

    // MARK: non-finite parameters

    private func npyModel(W: [Float], b: [Float] = [0, 0], c: [Float] = [0, 0, 0]) throws -> String {
        let folder = NSTemporaryDirectory() + "ebm-npy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try NPY.write(Tensor(shape: [b.count, c.count], scalars: W), to: folder + "/W.npy")
        try NPY.write(Tensor(shape: [b.count], scalars: b), to: folder + "/b.npy")
        try NPY.write(Tensor(shape: [c.count], scalars: c), to: folder + "/c.npy")
        return folder
    }

    func testNonFiniteWeightsAreNamedNeverMinusInfinity() throws {
        for (value, text) in [(Float.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan")] {
            let folder = try npyModel(W: [0, 0, 0, 0, value, 0])
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let s = Session()
            eval(s, "m = import_npy(\"\(folder)\")")
            for call in ["log_z(m)", "loglik(m, [[0, 1, 0]])", "grad(m, [[0, 1, 0]])", "ais(m, runs: 4, betas: 10)"] {
                let e = errorText(call, in: s)
                XCTAssertTrue(e.contains("the model's parameter W[1,1] is \(text), so log Z and every likelihood are undefined"), "\(call): \(e)")
            }
        }
    }

    // MARK: memory budget

    func testAllocationsOverTheBudgetFailBeforeAllocating() {
        let s = Session()
        s.memoryBudget = MemoryBudget(bytes: 1 << 30, source: "test")
        let gibbs = errorText("m = rbm(16, 8)\ngibbs(m, chains: 100000, steps: 10000, every: 1)", in: s)
        XCTAssertTrue(gibbs.contains("error: gibbs: 100000 chains × 10002 snapshots × 16 units needs 119 GB of memory, more than the budget of 1 GB (test)"), gibbs)
        XCTAssertTrue(gibbs.contains("hint: lower chains or steps, or raise every (fewer snapshots), or raise the budget with ebm --memory-budget SIZE or EBM_MEMORY_BUDGET=SIZE"), gibbs)
        let product = errorText("ones([50000, 1]) @ ones([1, 50000])", in: s)
        XCTAssertTrue(product.contains("error: the product [50000, 1] @ [1, 50000] (50000 × 50000 numbers) needs 9.31 GB of memory"), product)
        XCTAssertTrue(errorText("zeros([20000, 20000])", in: s).contains("zeros: a tensor [20000, 20000] needs 1.49 GB"))
        XCTAssertTrue(errorText("b = boltzmann(units: 3)\ngibbs(b, chains: 100000, steps: 100000, every: 1)", in: s).contains("needs"))
        XCTAssertTrue(errorText("langevin(gaussian(mean: [0], std: [1]), chains: 1000000, steps: 100000, every: 1)", in: s).contains("langevin: 1000000 chains × 100002 snapshots × 1 units"))
        XCTAssertTrue(errorText("ais(rbm(1000, 1000), runs: 100000)", in: s).contains("ais: 100000 AIS runs of 1000 + 1000 units needs 2.98 GB"))
        XCTAssertTrue(errorText("mlp_energy(dims: [2, 100000, 100000, 1])", in: s).contains("a network of widths [2, 100000, 100000, 1]"))
        XCTAssertTrue(errorText("rbm(10000, 10000)", in: s).contains("rbm: an RBM of 10000 × 10000 weights needs 1.49 GB"))
        XCTAssertTrue(errorText("boltzmann(units: 10000)", in: s).contains("a Boltzmann machine of 10000 units"))
        XCTAssertTrue(errorText("show(bars_and_stripes(12), scale: 64, limit: 100000)", in: s).contains("grid of"))
        XCTAssertTrue(errorText("train(rbm(1000, 100), rand([10, 1000]) > 0.5, ais_every: 1, ais_runs: 100000, ais_betas: 100)", in: s)
            .contains("train: 100000 AIS runs of 1000 + 100 units needs 1.64 GB"))
        let small = Session()
        small.memoryBudget = MemoryBudget(bytes: 1 << 20, source: "test")
        let doubled = errorText("x = \"ab\"\n" + String(repeating: "x = x + x\n", count: 40), in: small)
        XCTAssertTrue(doubled.contains("test.ebm:21:7: error: joining two strings needs 2 MB of memory, more than the budget of 1 MB (test)"), doubled)
        XCTAssertTrue(errorText("l = [1]\n" + String(repeating: "l = l + l\n", count: 40), in: small).contains("a list of 16384 + 16384 items needs"))
        // Under the budget, all of these run.
        eval(s, "zeros([100, 100])\ngibbs(rbm(4, 2), chains: 10, steps: 10)")
    }

    func testTheSessionBudgetComesFromTheEnvironmentVariable() {
        XCTAssertEqual(Session().memoryBudget, (try? MemoryBudget.fromEnvironment(ProcessInfo.processInfo.environment)) ?? .standard)
    }

    func testShapesWhoseProductOverflowsAreAnErrorNotATrap() {
        XCTAssertTrue(errorText("zeros([100000000, 100000000, 100000000])").contains("is too large (over 2^31 numbers)"))
        XCTAssertTrue(errorText("reshape(zeros(4), [100000000, 100000000, 100000000, -1])").contains("is too large"))
        XCTAssertTrue(errorText("ones(1e14)").contains("[100000000000000] is too large"))
    }

    func testEmptyImagesAreAnErrorNotATrap() {
        XCTAssertTrue(errorText("show zeros([3, 0])").contains("nothing to draw"))
        XCTAssertTrue(errorText("show tensor([])").contains("nothing to draw"))
    }
}
