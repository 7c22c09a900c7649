import XCTest
@testable import EBM

/// Trainers keep their last update's minibatch and negative samples (`NegativeSampleRecording`),
/// and that update is 003 Algorithm 1 computed from them:
///
///     W ← W + (ε/n) Σᵣ (p(h|xᵣ) xᵣᵀ − p(h|x̃ᵣ) x̃ᵣᵀ),   b ← b + (ε/n) Σᵣ (p(h|xᵣ) − p(h|x̃ᵣ)),
///     c ← c + (ε/n) Σᵣ (xᵣ − x̃ᵣ).
final class NegativePhaseSamplesTests: XCTestCase {
    static let bars = Dataset.barsAndStripes(4).examples

    static func options(_ sampler: any NegativePhaseSampler, learningRate: Float = 0.3, epochs: Int = 1, batchSize: Int) -> RBMTrainingOptions {
        var o = RBMTrainingOptions()
        o.sampler = sampler
        o.learningRate = learningRate
        o.epochs = epochs
        o.batchSize = batchSize
        o.seed = 3
        return o
    }

    /// Algorithm 1's update of `rbm` from the rows `x` and negative samples `xn` (n × D each), in
    /// double precision.
    static func algorithm1(_ rbm: RestrictedBoltzmannMachine, x: Tensor, negatives xn: Tensor, learningRate ε: Double) -> RestrictedBoltzmannMachine {
        let (H, D, n) = (rbm.hidden, rbm.visible, x.rows)
        var W = rbm.W.map(Double.init), b = rbm.b.map(Double.init), c = rbm.c.map(Double.init)
        func hidden(_ v: ArraySlice<Float>) -> [Double] {
            (0..<H).map { j in
                var z = Double(rbm.b[j])
                for (i, vi) in v.enumerated() { z += Double(rbm.W[j * D + i]) * Double(vi) }
                return 1 / (1 + exp(-z))
            }
        }
        for r in 0..<n {
            let v = x.scalars[(r * D)..<((r + 1) * D)], vn = xn.scalars[(r * D)..<((r + 1) * D)]
            let h = hidden(v), hn = hidden(vn)
            for j in 0..<H {
                for (i, (a, an)) in zip(v, vn).enumerated() {
                    W[j * D + i] += ε / Double(n) * (h[j] * Double(a) - hn[j] * Double(an))
                }
                b[j] += ε / Double(n) * (h[j] - hn[j])
            }
            for (i, (a, an)) in zip(v, vn).enumerated() { c[i] += ε / Double(n) * Double(a - an) }
        }
        return RestrictedBoltzmannMachine(W: W.map(Float.init), b: b.map(Float.init), c: c.map(Float.init))
    }

    static func maxDifference(_ a: RestrictedBoltzmannMachine, _ b: RestrictedBoltzmannMachine) -> Double {
        zip(a.parameterVector, b.parameterVector).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testTheRBMTrainersLastUpdateIsAlgorithm1OnItsKeptSamples() throws {
        let pt = try ParallelTemperingSampler(betas: [0.4, 0.7, 1], k: 1)
        for sampler: any NegativePhaseSampler in [ContrastiveDivergence(k: 1), ContrastiveDivergence(k: 3),
                                                   PersistentContrastiveDivergence(k: 1), pt] {
            var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 5, seed: 2, initScale: 0.5)
            var trainer = RBMTrainer(options: Self.options(sampler, batchSize: 32))
            XCTAssertNil(trainer.lastNegativePhase)
            let before = rbm
            XCTAssertEqual(trainer.train(&rbm, on: Self.bars), .completed(step: 1))
            let p = try XCTUnwrap(trainer.lastNegativePhase, "\(sampler)")
            XCTAssertEqual(p.step, 1)
            XCTAssertEqual(p.data.shape, [32, 16])
            XCTAssertEqual(p.samples.shape, [32, 16])
            // The minibatch is the data, in the epoch's shuffled order.
            func rows(_ t: Tensor) -> [[Float]] { (0..<t.rows).map { Array(t.scalars[($0 * 16)..<(($0 + 1) * 16)]) } }
            XCTAssertEqual(rows(p.data).sorted { $0.lexicographicallyPrecedes($1) },
                           rows(Self.bars).sorted { $0.lexicographicallyPrecedes($1) })
            // The samples are binary states, and the chains moved away from the data.
            XCTAssertTrue(p.samples.scalars.allSatisfy { $0 == 0 || $0 == 1 }, "\(sampler)")
            XCTAssertNotEqual(p.samples, p.data, "\(sampler)")
            let byHand = Self.algorithm1(before, x: p.data, negatives: p.samples, learningRate: 0.3)
            XCTAssertLessThan(Self.maxDifference(byHand, rbm), 1e-5, "\(sampler)")
            // The update moved the parameters, so the agreement says something.
            XCTAssertGreaterThan(Self.maxDifference(before, rbm), 1e-3, "\(sampler)")
            // Other samples give another update.
            let wrong = Self.algorithm1(before, x: p.data, negatives: p.data, learningRate: 0.3)
            XCTAssertGreaterThan(Self.maxDifference(wrong, rbm), 1e-3, "\(sampler)")
        }
    }

    func testTheLastBatchOfAnEpochMayBeSmallerAndAStoppedCallKeepsItsLastUpdate() throws {
        let data = Tensor(shape: [10, 16], scalars: Array(Self.bars.scalars[0..<(10 * 16)]))
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 5, seed: 2, initScale: 0.5)
        var trainer = RBMTrainer(options: Self.options(ContrastiveDivergence(k: 1), epochs: 2, batchSize: 4))
        _ = trainer.train(&rbm, on: data)
        let p = try XCTUnwrap(trainer.lastNegativePhase)
        XCTAssertEqual(p.data.shape, [2, 16])
        XCTAssertEqual(p.step, 2)
        // Stopped after the first minibatch of epoch 3: that minibatch's four rows.
        var polls = 0
        let outcome = trainer.train(&rbm, on: data, shouldStop: { polls += 1; return polls >= 1 })
        XCTAssertEqual(outcome, .stopped(step: 3, unit: .epoch, batch: 1, batches: 3))
        XCTAssertEqual(trainer.lastNegativePhase?.data.shape, [4, 16])
        XCTAssertEqual(trainer.lastNegativePhase?.step, 3)
    }

    func testADivergedCallKeepsNoSamples() {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 5, seed: 2, initScale: 0.5)
        var trainer = RBMTrainer(options: Self.options(ContrastiveDivergence(k: 1), batchSize: 8))
        _ = trainer.train(&rbm, on: Self.bars)
        XCTAssertNotNil(trainer.lastNegativePhase)
        // A huge step with weight decay (as RBMTrainingTests): ∞ in a few batches.
        trainer.options.learningRate = 1e30
        trainer.options.weightDecay = 1
        trainer.options.epochs = 3
        guard case .diverged = trainer.train(&rbm, on: Self.bars) else { return XCTFail("expected divergence") }
        XCTAssertNil(trainer.lastNegativePhase)
    }

    /// E(x) = −aᵀx, with ∇ₐE = −x: the user-energy trainer's update is
    /// a ← a + ε (mean of the data rows − mean of the negative samples).
    final class LinearEnergy: UserEnergyEvaluator, @unchecked Sendable {
        func energies(_ X: [Double], rows n: Int, θ: [Double]) throws -> [Double] {
            let d = θ.count
            return (0..<n).map { r in -(0..<d).reduce(0) { $0 + θ[$1] * X[r * d + $1] } }
        }
        func parameterGradient(_ X: [Double], rows n: Int, weights: [Double], θ: [Double]) throws -> [Double] {
            let d = θ.count
            return (0..<d).map { i in -(0..<n).reduce(0) { $0 + weights[$1] * X[$1 * d + i] } }
        }
        func inputGradients(_ X: [Double], rows n: Int, θ: [Double]) throws -> (energies: [Double], gradients: [Double]) {
            (try energies(X, rows: n, θ: θ), (0..<n).flatMap { _ in θ.map { -$0 } })
        }
        func takeError() -> (any Error)? { nil }
        func record(_ error: any Error) {}
    }

    func testTheUserEnergyTrainerKeepsTheSamplesItsUpdateUsed() throws {
        let d = 16
        var model = UserEnergy(name: "E", dimension: d, domain: .binary, blocks: [("a", [d])],
                               θ: (0..<d).map { Double($0 % 5) * 0.3 - 0.6 }, evaluator: LinearEnergy())
        for phase in [UserEnergyNegativePhase.contrastiveDivergence(sweeps: 1), .persistent(sweeps: 2)] {
            var o = UserEnergyTrainingOptions()
            o.negativePhase = phase
            o.learningRate = 0.5
            o.batchSize = 32
            o.epochs = 1
            var trainer = UserEnergyTrainer(options: o)
            XCTAssertNil(trainer.lastNegativePhase)
            let before = model.θ
            _ = trainer.train(&model, on: Self.bars, shouldStop: { false }, progress: { _ in })
            let p = try XCTUnwrap(trainer.lastNegativePhase)
            XCTAssertEqual(p.data.shape, [32, d])
            XCTAssertNotEqual(p.samples, p.data)
            for i in 0..<d {
                let dataMean = (0..<32).reduce(0.0) { $0 + Double(p.data.scalars[$1 * d + i]) } / 32
                let sampleMean = (0..<32).reduce(0.0) { $0 + Double(p.samples.scalars[$1 * d + i]) } / 32
                XCTAssertEqual(model.θ[i], before[i] + 0.5 * (dataMean - sampleMean), accuracy: 1e-9, "\(phase) a[\(i)]")
            }
        }
        // The exact negative phase has no samples.
        var o = UserEnergyTrainingOptions()
        o.negativePhase = .exact
        o.epochs = 1
        var trainer = UserEnergyTrainer(options: o)
        _ = trainer.train(&model, on: Self.bars, shouldStop: { false }, progress: { _ in })
        XCTAssertNil(trainer.lastNegativePhase)
    }
}
