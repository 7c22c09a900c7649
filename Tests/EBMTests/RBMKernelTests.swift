import XCTest
@testable import EBM

final class RBMKernelTests: XCTestCase {
    func testFastExpIsWithinAFewUlps() {
        var worst = 0.0, worstX: Float = 0
        var x: Float = -87
        while x < 88 {
            let expected = Foundation.exp(Double(x))
            let got = Double(ElementwiseKernels.exp(x))
            let ulp = Double(Float(expected).ulp)
            let err = abs(got - expected) / ulp
            if err > worst { (worst, worstX) = (err, x) }
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3, "worst error \(worst) ulp at x = \(worstX)")
        XCTAssertEqual(ElementwiseKernels.exp(0), 1)
        XCTAssertTrue(ElementwiseKernels.exp(1000).isFinite)
        XCTAssertGreaterThan(ElementwiseKernels.exp(-1000), 0)
    }

    func testSigmoidAddingBias() {
        var z: [Float] = [0, 1, -1, 30, -30, 2]
        let bias: [Float] = [0, 1, -2]
        z.withUnsafeMutableBufferPointer { zp in
            bias.withUnsafeBufferPointer { ElementwiseKernels.sigmoidAddingBias(zp.baseAddress!, rows: 2, columns: 3, bias: $0.baseAddress!) }
        }
        let expected = [0.0, 2, -3, 30, -29, 0].map { (z: Double) -> Double in 1 / (1 + Foundation.exp(-z)) }
        for (a, b) in zip(z, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
    }

    func testSoftplusAndLogSigmoidAreStable() {
        XCTAssertEqual(ElementwiseKernels.softplus(800.0), 800, accuracy: 1e-12)
        XCTAssertEqual(ElementwiseKernels.softplus(-800.0), 0)
        XCTAssertEqual(ElementwiseKernels.softplus(-40.0), Foundation.exp(-40.0), accuracy: 1e-30)
        XCTAssertEqual(ElementwiseKernels.softplus(0.0), log(2.0), accuracy: 1e-15)
        XCTAssertEqual(ElementwiseKernels.logSigmoid(-800), -800, accuracy: 1e-12)
        XCTAssertEqual(ElementwiseKernels.sigmoid(-800.0), 0)
        XCTAssertEqual(ElementwiseKernels.sigmoid(800.0), 1)
    }

    func testLogSumExp() {
        let v: [Double] = [1000, 1000, 999]
        let expected = 1000 + log(2 + Foundation.exp(Double(-1)))
        XCTAssertEqual(v.withUnsafeBufferPointer { ElementwiseKernels.logSumExp($0) }, expected, accuracy: 1e-12)
        XCTAssertEqual([Double]().withUnsafeBufferPointer { ElementwiseKernels.logSumExp($0) }, -.infinity)
        var acc = LogSumExpAccumulator()
        [[-5.0, 2.0], [700.0], [699.0, -1e9]].forEach { block in block.withUnsafeBufferPointer { acc.add($0) } }
        XCTAssertEqual(acc.value, 700 + log(1 + Foundation.exp(Double(-1))), accuracy: 1e-12)
    }

    func testBernoulliSamplingFrequenciesAndStreams() {
        let rows = 4, columns = 5001
        let p: [Float] = (0..<(rows * columns)).map { Float($0 % 5) / 4 }   // 0, ¼, ½, ¾, 1
        var out = [Float](repeating: -1, count: p.count)
        var gens = (0..<rows).map { Xoshiro256StarStar.stream(seed: 9, index: UInt64($0)) }
        p.withUnsafeBufferPointer { pp in out.withUnsafeMutableBufferPointer { op in gens.withUnsafeMutableBufferPointer { g in
            ElementwiseKernels.sampleBernoulli(probabilities: pp.baseAddress!, into: op.baseAddress!, rows: rows, columns: columns, generators: g.baseAddress!)
        } } }
        XCTAssertTrue(out.allSatisfy { $0 == 0 || $0 == 1 })
        for level in 0..<5 {
            let picks = out.indices.filter { $0 % 5 == level }
            let freq = Double(picks.reduce(0) { $0 + Int(out[$1]) }) / Double(picks.count)
            XCTAssertEqual(freq, Double(level) / 4, accuracy: 0.02, "p = \(Double(level) / 4)")
        }
        // Row 2 alone, from its own stream, draws the same samples.
        var alone = [Float](repeating: -1, count: columns)
        var g2 = [Xoshiro256StarStar.stream(seed: 9, index: 2)]
        p.withUnsafeBufferPointer { pp in alone.withUnsafeMutableBufferPointer { op in g2.withUnsafeMutableBufferPointer { g in
            ElementwiseKernels.sampleBernoulli(probabilities: pp.baseAddress! + 2 * columns, into: op.baseAddress!, rows: 1, columns: columns, generators: g.baseAddress!)
        } } }
        XCTAssertEqual(alone, Array(out[(2 * columns)..<(3 * columns)]))
    }

    func testNonFiniteFlag() {
        for x: Float in [0, -0, 1, -1e38, .greatestFiniteMagnitude, .leastNonzeroMagnitude] {
            XCTAssertEqual(ElementwiseKernels.nonFiniteFlag(x), 0, "\(x)")
        }
        for x: Float in [.nan, .infinity, -.infinity, .signalingNaN] {
            XCTAssertNotEqual(ElementwiseKernels.nonFiniteFlag(x), 0, "\(x)")
        }
    }
}
