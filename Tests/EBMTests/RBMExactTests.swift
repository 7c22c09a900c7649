import XCTest
@testable import EBM

/// Exact quantities of tiny RBMs against brute force over all (x, h) pairs.
final class RBMExactTests: XCTestCase {
    static let shapes: [(visible: Int, hidden: Int)] = [(1, 1), (3, 2), (2, 3), (4, 4), (5, 3), (3, 6), (7, 5)]

    func testLogZOverVisibleEqualsLogZOverHiddenEqualsBruteForce() throws {
        for (k, s) in Self.shapes.enumerated() {
            let m = RBMFixtures.machine(visible: s.visible, hidden: s.hidden, seed: UInt64(k), scale: 1.5)
            let overVisible = try m.logPartitionFunction(enumerating: .visible)
            let overHidden = try m.logPartitionFunction(enumerating: .hidden)
            let brute = RBMBruteForce(rbm: m).logZ
            XCTAssertEqual(overVisible, overHidden, accuracy: 1e-10, "\(s): over x \(overVisible), over h \(overHidden)")
            XCTAssertEqual(overHidden, brute, accuracy: 1e-10, "\(s): over h \(overHidden), brute \(brute)")
            XCTAssertEqual(try m.logPartitionFunction(), brute, accuracy: 1e-10)
        }
    }

    func testLogZOfTheZeroMachineCountsStates() throws {
        let m = RestrictedBoltzmannMachine(W: [Float](repeating: 0, count: 12), b: [0, 0, 0], c: [0, 0, 0, 0])
        XCTAssertEqual(try m.logPartitionFunction(), 7 * log(2.0), accuracy: 1e-12)
    }

    func testLogZAcrossSeveralBlocksOfStates() throws {
        // 14 hidden units: 2^14 states = 4 blocks of 2^12 through BLAS; brute force over h only.
        let m = RBMFixtures.machine(visible: 15, hidden: 14, seed: 5, scale: 0.3)
        let overHidden = try m.logPartitionFunction(enumerating: .hidden)
        let overVisible = try m.logPartitionFunction(enumerating: .visible)
        XCTAssertEqual(overHidden, overVisible, accuracy: 1e-9 * abs(overHidden))
    }

    func testEnergyMatchesTheDefinition() {
        let m = RBMFixtures.machine(visible: 4, hidden: 3, seed: 2)
        let x: [Float] = [1, 0, 1, 1], h: [Float] = [0, 1, 1]
        let expected = -RBMBruteForce(rbm: m).negativeEnergy(x.map(Double.init), h.map(Double.init))
        XCTAssertEqual(m.energy(x: x, h: h), expected, accuracy: 1e-12)
    }

    func testConditionalsMatchBruteForceMarginals() {
        let m = RBMFixtures.machine(visible: 4, hidden: 3, seed: 3)
        let brute = RBMBruteForce(rbm: m)
        let X = Tensor(shape: [16, 4], scalars: (0..<16).flatMap { RBMBruteForce.state($0, 4).map(Float.init) })
        let ph = m.hiddenProbabilities(X)
        for r in 0..<16 {
            let expected = brute.hiddenConditional(RBMBruteForce.state(r, 4))
            for j in 0..<3 { XCTAssertEqual(Double(ph.scalars[r * 3 + j]), expected[j], accuracy: 2e-6, "x = \(r), j = \(j)") }
        }
        let Hm = Tensor(shape: [8, 3], scalars: (0..<8).flatMap { RBMBruteForce.state($0, 3).map(Float.init) })
        let px = m.visibleProbabilities(Hm)
        for r in 0..<8 {
            let expected = brute.visibleConditional(RBMBruteForce.state(r, 3))
            for i in 0..<4 { XCTAssertEqual(Double(px.scalars[r * 4 + i]), expected[i], accuracy: 2e-6, "h = \(r), i = \(i)") }
        }
    }

    func testSigmoidSaturatesWithoutNaN() {
        let m = RestrictedBoltzmannMachine(W: [200, -200], b: [0], c: [0, 0])
        let ph = m.hiddenProbabilities(Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]))
        XCTAssertEqual(ph.scalars[0], 1, accuracy: 1e-7)
        XCTAssertEqual(ph.scalars[1], 0, accuracy: 1e-7)
        XCTAssertTrue(ph.scalars.allSatisfy { $0.isFinite })
    }

    func testFreeEnergyIsTheLogOfTheUnnormalisedMarginal() {
        let m = RBMFixtures.machine(visible: 5, hidden: 4, seed: 4)
        let brute = RBMBruteForce(rbm: m)
        let X = Tensor(shape: [32, 5], scalars: (0..<32).flatMap { RBMBruteForce.state($0, 5).map(Float.init) })
        let f = m.freeEnergy(X)
        for r in 0..<32 {
            XCTAssertEqual(f[r], brute.logUnnormalisedMarginal(RBMBruteForce.state(r, 5)), accuracy: 1e-5)
        }
    }

    func testExactLogLikelihoodMatchesBruteForce() throws {
        for (k, s) in Self.shapes.enumerated() {
            let m = RBMFixtures.machine(visible: s.visible, hidden: s.hidden, seed: UInt64(10 + k))
            let data = RBMFixtures.data(rows: 9, visible: s.visible, seed: UInt64(k))
            let expected = RBMBruteForce(rbm: m).logLikelihood(RBMFixtures.rows(data))
            XCTAssertEqual(try m.exactLogLikelihood(data), expected, accuracy: 1e-10, "\(s)")
        }
    }

    /// ∂/∂θ of the mean log-likelihood against (f(θ + δ) − f(θ − δ)) / 2δ, for every parameter,
    /// with both the hidden-layer and the visible-layer enumeration.
    func testExactGradientMatchesCentralFiniteDifferences() throws {
        for (k, s) in [(3, 2), (2, 4), (4, 4), (5, 3)].enumerated() {
            let m = RBMFixtures.machine(visible: s.0, hidden: s.1, seed: UInt64(20 + k))
            let data = RBMFixtures.data(rows: 7, visible: s.0, seed: UInt64(30 + k))
            let g = try m.exactGradient(data)
            func check(_ path: WritableKeyPath<RestrictedBoltzmannMachine, [Float]>, _ analytic: [Double], _ name: String) throws {
                for p in analytic.indices {
                    var plus = m, minus = m
                    plus[keyPath: path][p] += 1e-3
                    minus[keyPath: path][p] -= 1e-3
                    let step = Double(plus[keyPath: path][p]) - Double(minus[keyPath: path][p])
                    let numeric = (try plus.exactLogLikelihood(data) - minus.exactLogLikelihood(data)) / step
                    XCTAssertEqual(analytic[p], numeric, accuracy: 1e-6, "\(s) \(name)[\(p)]: analytic \(analytic[p]), numeric \(numeric)")
                }
            }
            try check(\.W, g.W, "W")
            try check(\.b, g.b, "b")
            try check(\.c, g.c, "c")
        }
    }

    func testEnumerationAboveTheLimitThrowsWithAdvice() {
        let m = RestrictedBoltzmannMachine(visible: 30, hidden: 26, seed: 1)
        XCTAssertThrowsError(try m.logPartitionFunction()) { error in
            XCTAssertEqual(error as? EnumerationTooLarge, EnumerationTooLarge(exponent: 26, limit: 25))
            let message = "\(error)"
            XCTAssertTrue(message.contains("2^26") && message.contains("annealed importance sampling"), message)
            XCTAssertTrue(message.contains("pseudo-log-likelihood"), message)
        }
        XCTAssertThrowsError(try m.exactLogLikelihood(Tensor(shape: [1, 30])))
        // Forcing the larger layer is refused too.
        let wide = RestrictedBoltzmannMachine(visible: 26, hidden: 2, seed: 1)
        XCTAssertNoThrow(try wide.logPartitionFunction())
        XCTAssertThrowsError(try wide.logPartitionFunction(enumerating: .visible))
    }

    func testParameterCount() {
        XCTAssertEqual(RestrictedBoltzmannMachine(visible: 784, hidden: 500, seed: 0).parameterCount, 784 * 500 + 784 + 500)
    }

    func testInitialWeightsHaveTheRequestedScale() {
        let m = RestrictedBoltzmannMachine(visible: 100, hidden: 100, seed: 3, initScale: 0.01)
        let mean = m.W.reduce(0.0) { $0 + Double($1) } / 10_000
        let sd = (m.W.reduce(0.0) { $0 + Double($1) * Double($1) } / 10_000).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.0005)
        XCTAssertEqual(sd, 0.01, accuracy: 0.0005)
        XCTAssertTrue(m.b.allSatisfy { $0 == 0 } && m.c.allSatisfy { $0 == 0 })
        XCTAssertEqual(m, RestrictedBoltzmannMachine(visible: 100, hidden: 100, seed: 3, initScale: 0.01))
    }
}
