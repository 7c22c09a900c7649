import Foundation
import Glibc
import XCTest
@testable import EBM

/// `VectorMath` against Glibc: e^x over the whole float range (every 1021st bit pattern, both
/// signs, ±∞ and NaN), ln, σ, softplus and swish, lanes against the scalar versions, and the
/// bulk Bernoulli sampler against the one-draw-at-a-time stream it replaced.
final class VectorMathTests: XCTestCase {
    /// Distance of y from the correctly rounded e^x (Glibc's double `exp`, rounded to float) in
    /// units in the last place of that reference; for subnormal references in units of the
    /// smallest subnormal.
    private func ulps(_ y: Float, reference: Float) -> Double {
        if y == reference { return 0 }
        let unit = reference.isNormal ? Double(reference.ulp) : Double(Float.leastNonzeroMagnitude)
        return abs(Double(y) - Double(reference)) / unit
    }

    /// Every 1021st float bit pattern (about 4.2 million values, all exponents, both signs).
    private func sampledFloats(_ body: (Float) -> Void) {
        var bits: UInt64 = 0
        while bits <= UInt64(UInt32.max) {
            body(Float(bitPattern: UInt32(bits)))
            bits += 1021
        }
    }

    /// Full-range e^x: within 2 ulp of the correctly rounded value wherever that is a normal
    /// float (measured: at most 1 ulp here, max relative error below 1.2 · 10⁻⁷), within one
    /// subnormal step below, +∞ from ln(FLT_MAX) up, 0 far below, NaN for NaN, and never further
    /// than Glibc's own `expf` by more than 2 ulp.
    func testExpMatchesGlibcOverTheWholeFloatRange() {
        var worst = 0.0, worstRelative = 0.0, worstAt: Float = 0
        sampledFloats { x in
            let y = VectorMath.exp(x)
            let reference = Float(Foundation.exp(Double(x)))
            if x.isNaN { XCTAssertTrue(y.isNaN, "exp(NaN)"); return }
            if reference.isInfinite { XCTAssertEqual(y, .infinity, "exp(\(x))"); return }
            let e = ulps(y, reference: reference)
            if e > worst { worst = e; worstAt = x }
            if reference.isNormal { worstRelative = max(worstRelative, abs(Double(y) / Double(reference) - 1)) }
            XCTAssertLessThanOrEqual(ulps(y, reference: Glibc.expf(x)), 3, "against expf at \(x)")
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst at x = \(worstAt)")
        XCTAssertLessThan(worstRelative, 2.4e-7)
        print("VectorMath.exp: worst \(worst) ulp at \(worstAt), max relative error \(worstRelative) on normal results")
        XCTAssertEqual(VectorMath.exp(0), 1)
        XCTAssertEqual(VectorMath.exp(Float.infinity), .infinity)
        XCTAssertEqual(VectorMath.exp(-Float.infinity), 0)
        XCTAssertTrue(VectorMath.exp(Float.nan).isNaN)
        XCTAssertEqual(VectorMath.exp(89), .infinity)
        let nearMax: Float = 88.72, atNearMax = Float(Foundation.exp(Double(nearMax)))
        XCTAssertEqual(VectorMath.exp(nearMax), atNearMax, accuracy: 2 * atNearMax.ulp)
        XCTAssertEqual(VectorMath.exp(-104), 0)
        XCTAssertEqual(VectorMath.exp(-Float.greatestFiniteMagnitude), 0)
        XCTAssertEqual(VectorMath.exp(Float.leastNonzeroMagnitude), 1)
        XCTAssertEqual(VectorMath.exp(-Float.leastNonzeroMagnitude), 1)
    }

    /// The exponential σ, softplus and swish use: the same accuracy on [−87.3, 88.3], clamped
    /// (finite, positive, never 0 or ∞) outside, NaN for NaN.
    func testSaturatingExpMatchesGlibcOnItsRangeAndClampsOutside() {
        var worst = 0.0
        sampledFloats { x in
            let y = VectorMath.saturatingExp(x)
            if x.isNaN { XCTAssertTrue(y.isNaN); return }
            if x >= -87.3 && x <= 88.3 {
                worst = max(worst, ulps(y, reference: Float(Foundation.exp(Double(x)))))
            } else {
                XCTAssertTrue(y.isFinite && y > 0, "saturatingExp(\(x)) = \(y)")
                XCTAssertEqual(y, VectorMath.saturatingExp(x < 0 ? -87.3 : 88.3))
            }
        }
        XCTAssertLessThanOrEqual(worst, 2)
        XCTAssertEqual(VectorMath.saturatingExp(Float.infinity), VectorMath.saturatingExp(88.3))
        XCTAssertEqual(VectorMath.saturatingExp(-Float.infinity), VectorMath.saturatingExp(-87.3))
    }

    /// ln on positive normal floats: within 2 ulp of the correctly rounded value (1 ulp absolute
    /// near x = 1, where ln x → 0 and a relative bound means nothing).
    func testLnMatchesGlibcOnPositiveNormals() {
        var worst = 0.0
        sampledFloats { x in
            guard x.isNormal && x > 0 else { return }
            let reference = Float(Foundation.log(Double(x)))
            let y = VectorMath.ln(x)
            let e = abs(reference) < 1 ? abs(Double(y) - Double(reference)) / Double(Float.ulpOfOne) : ulps(y, reference: reference)
            worst = max(worst, e)
        }
        XCTAssertLessThanOrEqual(worst, 2)
    }

    /// expm1 and log1p against Glibc's float64 functions rounded to float, on every sampled float
    /// in their domains (log1p: x > −1): within 4 ulp (absolute, in units of the smallest normal's
    /// ulp, where the value is subnormal), both sides of the switch between polynomial and
    /// exp/ln exercised, and the ends of expm1.
    func testExpm1AndLog1pMatchGlibc() {
        var worstExpm1 = 0.0, worstLog1p = 0.0
        sampledFloats { x in
            guard x.isFinite, abs(x) < 80 else { return }
            let reference = Float(Foundation.expm1(Double(x)))
            let y = VectorMath.expm1(x)
            worstExpm1 = max(worstExpm1, reference.isNormal ? ulps(y, reference: reference)
                                : abs(Double(y) - Double(reference)) / Double(Float.leastNormalMagnitude.ulp))
            guard x > -1 else { return }
            let reference1p = Float(Foundation.log1p(Double(x)))
            let z = VectorMath.log1p(x)
            worstLog1p = max(worstLog1p, reference1p.isNormal ? ulps(z, reference: reference1p)
                                : abs(Double(z) - Double(reference1p)) / Double(Float.leastNormalMagnitude.ulp))
        }
        XCTAssertLessThanOrEqual(worstExpm1, 4)
        XCTAssertLessThanOrEqual(worstLog1p, 4)
        XCTAssertEqual(VectorMath.expm1(0), 0)
        XCTAssertEqual(VectorMath.log1p(0), 0)
        XCTAssertEqual(VectorMath.expm1(-100), -1)
        XCTAssertEqual(VectorMath.expm1(100), .infinity)
        // A vector mixing lanes on both sides of each switch gives each lane its scalar value.
        let mixed = SIMD8<Float>(1e-7, -0.3, 0.36, -2, 0.05, 0.07, -0.9, 30)
        let e = VectorMath.expm1(mixed), l = VectorMath.log1p(mixed)
        for i in 0..<8 {
            XCTAssertEqual(e[i], VectorMath.expm1(mixed[i]))
            XCTAssertEqual(l[i], VectorMath.log1p(mixed[i]))
        }
    }

    /// The sixteen-lane functions (the AVX-512 sweeps) equal the eight-lane ones lane for lane,
    /// over the sampled floats, saturation and NaN included.
    func testWideLanesEqualEightLanes() {
        var values: [Float] = []
        sampledFloats { values.append($0) }
        values += [0, -0, .infinity, -.infinity, .nan, 88.3, -87.3, 100, -100]
        var k = 0
        while k + 16 <= values.count {
            let wide = VectorMath.Wide((0..<16).map { values[k + $0] })
            let exp = VectorMath.saturatingExp(wide), sigmoid = VectorMath.sigmoid(wide)
            let swish = VectorMath.swishAndDerivative(wide)
            for half in 0..<2 {
                let narrow = SIMD8<Float>((0..<8).map { values[k + 8 * half + $0] })
                let e = VectorMath.saturatingExp(narrow), s = VectorMath.sigmoid(narrow)
                let w = VectorMath.swishAndDerivative(narrow)
                for i in 0..<8 {
                    XCTAssertEqual(exp[8 * half + i].bitPattern, e[i].bitPattern, "exp(\(narrow[i]))")
                    XCTAssertEqual(sigmoid[8 * half + i].bitPattern, s[i].bitPattern, "σ(\(narrow[i]))")
                    XCTAssertEqual(swish.value[8 * half + i].bitPattern, w.value[i].bitPattern, "swish(\(narrow[i]))")
                    XCTAssertEqual(swish.derivative[8 * half + i].bitPattern, w.derivative[i].bitPattern, "swish′(\(narrow[i]))")
                }
            }
            k += 16
        }
    }

    /// σ, softplus and swish against float64 references, and their saturation.
    func testSigmoidSoftplusSwishAccuracyAndSaturation() {
        var x: Float = -120
        while x <= 120 {
            let s = 1 / (1 + Foundation.exp(-Double(x)))
            XCTAssertEqual(Double(VectorMath.sigmoid(x)), s, accuracy: 3e-7 * s + 1e-38, "σ(\(x))")
            let softplus = max(Double(x), 0) + Foundation.log1p(Foundation.exp(-abs(Double(x))))
            XCTAssertEqual(Double(VectorMath.softplus(x)), softplus, accuracy: 4e-7 * softplus + 1e-37, "softplus(\(x))")
            let (value, derivative) = VectorMath.swishAndDerivative(x)
            XCTAssertEqual(Double(value), Double(x) * s, accuracy: 3e-7 * abs(Double(x) * s) + 1e-36, "swish(\(x))")
            let d = s + Double(x) * s * (1 - s)
            // swish′ = σ(1 + z(1 − σ)) cancels near its zero at z ≈ −1.28: an absolute bound there.
            XCTAssertEqual(Double(derivative), d, accuracy: 1e-6 * abs(d) + 5e-8, "swish'(\(x))")
            x += 0.0625
        }
        XCTAssertLessThan(VectorMath.sigmoid(-100), 1e-38)
        XCTAssertGreaterThanOrEqual(VectorMath.sigmoid(-100), 0)
        XCTAssertEqual(VectorMath.sigmoid(100), 1)
        XCTAssertEqual(VectorMath.sigmoid(Float.infinity), 1)
        XCTAssertLessThan(VectorMath.sigmoid(-Float.infinity), 1e-38)
        XCTAssertEqual(VectorMath.softplus(100), 100)
        XCTAssertLessThan(VectorMath.softplus(-100), 1e-37)
        XCTAssertGreaterThanOrEqual(VectorMath.softplus(-100), 0)
        XCTAssertEqual(VectorMath.softplus(-20), Float(Foundation.exp(-20.0)), accuracy: 3e-7 * Float(Foundation.exp(-20.0)))
        XCTAssertEqual(VectorMath.softplus(1e30), 1e30)
        XCTAssertEqual(VectorMath.swishAndDerivative(-100).value, 0, accuracy: 1e-35)
        XCTAssertEqual(VectorMath.swishAndDerivative(100).value, 100)
        XCTAssertEqual(VectorMath.swishAndDerivative(100).derivative, 1)
        XCTAssertTrue(VectorMath.sigmoid(Float.nan).isNaN)
        XCTAssertTrue(VectorMath.softplus(Float.nan).isNaN)
        XCTAssertTrue(VectorMath.swishAndDerivative(Float.nan).value.isNaN)
    }

    /// Buffers: every element equals the scalar function, in the body and in the tail.
    func testBufferFunctionsEqualScalarInBodyAndTail() {
        var g = Xoshiro256StarStar(seed: 5)
        let n = 29
        let x = (0..<n).map { _ in (g.nextUnitFloat() - 0.5) * 60 }
        var y = [Float](repeating: 0, count: n), d = y
        let bias = [Float](repeating: 0.25, count: n)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { VectorMath.sigmoid(xp.baseAddress!, into: $0.baseAddress!, count: n) }
            XCTAssertEqual(y, x.map { VectorMath.sigmoid($0) })
            y.withUnsafeMutableBufferPointer { VectorMath.softplus(xp.baseAddress!, into: $0.baseAddress!, count: n) }
            XCTAssertEqual(y, x.map { VectorMath.softplus($0) })
            y.withUnsafeMutableBufferPointer { VectorMath.exp(xp.baseAddress!, into: $0.baseAddress!, count: n) }
            XCTAssertEqual(y, x.map { VectorMath.exp($0) })
            y.withUnsafeMutableBufferPointer { VectorMath.swish(xp.baseAddress!, into: $0.baseAddress!, count: n) }
            XCTAssertEqual(y, x.map { VectorMath.swishAndDerivative($0).value })
            y.withUnsafeMutableBufferPointer { VectorMath.swishDerivative(xp.baseAddress!, into: $0.baseAddress!, count: n) }
            XCTAssertEqual(y, x.map { VectorMath.swishAndDerivative($0).derivative })
            y.withUnsafeMutableBufferPointer { yp in
                d.withUnsafeMutableBufferPointer { dp in
                    VectorMath.swishAndDerivative(xp.baseAddress!, bias: bias, values: yp.baseAddress!, derivatives: dp.baseAddress!, count: n)
                }
            }
            XCTAssertEqual(y, x.map { VectorMath.swishAndDerivative($0 + 0.25).value })
            XCTAssertEqual(d, x.map { VectorMath.swishAndDerivative($0 + 0.25).derivative })
        }
    }

    /// The bulk sampler draws exactly what the one-at-a-time loop it replaced drew: per row its
    /// own generator, two uniforms per 64-bit draw (bits 40–63, then 16–39), an odd last column
    /// from the top bits of one more draw; rows in pairs or alone, any number of columns.
    func testBulkBernoulliEqualsOneDrawAtATime() {
        for (rows, columns) in [(5, 784), (3, 13), (1, 1), (4, 257), (2, 128)] {
            var g = Xoshiro256StarStar(seed: 9)
            let p = (0..<(rows * columns)).map { _ in g.nextUnitFloat() }
            var generators = (0..<rows).map { Xoshiro256StarStar.stream(seed: 3, index: UInt64($0)) }
            var reference = [Float](repeating: 0, count: rows * columns)
            var referenceGenerators = generators
            let unit: Float = 1.0 / 16_777_216.0
            for r in 0..<rows {
                var j = 0
                while j < columns {
                    let w = referenceGenerators[r].next()
                    reference[r * columns + j] = Float(w >> 40) * unit < p[r * columns + j] ? 1 : 0
                    if j + 1 < columns { reference[r * columns + j + 1] = Float((w >> 16) & 0xFF_FFFF) * unit < p[r * columns + j + 1] ? 1 : 0 }
                    j += 2
                }
            }
            var out = [Float](repeating: -1, count: rows * columns)
            p.withUnsafeBufferPointer { pp in
                out.withUnsafeMutableBufferPointer { op in
                    generators.withUnsafeMutableBufferPointer { gp in
                        ElementwiseKernels.sampleBernoulli(probabilities: pp.baseAddress!, into: op.baseAddress!, rows: rows, columns: columns,
                                                           generators: gp.baseAddress!)
                    }
                }
            }
            XCTAssertEqual(out, reference, "\(rows) × \(columns)")
            XCTAssertEqual(generators.map { var s = $0; return s.next() }, referenceGenerators.map { var s = $0; return s.next() }, "the streams advance as before")
        }
    }

    /// Bernoulli frequencies: p = 0 never fires, p = 1 always, p = 0.3 about 30% (within four
    /// standard errors over 80,000 draws), NaN never.
    func testBernoulliFrequencies() {
        var g = Xoshiro256StarStar(seed: 1)
        let n = 80_000
        let words = (0..<(n / 2)).map { _ in g.next() }
        var out = [Float](repeating: 0, count: n)
        for (q, expected) in [(Float(0), 0.0), (1, 1), (0.3, 0.3), (.nan, 0)] {
            let p = [Float](repeating: q, count: n)
            words.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { VectorMath.bernoulli(words: w.baseAddress!, probabilities: p, into: $0.baseAddress!, count: n) }
            }
            let mean = Double(out.reduce(0, +)) / Double(n)
            XCTAssertEqual(mean, expected, accuracy: 4 * (expected * (1 - expected) / Double(n)).squareRoot() + 1e-12, "p = \(q)")
            XCTAssertTrue(out.allSatisfy { $0 == 0 || $0 == 1 })
        }
    }

    /// The fused last layer (swish, output dot product and ∂E/∂Z in one pass) gives exactly the
    /// values of the three separate passes.
    func testFusedOutputSweepEqualsSeparatePasses() {
        var g = Xoshiro256StarStar(seed: 4)
        let (rows, width) = (7, 48)
        let z = (0..<(rows * width)).map { _ in (g.nextUnitFloat() - 0.5) * 12 }
        let bias = (0..<width).map { _ in g.nextUnitFloat() - 0.5 }
        let w = (0..<width).map { _ in g.nextUnitFloat() - 0.5 }
        var fused = z, fusedG = [Float](repeating: 0, count: rows * width), fusedE = [Float](repeating: 0, count: rows)
        var plain = z, plainG = fusedG, plainE = fusedE
        let done = fused.withUnsafeMutableBufferPointer { zp in
            fusedG.withUnsafeMutableBufferPointer { gp in
                fusedE.withUnsafeMutableBufferPointer { ep in
                    Activation.swish.sweepWithOutput(zp.baseAddress!, bias: bias, rows: rows, width: width, outputWeights: w, outputBias: 0.5,
                                                     gradients: gp.baseAddress!, energies: ep.baseAddress!)
                }
            }
        }
        XCTAssertTrue(done)
        plain.withUnsafeMutableBufferPointer { zp in
            plainG.withUnsafeMutableBufferPointer { gp in
                Activation.swish.sweep(zp.baseAddress!, bias: bias, rows: rows, width: width, values: zp.baseAddress!, derivatives: gp.baseAddress!)
                for r in 0..<rows {
                    ElementwiseKernels.multiply(gp.baseAddress! + r * width, by: w, count: width)
                    plainE[r] = ElementwiseKernels.dot(zp.baseAddress! + r * width, w, count: width) + 0.5
                }
            }
        }
        XCTAssertEqual(fused, plain)
        XCTAssertEqual(fusedG, plainG)
        XCTAssertEqual(fusedE, plainE)
        XCTAssertFalse(Activation.tanh.sweepWithOutput(&fused, bias: bias, rows: rows, width: width, outputWeights: w, outputBias: 0,
                                                       gradients: &fusedG, energies: &fusedE))
    }

    /// AIS's row kernel: the tail in a partial vector gives the scalar values, and the sum is the
    /// vector body's lanes and then the tail's terms in order.
    func testSoftplusStepRowTailEqualsScalar() {
        var g = Xoshiro256StarStar(seed: 8)
        let n = 21
        let a0 = (0..<n).map { _ in (g.nextUnitFloat() - 0.5) * 20 }
        let b = (0..<n).map { _ in g.nextUnitFloat() - 0.5 }
        var a = a0
        let s = a.withUnsafeMutableBufferPointer {
            ElementwiseKernels.softplusStepRow($0.baseAddress!, bias: b, columns: 0..<n, current: 0.6, previous: 0.59)
        }
        var expected: Float = 0
        var body = SIMD8<Float>(repeating: 0)
        for block in 0..<2 {
            let z = SIMD8<Float>((0..<8).map { a0[8 * block + $0] + b[8 * block + $0] })
            body += ElementwiseKernels.softplusStep(z, current: 0.6, previous: 0.59).difference
        }
        expected = body.sum()
        for j in 16..<n {
            let (difference, sigmoid) = ElementwiseKernels.softplusStep(a0[j] + b[j], current: 0.6, previous: 0.59)
            expected += difference
            XCTAssertEqual(a[j], sigmoid)
        }
        XCTAssertEqual(s, expected)
    }
}
