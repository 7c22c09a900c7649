import XCTest
@testable import EBM

/// The capability contract every family conforms to: parameters with named blocks, the one
/// history, the trainers' outcome, divergence guard and continuation rule, the chain loop.
final class ModelCapabilityTests: XCTestCase {
    static let bars = Dataset.barsAndStripes(3).examples

    // MARK: parameters

    func testParameterBlocksTileTheVectorAndRoundTrip() {
        var rbm = RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 1)
        XCTAssertEqual(rbm.parameterBlocks.map(\.name), ["W", "b", "c"])
        XCTAssertEqual(rbm.parameterTotal, rbm.parameterCount)
        var θ = rbm.parameterVector
        θ[rbm.parameterBlock("c")!.offset + 2] = 0.5
        rbm.setParameterVector(θ)
        XCTAssertEqual(rbm.c[2], 0.5)
        XCTAssertEqual(rbm.parameterEntryName(9 * 1 + 3), "W[1,3]")
        XCTAssertEqual(rbm.parameterEntryName(36 + 2), "b[2]")

        let bm = FullyVisibleBoltzmannMachine(units: 4, seed: 1)
        XCTAssertEqual(bm.parameterTotal, 6 + 4)
        let W = bm.parameterBlock("W")!.tensor(from: bm.parameterVector)
        XCTAssertEqual(W.shape, [4, 4])
        XCTAssertEqual(W.scalars[1 * 4 + 3], W.scalars[3 * 4 + 1])
        XCTAssertEqual(W.scalars[1 * 4 + 3], Float(bm.weight(1, 3)))
        XCTAssertEqual(bm.parameterEntryName(bm.weightIndex(1, 3)), bm.parameterName(bm.weightIndex(1, 3)))

        let e = NeuralEnergy(dims: [2, 3, 1], seed: 1)
        XCTAssertEqual(e.parameterBlocks.map(\.name), ["W0", "b0", "W1", "b1"])
        XCTAssertEqual(e.parameterTotal, e.network.parameterCount)
        XCTAssertEqual(GaussianEnergy(mean: [0], std: [1]).parameterTotal, 0)
    }

    func testEveryEnergyModelGivesLogUnnormalizedDensities() throws {
        let x = Tensor(shape: [2, 2], scalars: [0, 0, 1, 1])
        let g = GaussianEnergy(mean: [0, 0], std: [1, 1])
        XCTAssertEqual(g.marginalEnergies(x)[1], 1, accuracy: 1e-6)   // ½‖x‖²
        XCTAssertEqual(try g.exactMeanLogLikelihood(x), -0.5 - g.logPartitionFunction, accuracy: 1e-6)
        let rbm = RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 1)
        XCTAssertEqual(rbm.logUnnormalizedDensity(Self.bars), rbm.freeEnergy(Self.bars))
        // p sums to one: log Z by enumeration over both layers agrees.
        XCTAssertEqual(try rbm.exactLogPartitionFunction(), try rbm.logPartitionFunction(enumerating: .visible), accuracy: 1e-9)
    }

    func testTheRBMModelExpectationIsTheSameForEveryDataSet() throws {
        // ∇ = E_data − E_model, so E_data − ∇ must not depend on the data.
        let rbm = RestrictedBoltzmannMachine(visible: 6, hidden: 3, seed: 3, initScale: 0.5)
        let model = try rbm.exactModelExpectation()
        let x = Tensor(shape: [2, 6], scalars: [1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1])
        let g = try rbm.exactMeanLogLikelihoodGradient(x)
        let ph = rbm.hiddenProbabilities(x)
        var data = [Double](repeating: 0, count: g.count)
        for r in 0..<2 {
            for j in 0..<3 {
                for i in 0..<6 { data[j * 6 + i] += Double(ph.scalars[r * 3 + j]) * Double(x.scalars[r * 6 + i]) / 2 }
                data[18 + j] += Double(ph.scalars[r * 3 + j]) / 2
            }
            for i in 0..<6 { data[21 + i] += Double(x.scalars[r * 6 + i]) / 2 }
        }
        for k in g.indices { XCTAssertEqual(data[k] - g[k], model[k], accuracy: 1e-6, "component \(k)") }
    }

    func testTheGenericFiniteDifferenceCheckPassesOnAnEnumerableModel() throws {
        let m = FullyVisibleBoltzmannMachine(units: 5, seed: 2)
        let x = Tensor(shape: [2, 5], scalars: [1, 0, 1, 0, 1, 0, 1, 1, 0, 0])
        func generic<M: ExactlyEnumerable>(_ model: M) throws -> FiniteDifferenceCheck {
            try FiniteDifferenceCheck.check(model, data: x)   // the generic path, through setParameterVector
        }
        let check = try generic(m)
        XCTAssertTrue(check.passed)
        XCTAssertEqual(check.parameterCount, m.parameterCount)
    }

    // MARK: the one history

    func testHistoryColumnsAppendUpdateAndSelect() {
        var h = TrainingHistory(unit: .epoch, columns: [
            .init(name: "loss", title: "loss"), .init(name: "z", title: "log Z", errorBars: true)])
        h.append(step: 1, ["loss": 2])
        h.append(step: 2, ["loss": 1, "z": 5], bounds: ["z": (4, 6)])
        h.updateLast(["loss": 0.5])
        XCTAssertEqual(h.steps, [1, 2])
        XCTAssertEqual(h.values("loss"), [2, 0.5])
        XCTAssertEqual(h.values("z"), [nil, 5])
        XCTAssertEqual(h["z"]?.lower ?? [], [nil, 4])
        XCTAssertEqual(h["z"]?.upper ?? [], [nil, 6])
        XCTAssertEqual(h.rows([1]).values("z"), [5])
        XCTAssertEqual(h.truncated(through: 1).steps, [1])
        XCTAssertEqual(h.lastStep, 2)
    }

    // MARK: trainers

    func testBoltzmannMomentumAndWeightDecayFollowTheirDefinitions() throws {
        let data = Dataset.barsAndStripes(2).examples
        let m0 = FullyVisibleBoltzmannMachine(units: 4, seed: 2)
        var options = BoltzmannTrainingOptions()
        options.learningRate = 0.1
        options.epochs = 1
        options.monitorEvery = 1
        // One full-batch exact step: θ₁ = θ₀ + ε(g − λw) (no decay on the biases).
        options.weightDecay = 0.5
        var a = m0
        var trainer = BoltzmannTrainer(options: options)
        XCTAssertEqual(trainer.train(&a, on: data), .completed(step: 1))
        let g = try m0.exactGradient(data)
        let pairs = 6
        for k in g.indices {
            let expected = m0.parameterVector[k] + 0.1 * (g[k] - (k < pairs ? 0.5 * m0.parameterVector[k] : 0))
            XCTAssertEqual(a.parameterVector[k], expected, accuracy: 1e-12)
        }
        // Momentum: the second step adds μ times the first.
        options.weightDecay = 0
        options.momentum = 0.9
        options.epochs = 2
        var b = m0
        var withMomentum = BoltzmannTrainer(options: options)
        _ = withMomentum.train(&b, on: data)
        var c = m0
        options.momentum = 0
        var without = BoltzmannTrainer(options: options)
        _ = without.train(&c, on: data)
        var c1 = m0
        options.epochs = 1
        var one = BoltzmannTrainer(options: options)
        _ = one.train(&c1, on: data)
        let g1 = try c1.exactGradient(data)
        for k in g1.indices {
            let first = c1.parameterVector[k] - m0.parameterVector[k]
            XCTAssertEqual(b.parameterVector[k], c1.parameterVector[k] + 0.9 * first + 0.1 * g1[k], accuracy: 1e-12)
        }
        XCTAssertNotEqual(b, c)
    }

    func testTheContinuationRuleComparesValues() {
        var a = RBMTrainingOptions()
        var b = a
        b.epochs = 99
        b.monitorEvery = 7
        XCTAssertTrue(b.continues(a), "how long a call runs is not a setting of the trajectory")
        b.learningRate = 0.1000001
        XCTAssertFalse(b.continues(a))
        a.sampler = PersistentContrastiveDivergence(k: 1)
        b = a
        b.sampler = ContrastiveDivergence(k: 1)
        XCTAssertFalse(b.continues(a))
        var l = LangevinMaximumLikelihoodOptions()
        var m = l
        m.stepSize = 0.010001
        XCTAssertFalse(m.continues(l))
        l.iterations = 5
        XCTAssertTrue(l.continues(LangevinMaximumLikelihoodOptions()))
        XCTAssertEqual(RBMTrainingOptions().summary, "CD-1, lr 0.1, batch 100, seed 0")
    }

    func testScoreMatchingDivergenceRestoresAndNamesTheLearningRate() {
        var model = ScoreModel(dimension: 2, hidden: [8], sigmas: [1, 0.5, 0.1], seed: 1)
        let start = model
        var options = ScoreMatchingOptions()
        options.learningRate = 1e30
        options.iterations = 20
        options.monitorEvery = 5
        var trainer = ScoreMatchingTrainer(options: options)
        let data = PlaneData.ring.sample(100, seed: 1)
        let outcome = trainer.train(&model, on: data, rows: 100)
        guard case .diverged(let d) = outcome else { return XCTFail("expected divergence, got \(outcome)") }
        XCTAssertEqual(d.setting, "lr")
        XCTAssertEqual(d.restoredStep, 0)
        XCTAssertEqual(model, start)
        XCTAssertTrue(outcome.description.contains("Lower lr"), outcome.description)
    }

    func testStoppedLangevinTrainingRecordsTheIterationsDone() {
        var energy = NeuralEnergy(dims: [2, 8, 1], seed: 1)
        var options = LangevinMaximumLikelihoodOptions()
        options.iterations = 1000
        options.batchSize = 16
        options.langevinSteps = 2
        options.monitorEvery = 50
        var trainer = LangevinMaximumLikelihood(options: options)
        var polls = 0
        let outcome = trainer.train(&energy, on: PlaneData.ring.sample(100, seed: 1), rows: 100, shouldStop: { polls += 1; return polls >= 7 })
        XCTAssertEqual(outcome, .stopped(step: 7, unit: .iteration, batch: nil, batches: nil))
        XCTAssertEqual(trainer.history.steps, [7])
        XCTAssertEqual(trainer.iterationsCompleted, 7)
    }

    // MARK: chains

    func testTheSnapshotLoopKeepsStartEveryAndLastAndStops() {
        let rbm = RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 1)
        var chain = rbm.makeChain(count: 3, seed: 1, start: .random)
        let run = chain.run(steps: 10, every: 4)
        XCTAssertTrue(run.finished)
        XCTAssertEqual(run.snapshots.map(\.step), [0, 4, 8, 10])
        var stopped = FullyVisibleBoltzmannMachine(units: 4, seed: 1).makeChain(count: 2, seed: 1, start: .random)
        var polls = 0
        let partial = stopped.run(steps: 100, every: 1, shouldStop: { polls += 1; return polls > 5 })
        XCTAssertFalse(partial.finished)
        XCTAssertEqual(stopped.stepsTaken, 5)
        XCTAssertEqual(partial.snapshots.map(\.step), [0, 1, 2, 3, 4, 5], "a stopped run keeps what it drew")
        var sparse = rbm.makeChain(count: 2, seed: 1, start: .random)
        polls = 0
        let kept = sparse.run(steps: 100, every: 10, shouldStop: { polls += 1; return polls > 13 })
        XCTAssertEqual(kept.snapshots.map(\.step), [0, 10, 13], "the state it stopped at is the last snapshot")
    }

    func testStoppedLangevinKeepsTheStatesDrawnSoFar() {
        let g = GaussianEnergy(mean: [1, -1], std: [0.5, 2])
        var settings = LangevinSettings()
        settings.steps = 1000
        settings.every = 100
        var polls = 0
        let run = LangevinDynamics.run(g, start: [Float](repeating: 0, count: 8), chains: 4, settings: settings,
                                       shouldStop: { polls += 1; return polls > 250 })
        XCTAssertFalse(run.finished)
        XCTAssertEqual(run.snapshots.map(\.step), [0, 100, 200, 250])
        XCTAssertEqual(run.final.count, 8)
        XCTAssertTrue(LangevinDynamics.run(g, start: [Float](repeating: 0, count: 8), chains: 4, settings: settings).finished)
    }

    // MARK: the normal sampler

    func testTheOneNormalSamplerHasMeanZeroAndUnitVariance() {
        for complement in [false, true] {
            var g = Xoshiro256StarStar(seed: 9)
            let z = g.standardNormals(200_001, complement: complement)
            let mean = z.reduce(0) { $0 + Double($1) } / Double(z.count)
            let variance = z.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(z.count - 1)
            XCTAssertEqual(mean, 0, accuracy: 0.01)
            XCTAssertEqual(variance, 1, accuracy: 0.01)
        }
    }
}
