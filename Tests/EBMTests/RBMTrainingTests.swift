import XCTest
@testable import EBM

final class RBMTrainingTests: XCTestCase {
    static let bars = Dataset.barsAndStripes(4).examples

    static func options(_ sampler: any NegativePhaseSampler, learningRate: Float = 0.05, epochs: Int,
                        batchSize: Int = 32, seed: UInt64 = 1) -> RBMTrainingOptions {
        var o = RBMTrainingOptions()
        o.sampler = sampler
        o.learningRate = learningRate
        o.epochs = epochs
        o.batchSize = batchSize
        o.seed = seed
        return o
    }

    // MARK: Learning

    func testCDAndPCDIncreaseTheExactLogLikelihoodOfBarsAndStripes() throws {
        for sampler: any NegativePhaseSampler in [ContrastiveDivergence(k: 1), PersistentContrastiveDivergence(k: 1)] {
            var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 16, seed: 1)
            let before = try rbm.exactLogLikelihood(Self.bars)
            var o = Self.options(sampler, epochs: 3000)
            o.monitorEvery = 1000
            var trainer = RBMTrainer(options: o)
            XCTAssertEqual(trainer.train(&rbm, on: Self.bars), .completed(step: 3000))
            let after = try rbm.exactLogLikelihood(Self.bars)
            XCTAssertGreaterThan(after, before + 3, "\(sampler): \(before) → \(after)")
            // The history holds the monitored epochs, and its log-likelihood is the exact one.
            let h = trainer.history
            XCTAssertEqual(h.steps, [1000, 2000, 3000])
            XCTAssertEqual(try XCTUnwrap(h.values("loglik").last ?? nil), after, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(h.values("pll").last ?? nil), rbm.exactPseudoLogLikelihood(Self.bars), accuracy: 1e-9)
            XCTAssertEqual(h["pll"]?.title, "pseudo-LL (exact)")
            XCTAssertLessThan(try XCTUnwrap(h.values("recon")[2]), try XCTUnwrap(h.values("recon")[0]) + 0.02)
        }
    }

    /// PCD-1 with a small learning rate approaches the best possible mean log-likelihood of the 32
    /// rows, −3.379 (30 distinct patterns; all-off and all-on appear twice): 16 hidden units, one
    /// full batch of 32 rows (32 persistent chains), ε = 0.005, 60,000 updates reach −3.95 to −4.09
    /// depending on the OpenBLAS kernels (about 5 s in a debug build). PCD's log-likelihood
    /// wanders as the weights grow and the chains mix worse, so the test keeps the best of the
    /// last three checkpoints, as early stopping would.
    func testPCDApproachesTheBestLogLikelihoodOfBarsAndStripes() throws {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 16, seed: 1)
        var o = Self.options(PersistentContrastiveDivergence(k: 1), learningRate: 0.005, epochs: 50_000)
        o.monitorEvery = 50_000
        var trainer = RBMTrainer(options: o)
        var checkpoints: [Double] = []
        for epochs in [50_000, 5000, 5000] {
            trainer.options.epochs = epochs
            _ = trainer.train(&rbm, on: Self.bars)
            checkpoints.append(try rbm.exactLogLikelihood(Self.bars))
        }
        print("PCD-1 on bars and stripes: log-likelihood \(checkpoints) after 50,000, 55,000, 60,000 epochs")
        let best = try XCTUnwrap(checkpoints.max())
        XCTAssertGreaterThan(best, -3.379 - 1, "PCD-1 reached \(checkpoints); the optimum is −3.379")
        XCTAssertLessThan(best, -3.379 + 1e-6)
    }

    /// One full-batch update of CD-k with long chains and many rows is ε times the exact gradient,
    /// up to sampling noise: checks the signs and scales of the whole update.
    func testOneUpdateFollowsTheExactGradient() throws {
        let rbm0 = RBMFixtures.machine(visible: 6, hidden: 4, seed: 3, scale: 0.5)
        let rows = RBMFixtures.data(rows: 8, visible: 6, seed: 4)
        let data = Tensor(shape: [4096, 6], scalars: Array((0..<512).map { _ in rows.scalars }.joined()))
        let exact = try rbm0.exactGradient(data)
        var rbm = rbm0
        var o = Self.options(ContrastiveDivergence(k: 100), learningRate: 1, epochs: 1, batchSize: 4096)
        o.monitorRows = 8
        var trainer = RBMTrainer(options: o)
        _ = trainer.train(&rbm, on: data)
        for (k, g) in exact.W.enumerated() { XCTAssertEqual(Double(rbm.W[k] - rbm0.W[k]), g, accuracy: 0.03, "W[\(k)]") }
        for (j, g) in exact.b.enumerated() { XCTAssertEqual(Double(rbm.b[j] - rbm0.b[j]), g, accuracy: 0.03, "b[\(j)]") }
        for (i, g) in exact.c.enumerated() { XCTAssertEqual(Double(rbm.c[i] - rbm0.c[i]), g, accuracy: 0.03, "c[\(i)]") }
    }

    func testWeightDecayAndMomentumFollowTheirDefinitions() {
        let rbm0 = RBMFixtures.machine(visible: 16, hidden: 5, seed: 5)
        func run(decay: Float, momentum: Float, epochs: Int) -> RestrictedBoltzmannMachine {
            var rbm = rbm0
            var o = Self.options(ContrastiveDivergence(k: 1), learningRate: 0.1, epochs: epochs)
            o.weightDecay = decay
            o.momentum = momentum
            var trainer = RBMTrainer(options: o)
            _ = trainer.train(&rbm, on: Self.bars)
            return rbm
        }
        // First update: same samples, so the difference is exactly −ελW₀ (up to rounding).
        let plain = run(decay: 0, momentum: 0, epochs: 1), decayed = run(decay: 0.5, momentum: 0, epochs: 1)
        for k in rbm0.W.indices { XCTAssertEqual(decayed.W[k] - plain.W[k], -0.1 * 0.5 * rbm0.W[k], accuracy: 1e-6) }
        XCTAssertEqual(decayed.b, plain.b)
        // Second update with momentum μ adds μ times the first update.
        let plain2 = run(decay: 0, momentum: 0, epochs: 2), moving2 = run(decay: 0, momentum: 0.7, epochs: 2)
        for k in rbm0.W.indices {
            XCTAssertEqual(moving2.W[k] - plain2.W[k], 0.7 * (plain.W[k] - rbm0.W[k]), accuracy: 1e-6)
        }
        for j in rbm0.b.indices { XCTAssertEqual(moving2.b[j] - plain2.b[j], 0.7 * (plain.b[j] - rbm0.b[j]), accuracy: 1e-6) }
    }

    /// Without momentum or decay the update adds its gradient product straight onto W (no
    /// velocity buffer). A velocity left by an earlier call with momentum must still be added
    /// once: momentum 0.7 for one epoch and then 0 for one equals momentum 0.7 for two epochs
    /// (the second update adds 0.7 times the first either way), bit for bit; after that the
    /// velocity is zero and the direct path takes over.
    func testMomentumLeftByAnEarlierCallIsAddedBeforeTheDirectUpdate() {
        let rbm0 = RBMFixtures.machine(visible: 16, hidden: 5, seed: 5)
        var o = Self.options(ContrastiveDivergence(k: 1), learningRate: 0.1, epochs: 1)
        o.momentum = 0.7
        var a = rbm0, b = rbm0
        var split = RBMTrainer(options: o)
        _ = split.train(&a, on: Self.bars)
        split.options.momentum = 0
        _ = split.train(&a, on: Self.bars)
        o.epochs = 2
        var whole = RBMTrainer(options: o)
        _ = whole.train(&b, on: Self.bars)
        XCTAssertEqual(a.W, b.W)
        XCTAssertEqual(a.b, b.b)
        _ = split.train(&a, on: Self.bars)
        XCTAssertTrue(split.velocities.allSatisfy { $0 == 0 }, "no momentum leaves no velocity")
    }

    /// The direct update's check of W (sixteen floats at a time, then a tail) finds one
    /// infinity or NaN at any position, and passes finite values of any size.
    func testTheWeightCheckFindsANonFiniteValueAnywhere() {
        for n in [1, 15, 16, 17, 100, 1000] {
            var w = (0..<n).map { Float($0) * 1e30 - 3e32 }
            XCTAssertEqual(w.withUnsafeBufferPointer { ElementwiseKernels.nonFiniteFlag($0.baseAddress!, count: n) }, 0, "n = \(n)")
            for bad in [Float.infinity, -.infinity, .nan] {
                for k in Set([0, n / 2, n - 1]) {
                    var v = w
                    v[k] = bad
                    XCTAssertNotEqual(v.withUnsafeBufferPointer { ElementwiseKernels.nonFiniteFlag($0.baseAddress!, count: n) }, 0,
                                      "\(bad) at \(k) of \(n)")
                }
            }
            w[0] = .greatestFiniteMagnitude
            XCTAssertEqual(w.withUnsafeBufferPointer { ElementwiseKernels.nonFiniteFlag($0.baseAddress!, count: n) }, 0)
        }
    }

    // MARK: Control

    func testDivergenceStopsAndRestoresTheLastGoodParameters() throws {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 2)
        var trainer = RBMTrainer(options: Self.options(ContrastiveDivergence(k: 1), epochs: 3, batchSize: 8))
        XCTAssertEqual(trainer.train(&rbm, on: Self.bars), .completed(step: 3))
        let good = rbm
        // A huge step with weight decay multiplies W by about −10³⁰ per update: ∞ in a few batches.
        // (A huge step alone often just saturates every unit and stays finite.)
        trainer.options.learningRate = 1e30
        trainer.options.weightDecay = 1
        let outcome = trainer.train(&rbm, on: Self.bars)
        guard case .diverged(let d) = outcome else {
            return XCTFail("expected divergence, got \(outcome)")
        }
        XCTAssertEqual(d.step, 4)
        XCTAssertNotNil(d.batch)
        XCTAssertEqual(d.batches, 4)
        XCTAssertEqual(d.restoredStep, 3)
        XCTAssertEqual(d.setting, "lr")
        XCTAssertEqual(rbm, good)
        XCTAssertTrue(outcome.description.contains("Lower lr (it was 1e+30)"), outcome.description)
        XCTAssertTrue(outcome.description.contains("epoch 4"), outcome.description)
        XCTAssertEqual(trainer.epochsCompleted, 3)

        // Diverging in the first epoch restores the parameters it was given.
        var fresh = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 2)
        let start = fresh
        var o = Self.options(PersistentContrastiveDivergence(k: 1), learningRate: 1e30, epochs: 2, batchSize: 8)
        o.weightDecay = 1
        var hot = RBMTrainer(options: o)
        let first = hot.train(&fresh, on: Self.bars)
        XCTAssertEqual(fresh, start)
        guard case .diverged(let d) = first, d.step == 1, d.restoredStep == 0 else { return XCTFail("expected divergence in epoch 1, got \(first)") }
        XCTAssertTrue(first.description.contains("restored the parameters it started with"), first.description)
    }

    func testSameSeedSameResultAndOtherSeedOtherResult() {
        func run(seed: UInt64, _ sampler: any NegativePhaseSampler) -> (RestrictedBoltzmannMachine, TrainingHistory) {
            var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4)
            var o = Self.options(sampler, epochs: 20, batchSize: 10, seed: seed)
            o.momentum = 0.5
            var trainer = RBMTrainer(options: o)
            _ = trainer.train(&rbm, on: Self.bars)
            return (rbm, trainer.history)
        }
        for sampler: any NegativePhaseSampler in [ContrastiveDivergence(k: 2), PersistentContrastiveDivergence(k: 1)] {
            let a = run(seed: 11, sampler), b = run(seed: 11, sampler), c = run(seed: 12, sampler)
            XCTAssertEqual(a.0, b.0)
            XCTAssertEqual(a.1.values("pll"), b.1.values("pll"))
            XCTAssertEqual(a.1.values("recon"), b.1.values("recon"))
            XCTAssertNotEqual(a.0, c.0)
        }
    }

    /// The trainer carries the persistent chains, random streams and epoch count between calls.
    func testTrainingInTwoCallsEqualsOneCall() {
        var once = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4), twice = once
        var o = Self.options(PersistentContrastiveDivergence(k: 1), epochs: 10, batchSize: 10)
        o.momentum = 0.5
        var a = RBMTrainer(options: o)
        _ = a.train(&once, on: Self.bars)
        o.epochs = 4
        var b = RBMTrainer(options: o)
        _ = b.train(&twice, on: Self.bars)
        b.options.epochs = 6
        XCTAssertEqual(b.train(&twice, on: Self.bars), .completed(step: 10))
        XCTAssertEqual(once, twice)
        XCTAssertEqual(a.history.steps, Array(1...10))
        XCTAssertEqual(b.history.steps, Array(1...10))
    }

    func testShouldStopIsPolledAfterEveryMinibatch() {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4)
        var trainer = RBMTrainer(options: Self.options(ContrastiveDivergence(k: 1), epochs: 5, batchSize: 5))
        var polls = 0
        let outcome = trainer.train(&rbm, on: Self.bars, shouldStop: { polls += 1; return polls == 10 })
        XCTAssertEqual(outcome, .stopped(step: 2, unit: .epoch, batch: 3, batches: 7))
        XCTAssertEqual(trainer.epochsCompleted, 1)
        XCTAssertNotEqual(rbm, RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4))
    }

    func testProgressReportsEveryMinibatchAndMonitorsAtEpochEnd() {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4)
        var trainer = RBMTrainer(options: Self.options(ContrastiveDivergence(k: 1), epochs: 2, batchSize: 12))
        var calls: [(Int, Int, Int, Bool)] = []
        _ = trainer.train(&rbm, on: Self.bars, progress: { calls.append(($0, $1, $2, $3 != nil)) })
        XCTAssertEqual(calls.map { "\($0.0).\($0.1)/\($0.2)\($0.3 ? "*" : "")" },
                       ["1.1/3", "1.2/3", "1.3/3*", "2.1/3", "2.2/3", "2.3/3*"])
        XCTAssertEqual(trainer.history.steps[1], 2)
        XCTAssertNotNil(trainer.history.values("loglik")[1])
        XCTAssertGreaterThan(try XCTUnwrap(trainer.history.values("seconds")[1]), 0)
    }

    func testMonitorsSkipTheExactOnesAboveTheirBudgets() {
        var rbm = RestrictedBoltzmannMachine(visible: 16, hidden: 8, seed: 4)
        var o = Self.options(ContrastiveDivergence(k: 1), epochs: 1)
        o.exactLikelihoodBudget = 0
        o.exactPseudoLikelihoodBudget = 0
        var trainer = RBMTrainer(options: o)
        _ = trainer.train(&rbm, on: Self.bars)
        XCTAssertNil(trainer.history.values("loglik")[0])
        XCTAssertEqual(trainer.history["pll"]?.title, "pseudo-LL (1-bit estimate)")
        XCTAssertEqual(trainer.history.values("pll")[0], trainer.history.values("pll_estimate")[0])
        XCTAssertTrue(trainer.history.values("pll")[0]?.isFinite ?? false)
    }
}
