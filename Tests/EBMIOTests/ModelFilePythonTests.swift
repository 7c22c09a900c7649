import EBM
import EBMIO
import Foundation
import XCTest

/// The Python of docs/model-format.md, run on models of every kind that ebm wrote: NumPy (and
/// PyTorch, when installed) must compute ebm's energies and scores, from the model files and from
/// the `.npy` folders; and a file Python writes must read back in ebm. Skipped when python3 with
/// numpy is not installed.
final class ModelFilePythonTests: TemporaryFolderTestCase {

    /// The ```python blocks of docs/model-format.md that start with `# <module>.py`.
    static func documentedModule(_ module: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/model-format.md"), encoding: .utf8)
        let blocks = doc.components(separatedBy: "```python\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
        let code = blocks.filter { $0.hasPrefix("# \(module).py") }
        XCTAssertFalse(code.isEmpty, "docs/model-format.md has no block starting with # \(module).py")
        return code.joined(separator: "\n\n") + "\n"
    }

    /// (name, kind, model, ebm's values at the points, which points, σ for a score model)
    func models() -> [(String, ModelFile.Model, [Double], String, Double)] {
        let x2: [Float] = [0.3, -0.2, 1.5, 2, -1, 0.25, 2, 0, 0, 0]
        let xb: [Float] = (0..<(5 * 9)).map { Float(($0 * 7 + $0 / 9) % 3 == 0 ? 1 : 0) }
        var rbm = RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 1, initScale: 0.5)
        rbm.b = [0.1, -0.2, 0.3, -0.4]
        rbm.c = (0..<9).map { Float($0) * 0.1 - 0.4 }
        let bm = FullyVisibleBoltzmannMachine(units: 9, seed: 2)
        var e = NeuralEnergy(dims: [2, 8, 8, 1], activation: .swish, seed: 3)
        e.network.biases[0] = (0..<8).map { Float($0) * 0.2 - 0.7 }
        var s = ScoreModel(dimension: 2, hidden: [8], activation: .tanh, sigmas: [1, 0.3], seed: 4)
        s.network.biases[1] = [0.5, -0.5]
        let plain = ScoreModel(dimension: 2, hidden: [5], activation: .relu, sigmas: [], seed: 5)
        let softplus = NeuralEnergy(dims: [2, 6, 1], activation: .softplus, seed: 6)
        let g = try! GaussianEnergy(mean: [1, -1], covariance: [1, 0.8, 0.8, 1])
        let mix = MixtureEnergy.ring()
        let well = DoubleWellEnergy(barrier: 1.5, dimension: 2)
        let sigma: Float = 0.3
        func d(_ v: [Float]) -> [Double] { v.map(Double.init) }
        return [
            ("rbm", .rbm(rbm, imageShape: (3, 3)), rbm.freeEnergy(Tensor(shape: [5, 9], scalars: xb)), "xb", 0),
            ("boltzmann", .boltzmann(bm), (0..<5).map { r in bm.energy((0..<9).map { Double(xb[r * 9 + $0]) }) }, "xb", 0),
            ("mlp", .mlpEnergy(e), d(e.energies(x2, rows: 5)), "x2", 0),
            ("mlp_softplus", .mlpEnergy(softplus), d(softplus.energies(x2, rows: 5)), "x2", 0),
            ("score", .scoreModel(s), d(s.scores(x2, rows: 5, sigma: [Float](repeating: sigma, count: 5))), "x2", Double(sigma)),
            ("score_plain", .scoreModel(plain), d(plain.scores(x2, rows: 5, sigma: [Float](repeating: 1, count: 5))), "x2", 1),
            ("gaussian", .gaussian(g), d(g.energies(x2, rows: 5)), "x2", 0),
            ("mixture", .mixture(mix), d(mix.energies(x2, rows: 5)), "x2", 0),
            ("double_well", .doubleWell(well), d(well.energies(x2, rows: 5)), "x2", 0),
        ] + [("points", .doubleWell(well), d(x2) + d(xb), "", 0)]
    }

    static let check = """
    import sys, importlib.util
    import numpy as np
    folder = sys.argv[1]
    sys.path.insert(0, folder)
    import model_format as mf
    points = {'x2': np.load(folder + '/x2.npy').astype(np.float64), 'xb': np.load(folder + '/xb.npy').astype(np.float64)}
    def numpy_values(kind, fields, arrays, x, sigma):
        if kind == 'rbm': return mf.rbm_free_energy(arrays, x)
        if kind == 'boltzmann': return mf.boltzmann_energy(arrays, x)
        if kind == 'mlp-energy': return mf.mlp_energy(fields, arrays, x)
        if kind == 'score-model': return mf.score(fields, arrays, x, sigma).ravel()
        if kind == 'gaussian': return mf.gaussian_energy(arrays, x)
        if kind == 'mixture': return mf.mixture_energy(arrays, x)
        if kind == 'double-well': return mf.double_well_energy(fields, x)
    def difference(ours, theirs):
        return float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - theirs) / (1 + np.abs(theirs))))
    torch_available = importlib.util.find_spec('torch') is not None
    if torch_available:
        import torch
        torch.set_default_dtype(torch.float32)
        import model_format_torch as mt
    for line in open(folder + '/cases.txt'):
        name, which, sigma = line.split()
        sigma = float(sigma)
        expected, x = np.load(f'{folder}/{name}-expected.npy'), points[which]
        for source, (kind, fields, arrays) in (('file', mf.read_ebm(f'{folder}/{name}.ebm-model')), ('npy', mf.read_npy_folder(f'{folder}/{name}-npy'))):
            print(name, source, kind, 'numpy', difference(numpy_values(kind, fields, arrays, x, sigma), expected))
            if torch_available and kind in ('mlp-energy', 'score-model'):
                module = mt.Energy(fields, arrays) if kind == 'mlp-energy' else mt.Score(fields, arrays)
                with torch.no_grad():
                    out = module(torch.tensor(x, dtype=torch.float32)) if kind == 'mlp-energy' else module(torch.tensor(x, dtype=torch.float32), sigma=sigma)
                print(name, source, kind, 'torch', difference(out.numpy().ravel(), expected))
    print('torch', 'available' if torch_available else 'missing')
    # A trained model's history and settings, and files written from Python.
    kind, fields, arrays = mf.read_ebm(folder + '/trained.ebm-model')
    history = dict(zip(fields['history_columns'], arrays['history'].T))
    print('history', kind, fields['trainer'], fields['epochs_completed'], [int(v) for v in arrays['history_steps']], fields['history_columns'][:3], history['recon'].shape)
    kind, fields, arrays = mf.read_ebm(folder + '/mlp.ebm-model')
    mf.write_ebm(folder + '/from-python.ebm-model', kind, fields, {k: v * 2 for k, v in arrays.items()})
    mf.write_ebm(folder + '/bm-from-python.ebm-model', 'boltzmann', {'units': 2}, {'W': np.array([[0, 0.5], [0.5, 0]]), 'b': np.array([1.0, -1.0])})
    """

    func testDocumentedPythonComputesEbmsEnergiesAndScores() throws {
        guard NPYTests.numpyAvailable else { throw XCTSkip("python3 with numpy is not installed") }
        try AtomicFile.write(Self.documentedModule("model_format"), to: folder + "/model_format.py")
        try AtomicFile.write(Self.documentedModule("model_format_torch"), to: folder + "/model_format_torch.py")
        var cases = ""
        for (name, model, expected, which, sigma) in models() {
            if name == "points" {
                try NPY.write(Tensor(shape: [5, 2], scalars: expected[0..<10].map(Float.init)), to: folder + "/x2.npy")
                try NPY.write(Tensor(shape: [5, 9], scalars: expected[10...].map(Float.init)), to: folder + "/xb.npy")
                continue
            }
            try ModelFile.write(ModelFile.Contents(model: model), to: folder + "/\(name).ebm-model")
            try FileManager.default.createDirectory(atPath: folder + "/\(name)-npy", withIntermediateDirectories: true)
            try NPYFolder.write(model, to: folder + "/\(name)-npy")
            try NPY.write(doubles: expected, shape: [expected.count], to: folder + "/\(name)-expected.npy")
            cases += "\(name) \(which) \(sigma)\n"
        }
        try AtomicFile.write(cases, to: folder + "/cases.txt")
        // A trained RBM, for its history.
        var o = RBMTrainingOptions()
        o.epochs = 2
        o.batchSize = 4
        var t = RBMTrainer(options: o)
        var m = RestrictedBoltzmannMachine(visible: 9, hidden: 3, seed: 1)
        _ = t.train(&m, on: Dataset.barsAndStripes(3).examples)
        try ModelFile.write(ModelFile.Contents(model: .rbm(m, imageShape: nil), trainer: .rbm(t)),
                            to: folder + "/trained.ebm-model")

        guard let r = try NPYTests.python(Self.check, [folder]) else { throw XCTSkip("python3 with numpy is not installed") }
        XCTAssertEqual(r.status, 0, r.output)
        let lines = r.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let comparisons = lines.filter { $0.count == 5 && ["numpy", "torch"].contains($0[3]) }
        let torch = lines.contains(["torch", "available"])
        XCTAssertEqual(comparisons.filter { $0[3] == "numpy" }.count, 2 * 9, r.output)
        XCTAssertEqual(comparisons.filter { $0[3] == "torch" }.count, torch ? 2 * 4 : 0, r.output)
        for c in comparisons {
            guard let difference = Double(c[4]) else { XCTFail("not a number: \(c)"); continue }
            XCTAssertLessThan(difference, 2e-6, "\(c[0]) from the \(c[1]) by \(c[3]): relative difference \(difference)")
        }
        print("ModelFilePythonTests: the documented Python against ebm (largest relative difference):")
        print(r.output)
        XCTAssertTrue(r.output.contains("history rbm cd 2 [1, 2] ['seconds', 'recon', 'pll'] (2,)\n"), r.output)

        // Files Python wrote read back in ebm.
        guard case .mlpEnergy(let twice) = try ModelFile.read(path: folder + "/from-python.ebm-model").model,
              case .mlpEnergy(let e)? = models().first(where: { $0.0 == "mlp" }).map({ $0.1 }) else { return XCTFail("not an MLP energy") }
        XCTAssertEqual(twice.network.parameterVector, e.network.parameterVector.map { $0 * 2 })
        guard case .boltzmann(let bm) = try ModelFile.read(path: folder + "/bm-from-python.ebm-model").model else { return XCTFail("not a Boltzmann machine") }
        XCTAssertEqual(bm.W, [0, 0.5, 0.5, 0])
        XCTAssertEqual(bm.b, [1, -1])
    }

    static let checkGaussianAndDBN = """
    import sys
    import numpy as np
    folder = sys.argv[1]
    sys.path.insert(0, folder)
    import model_format as mf
    x = np.load(folder + '/gx.npy').astype(np.float64)
    for source, (kind, fields, arrays) in (('file', mf.read_ebm(folder + '/gb.ebm-model')), ('npy', mf.read_npy_folder(folder + '/gb-npy'))):
        log_z = mf.gaussian_rbm_log_z(arrays)
        f = mf.gaussian_rbm_free_energy(arrays, x)
        print('gb', source, kind, repr(float(log_z)), repr(float((f - log_z).mean())), ' '.join(repr(float(v)) for v in f))
    for source, (kind, fields, arrays), where in (('file', mf.read_ebm(folder + '/dbn.ebm-model'), None), ('npy', mf.read_npy_folder(folder + '/dbn-npy'), folder + '/dbn-npy')):
        layers = mf.dbn_layers(kind, fields, arrays, folder=where)
        for l, layer in enumerate(layers, start=1):
            for name in sorted(layer):
                expected = np.load(f'{folder}/expected/layer{l}-{name}.npy')
                same = layer[name].dtype == np.float32 and layer[name].shape == expected.shape and np.array_equal(layer[name], expected)
                print('dbn', source, kind, f'layer{l}', name, 'same' if same else 'DIFFERENT', 'x'.join(str(n) for n in layer[name].shape))
    """

    /// issue 13's check of a Gaussian–Bernoulli RBM (exact log Z from an independent NumPy
    /// enumeration of the 2^H mixture, from the model file and from the .npy export with
    /// sigma.npy) and issue 11's of a DBN (every layer's W, b, c and the untied R, r).
    func testDocumentedPythonChecksGaussianRBMsAndDBNs() throws {
        guard NPYTests.numpyAvailable else { throw XCTSkip("python3 with numpy is not installed") }
        try AtomicFile.write(Self.documentedModule("model_format"), to: folder + "/model_format.py")
        let gb = GaussianBernoulliRBM(W: (0..<15).map { Float(($0 * 7) % 11) * 0.21 - 1.05 }, b: [0.3, -0.8, 0.1, 0.5, -0.2],
                                      c: [0.5, -1, 0.25], sigma: [0.5, 1.25, 2])
        let points: [Float] = [0.3, -0.2, 1.5, 2, -1, 0.25, 0, 0, 0, -1.5, 3, 0.75]
        try NPY.write(Tensor(shape: [4, 3], scalars: points), to: folder + "/gx.npy")
        try ModelFile.write(ModelFile.Contents(model: .gaussianRBM(gb, imageShape: nil)), to: folder + "/gb.ebm-model")
        try FileManager.default.createDirectory(atPath: folder + "/gb-npy", withIntermediateDirectories: true)
        try NPYFolder.write(.gaussianRBM(gb, imageShape: nil), to: folder + "/gb-npy")

        var dbn = DeepBeliefNetwork(sizes: [9, 6, 4], seed: 3, initScale: 0.5)
        dbn.setRecognition(1, DeepBeliefNetwork.RecognitionWeights(R: dbn.layer(1).W.map { $0 * 0.5 + 0.125 }, r: (0..<6).map { Float($0) * 0.1 }))
        try ModelFile.write(ModelFile.Contents(model: .dbn(dbn, imageShape: (3, 3))), to: folder + "/dbn.ebm-model")
        try FileManager.default.createDirectory(atPath: folder + "/dbn-npy", withIntermediateDirectories: true)
        try NPYFolder.write(.dbn(dbn, imageShape: (3, 3)), to: folder + "/dbn-npy")
        try FileManager.default.createDirectory(atPath: folder + "/expected", withIntermediateDirectories: true)
        for l in 1...2 {
            let m = dbn.layer(l)
            var arrays = [("W", Tensor(shape: [m.hidden, m.visible], scalars: m.W)), ("b", Tensor(shape: [m.hidden], scalars: m.b)),
                          ("c", Tensor(shape: [m.visible], scalars: m.c))]
            if let rec = dbn.recognition[l - 1] {
                arrays += [("R", Tensor(shape: [m.hidden, m.visible], scalars: rec.R)), ("r", Tensor(shape: [m.hidden], scalars: rec.r))]
            }
            for (name, t) in arrays { try NPY.write(t, to: folder + "/expected/layer\(l)-\(name).npy") }
        }

        guard let r = try NPYTests.python(Self.checkGaussianAndDBN, [folder]) else { throw XCTSkip("python3 with numpy is not installed") }
        XCTAssertEqual(r.status, 0, r.output)
        print("ModelFilePythonTests: GB-RBM log Z and DBN layers from NumPy:")
        print(r.output)
        let lines = r.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let logZ = try gb.logPartitionFunction()
        let f = gb.freeEnergy(Tensor(shape: [4, 3], scalars: points))
        let gbLines = lines.filter { $0.first == "gb" }
        XCTAssertEqual(gbLines.map { $0[1] }, ["file", "npy"], r.output)
        for g in gbLines {
            XCTAssertEqual(g[2], "gaussian-rbm")
            guard let z = Double(g[3]), let ll = Double(g[4]) else { XCTFail("not numbers: \(g)"); continue }
            XCTAssertEqual(z, logZ, accuracy: 1e-10 * (1 + abs(logZ)), "exact log Z: NumPy's enumeration from the \(g[1]) against ebm's")
            XCTAssertEqual(ll, try gb.exactLogLikelihood(Tensor(shape: [4, 3], scalars: points)), accuracy: 1e-10 * (1 + abs(ll)))
            for (k, v) in g[5...].enumerated() { XCTAssertEqual(Double(v) ?? .nan, f[k], accuracy: 1e-10 * (1 + abs(f[k]))) }
        }
        let dbnLines = lines.filter { $0.first == "dbn" }
        // W, b, c of two layers and R, r of layer 1, from the file and from the folder.
        XCTAssertEqual(dbnLines.count, 2 * 8, r.output)
        XCTAssertTrue(dbnLines.allSatisfy { $0[2] == "dbn" && $0[5] == "same" }, r.output)
        XCTAssertTrue(dbnLines.contains(["dbn", "npy", "dbn", "layer1", "R", "same", "6x9"]), r.output)
        XCTAssertTrue(dbnLines.contains(["dbn", "file", "dbn", "layer2", "W", "same", "4x6"]), r.output)
    }
}
