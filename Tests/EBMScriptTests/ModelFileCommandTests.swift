import EBM
import EBMIO
import Foundation
import XCTest
@testable import EBMScript

/// save, load, export_npy and import_npy as a user types them, for every kind of model: a model
/// trained 2 epochs (or iterations), saved, loaded and trained 2 more is bit-identical to one
/// trained 4 in one go.
final class ModelFileCommandTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ModelFileCommandTests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The parameters of the model bound to `name`, as bit patterns.
    func bits(_ s: Session, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt64] {
        switch s.variables[name] {
        case .object(let m as RBMValue)?: return (m.machine.W + m.machine.b + m.machine.c).map { UInt64($0.bitPattern) }
        case .object(let m as BoltzmannValue)?: return (m.machine.W + m.machine.b).map(\.bitPattern)
        case .object(let m as GaussianRBMValue)?: return (m.machine.W + m.machine.b + m.machine.c + m.machine.sigma).map { UInt64($0.bitPattern) }
        case .object(let m as DBNValue)?:
            return m.network.layers.flatMap { ($0.W + $0.b + $0.c).map { UInt64($0.bitPattern) } }
                + m.network.recognition.flatMap { r in r.map { ($0.R + $0.r).map { UInt64($0.bitPattern) } } ?? [UInt64.max] }
        case .object(let m as ScoreModelValue)?: return m.model.network.parameterVector.map { UInt64($0.bitPattern) }
        case .object(let m as EnergyValue)?:
            guard case .neural(let e) = m.kind else { break }
            return e.network.parameterVector.map { UInt64($0.bitPattern) }
        default: break
        }
        XCTFail("\(name) is not a trainable model", file: file, line: line)
        return []
    }

    /// `make` builds a model, `train` (with `M` for the model) trains it 2 steps; then
    /// 2 + save + load + 2 must equal 4 in one go, and equal 2 + 2 without the file. Every trainer,
    /// the Gaussian–Bernoulli and up-down ones included, keeps this promise bit for bit.
    func assertSaveLoadContinuesExactly(_ make: String, _ train: String, data: String, save: String = "", counter: String,
                                        file: StaticString = #filePath, line: UInt = #line) {
        let s = Session(workingDirectory: folder)
        eval(s, "d = \(data)\na = \(make)\nb = \(make)\nonce = \(make)", file: file, line: line)
        let two = train.replacingOccurrences(of: "STEPS", with: "2"), four = train.replacingOccurrences(of: "STEPS", with: "4")
        eval(s, "h = \(two.replacingOccurrences(of: "M", with: "a"))\nh = \(two.replacingOccurrences(of: "M", with: "b"))", file: file, line: line)
        eval(s, "h = \(four.replacingOccurrences(of: "M", with: "once"))", file: file, line: line)
        eval(s, "save(a, \"a.ebm-model\"\(save))\nloaded = load(\"a.ebm-model\")", file: file, line: line)
        XCTAssertEqual(bits(s, "loaded"), bits(s, "a"), "the loaded parameters", file: file, line: line)
        XCTAssertEqual(eval(s, "loaded.\(counter)"), "2\n", "the loaded model knows how far it was trained", file: file, line: line)
        eval(s, "h = \(two.replacingOccurrences(of: "M", with: "loaded"))\nh = \(two.replacingOccurrences(of: "M", with: "b"))", file: file, line: line)
        XCTAssertEqual(eval(s, "loaded.\(counter)"), "4\n", "training the loaded model continued it", file: file, line: line)
        XCTAssertNotEqual(bits(s, "loaded"), bits(s, "a"), "training changed the parameters", file: file, line: line)
        XCTAssertEqual(bits(s, "loaded"), bits(s, "once"), "2 + save + load + 2 differs from 4 in one go", file: file, line: line)
        XCTAssertEqual(bits(s, "loaded"), bits(s, "b"), "2 + save + load + 2 differs from 2 + 2", file: file, line: line)
    }

    func testRBMContinuesBitForBitAfterSaveAndLoad() {
        for method in ["cd", "pcd"] {
            assertSaveLoadContinuesExactly("rbm(visible: 9, hidden: 4, seed: 1, init: 0.3)",
                                           "train(M, d, method: \"\(method)\", k: 2, lr: 0.05, momentum: 0.5, weight_decay: 0.001, batch: 5, epochs: STEPS, seed: 3)",
                                           data: "bars_and_stripes(3)", counter: "epochs")
        }
    }

    func testGaussianRBMContinuesBitForBitAfterSaveAndLoad() {
        for method in ["cd", "pcd", "pt"] {
            assertSaveLoadContinuesExactly("rbm(visible: 2, hidden: 3, visible_units: \"gaussian\", seed: 1, init: 0.3)",
                                           "train(M, d, method: \"\(method)\"\(method == "pt" ? ", betas: [0.3, 0.6, 1]" : ""), lr: 0.02, lr_sigma: 0.01, batch: 16, epochs: STEPS, seed: 3)",
                                           data: "plane_data(\"ring\", n: 64)", counter: "epochs")
        }
    }

    func testRBMParallelTemperingContinuesBitForBitAfterSaveAndLoad() {
        assertSaveLoadContinuesExactly("rbm(visible: 9, hidden: 4, seed: 1, init: 0.3)",
                                       "train(M, d, method: \"pt\", betas: [0.2, 0.5, 1], lr: 0.05, batch: 5, epochs: STEPS, seed: 3)",
                                       data: "bars_and_stripes(3)", counter: "epochs")
    }

    func testDBNGreedyAndUpDownContinueBitForBitAfterSaveAndLoad() {
        // Greedy training of both layers, then up-down, then more up-down after the file.
        assertSaveLoadContinuesExactly("dbn(layers: [9, 6, 4], seed: 1)",
                                       "train(M, d, method: \"up-down\", lr: 0.05, batch: 4, epochs: STEPS, seed: 2)",
                                       data: "bars_and_stripes(3)", counter: "up_down.epochs[-1]")
        // Greedy: layer 1 two epochs by PCD; save; load; two more continue the layer's own trainer.
        assertSaveLoadContinuesExactly("dbn(layers: [9, 6, 4], seed: 1)",
                                       "train(M, d, method: \"pcd\", layers: [1], lr: 0.05, momentum: 0.5, batch: 4, epochs: STEPS, seed: 2)",
                                       data: "bars_and_stripes(3)", counter: "history.epochs[-1]")
    }

    func testDBNFileKeepsEveryLayerItsProvenanceAndUntiedWeights() {
        let s = Session(workingDirectory: folder)
        eval(s, """
        d = bars_and_stripes(3)
        m = rbm(visible: 9, hidden: 6, seed: 1)
        h = train(m, d, epochs: 3, batch: 4)
        n = stack(m, hidden: 9)
        h = train(n, d, epochs: 2, batch: 4)
        u = train(n, d, method: "up-down", epochs: 1, batch: 4)
        save(n, "n.ebm-model")
        back = load("n.ebm-model")
        export_npy(n, "n-npy")
        again = import_npy("n-npy")
        """)
        XCTAssertEqual(eval(s, "print back"), eval(s, "print n"), "the printed layers, their origins and training")
        XCTAssertEqual(bits(s, "back"), bits(s, "n"))
        XCTAssertEqual(bits(s, "again"), bits(s, "n"), "the .npy folder keeps every layer and the untied R, r")
        XCTAssertEqual(eval(s, "loglik(back, d) == loglik(n, d)"), "true\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/n-npy/layer1/R.npy"))
        XCTAssertTrue(eval(s, "print again").contains("layer 2: 6 → 9, top RBM p(h^(1), h^(2)); tied start: W = W^(1)ᵀ, biases swapped; trained 2 epochs on Q(h^(1) | x) as probabilities"),
                      eval(s, "print again"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/n-npy/layer2/model.json"))
        // One layer folder alone is an RBM; layer folders without the top model.json are a DBN.
        XCTAssertTrue(eval(s, "print import_npy(\"n-npy/layer2\")").hasPrefix("rbm"), eval(s, "print import_npy(\"n-npy/layer2\")"))
        try? FileManager.default.removeItem(atPath: folder + "/n-npy/model.json")
        eval(s, "bare = import_npy(\"n-npy\")")
        XCTAssertEqual(bits(s, "bare"), bits(s, "n"))
    }

    func testGaussianRBMExportsSigmaAndImportsBack() {
        let s = Session(workingDirectory: folder)
        eval(s, "g = rbm(visible: 4, hidden: 3, visible_units: \"gaussian\", sigma: 0.5, seed: 2, init: 0.3)\nexport_npy(g, \"g-npy\")\ng2 = import_npy(\"g-npy\")")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/g-npy/sigma.npy"))
        XCTAssertEqual(bits(s, "g2"), bits(s, "g"))
        XCTAssertEqual(eval(s, "g2.sigma"), eval(s, "g.sigma"))
        XCTAssertTrue(eval(s, "print g2").hasPrefix("gaussian_rbm"))
        // σ must be positive: a located error naming sigma.npy.
        XCTAssertNoThrow(try NPY.write(Tensor(shape: [4], scalars: [1, 0, 1, 1]), to: folder + "/g-npy/sigma.npy"))
        let e = errorText("import_npy(\"g-npy\")", in: s)
        XCTAssertTrue(e.contains("sigma.npy") && e.contains("positive"), e)
    }

    func testBoltzmannMachineContinuesBitForBitAfterSaveAndLoad() {
        for method in ["exact", "pcd"] {
            assertSaveLoadContinuesExactly("boltzmann(units: 9, seed: 2)",
                                           "train(M, d, method: \"\(method)\", lr: 0.1, batch: 4, epochs: STEPS, seed: 5)",
                                           data: "bars_and_stripes(3)", counter: "epochs")
        }
    }

    func testNeuralEnergyContinuesBitForBitWithItsReplayBuffer() {
        assertSaveLoadContinuesExactly("mlp_energy(dims: [2, 8, 1], seed: 1)",
                                       "train(M, d, method: \"langevin-ml\", iterations: STEPS, batch: 16, steps: 5, buffer: 100, seed: 2)",
                                       data: "plane_data(\"ring\", n: 64)", save: ", buffer: true", counter: "history.iterations[-1]")
    }

    func testNeuralEnergyWithoutReuseContinuesBitForBitWithoutItsBuffer() {
        // reuse 0 never starts a chain from the buffer, so the buffer is not needed to continue.
        assertSaveLoadContinuesExactly("mlp_energy(dims: [2, 8, 1], seed: 1)",
                                       "train(M, d, method: \"langevin-ml\", iterations: STEPS, batch: 16, steps: 5, reuse: 0, seed: 2)",
                                       data: "plane_data(\"ring\", n: 64)", counter: "history.iterations[-1]")
    }

    func testScoreModelContinuesBitForBitAfterSaveAndLoad() throws {
        // A score model's history is not yet a value (issue 9): count iterations through its trainer.
        let s = Session(workingDirectory: folder)
        eval(s, "d = plane_data(\"ring\", n: 64)\na = score_model(hidden: [8], sigmas: ladder(1, 0.1, 3), seed: 1)\nonce = score_model(hidden: [8], sigmas: ladder(1, 0.1, 3), seed: 1)")
        eval(s, "train(a, d, method: \"dsm\", iterations: 2, batch: 16, seed: 4)\ntrain(once, d, method: \"dsm\", iterations: 4, batch: 16, seed: 4)")
        eval(s, "save(a, \"s.ebm-model\")\nloaded = load(\"s.ebm-model\")")
        XCTAssertEqual(bits(s, "loaded"), bits(s, "a"))
        guard case .object(let loaded as ScoreModelValue)? = s.variables["loaded"] else { return XCTFail("not a score model") }
        XCTAssertEqual(loaded.trainer?.iterationsCompleted, 2)
        eval(s, "train(loaded, d, method: \"dsm\", iterations: 2, batch: 16, seed: 4)")
        XCTAssertEqual(loaded.trainer?.iterationsCompleted, 4)
        XCTAssertEqual(bits(s, "loaded"), bits(s, "once"), "2 + save + load + 2 differs from 4 in one go")
    }

    func testLoadedHistoryAndOtherSettingsStartAfresh() {
        let s = Session(workingDirectory: folder)
        eval(s, "d = bars_and_stripes(3)\nm = rbm(visible: 9, hidden: 4, seed: 1)\nh = train(m, d, method: \"pcd\", lr: 0.05, batch: 4, epochs: 3, seed: 1)")
        XCTAssertEqual(eval(s, "save(m, \"m.ebm-model\")"), "saved 9 visible × 4 hidden, 49 parameters to m.ebm-model\n")
        eval(s, "m2 = load(\"m.ebm-model\")")
        XCTAssertEqual(eval(s, "m2.history.epochs\nm2.epochs"), "[1, 2, 3]\n3\n")
        XCTAssertEqual(eval(s, "m2.history"), eval(s, "m.history"))
        XCTAssertEqual(eval(s, "m2").components(separatedBy: "\n")[1], "trained 3 epochs with PCD-1, lr 0.05, batch 4, seed 1")
        eval(s, "h = train(m2, d, method: \"cd\", lr: 0.05, batch: 4, epochs: 1, seed: 1)")
        XCTAssertEqual(eval(s, "m2.epochs"), "1\n", "other settings start a new history")
    }

    func testClosedFormEnergiesSaveLoadAndExport() {
        let s = Session(workingDirectory: folder)
        for (k, make) in ["gaussian(mean: [1, -1], cov: [[1, 0.8], [0.8, 1]])", "mixture()", "double_well(barrier: 3, dims: 2)"].enumerated() {
            eval(s, "e = \(make)\nsave(e, \"e\(k).ebm-model\")\nexport_npy(e, \"e\(k)-npy\")\nf = load(\"e\(k).ebm-model\")\ng = import_npy(\"e\(k)-npy\")")
            XCTAssertEqual(eval(s, "f"), eval(s, "e"))
            XCTAssertEqual(eval(s, "g"), eval(s, "e"))
            XCTAssertEqual(eval(s, "x = tensor([[0.3, -0.2], [1.5, 2]])\nsum(score(f, x) != score(e, x))\nsum(score(g, x) != score(e, x))"), "0\n0\n")
        }
    }

    func testExportAndImportEveryTrainableKind() {
        let s = Session(workingDirectory: folder)
        XCTAssertEqual(eval(s, "e = mlp_energy(dims: [2, 4, 1], seed: 1)\nexport_npy(e, \"e-npy\")"),
                       "wrote W0.npy [4, 2], b0.npy [4], W1.npy [1, 4], b1.npy [1] to e-npy\n")
        XCTAssertEqual(eval(s, "x = tensor([[0.3, -0.2], [1.5, 2]])\nsum(score(import_npy(\"e-npy\"), x) != score(e, x))"), "0\n")
        XCTAssertEqual(eval(s, "sm = score_model(hidden: [3], sigmas: ladder(1, 0.1, 2), seed: 1)\nexport_npy(sm, \"s-npy\")"),
                       "wrote W0.npy [3, 3], b0.npy [3], W1.npy [2, 3], b1.npy [2], sigmas.npy [2] to s-npy\n")
        XCTAssertEqual(eval(s, "sum(score(import_npy(\"s-npy\"), x) != score(sm, x))"), "0\n")
        XCTAssertEqual(eval(s, "bm = boltzmann(units: 3, seed: 1)\nexport_npy(bm, \"b-npy\")\nsum(import_npy(\"b-npy\").W != bm.W)"),
                       "wrote W.npy [3, 3], b.npy [3] to b-npy\n0\n")
        XCTAssertEqual(eval(s, "m = rbm(visible: 4, hidden: 2, height: 2, width: 2)\nexport_npy(m, \"r-npy\")\nimport_npy(\"r-npy\")"),
                       "wrote W.npy [2, 4], b.npy [2], c.npy [4] to r-npy\n" + eval(s, "m"))
    }

    func testBadRequestsAndFilesAreLocatedErrors() throws {
        let s = Session(workingDirectory: folder)
        eval(s, "m = rbm(visible: 4, hidden: 2)\ne = mlp_energy(dims: [2, 4, 1])\nexport_npy(e, \"e-npy\")\nsave(m, \"m.ebm-model\")")
        XCTAssertTrue(errorText("save(m, \"x.ebm-model\", buffer: true)", in: s).contains("only a neural energy trained with method: \"langevin-ml\" has a replay buffer"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.ebm-model"))
        XCTAssertTrue(errorText("import_npy(\"e-npy\", height: 1, width: 2)", in: s).contains("height and width are an RBM's image shape; this folder holds a model of kind mlp-energy"))
        XCTAssertTrue(errorText("save(3, \"x.ebm-model\")", in: s).contains("model"))
        // A truncated file: a located error, and the loaded name stays unbound.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/m.ebm-model"))
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: folder + "/cut.ebm-model"))
        let text = errorText("again = load(\"cut.ebm-model\")", in: s)
        XCTAssertTrue(text.contains("cut.ebm-model as an ebm model: the file is truncated"), text)
        XCTAssertNil(s.variables["again"])
        XCTAssertTrue(errorText("load(\"e-npy\")", in: s).contains("is a folder, not an ebm model file"))
        XCTAssertTrue(errorText("import_npy(\"m.ebm-model\")", in: s).contains("it is a file, not a folder of .npy files"))
    }
}
