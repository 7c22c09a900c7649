import XCTest
@testable import EBM

final class GaussianRBMTests: XCTestCase {
    static func model(D: Int, H: Int, seed: UInt64) -> GaussianBernoulliRBM {
        var g = Xoshiro256StarStar(seed: seed)
        let W = (0..<(H * D)).map { _ in Float(g.nextNormal()) }
        let b = (0..<H).map { _ in Float(g.nextNormal() - 1) }
        let c = (0..<D).map { _ in Float(0.5 * g.nextNormal()) }
        let sigma = (0..<D).map { _ in Float(0.6 + g.nextUnitDouble()) }
        return GaussianBernoulliRBM(W: W, b: b, c: c, sigma: sigma)
    }

    /// log Z of a 2 × 3 GB-RBM against a Riemann sum of e^(log p̃(x)) over a fine grid.
    func testLogZMatchesNumericalIntegration() throws {
        let m = Self.model(D: 2, H: 3, seed: 1)
        let step = 0.02, lo = -14.0, points = 1400
        var total = 0.0
        for a in 0..<points {
            let x0 = lo + (Double(a) + 0.5) * step
            let X = Tensor(shape: [points, 2], scalars: (0..<points).flatMap { b in [Float(x0), Float(lo + (Double(b) + 0.5) * step)] })
            for f in m.freeEnergy(X) { total += exp(f) }
        }
        let integral = log(total * step * step)
        XCTAssertEqual(try m.logPartitionFunction(), integral, accuracy: 1e-4)
    }

    /// log Z of a 3 × 4 GB-RBM against an independent enumeration: for each h, the x-integral
    /// factorises over units, each done by 1-D quadrature of e^(−E) from `energy`'s definition.
    func testLogZMatchesIndependentEnumerationWithQuadrature() throws {
        let m = Self.model(D: 3, H: 4, seed: 2)
        var terms: [Double] = []
        for s in 0..<16 {
            let h = (0..<4).map { Double((s >> $0) & 1) }
            var t = 0.0
            for j in 0..<4 { t += Double(m.b[j]) * h[j] }
            for i in 0..<3 {
                let sigma = Double(m.sigma[i]), c = Double(m.c[i])
                var wh = 0.0
                for j in 0..<4 { wh += Double(m.W[j * 3 + i]) * h[j] }
                // ∫ exp(−(x − c)²/(2σ²) + x·wh/σ²) dx by the midpoint rule over ±40σ around the mean.
                let centre = c + wh, dx = sigma / 200
                var integral = 0.0
                for k in 0..<16_000 {
                    let x = centre - 40 * sigma + (Double(k) + 0.5) * dx
                    integral += exp(-(x - c) * (x - c) / (2 * sigma * sigma) + x * wh / (sigma * sigma) - (centre * wh / (sigma * sigma)))
                }
                t += log(integral * dx) + centre * wh / (sigma * sigma)
            }
            terms.append(t)
        }
        let top = terms.max()!
        let logZ = top + log(terms.reduce(0) { $0 + exp($1 - top) })
        XCTAssertEqual(try m.logPartitionFunction(), logZ, accuracy: 1e-8)
        // And the joint energy agrees with the free energy: log Σ_h e^(−E(x, h)) = log p̃(x).
        let x = [0.3, -1.2, 0.7]
        let joint = (0..<16).map { s in -m.energy(x: x, h: (0..<4).map { Double((s >> $0) & 1) }) }
        let jt = joint.max()!
        XCTAssertEqual(m.freeEnergy(Tensor(shape: [1, 3], scalars: x.map(Float.init)))[0],
                       jt + log(joint.reduce(0) { $0 + exp($1 - jt) }), accuracy: 1e-5)
    }

    func testConditionalsAndTemperedGibbsDrawTheMixture() throws {
        let m = Self.model(D: 2, H: 3, seed: 3)
        // p(h_j = 1 | x) from energy differences.
        let x = [0.4, -0.9]
        let ph = m.hiddenProbabilities(Tensor(shape: [1, 2], scalars: x.map(Float.init))).scalars
        for j in 0..<3 {
            var on = [0.0, 0, 0]; on[j] = 1
            let off = [0.0, 0, 0]
            let expected = 1 / (1 + exp(m.energy(x: x, h: on) - m.energy(x: x, h: off)))
            XCTAssertEqual(Double(ph[j]), expected, accuracy: 1e-5)
        }
        // The exact mean of x is Σ_h p(h)(c + Wᵀh); Gibbs chains at β = 1 reach it.
        let (logW, means) = try m.mixtureComponents()
        let logZ = try m.logPartitionFunction()
        var exactMean = [0.0, 0.0]
        for (w, mu) in zip(logW, means) { for i in 0..<2 { exactMean[i] += exp(w - logZ) * mu[i] } }
        var g = Xoshiro256StarStar(seed: 4)
        var mean = [0.0, 0.0]
        let chains = 2000
        for _ in 0..<chains {
            var s = m.initialState(&g)
            for _ in 0..<200 { m.temperedMove(&s, beta: 1, &g) }
            for i in 0..<2 { mean[i] += s[i] / Double(chains) }
        }
        for i in 0..<2 { XCTAssertEqual(mean[i], exactMean[i], accuracy: 0.1) }
        XCTAssertEqual(m.parameterBlocks.map(\.name), ["W", "b", "c", "sigma"])
    }

    /// PyDeep's 2-D example: 4 hidden units on whitened Laplacian mixtures, trained by CD-1 with
    /// PyDeep's learning rates (W and b 1, c 0, σ 0.1), batches of 1000, 50 epochs.
    static func trainPyDeepExample(sampler: any NegativePhaseSampler = ContrastiveDivergence(k: 1)) -> (GaussianBernoulliRBM, Double, Double) {
        let all = LaplaceMixture2D.sample(100_000, seed: 42).data
        let train = all.rows(0..<50_000), test = all.rows(50_000..<100_000)
        var m = GaussianBernoulliRBM(visible: 2, hidden: 4, seed: 42, initScale: 0.5)
        // PyDeep sets b so that each one-hot component has weight 0.1 of the h = 0 component.
        m.setHiddenBiases(componentWeight: 0.1)
        var o = GaussianRBMTrainingOptions()
        o.sampler = sampler
        o.learningRate = 1
        o.visibleBiasLearningRate = 0
        o.sigmaLearningRate = 0.1
        o.batchSize = 1000
        o.epochs = 50
        o.seed = 42
        o.monitorEvery = 10
        var t = GaussianRBMTrainer(options: o)
        _ = t.train(&m, on: train, shouldStop: { false }, progress: { _ in })
        let logZ = (try? m.logPartitionFunction()) ?? .nan
        let ll = (try? m.exactLogLikelihood(test)) ?? .nan
        return (m, logZ, ll)
    }

    func testPyDeep2DExampleReachesTheirTestLogLikelihood() {
        let (m, logZ, ll) = Self.trainPyDeepExample()
        print("GB-RBM 2-D: log Z = \(logZ), test LL = \(ll) (PyDeep: 1.404, −2.736; ICA \(LaplaceMixture2D.icaLogLikelihood), Gaussian \(-log(2 * Double.pi * exp(1.0))))")
        print("σ = \(m.sigma), W = \(m.W), b = \(m.b)")
        XCTAssertGreaterThan(ll, -log(2 * Double.pi * exp(1.0)) + 0.05, "beats one Gaussian")
        XCTAssertEqual(ll, -2.736, accuracy: 0.03)
    }
}

final class GaussianUnitsAndTrainerTests: XCTestCase {
    func testGaussianUnitsImplementTheLayerFunctions() {
        let units = GaussianUnits(sigma: [0.5, 2])
        // Γᵢ(a) = σᵢ²a²/2 + ½ log(2πσᵢ²) = log ∫ e^(ax − x²/(2σᵢ²)) dx, here by quadrature.
        for (i, a) in [(0, 1.3), (1, -0.4)] {
            let s = Double(units.sigma[i])
            var integral = 0.0
            let dx = s / 100
            for k in -4000..<4000 { let x = (Double(k) + 0.5) * dx + a * s * s; integral += exp(a * x - x * x / (2 * s * s)) }
            XCTAssertEqual(units.cumulantGenerating(a, unit: i), log(integral * dx), accuracy: 1e-8)
        }
        XCTAssertEqual(BinaryUnits().cumulantGenerating(0.3, unit: 5), BinaryUnits().cumulantGenerating(0.3))
        // Samples from the means have the units' σ.
        let n = 20_000
        let means = [Float](repeating: 1, count: 2 * n)
        var out = [Float](repeating: 0, count: 2 * n)
        var gens = (0..<n).map { Xoshiro256StarStar.stream(seed: 1, index: UInt64($0)) }
        means.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { o in
                gens.withUnsafeMutableBufferPointer { g in
                    units.sampleFromMeans(m.baseAddress!, into: o.baseAddress!, rows: n, columns: 2, generators: g.baseAddress!)
                }
            }
        }
        for i in 0..<2 {
            let v = (0..<n).map { Double(out[$0 * 2 + i]) }
            let mean = v.reduce(0, +) / Double(n)
            let sd = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
            XCTAssertEqual(mean, 1, accuracy: 0.05)
            XCTAssertEqual(sd, Double(units.sigma[i]), accuracy: 0.03)
        }
        XCTAssertFalse(units.isInSupport(.nan))
        XCTAssertTrue(units.isInSupport(-7))
    }

    func testPCDAndPTTrainingRaiseTheExactLikelihoodAndDivergenceRestores() throws {
        let data = LaplaceMixture2D.sample(4000, seed: 3).data
        for sampler in [PersistentContrastiveDivergence(k: 1), try ParallelTemperingSampler(betas: [0.1, 0.3, 1])] as [any NegativePhaseSampler] {
            var m = GaussianBernoulliRBM(visible: 2, hidden: 3, seed: 1, initScale: 0.5)
            m.setHiddenBiases(componentWeight: 0.1)
            let before = try m.exactLogLikelihood(data)
            var o = GaussianRBMTrainingOptions()
            o.sampler = sampler
            o.learningRate = 0.1
            o.sigmaLearningRate = 0.01
            o.batchSize = 100
            o.epochs = 5
            o.seed = 1
            var t = GaussianRBMTrainer(options: o)
            XCTAssertEqual(t.train(&m, on: data, shouldStop: { false }, progress: { _ in }), .completed(step: 5))
            XCTAssertGreaterThan(try m.exactLogLikelihood(data), before, "\(sampler)")
            XCTAssertEqual(t.history.values("loglik").compactMap { $0 }.count, 5)
        }
        var m = GaussianBernoulliRBM(visible: 2, hidden: 3, seed: 1, initScale: 0.5)
        let start = m
        var o = GaussianRBMTrainingOptions()
        o.learningRate = 1e30
        o.epochs = 3
        var t = GaussianRBMTrainer(options: o)
        guard case .diverged(let d) = t.train(&m, on: data, shouldStop: { false }, progress: { _ in }) else {
            return XCTFail("a learning rate of 1e30 must diverge")
        }
        XCTAssertEqual(d.setting, "lr")
        XCTAssertEqual(m, start, "the model is back at its last good parameters")
    }

    /// 2 epochs and 2 more in a second `train` call are bit-identical to 4 in one call, for CD, PCD
    /// and PT (the shuffle of each epoch starts from 0..<n, the stream carries over).
    func testTwoPlusTwoEpochsAreBitIdenticalToFour() throws {
        let data = LaplaceMixture2D.sample(300, seed: 4).data
        for sampler in [ContrastiveDivergence(k: 1), PersistentContrastiveDivergence(k: 2),
                        try ParallelTemperingSampler(betas: [0.2, 0.5, 1])] as [any NegativePhaseSampler] {
            var o = GaussianRBMTrainingOptions()
            o.sampler = sampler
            o.learningRate = 0.05
            o.sigmaLearningRate = 0.01
            o.batchSize = 32
            o.seed = 7
            let start = GaussianBernoulliRBM(visible: 2, hidden: 3, seed: 1, initScale: 0.5)
            var once = start, split = start
            o.epochs = 4
            var t4 = GaussianRBMTrainer(options: o)
            XCTAssertEqual(t4.train(&once, on: data, shouldStop: { false }, progress: { _ in }), .completed(step: 4))
            o.epochs = 2
            var t2 = GaussianRBMTrainer(options: o)
            _ = t2.train(&split, on: data, shouldStop: { false }, progress: { _ in })
            XCTAssertNotEqual(split.parameterVector, once.parameterVector)
            XCTAssertEqual(t2.train(&split, on: data, shouldStop: { false }, progress: { _ in }), .completed(step: 4))
            XCTAssertEqual(split.parameterVector.map(\.bitPattern), once.parameterVector.map(\.bitPattern), "\(sampler)")
            // The trainers' states too (chains, ladders, stream), all but the measured seconds.
            var state = t2.state
            state.history = t4.state.history
            XCTAssertTrue(state == t4.state, "\(sampler): the trainers' states differ")
            XCTAssertEqual(t2.history.values("loglik"), t4.history.values("loglik"))
        }
    }

    /// The options the binary and Gaussian trainers share are one protocol with one continuation
    /// rule: a different learning rate, batch, seed or ladder starts afresh, more epochs do not.
    func testMinibatchOptionsAreSharedByBothRBMTrainers() throws {
        func check<O: MinibatchTrainingOptions>(_ base: O) throws {
            var more = base
            more.epochs += 10
            more.monitorEvery = 3
            XCTAssertTrue(more.continues(base), "\(O.self): epochs and monitors do not decide the trajectory")
            for change in 0..<4 {
                var other = base
                switch change {
                case 0: other.learningRate *= 2
                case 1: other.batchSize += 1
                case 2: other.seed += 1
                default: other.sampler = try ParallelTemperingSampler(betas: [0.5, 1])
                }
                XCTAssertFalse(other.continues(base), "\(O.self), change \(change)")
                XCTAssertFalse(other.continuesMinibatchSettings(base), "\(O.self), change \(change)")
            }
        }
        try check(RBMTrainingOptions())
        try check(GaussianRBMTrainingOptions())
        var g = GaussianRBMTrainingOptions()
        g.sigmaLearningRate = 0.01
        XCTAssertTrue(g.continuesMinibatchSettings(GaussianRBMTrainingOptions()))
        XCTAssertFalse(g.continues(GaussianRBMTrainingOptions()), "the Gaussian trainer's own settings still count")
    }
}
