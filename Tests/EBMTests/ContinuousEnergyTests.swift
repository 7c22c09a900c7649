import XCTest
@testable import EBM

/// Neural energies, Langevin dynamics and score matching against exact answers.
final class ContinuousEnergyTests: XCTestCase {
    /// Reverse mode against central differences, for ∇ₓE and for ∇θE.
    func testNeuralEnergyGradientsMatchFiniteDifferences() {
        for activation in Activation.allCases where activation != .relu {
            let e = NeuralEnergy(dims: [3, 8, 5, 1], activation: activation, seed: 7)
            let x: [Float] = [0.3, -0.7, 1.1, -0.2, 0.5, 0.9]
            let (_, gx) = e.energiesAndGradients(x, rows: 2)
            let h: Float = 1e-2
            for k in x.indices {
                var plus = x, minus = x
                plus[k] += h; minus[k] -= h
                let numeric = (e.energies(plus, rows: 2)[k / 3] - e.energies(minus, rows: 2)[k / 3]) / (2 * h)
                XCTAssertEqual(gx[k], numeric, accuracy: 2e-3 * max(1, abs(numeric)), "\(activation) ∂E/∂x[\(k)]")
            }
            let (_, gθ) = e.parameterGradient(x, rows: 2, weights: [1, 1])
            var θ = e.network.parameterVector
            for k in stride(from: 0, to: θ.count, by: 7) {
                let saved = θ[k]
                var copy = e
                θ[k] = saved + h; copy.network.setParameterVector(θ)
                let up = copy.energies(x, rows: 2).reduce(0, +)
                θ[k] = saved - h; copy.network.setParameterVector(θ)
                let down = copy.energies(x, rows: 2).reduce(0, +)
                θ[k] = saved
                XCTAssertEqual(gθ[k], (up - down) / (2 * h), accuracy: 2e-3 * max(1, abs(gθ[k])), "\(activation) ∂E/∂θ[\(k)]")
            }
        }
    }

    func testMALARecoversACorrelatedGaussianAndLargeULAStepsDoNot() throws {
        let g = try GaussianEnergy(mean: [1, -1], covariance: [1, 0.8, 0.8, 1])
        var settings = LangevinSettings()
        settings.steps = 1000
        settings.stepSize = 0.5
        settings.adjusted = true
        settings.seed = 3
        let chains = 2000
        let start = [Float](repeating: 0, count: chains * 2)
        let mala = LangevinDynamics.run(g, start: start, chains: chains, settings: settings)
        let m = LangevinDynamics.moments(mala.final, chains: chains, dimension: 2)
        for i in 0..<2 {
            XCTAssertLessThan(abs(m.mean[i] - g.exactMean[i]), 4 * m.meanSE[i])
            XCTAssertLessThan(abs(m.std[i] - g.exactStd[i]), 4 * m.stdSE[i])
        }
        XCTAssertGreaterThan(mala.acceptanceRate ?? 0, 0.3)
        settings.adjusted = false
        let ula = LangevinDynamics.run(g, start: start, chains: chains, settings: settings)
        let u = LangevinDynamics.moments(ula.final, chains: chains, dimension: 2)
        XCTAssertGreaterThan(u.std[0] - g.exactStd[0], 3 * u.stdSE[0], "ULA's O(ε) bias widens the spread at ε = 0.5")
    }

    func testClosedFormMoments() {
        let ring = MixtureEnergy.ring()
        XCTAssertEqual(ring.exactStd[0], (0.01 + 2.0).squareRoot(), accuracy: 1e-12, "E[x²] = σ² + r²/2 on the ring")
        let w = DoubleWellEnergy(barrier: 3)
        XCTAssertGreaterThan(w.exactStd[0], 0.9)
        XCTAssertLessThan(w.exactStd[0], 1)
        // The mixture's blurred score at σ → 0 is its own score.
        let x: [Float] = [1.9, 0.1]
        let exact = ring.energiesAndGradients(x, rows: 1).gradients.map { -$0 }
        let blurred = ring.blurredScores(x, rows: 1, sigma: 1e-4)
        for i in 0..<2 { XCTAssertEqual(blurred[i], exact[i], accuracy: 1e-3) }
    }

    /// Implicit and denoising score matching reach the Gaussian's score (003 §13.1.2's claim
    /// that the surrogate can be optimised through either form).
    func testImplicitAndDenoisingScoreMatchingFindTheSameGaussianScore() throws {
        var g = Xoshiro256StarStar(seed: 11)
        // x = μ + L z with L the Cholesky factor of [[1, 0.8], [0.8, 1]].
        let n = 4000
        var data = [Float](repeating: 0, count: 2 * n)
        for r in 0..<n {
            let (z1, z2) = (g.nextNormal(), g.nextNormal())
            data[2 * r] = Float(1 + z1)
            data[2 * r + 1] = Float(-1 + 0.8 * z1 + 0.6 * z2)
        }
        var ism = ScoreModel(dimension: 2, hidden: [], seed: 1)
        var options = ScoreMatchingOptions()
        options.objective = .implicit
        options.iterations = 2000
        options.batchSize = 256
        options.learningRate = 0.01
        var trainer = ScoreMatchingTrainer(options: options)
        _ = trainer.train(&ism, on: data, rows: n)
        var dsm = ScoreModel(dimension: 2, hidden: [], sigmas: [0.1], seed: 1)
        options.objective = .denoising
        options.iterations = 4000
        options.batchSize = 1000
        options.learningRate = 0.002
        trainer = ScoreMatchingTrainer(options: options)
        _ = trainer.train(&dsm, on: data, rows: n)
        let points: [Float] = [0, 0, 2, 0, -1, 1]
        let exact = try GaussianEnergy(mean: [1, -1], covariance: [1, 0.8, 0.8, 1]).score(points, rows: 3)
        let a = ism.scores(points, rows: 3, sigma: [1, 1, 1])
        let b = dsm.scores(points, rows: 3, sigma: [0.1, 0.1, 0.1])
        for k in exact.indices {
            XCTAssertEqual(a[k], exact[k], accuracy: 0.1 * max(1, abs(exact[k])), "ISM at \(k)")
            XCTAssertEqual(b[k], exact[k], accuracy: 0.15 * max(1, abs(exact[k])), "DSM at \(k)")
        }
    }

    func testAnnealingGetsTheMixtureWeightsThatPlainLangevinMisses() throws {
        let two = MixtureEnergy(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])
        var g = Xoshiro256StarStar(seed: 1)
        let chains = 1000
        let start = (0..<(2 * chains)).map { _ in Float(8 * g.nextUnitDouble() - 4) }
        func leftShare(_ x: [Float]) -> Double { Double((0..<chains).filter { x[2 * $0] < 0 }.count) / Double(chains) }
        let plain = try XCTUnwrap(AnnealedLangevin.sample(dimension: 2, ladder: [0.05], start: start, chains: chains, stepsPerLevel: 2000,
                                                          stepSize: 0.002, seed: 1) { two.blurredScores($0, rows: $1, sigma: $2) })
        let annealed = try XCTUnwrap(AnnealedLangevin.sample(dimension: 2, ladder: ScoreModel.geometricLadder(from: 5, to: 0.05, levels: 10),
                                                             start: start, chains: chains, stepsPerLevel: 100, stepSize: 0.0002, seed: 1) { two.blurredScores($0, rows: $1, sigma: $2) })
        XCTAssertLessThan(leftShare(plain), 0.65, "plain Langevin keeps the split of the starts")
        XCTAssertEqual(leftShare(annealed), 0.8, accuracy: 0.05)
    }

    func testPlaneDataAreWhereTheySayAndReproducible() {
        let ring = PlaneData.ring.sample(1000, seed: 2)
        XCTAssertEqual(ring, PlaneData.ring.sample(1000, seed: 2))
        var radius = 0.0
        for r in 0..<1000 {
            let (x, y) = (Double(ring[2 * r]), Double(ring[2 * r + 1]))
            radius += (x * x + y * y).squareRoot() / 1000
        }
        XCTAssertEqual(radius, 2, accuracy: 0.05)
        let board = PlaneData.checkerboard.sample(500, seed: 1)
        for r in 0..<500 {
            let column = Int((board[2 * r] + 2).rounded(.down)), row = Int((board[2 * r + 1] + 2).rounded(.down))
            XCTAssertEqual((column + row) % 2, 0)
        }
    }
}
