import XCTest
@testable import EBM

/// The fully visible Boltzmann machine against brute force written from its definition.
final class BoltzmannMachineTests: XCTestCase {
    private func allStates(_ n: Int) -> [[Double]] {
        (0..<(1 << n)).map { s in (0..<n).map { Double((s >> $0) & 1) } }
    }

    private func machine(_ n: Int, seed: UInt64) -> FullyVisibleBoltzmannMachine {
        var m = FullyVisibleBoltzmannMachine(units: n, seed: seed, initScale: 0.8)
        var g = Xoshiro256StarStar(seed: seed + 100)
        for i in 0..<n { m.b[i] = g.nextUnitDouble() - 0.5 }
        return m
    }

    func testEnergyIsTheDoubleSumOverPairs() {
        let m = machine(5, seed: 1)
        let x: [Double] = [1, 0, 1, 1, 0]
        var expected = 0.0
        for i in 0..<5 { for j in 0..<5 { expected -= 0.5 * m.weight(i, j) * x[i] * x[j] } }
        for i in 0..<5 { expected -= m.b[i] * x[i] }
        XCTAssertEqual(m.energy(x), expected, accuracy: 1e-12)
    }

    func testGrayCodeLogZMatchesBruteForce() throws {
        for n in [1, 2, 7, 10] {
            let m = machine(n, seed: UInt64(n))
            let brute = log(allStates(n).reduce(0) { $0 + exp(-m.energy($1)) })
            XCTAssertEqual(try m.logPartitionFunction(), brute, accuracy: 1e-9, "n = \(n)")
        }
    }

    func testModelExpectationMatchesBruteForce() throws {
        let m = machine(6, seed: 3)
        let logZ = try m.logPartitionFunction()
        var expected = [Double](repeating: 0, count: m.parameterCount)
        for x in allStates(6) {
            let p = exp(-m.energy(x) - logZ)
            let g = m.gradientOfLogUnnormalized(x)
            for k in expected.indices { expected[k] += p * g[k] }
        }
        let got = try m.modelExpectation()
        for k in expected.indices { XCTAssertEqual(got[k], expected[k], accuracy: 1e-12, m.parameterName(k)) }
    }

    func testParameterVectorRoundTripsAndNamesMatchIndices() {
        let m = machine(6, seed: 4)
        XCTAssertEqual(FullyVisibleBoltzmannMachine(units: 6, parameterVector: m.parameterVector), m)
        XCTAssertEqual(m.parameterName(m.weightIndex(2, 4)), "W[2,4]")
        XCTAssertEqual(m.parameterName(m.weightIndex(4, 2)), "W[2,4]")
        XCTAssertEqual(m.parameterName(m.biasIndex(5)), "b[5]")
        XCTAssertEqual(m.parameterVector[m.weightIndex(1, 3)], m.weight(1, 3))
    }

    func testTooManyUnitsToEnumerateThrows() {
        let m = FullyVisibleBoltzmannMachine(units: 30, seed: 1)
        XCTAssertThrowsError(try m.logPartitionFunction()) { error in
            XCTAssertEqual((error as? EnumerationTooLarge)?.exponent, 30)
        }
    }

    /// Long single-site Gibbs chains reproduce the exact marginals E_p[xᵢ] within 4 standard errors.
    func testGibbsChainsReachTheExactMarginals() throws {
        let m = machine(6, seed: 5)
        let exact = Array(try m.modelExpectation().suffix(6))   // E_p[xᵢ]
        var chains = BoltzmannGibbsChain(m, count: 40, seed: 9)
        for _ in 0..<100 { chains.sweep(m) }
        var perChain = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 40)
        for _ in 0..<500 {
            chains.sweep(m)
            for c in 0..<40 { for i in 0..<6 { perChain[c][i] += chains.states[c][i] / 500 } }
        }
        let (mean, se) = chainMeans(perChain)
        for i in 0..<6 {
            XCTAssertLessThan(abs(mean[i] - exact[i]), 4 * se[i] + 1e-3, "unit \(i): \(mean[i]) vs \(exact[i]) ± \(se[i])")
        }
    }

    func testExactTrainingClimbsTheLikelihoodAndShrinksTheGradient() throws {
        let data = Dataset.barsAndStripes(2).examples
        var m = FullyVisibleBoltzmannMachine(units: 4, seed: 2, initScale: 0.1)
        var options = BoltzmannTrainingOptions()
        options.learningRate = 0.2
        options.epochs = 200
        options.monitorEvery = 50
        var trainer = BoltzmannTrainer(options: options)
        let before = try m.exactLogLikelihood(data)
        XCTAssertEqual(trainer.train(&m, on: data), .completed(step: 200))
        let lls = trainer.history.values("loglik").compactMap { $0 }
        XCTAssertEqual(lls.count, 4)
        XCTAssertGreaterThan(lls[0], before)
        for (a, b) in zip(lls, lls.dropFirst()) { XCTAssertGreaterThan(b, a, "full-batch ascent with the exact gradient and a small step climbs") }
        let norms = trainer.history.values("grad_norm").compactMap { $0 }
        XCTAssertLessThan(norms.last!, norms.first!)
    }

    func testPersistentChainsTrainToo() throws {
        let data = Dataset.barsAndStripes(2).examples
        var m = FullyVisibleBoltzmannMachine(units: 4, seed: 2, initScale: 0.1)
        var options = BoltzmannTrainingOptions()
        options.negativePhase = .persistent(sweeps: 1, chains: 50)
        options.learningRate = 0.1
        options.epochs = 200
        var trainer = BoltzmannTrainer(options: options)
        let before = try m.exactLogLikelihood(data)
        _ = trainer.train(&m, on: data)
        XCTAssertGreaterThan(try m.exactLogLikelihood(data), before + 0.3)
    }

    func testDivergenceRestoresTheLastGoodModel() {
        let data = Dataset.barsAndStripes(2).examples
        var m = FullyVisibleBoltzmannMachine(units: 4, seed: 2, initScale: 0.1)
        var options = BoltzmannTrainingOptions()
        options.learningRate = .infinity
        options.epochs = 3
        var trainer = BoltzmannTrainer(options: options)
        let start = m
        guard case .diverged(let d) = trainer.train(&m, on: data), d.step == 1, d.restoredStep == 0 else {
            return XCTFail("an infinite step must diverge in the first epoch")
        }
        XCTAssertEqual(m, start)
    }
}
