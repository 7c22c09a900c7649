import EBM
import EBMIO
import Foundation
import XCTest

/// Model files (version 2) for every kind of model, with training state: round trips are exact,
/// a saved trainer continues bit for bit, and every defect is a located error.
final class ModelFileKindsTests: TemporaryFolderTestCase {

    // MARK: Models of every kind

    static var mlp: NeuralEnergy {
        var e = NeuralEnergy(dims: [2, 5, 3, 1], activation: .swish, seed: 3)
        e.network.biases[0] = (0..<5).map { Float($0) * 0.25 - 0.5 }
        return e
    }

    static var score: ScoreModel { ScoreModel(dimension: 2, hidden: [6], activation: .tanh, sigmas: [1, 0.5, 0.1], seed: 4) }

    /// Two layers, the first with untied recognition weights, the second a tied start trained on samples.
    static var dbn: DeepBeliefNetwork {
        var d = DeepBeliefNetwork(sizes: [4, 3, 2], seed: 7, initScale: 0.5)
        d.setRecognition(1, DeepBeliefNetwork.RecognitionWeights(R: (0..<12).map { Float($0) * 0.05 - 0.3 }, r: [0.1, -0.1, 0.2]))
        d.provenance[1] = DBNLayerProvenance(origin: .tiedStart(below: 1), epochs: 3, input: .samples)
        d.upDownEpochs = 2
        return d
    }

    static var models: [ModelFile.Model] {
        var rbm = RestrictedBoltzmannMachine(visible: 6, hidden: 4, seed: 1, initScale: 0.5)
        rbm.W[0] = -0.0
        rbm.b[1] = .leastNonzeroMagnitude
        return [
            .rbm(rbm, imageShape: (2, 3)),
            .boltzmann(FullyVisibleBoltzmannMachine(units: 5, seed: 2)),
            .mlpEnergy(mlp),
            .scoreModel(score),
            .scoreModel(ScoreModel(dimension: 3, hidden: [], activation: .relu, sigmas: [], seed: 5)),
            .gaussian(try! GaussianEnergy(mean: [1, -2], covariance: [2, 0.3, 0.3, 0.5])),
            .mixture(MixtureEnergy(means: [[0, 1], [2, -1], [0.1, 0.3]], stds: [0.1, 0.2, 0.3], weights: [1, 2, 4])),
            .doubleWell(DoubleWellEnergy(barrier: 1.7, dimension: 3)),
            .gaussianRBM(GaussianBernoulliRBM(W: (0..<12).map { Float($0) * 0.1 - 0.55 }, b: [0.5, -1, 0.25], c: [1, -0.5, 0, 2],
                                              sigma: [0.5, 1, 2, .leastNormalMagnitude]), imageShape: (2, 2)),
            .dbn(dbn, imageShape: (2, 2)),
        ]
    }

    /// The parameters of a model as bit patterns, for exact comparison (NaN included).
    static func bits(_ model: ModelFile.Model) -> [UInt64] {
        switch model {
        case .rbm(let m, let shape):
            return (m.W + m.b + m.c).map { UInt64($0.bitPattern) } + [UInt64(shape?.height ?? 0), UInt64(shape?.width ?? 0)]
        case .boltzmann(let m): return (m.W + m.b).map(\.bitPattern)
        case .mlpEnergy(let e):
            return e.network.dims.map(UInt64.init) + [UInt64(Activation.allCases.firstIndex(of: e.network.activation) ?? 99)] + e.network.parameterVector.map { UInt64($0.bitPattern) }
        case .scoreModel(let s):
            return s.network.dims.map(UInt64.init) + s.sigmas.map(\.bitPattern) + s.network.parameterVector.map { UInt64($0.bitPattern) }
        case .gaussian(let g): return (g.mean + g.covariance + [g.logPartitionFunction]).map(\.bitPattern)
        case .mixture(let m): return (m.means.flatMap { $0 } + m.stds + m.weights).map(\.bitPattern)
        case .doubleWell(let w): return [w.barrier.bitPattern, UInt64(w.dimension), w.logPartitionFunction.bitPattern]
        case .gaussianRBM(let m, let shape):
            return (m.W + m.b + m.c + m.sigma).map { UInt64($0.bitPattern) } + [UInt64(shape?.height ?? 0), UInt64(shape?.width ?? 0)]
        case .dbn(let d, let shape):
            return d.layers.flatMap { ($0.W + $0.b + $0.c).map { UInt64($0.bitPattern) } }
                + d.recognition.flatMap { r in r.map { ($0.R + $0.r).map { UInt64($0.bitPattern) } } ?? [UInt64.max] }
                + [UInt64(d.upDownEpochs), UInt64(shape?.height ?? 0)] + d.provenance.map { UInt64(truncatingIfNeeded: "\($0)".hashValue) }
        }
    }

    func testEveryKindRoundTripsExactly() throws {
        for model in Self.models {
            let path = folder + "/\(model.kind).ebm"
            try ModelFile.write(ModelFile.Contents(model: model), to: path)
            let back = try ModelFile.read(path: path)
            XCTAssertEqual(back.model.kind, model.kind)
            XCTAssertEqual(Self.bits(back.model), Self.bits(model), model.kind)
            XCTAssertNil(back.trainer)
            // The file starts with the version and the kind.
            let head = String(decoding: try NPYTests.contents(path).prefix(40), as: UTF8.self)
            XCTAssertTrue(head.hasPrefix("ebm-model 2\nkind \(model.kind)\n"), head)
        }
    }

    func testAnMLPEnergyFileIsByteExact() throws {
        var e = NeuralEnergy(dims: [1, 2, 1], activation: .softplus, seed: 0)
        e.network.weights = [[0.5, -1], [2, 0.25]]
        e.network.biases = [[1, 0], [-0.5]]
        let bytes = try ModelFile.encode(ModelFile.Contents(model: .mlpEnergy(e)), path: "e.ebm")
        let header = "ebm-model 2\nkind mlp-energy\nactivation softplus\nwidths 1 2 1\n"
            + "data W0 float32-le 2x1\ndata b0 float32-le 2\ndata W1 float32-le 1x2\ndata b1 float32-le 1\nend\n"
        XCTAssertEqual(bytes, Array(header.utf8) + NPYTests.f4([0.5, -1, 1, 0, 2, 0.25, -0.5]))
    }

    func testVersion1FileFromAnEarlierEbmIsStillRead() throws {
        // notebooks/models/bars-and-stripes.ebm-model as ebm wrote it before version 2.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Tests/fixtures/bars-and-stripes-v1.ebm-model").path
        XCTAssertTrue(String(decoding: try NPYTests.contents(path).prefix(12), as: UTF8.self).hasPrefix("ebm-model 1\n"))
        let contents = try ModelFile.read(path: path)
        guard case .rbm(let m, let shape) = contents.model else { return XCTFail("not an RBM") }
        XCTAssertEqual(m.visible, 16)
        XCTAssertEqual(m.hidden, 16)
        XCTAssertEqual(shape?.height, 4)
        XCTAssertNil(contents.trainer)
        // Written again, it is a version 2 file with the same parameters.
        try ModelFile.write(contents, to: folder + "/again.ebm")
        let again = try ModelFile.read(path: folder + "/again.ebm")
        XCTAssertEqual(Self.bits(again.model), Self.bits(contents.model))
    }

    // MARK: Trainers continue exactly

    static let binary = Dataset.barsAndStripes(3).examples
    static let plane = PlaneData.ring.sample(64, seed: 1)

    /// Trains `first`, saves and loads (through bytes), then trains `second` more; the result
    /// must equal training `first + second` without the file in between, bit for bit.
    func assertContinuesExactly(_ name: String, buffer: Bool = false, contents: ModelFile.Contents,
                                train: (inout ModelFile.Contents) -> Void, file: StaticString = #filePath, line: UInt = #line) throws {
        var unsaved = contents
        train(&unsaved)
        let path = folder + "/\(name).ebm"
        try ModelFile.write(unsaved, to: path, buffer: buffer)
        var loaded = try ModelFile.read(path: path)
        XCTAssertEqual(Self.bits(loaded.model), Self.bits(unsaved.model), "\(name): parameters", file: file, line: line)
        XCTAssertEqual(Self.stateWithoutTimes(loaded.trainer), Self.stateWithoutTimes(unsaved.trainer), "\(name): trainer state", file: file, line: line)
        train(&loaded)
        train(&unsaved)
        XCTAssertEqual(Self.bits(loaded.model), Self.bits(unsaved.model), "\(name): parameters after more training", file: file, line: line)
        XCTAssertEqual(Self.stateWithoutTimes(loaded.trainer), Self.stateWithoutTimes(unsaved.trainer), "\(name): state after more training", file: file, line: line)
    }

    /// A history as text, without the seconds an epoch took (which differ run to run).
    static func historyText(_ h: TrainingHistory) -> String {
        "\(h.unit) \(h.steps) " + h.columns.filter { $0.name != "seconds" }.map { c in
            "\(c.name) \(c.title) \(c.digits) \(c.printed) \(c.values.map { $0?.bitPattern }) \(String(describing: c.lower)) \(String(describing: c.upper))"
        }.joined(separator: "; ")
    }

    /// A trainer's state and options as text, with the epochs' seconds left out.
    static func stateWithoutTimes(_ t: ModelFile.Trainer?) -> String {
        switch t {
        case nil: return "none"
        case .rbm(let t)?:
            let s = t.state
            return "\(s.epochsCompleted) \(historyText(s.history)) \(s.velocities.map(\.bitPattern)) \(s.persistentHidden.map(\.bitPattern)) \(s.persistentRows) "
                + "\(s.chainGenerators.map(\.stateWords)) \(t.options.sampler) \(t.options.learningRate) \(String(describing: t.options.finalLearningRate)) "
                + "\(t.options.momentum) \(t.options.weightDecay) \(t.options.batchSize) \(t.options.epochs) \(t.options.seed) \(t.options.monitorEvery) "
                + "\(String(describing: s.tempered)) \(String(describing: t.temperedSwapAcceptance))"
        case .boltzmann(let t)?:
            let s = t.state
            return "\(s.epochsCompleted) \(historyText(s.history)) \(s.velocity.map(\.bitPattern)) \(String(describing: s.chains?.states)) \(String(describing: s.chains?.sweeps)) "
                + "\(String(describing: s.chains?.generators.map(\.stateWords))) \(s.shuffleOrder) \(t.options.negativePhase) \(t.options.learningRate) "
                + "\(String(describing: t.options.batchSize)) \(t.options.epochs) \(t.options.seed)"
        case .langevin(let t)?:
            let s = t.state
            return "\(s.iterationsCompleted) \(historyText(s.history)) \(s.buffer.map(\.bitPattern)) \(s.optimizer.m.map(\.bitPattern)) \(s.optimizer.v.map(\.bitPattern)) "
                + "\(s.optimizer.step) \(s.generator.stateWords) \(s.low) \(s.high) \(t.options.learningRate) \(t.options.seed) \(t.options.reuse)"
        case .scoreMatching(let t)?:
            let s = t.state
            return "\(s.iterationsCompleted) \(historyText(s.history)) \(s.optimizer.m.map(\.bitPattern)) \(s.optimizer.v.map(\.bitPattern)) \(s.optimizer.step) "
                + "\(s.generator.stateWords) \(t.options.objective) \(t.options.learningRate) \(t.options.seed)"
        case .dbn(let g, let u)?:
            return g.trainers.keys.sorted().map { l in "\(l): " + stateWithoutTimes(g.trainers[l].map { .rbm($0) }) + " \(g.copiedHistoryRows[l] ?? -1)" }.joined(separator: "; ")
                + " \(historyText(g.history)) \(g.settings.summary) \(String(describing: g.settings.layers))"
                + " up-down: \(u.map { "\($0.completed) \(historyText($0.history)) \($0.settings.summary)" } ?? "none")"
        case .gaussianRBM(let t)?:
            let s = t.state
            return "\(s.epochsCompleted) \(historyText(s.history)) \(String(describing: s.generator?.stateWords)) \(s.chains.map { $0.map(\.bitPattern) }) "
                + "\(s.ladders.map { "\($0.states.map { $0.map(\.bitPattern) }) \($0.replicaAt) \($0.generator.stateWords) \($0.rounds) \($0.proposed) \($0.accepted) \($0.roundTrips) \($0.direction) \($0.tripStart)" }) "
                + "\(t.options.sampler) \(t.options.learningRate) \(String(describing: t.options.visibleBiasLearningRate)) \(t.options.sigmaLearningRate) \(t.options.batchSize) \(t.options.epochs) \(t.options.seed)"
        }
    }

    func testRBMTrainersContinueExactlyAfterSaveAndLoad() throws {
        for persistent in [false, true] {
            var o = RBMTrainingOptions()
            o.sampler = persistent ? PersistentContrastiveDivergence(k: 2) : ContrastiveDivergence(k: 1)
            o.learningRate = 0.05
            o.momentum = 0.5
            o.weightDecay = 0.001
            o.batchSize = 5
            o.epochs = 2
            o.seed = 7
            o.aisEvery = persistent ? 2 : nil
            o.aisRuns = 4
            o.aisTemperatures = 20
            let start = ModelFile.Contents(model: .rbm(RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 1), imageShape: (3, 3)),
                                           trainer: .rbm(RBMTrainer(options: o)))
            try assertContinuesExactly(persistent ? "pcd" : "cd", contents: start) { c in
                guard case .rbm(var m, let shape) = c.model, case .rbm(var t)? = c.trainer else { return XCTFail("not an RBM") }
                _ = t.train(&m, on: Self.binary)
                c.model = .rbm(m, imageShape: shape)
                c.trainer = .rbm(t)
            }
        }
    }

    /// PT-k's ladders (replicas, streams, swap counts and the parity of the next swap round) are
    /// part of the saved state: without them the continued run would restart its replicas.
    func testRBMParallelTemperingContinuesExactlyAfterSaveAndLoad() throws {
        var o = RBMTrainingOptions()
        o.sampler = try ParallelTemperingSampler(betas: [0.2, 0.5, 1], k: 1)
        o.learningRate = 0.1
        o.batchSize = 5
        o.epochs = 3
        o.seed = 11
        let start = ModelFile.Contents(model: .rbm(RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 2), imageShape: nil),
                                       trainer: .rbm(RBMTrainer(options: o)))
        try assertContinuesExactly("pt", contents: start) { c in
            guard case .rbm(var m, let shape) = c.model, case .rbm(var t)? = c.trainer else { return XCTFail("not an RBM") }
            _ = t.train(&m, on: Self.binary)
            c.model = .rbm(m, imageShape: shape)
            c.trainer = .rbm(t)
        }
        // The file says PT, with its ladder and replicas.
        let head = String(decoding: try NPYTests.contents(folder + "/pt.ebm").prefix(4000), as: UTF8.self)
        XCTAssertTrue(head.contains("\ntrainer pt\nbetas 0.2 0.5 1.0\n"), head)
        XCTAssertTrue(head.contains("\ndata pt_x float32-le "), head)
        guard case .rbm(let t)? = try ModelFile.read(path: folder + "/pt.ebm").trainer else { return XCTFail("no trainer") }
        XCTAssertTrue(t.options.sampler is ParallelTemperingSampler)
        XCTAssertNotNil(t.state.tempered)
    }

    /// Gaussian–Bernoulli RBMs with σ learned, by CD, PCD and PT: the chains, ladders and the
    /// trainer's stream are saved, so training continues bit for bit.
    func testGaussianRBMTrainersContinueExactlyAfterSaveAndLoad() throws {
        let samplers: [(String, any NegativePhaseSampler)] = [("gb-cd", ContrastiveDivergence(k: 1)), ("gb-pcd", PersistentContrastiveDivergence(k: 2)),
                                                              ("gb-pt", try ParallelTemperingSampler(betas: [0.3, 0.6, 1], k: 1))]
        for (name, sampler) in samplers {
            var o = GaussianRBMTrainingOptions()
            o.sampler = sampler
            o.learningRate = 0.02
            o.visibleBiasLearningRate = 0.01
            o.sigmaLearningRate = 0.005
            o.batchSize = 16
            o.epochs = 2
            o.seed = 3
            let start = ModelFile.Contents(model: .gaussianRBM(GaussianBernoulliRBM(visible: 2, hidden: 3, seed: 5, initScale: 0.3), imageShape: nil),
                                           trainer: .gaussianRBM(GaussianRBMTrainer(options: o)))
            try assertContinuesExactly(name, contents: start) { c in
                guard case .gaussianRBM(var m, let shape) = c.model, case .gaussianRBM(var t)? = c.trainer else { return XCTFail("not a GB-RBM") }
                _ = t.train(&m, on: Tensor(shape: [Self.plane.count / 2, 2], scalars: Self.plane), shouldStop: { false }, progress: { _ in })
                c.model = .gaussianRBM(m, imageShape: shape)
                c.trainer = .gaussianRBM(t)
            }
            guard case .gaussianRBM(let m, _) = try ModelFile.read(path: folder + "/\(name).ebm").model else { return XCTFail("not a GB-RBM") }
            XCTAssertNotEqual(m.sigma, [1, 1], "\(name): σ was learned, so it moved from 1")
        }
    }

    func testBadGaussianRBMFilesAreLocatedErrors() throws {
        let m = GaussianBernoulliRBM(W: [1, 2], b: [0], c: [0, 1], sigma: [1, 2])
        let good = String(decoding: try ModelFile.encode(ModelFile.Contents(model: .gaussianRBM(m, imageShape: nil)), path: "g.ebm"), as: UTF8.self)
        XCTAssertTrue(good.hasPrefix("ebm-model 2\nkind gaussian-rbm\nvisible 2\nhidden 1\n"), good)
        // σ = 0 is not a standard deviation.
        var bytes = try ModelFile.encode(ModelFile.Contents(model: .gaussianRBM(m, imageShape: nil)), path: "g.ebm")
        bytes.replaceSubrange((bytes.count - 8)..<bytes.count, with: NPYTests.f4([1, 0]))
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "g.ebm")) { e in
            let text = (e as? FileError)?.message ?? "\(e)"
            XCTAssertTrue(text.contains("every σ must be positive and finite"), text)
            XCTAssertTrue(text.contains("line "), text)
        }
        // A truncated σ.
        XCTAssertThrowsError(try ModelFile.decode(Array(bytes.dropLast(4)), path: "g.ebm")) { e in
            XCTAssertTrue(((e as? FileError)?.message ?? "").contains("g.ebm"), "\(e)")
        }
    }

    func testBadDBNFilesAreLocatedErrors() throws {
        let bytes = try ModelFile.encode(ModelFile.Contents(model: .dbn(Self.dbn, imageShape: nil)), path: "d.ebm")
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\nlayer2_origin tied 1\nlayer2_trained_epochs 3\nlayer2_input samples\n"), text)
        func decoded(_ from: String, _ to: String) -> String {
            let header = text.range(of: "\nend\n").map { String(text[..<$0.upperBound]) } ?? ""
            let changed = Array(header.replacingOccurrences(of: from, with: to).utf8) + bytes[header.utf8.count...]
            do { _ = try ModelFile.decode(changed, path: "d.ebm"); return "no error" } catch { return (error as? FileError)?.message ?? "\(error)" }
        }
        let origin = decoded("layer2_origin tied 1", "layer2_origin warm 1")
        XCTAssertTrue(origin.contains("`origin` must be `random SEED`, `tied BELOW`, `untied SEED` or `given`") && origin.contains("line "), origin)
        let missing = decoded("layers 2\n", "layers 3\n")
        XCTAssertTrue(missing.contains("layer3_visible"), missing)
        let input = decoded("layer2_input samples", "layer2_input pixels")
        XCTAssertTrue(input.contains("line 13: what the layer was trained on `pixels` is unknown; expected one of `probabilities`, `samples`"), input)
        // A layer folder whose W does not fit: the error names layer2/W.npy.
        let dir = folder + "/bad-dbn"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPYFolder.write(.dbn(Self.dbn, imageShape: nil), to: dir)
        try NPY.write(Tensor(shape: [3, 2], scalars: [Float](repeating: 0, count: 6)), to: dir + "/layer2/W.npy")
        Self.assertError(try NPYFolder.read(folder: dir), contains: ["layer2/W.npy", "2x3"])
    }

    func testBoltzmannTrainersContinueExactlyAfterSaveAndLoad() throws {
        for phase in [BoltzmannNegativePhase.exact, .contrastiveDivergence(sweeps: 1), .persistent(sweeps: 2, chains: 6)] {
            var o = BoltzmannTrainingOptions()
            o.negativePhase = phase
            o.momentum = 0.5
            o.weightDecay = 0.01
            o.batchSize = 4
            o.epochs = 2
            o.seed = 3
            o.monitorEvery = 1
            let start = ModelFile.Contents(model: .boltzmann(FullyVisibleBoltzmannMachine(units: 9, seed: 2)),
                                           trainer: .boltzmann(BoltzmannTrainer(options: o)))
            try assertContinuesExactly("boltzmann", contents: start) { c in
                guard case .boltzmann(var m) = c.model, case .boltzmann(var t)? = c.trainer else { return XCTFail("not a Boltzmann machine") }
                _ = t.train(&m, on: Self.binary)
                c.model = .boltzmann(m)
                c.trainer = .boltzmann(t)
            }
        }
    }

    func testLangevinTrainerContinuesExactlyWithItsReplayBuffer() throws {
        var o = LangevinMaximumLikelihoodOptions()
        o.iterations = 2
        o.batchSize = 16
        o.langevinSteps = 5
        o.bufferSize = 40
        o.seed = 9
        o.monitorEvery = 1
        let start = ModelFile.Contents(model: .mlpEnergy(Self.mlp), trainer: .langevin(LangevinMaximumLikelihood(options: o)))
        let train: (inout ModelFile.Contents) -> Void = { c in
            guard case .mlpEnergy(var e) = c.model, case .langevin(var t)? = c.trainer else { return XCTFail("not a neural energy") }
            _ = t.train(&e, on: Self.plane, rows: 64)
            c.model = .mlpEnergy(e)
            c.trainer = .langevin(t)
        }
        try assertContinuesExactly("langevin", buffer: true, contents: start, train: train)

        // Without the buffer the file is smaller and the loaded trainer starts with an empty buffer.
        var trained = start
        train(&trained)
        try ModelFile.write(trained, to: folder + "/without.ebm")
        try ModelFile.write(trained, to: folder + "/with.ebm", buffer: true)
        guard case .langevin(let without)? = try ModelFile.read(path: folder + "/without.ebm").trainer,
              case .langevin(let with)? = try ModelFile.read(path: folder + "/with.ebm").trainer else { return XCTFail("no trainer") }
        XCTAssertEqual(without.buffer, [])
        XCTAssertEqual(with.buffer.count, 32 * 2)
        XCTAssertEqual(without.iterationsCompleted, 2)
        XCTAssertEqual(try NPYTests.contents(folder + "/with.ebm").count - (try NPYTests.contents(folder + "/without.ebm").count),
                       4 * 64 + "data replay_buffer float32-le 32x2\n".utf8.count)
    }

    func testScoreMatchingTrainerContinuesExactly() throws {
        var o = ScoreMatchingOptions()
        o.iterations = 2
        o.batchSize = 16
        o.seed = 4
        o.monitorEvery = 1
        let start = ModelFile.Contents(model: .scoreModel(Self.score), trainer: .scoreMatching(ScoreMatchingTrainer(options: o)))
        try assertContinuesExactly("dsm", contents: start) { c in
            guard case .scoreModel(var s) = c.model, case .scoreMatching(var t)? = c.trainer else { return XCTFail("not a score model") }
            _ = t.train(&s, on: Self.plane, rows: 64)
            c.model = .scoreModel(s)
            c.trainer = .scoreMatching(t)
        }
    }

    // MARK: Errors

    func decode(_ text: String, _ data: [UInt8] = []) throws -> ModelFile.Contents {
        try ModelFile.decode(Array(text.utf8) + data, path: "m.ebm")
    }

    static func assertError(_ body: @autoclosure () throws -> Any, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        NPYTests.assertError(try body(), contains: parts, file: file, line: line)
    }

    func f8(_ values: [Double]) -> [UInt8] { NPYTests.littleEndian(values.map(\.bitPattern)) }

    func testBadHeadersAndValuesAreLocatedErrors() throws {
        let well = "ebm-model 2\nkind double-well\ndimension 2\nbarrier 1.5\nend\n"
        XCTAssertEqual((try decode(well)).model.kind, "double-well")
        let bm = "ebm-model 2\nkind boltzmann\nunits 2\ndata W float64-le 2x2\ndata b float64-le 2\nend\n"
        XCTAssertEqual((try decode(bm, f8([0, 1, 1, 0, 0.5, -0.5]))).model.kind, "boltzmann")
        let cases: [(String, [UInt8], [String])] = [
            ("ebm-model 2\nkind ising\nend\n", [], ["line 2: the model kind `ising` is unknown", "`kind rbm`", "`kind score-model`", "`kind dbn`"]),
            ("ebm-model 2\nkinds rbm\nend\n", [], ["line 2: expected `kind KIND`"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nend\n", [], ["the file has no `barrier` line (the barrier height h), which a `kind double-well` file needs"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier -1\nend\n", [], ["line 4: the barrier height must be positive"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier nan\nend\n", [], ["line 4: the barrier height h must be a finite number, found `nan`"]),
            ("ebm-model 2\nkind double-well\ndimension two\nbarrier 1\nend\n", [], ["line 3: d, the dimension must be a whole number"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier 1\nbarier 2\nend\n", [], ["line 5: `barier` is not part of a `kind double-well` file"]),
            ("ebm-model 2\nkind double-well\ndimension 2\ndimension 2\nbarrier 1\nend\n", [], ["line 4: the field `dimension` appears twice"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier 1\n\nend\n", [], ["line 5: the line is empty"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier 1\n", [], ["line 5: the file ends before the header is complete", "expected `end`"]),
            ("ebm-model 2\nkind double-well\ndimension 2 3\nbarrier 1\nend\n", [], ["line 3: `dimension` takes 1 value"]),
            (bm, f8([0, 1, 2, 0, 0.5, -0.5]), ["line 4: W must be symmetric, but W[1,0] = 2.0 and W[0,1] = 1.0"]),
            (bm, f8([1, 1, 1, 0, 0.5, -0.5]), ["line 4: W must be zero on the diagonal, but W[0,0] = 1.0"]),
            (bm.replacingOccurrences(of: "W float64-le 2x2", with: "W float32-le 2x2"), NPYTests.f4([0, 1, 1, 0]) + f8([0.5, -0.5]),
             ["line 4: W must be `float64-le` (the symmetric weights, zero on the diagonal), found `float32-le`"]),
            (bm.replacingOccurrences(of: "W float64-le 2x2", with: "W float64-le 4"), f8([0, 1, 1, 0, 0.5, -0.5]),
             ["line 4: W is declared as 4, but this boltzmann needs 2x2"]),
            (bm.replacingOccurrences(of: "W float64-le 2x2", with: "W float16-le 2x2"), [], ["line 4: the element type `float16-le` of W is not supported"]),
            (bm.replacingOccurrences(of: "W float64-le 2x2", with: "W float64-le 2xx2"), [], ["line 4: each size of W must be a whole number"]),
            (bm.replacingOccurrences(of: "data b float64-le 2", with: "data W float64-le 2"), [], ["line 5: the array W is declared twice"]),
            (bm.replacingOccurrences(of: "data b float64-le 2\n", with: ""), f8([0, 1, 1, 0]), ["the file has no `data b float64-le 2` line (the biases)"]),
            (bm, f8([0, 1, 1, 0, 0.5]), ["the file is truncated: the header declares 48 bytes of data but only 40 bytes follow it"]),
            (bm, f8([0, 1, 1, 0, 0.5, 0.5, 0.5]), ["the file has 8 unexpected bytes after the 48 bytes of data"]),
            ("ebm-model 2\nkind gaussian\ndimension 2\ndata mean float64-le 2\ndata covariance float64-le 2x2\nend\n", f8([0, 0, 1, 2, 2, 1]),
             ["line 5: the covariance must be symmetric and positive definite"]),
            ("ebm-model 2\nkind mixture\ndimension 1\ncomponents 2\ndata means float64-le 2x1\ndata stds float64-le 2\ndata weights float64-le 2\nend\n",
             f8([0, 1, 1, 1, 0.5, 0.6]), ["line 7: the weights must be positive and sum to 1 (they sum to 1.1)"]),
            ("ebm-model 2\nkind mixture\ndimension 1\ncomponents 2\ndata means float64-le 2x1\ndata stds float64-le 2\ndata weights float64-le 2\nend\n",
             f8([0, 1, 1, 0, 0.5, 0.5]), ["line 6: the standard deviations must be positive"]),
            ("ebm-model 2\nkind mlp-energy\nactivation gelu\nwidths 1 1\nend\n", [], ["line 3: the activation `gelu` is unknown; expected one of `swish`"]),
            ("ebm-model 2\nkind mlp-energy\nactivation tanh\nwidths 1 2\nend\n", [], ["line 4: the last width must be 1 (an energy has one output), found 2"]),
            ("ebm-model 2\nkind mlp-energy\nactivation tanh\nwidths 1\nend\n", [], ["line 4: `widths` needs the input and output widths at least"]),
            ("ebm-model 2\nkind mlp-energy\nactivation tanh\nwidths 2 1\ndata W0 float32-le 2x1\ndata b0 float32-le 1\nend\n", NPYTests.f4([1, 2, 3]),
             ["line 5: W0 is declared as 2x1, but this mlp-energy needs 1x2 (layer 0's weights, outputs × inputs)"]),
            ("ebm-model 2\nkind score-model\ndimension 2\nactivation tanh\nwidths 2 2\ndata W0 float32-le 2x2\ndata b0 float32-le 2\ndata sigmas float64-le 2\nend\n",
             NPYTests.f4([1, 2, 3, 4, 0, 0]) + f8([0.1, 1]), ["line 8: the noise levels must be positive finite numbers, largest first"]),
            ("ebm-model 2\nkind score-model\ndimension 2\nactivation tanh\nwidths 2 2\ndata W0 float32-le 2x2\ndata b0 float32-le 2\ndata sigmas float64-le 1\nend\n",
             NPYTests.f4([1, 2, 3, 4, 0, 0]) + f8([1]), ["line 5: the first width must be 3 (the dimension and log σ), found 2"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier 1\ntrainer langevin-ml\nend\n", [], ["line 5: a closed-form energy has no parameters to train"]),
            ("ebm-model 2\nkind double-well\ndimension 2\nbarrier 1\ndata notes utf8 2\nend\n", [0xC3, 0x28], ["line 5: the array notes is not part of a `kind double-well` file"]),
        ]
        for (text, data, parts) in cases {
            Self.assertError(try decode(text, data), contains: ["cannot read m.ebm as an ebm model: "] + parts)
        }
    }

    func testHugeDeclaredSizesFailOnTheMissingDataWithoutAllocating() throws {
        // Each header declares a model of billions of parameters; the data is absent.
        let cases: [(String, [UInt8], [String])] = [
            ("ebm-model 2\nkind boltzmann\nunits 100000\ndata W float64-le 100000x100000\ndata b float64-le 100000\nend\n", [],
             ["the file is truncated: the header declares 80000800000 bytes of data but only 0 bytes follow it"]),
            ("ebm-model 2\nkind mlp-energy\nactivation relu\nwidths 999999999 999999999 1\ndata W0 float32-le 999999999x999999999\nend\n", [],
             ["the file is truncated"]),
            // A wide score model whose layers are small: d = 100000 in and out through one hidden unit.
            ("ebm-model 2\nkind score-model\ndimension 100000\nactivation relu\nwidths 100000 1 100000\n"
             + "data W0 float32-le 1x100000\ndata b0 float32-le 1\ndata W1 float32-le 100000x1\ndata b1 float32-le 100000\nend\n",
             [UInt8](repeating: 0, count: 4 * 300_001), []),
        ]
        for (text, data, parts) in cases {
            if parts.isEmpty {
                guard case .scoreModel(let s) = try decode(text, data).model else { return XCTFail("not a score model") }
                XCTAssertEqual(s.network.dims, [100000, 1, 100000])
            } else {
                Self.assertError(try decode(text, data), contains: ["cannot read m.ebm as an ebm model: "] + parts)
            }
        }
    }

    /// A trained model's file with one header line replaced.
    func damagedTrainerFile(_ contents: ModelFile.Contents, buffer: Bool = false, replacing old: String, with new: String) throws -> [UInt8] {
        let bytes = try ModelFile.encode(contents, buffer: buffer, path: "m.ebm")
        let end = bytes.indices.first { bytes[$0...].starts(with: Array("\nend\n".utf8)) }! + 5
        let header = String(decoding: bytes[..<end], as: UTF8.self)
        XCTAssertTrue(header.contains(old), header)
        return Array(header.replacingOccurrences(of: old, with: new).utf8) + bytes[end...]
    }

    func testBadTrainingStateIsALocatedError() throws {
        var o = RBMTrainingOptions()
        o.sampler = PersistentContrastiveDivergence(k: 1)
        o.batchSize = 6
        o.epochs = 1
        o.momentum = 0.5
        var t = RBMTrainer(options: o)
        var m = RestrictedBoltzmannMachine(visible: 9, hidden: 3, seed: 1)
        _ = t.train(&m, on: Self.binary)
        let trained = ModelFile.Contents(model: .rbm(m, imageShape: nil), trainer: .rbm(t))
        let cases: [(String, String, [String])] = [
            ("trainer pcd", "trainer pcdd", ["trainer `pcdd` is unknown", "expected one of `cd`, `pcd`"]),
            ("trainer pcd", "trainer dsm", ["an RBM's trainer `dsm` is unknown"]),
            ("learning_rate 0.1", "learning_rate fast", ["the learning rate must be a finite number, found `fast`"]),
            ("persistent_rows 6", "persistent_rows 7", ["7 persistent rows, but the file has 6 chains"]),
            ("data velocities float32-le 39", "data velocities float32-le 3x13", ["velocities is declared as 3x13, but this rbm needs 39 (the momentum of W, b and c)"]),
            ("data persistent_hidden float32-le 6x3", "data persistent_hidden float32-le 3x6", ["persistent_hidden is declared as 3x6, but this rbm needs 6x3"]),
            ("history_columns seconds recon", "history_columns secs recon", ["this trainer's history has the columns seconds recon pll"]),
            ("history_unit epoch", "history_unit iteration", ["the history's unit `iteration` is unknown; expected one of `epoch`"]),
            ("epochs_completed 1", "epochs_done 1", ["the file has no `epochs_completed` line (epochs trained so far)"]),
        ]
        for (old, new, parts) in cases {
            let bytes = try damagedTrainerFile(trained, replacing: old, with: new)
            Self.assertError(try ModelFile.decode(bytes, path: "m.ebm"), contains: ["cannot read m.ebm as an ebm model: "] + parts)
        }
        // A random stream of all zeros cannot come from xoshiro256**.
        var bytes = try ModelFile.encode(trained, path: "m.ebm")
        let container = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(container.contains("data chain_rng uint64-le 6x4\n"))
        let header = bytes.indices.first { bytes[$0...].starts(with: Array("\nend\n".utf8)) }! + 5
        // chain_rng follows W, b, c (39 floats) and the velocities (39 more) in the data.
        for k in 0..<32 { bytes[header + 8 * 39 + k] = 0 }
        Self.assertError(try ModelFile.decode(bytes, path: "m.ebm"), contains: ["random stream 0 is all zeros"])
        // Boltzmann chains must be binary.
        var bo = BoltzmannTrainingOptions()
        bo.negativePhase = .persistent(sweeps: 1, chains: 2)
        bo.epochs = 1
        var bt = BoltzmannTrainer(options: bo)
        var bm = FullyVisibleBoltzmannMachine(units: 9, seed: 1)
        _ = bt.train(&bm, on: Self.binary)
        var bbytes = try ModelFile.encode(ModelFile.Contents(model: .boltzmann(bm), trainer: .boltzmann(bt)), path: "m.ebm")
        let bheader = bbytes.indices.first { bbytes[$0...].starts(with: Array("\nend\n".utf8)) }! + 5
        let chainStates = 8 * (81 + 9)   // after W and b
        bbytes.replaceSubrange((bheader + chainStates)..<(bheader + chainStates + 8), with: f8([0.5]))
        Self.assertError(try ModelFile.decode(bbytes, path: "m.ebm"), contains: ["the chains' states must be at least one row of 0s and 1s"])
    }

    func testAFailedWriteKeepsTheOldFile() throws {
        let path = folder + "/keep.ebm"
        try ModelFile.write(ModelFile.Contents(model: .doubleWell(DoubleWellEnergy(barrier: 2))), to: path)
        let before = try NPYTests.contents(path)
        let rbm = RestrictedBoltzmannMachine(visible: 6, hidden: 2, seed: 1)
        Self.assertError(try ModelFile.write(ModelFile.Contents(model: .rbm(rbm, imageShape: (4, 4))), to: path),
                         contains: ["image shape 4×4 does not fit the model's 6 visible units"])
        XCTAssertEqual(try NPYTests.contents(path), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["keep.ebm"])
    }

    func testFuzzedVersion2FilesNeverCrash() throws {
        var o = LangevinMaximumLikelihoodOptions()
        o.iterations = 1
        o.batchSize = 4
        o.langevinSteps = 2
        var t = LangevinMaximumLikelihood(options: o)
        var e = NeuralEnergy(dims: [2, 3, 1], seed: 1)
        _ = t.train(&e, on: Self.plane, rows: 64)
        let valid = [
            try ModelFile.encode(ModelFile.Contents(model: .mlpEnergy(e), trainer: .langevin(t)), buffer: true, path: "m.ebm"),
            try ModelFile.encode(ModelFile.Contents(model: .mixture(MixtureEnergy.ring(components: 3))), path: "m.ebm"),
            try ModelFile.encode(ModelFile.Contents(model: .scoreModel(ScoreModel(dimension: 1, hidden: [2], sigmas: [1, 0.5], seed: 1))), path: "m.ebm"),
        ]
        var g = Xoshiro256StarStar(seed: 5)
        let alphabet = Array("0123456789 x\n-.abcdefghijklmnopqrstuvwxyz_".utf8)
        var outcomes = (ok: 0, failed: 0)
        for round in 0..<3000 {
            var m = valid[round % valid.count]
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let i = Int.random(in: 0..<min(m.count, 400), using: &g)
                m[i] = Bool.random(using: &g) ? alphabet.randomElement(using: &g)! : UInt8.random(in: 0...255, using: &g)
            }
            if Int.random(in: 0..<4, using: &g) == 0 { m = Array(m.prefix(Int.random(in: 0...m.count, using: &g))) }
            do {
                _ = try ModelFile.decode(m, path: "fuzz.ebm")
                outcomes.ok += 1
            } catch is FileError {
                outcomes.failed += 1
            } catch {
                XCTFail("not a FileError: \(error)")
            }
        }
        XCTAssertGreaterThan(outcomes.ok, 0)
        XCTAssertGreaterThan(outcomes.failed, 0)
    }

    // MARK: .npy folders

    func testEveryKindRoundTripsThroughAnNPYFolder() throws {
        for (k, model) in Self.models.enumerated() {
            let dir = folder + "/npy\(k)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let written = try NPYFolder.write(model, to: dir)
            let back = try NPYFolder.read(folder: dir)
            XCTAssertEqual(back.kind, model.kind)
            XCTAssertEqual(Self.bits(back), Self.bits(model), model.kind)
            // Every file written is listed (a DBN's layer folders also hold a model.json each).
            var isFolder: ObjCBool = false
            let files = try FileManager.default.subpathsOfDirectory(atPath: dir).filter {
                FileManager.default.fileExists(atPath: dir + "/" + $0, isDirectory: &isFolder) && !isFolder.boolValue
            }
            let layerJSON = (1...3).map { "layer\($0)/model.json" }
            XCTAssertEqual(Set(files.filter { !layerJSON.contains($0) }), Set(written.map(\.file) + ["model.json"]))
            if case .dbn(let d, _) = model {
                XCTAssertEqual(Set(files.filter(layerJSON.contains)), Set((1...d.depth).map { "layer\($0)/model.json" }))
                XCTAssertEqual(Set(written.map(\.file)), ["layer1/W.npy", "layer1/b.npy", "layer1/c.npy", "layer1/R.npy", "layer1/r.npy",
                                                           "layer2/W.npy", "layer2/b.npy", "layer2/c.npy"])
            }
        }
        // The layouts: an MLP in PyTorch's nn.Linear layout, float64 where ebm keeps float64.
        let dir = folder + "/npy2"
        XCTAssertEqual(try NPY.read(path: dir + "/W0.npy").shape, [5, 2])
        XCTAssertEqual(try NPY.read(path: dir + "/b2.npy").shape, [1])
        XCTAssertTrue(String(decoding: try NPYTests.contents(folder + "/npy1/W.npy").prefix(40), as: UTF8.self).contains("'<f8'"))
        XCTAssertEqual(String(decoding: try NPYTests.contents(dir + "/model.json"), as: UTF8.self),
                       "{\n  \"format\": \"ebm-npy 1\",\n  \"kind\": \"mlp-energy\",\n  \"activation\": \"swish\",\n  \"widths\": [2, 5, 3, 1]\n}\n")
    }

    func testScikitLearnStyleRBMFolderWithoutModelJSONStillImports() throws {
        try NPY.write(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), to: folder + "/W.npy")
        try NPY.write(Tensor(shape: [2], scalars: [0, 1]), to: folder + "/b.npy")
        try NPY.write(Tensor(shape: [3], scalars: [0, 0, 1]), to: folder + "/c.npy")
        guard case .rbm(let m, nil) = try NPYFolder.read(folder: folder) else { return XCTFail("not an RBM") }
        XCTAssertEqual(m.W, [1, 2, 3, 4, 5, 6])
        try NPY.write(Tensor(shape: [3], scalars: [0, 1, 2]), to: folder + "/b.npy")
        Self.assertError(try NPYFolder.read(folder: folder), contains: ["cannot read the model in \(folder): b.npy: b is declared as 3, but this rbm needs 2 (the hidden bias)"])
    }

    func testBadNPYFoldersAreLocatedErrors() throws {
        let dir = folder + "/e"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPYFolder.write(.mlpEnergy(Self.mlp), to: dir)
        try NPY.write(Tensor(shape: [3, 5], scalars: [Float](repeating: 0, count: 15)), to: dir + "/W1.npy")   // fine
        XCTAssertEqual(try NPYFolder.read(folder: dir).kind, "mlp-energy")
        try NPY.write(Tensor(shape: [5, 3], scalars: [Float](repeating: 0, count: 15)), to: dir + "/W1.npy")
        Self.assertError(try NPYFolder.read(folder: dir), contains: ["W1.npy: W1 is declared as 5x3, but this mlp-energy needs 3x5 (layer 1's weights, outputs × inputs)"])
        try FileManager.default.removeItem(atPath: dir + "/W1.npy")
        Self.assertError(try NPYFolder.read(folder: dir), contains: [dir + "/W1.npy", "No such file"])
        try NPY.write(Tensor(shape: [3, 5], scalars: [Float](repeating: 0, count: 15)), to: dir + "/W1.npy")
        let json = dir + "/model.json"
        for (text, part) in [
            ("{\"kind\": \"mlp-energy\", \"activation\": \"swish\"", "model.json is not a JSON object"),
            ("{\"activation\": \"swish\"}", "model.json has no \"kind\""),
            ("{\"kind\": \"ising\"}", "model.json names the kind \"ising\""),
            ("{\"kind\": \"dbn\"}", "model.json needs \"layers\""),
            ("{\"kind\": \"mlp-energy\", \"activation\": \"swish\"}", "model.json needs \"widths\""),
            ("{\"kind\": \"mlp-energy\", \"activation\": \"gelu\", \"widths\": [2, 5, 3, 1]}", "model.json \"activation\": the activation `gelu` is unknown"),
            ("{\"kind\": \"mlp-energy\", \"activation\": \"swish\", \"widths\": [2, 5, 3, 1], \"format\": \"ebm-npy 9\"}", "model.json is format \"ebm-npy 9\""),
            ("{\"kind\": \"mlp-energy\", \"activation\": \"swish\", \"widths\": [2, 5, 3, 1], \"data\": 1}", "\"data\" is not an entry of any model"),
            ("{\"kind\": \"double-well\", \"dimension\": 1, \"barrier\": 1, \"hiden\": 3}", "model.json \"hiden\": `hiden` is not part of a `kind double-well` file"),
        ] {
            try AtomicFile.write(text, to: json)
            Self.assertError(try NPYFolder.read(folder: dir), contains: ["cannot read the model in \(dir): ", part])
        }
        Self.assertError(try NPYFolder.read(folder: folder + "/nope"), contains: ["the folder does not exist"])
        Self.assertError(try NPYFolder.read(folder: folder), contains: ["neither model.json (written by export_npy) nor an RBM's W.npy"])
    }
}
