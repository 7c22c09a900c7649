import Foundation
import XCTest
@testable import EBM

/// The fused energy-gradient kernel and the two-thread Langevin sampler against the reference
/// passes and against themselves run sequentially.
final class NeuralEnergyKernelTests: XCTestCase {
    /// The fused pass (φ and φ' in one sweep, the output layer folded in, narrow inputs without
    /// sgemm) equals the general forward/backward passes to float tolerance.
    func testFusedPassEqualsTheReferencePasses() {
        let shapes: [[Int]] = [[2, 16, 1], [2, 32, 24, 1], [3, 8, 5, 1], [20, 37, 16, 9, 1], [5, 64, 1]]
        for dims in shapes {
            for activation in Activation.allCases {
                let e = NeuralEnergy(dims: dims, activation: activation, seed: 3)
                let n = 67
                var g = Xoshiro256StarStar(seed: 5)
                let x = (0..<(n * dims[0])).map { _ in Float(2 * g.nextNormal()) }
                let fused = e.energiesAndGradients(x, rows: n)
                let reference = e.referenceEnergiesAndGradients(x, rows: n)
                for r in 0..<n {
                    XCTAssertEqual(fused.energies[r], reference.energies[r], accuracy: 1e-4 * max(1, abs(reference.energies[r])),
                                   "\(dims) \(activation) E[\(r)]")
                }
                for k in 0..<(n * dims[0]) {
                    XCTAssertEqual(fused.gradients[k], reference.gradients[k], accuracy: 1e-4 * max(1, abs(reference.gradients[k])),
                                   "\(dims) \(activation) ∇E[\(k)]")
                }
            }
        }
    }

    /// The float32 activations of the sweep against libm in float64.
    func testSweepMatchesLibm() {
        let z: [Float] = (0..<203).map { Float($0 - 101) * 0.173 }
        let bias = [Float](repeating: 0.25, count: z.count)
        for activation in Activation.allCases {
            var values = z, derivatives = [Float](repeating: 0, count: z.count)
            values.withUnsafeMutableBufferPointer { v in
                derivatives.withUnsafeMutableBufferPointer { d in
                    bias.withUnsafeBufferPointer { b in
                        activation.sweep(v.baseAddress!, bias: b.baseAddress!, rows: 1, width: z.count,
                                         values: v.baseAddress!, derivatives: d.baseAddress!)
                    }
                }
            }
            for k in z.indices {
                let u = Double(z[k]) + 0.25, s = 1 / (1 + Foundation.exp(-u))
                let (value, derivative): (Double, Double)
                switch activation {
                case .swish: (value, derivative) = (u * s, s + u * s * (1 - s))
                case .tanh: (value, derivative) = (Foundation.tanh(u), 1 - Foundation.tanh(u) * Foundation.tanh(u))
                case .softplus: (value, derivative) = (max(u, 0) + Foundation.log1p(Foundation.exp(-abs(u))), s)
                case .relu: (value, derivative) = (max(u, 0), u > 0 ? 1 : 0)
                }
                XCTAssertEqual(Double(values[k]), value, accuracy: 2e-6 * max(1, abs(value)), "\(activation)(\(u))")
                XCTAssertEqual(Double(derivatives[k]), derivative, accuracy: 2e-6 * max(1, abs(derivative)), "\(activation)'(\(u))")
            }
        }
    }

    /// Chains split over two threads give exactly the numbers of the two halves run one after
    /// the other (ULA and MALA, a narrow and a wide energy, a chain count that is not a multiple of 64).
    func testTwoThreadsGiveExactlyTheSequentialChains() throws {
        for dims in [[2, 64, 64, 1], [9, 48, 1]] {
            let e = NeuralEnergy(dims: dims, activation: .swish, seed: 2)
            let chains = 300
            var g = Xoshiro256StarStar(seed: 9)
            let start = (0..<(chains * dims[0])).map { _ in Float(g.nextNormal()) }
            for adjusted in [false, true] {
                var settings = LangevinSettings()
                settings.steps = 120
                settings.every = 40
                settings.stepSize = 0.05
                settings.adjusted = adjusted
                settings.seed = 4
                let parallel = try XCTUnwrap(NeuralLangevinSampler(e, maxChains: chains, parallelism: .twoThreads)
                    .run(start: start, chains: chains, settings: settings))
                let sequential = try XCTUnwrap(NeuralLangevinSampler(e, maxChains: chains, parallelism: .sequential)
                    .run(start: start, chains: chains, settings: settings))
                XCTAssertEqual(parallel.snapshots.map(\.step), [0, 40, 80, 120])
                for (a, b) in zip(parallel.snapshots, sequential.snapshots) { XCTAssertEqual(a.states, b.states, "\(dims) adjusted \(adjusted)") }
                XCTAssertEqual(parallel.acceptanceRate, sequential.acceptanceRate)
                // The same seed gives the same chains through the public entry point too.
                let again = try XCTUnwrap(LangevinDynamics.run(e, start: start, chains: chains, settings: settings))
                XCTAssertEqual(again.final, parallel.final)
                XCTAssertFalse(parallel.final.contains { !$0.isFinite })
            }
        }
    }

    /// Stopped (Ctrl-C), the fused path keeps what it drew, as the generic Langevin chain does:
    /// the snapshots so far and the state it stopped at last, marked unfinished.
    func testStoppedFusedLangevinKeepsTheStatesDrawnSoFar() {
        let e = NeuralEnergy(dims: [2, 32, 32, 1], activation: .swish, seed: 1)
        XCTAssertTrue(NeuralEnergyKernel.supports(e.network))
        var settings = LangevinSettings()
        settings.steps = 1000
        settings.every = 100
        var polls = 0
        let run = LangevinDynamics.run(e, start: [Float](repeating: 0.5, count: 2 * 8), chains: 8, settings: settings,
                                       shouldStop: { polls += 1; return polls > 2 })
        XCTAssertFalse(run.finished)
        XCTAssertEqual(run.snapshots.map(\.step), [0, 100, 150])
        XCTAssertEqual(run.final.count, 16)
        XCTAssertTrue(LangevinDynamics.run(e, start: [Float](repeating: 0.5, count: 2 * 8), chains: 8, settings: settings).finished)
    }

    /// A chain's moves depend only on its own stream: the first chains of a larger run repeat a
    /// smaller run of the same seed when both fall in the first half.
    func testChainsDoNotDependOnTheirNeighbours() throws {
        let e = NeuralEnergy(dims: [2, 32, 32, 1], activation: .swish, seed: 1)
        var settings = LangevinSettings()
        settings.steps = 30
        settings.every = 30
        settings.seed = 8
        let start = [Float](repeating: 0.5, count: 2 * 100)
        let small = try XCTUnwrap(LangevinDynamics.run(e, start: Array(start.prefix(2 * 10)), chains: 10, settings: settings))
        let large = try XCTUnwrap(LangevinDynamics.run(e, start: Array(start.prefix(2 * 100)), chains: 100, settings: settings))
        for k in 0..<20 { XCTAssertEqual(small.final[k], large.final[k], accuracy: 1e-5) }
    }

    /// The bulk normals are N(0, 1): mean, variance, the two-sided 2σ tail and the fourth moment
    /// within four standard errors over 400,000 draws, odd counts included.
    func testBulkNormalsAreStandardNormal() {
        var g = Xoshiro256StarStar(seed: 21)
        let n = 400_001
        var z = [Float](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { g.fillStandardNormals($0.baseAddress!, count: 1001) }
        z.withUnsafeMutableBufferPointer { g.fillStandardNormals($0.baseAddress! + 1001, count: n - 1001) }
        let mean = z.reduce(0.0) { $0 + Double($1) } / Double(n)
        let second = z.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        let fourth = z.reduce(0.0) { $0 + pow(Double($1), 4) } / Double(n)
        let tail = Double(z.filter { abs($0) > 2 }.count) / Double(n)
        let se = 1 / Double(n).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 4 * se)
        XCTAssertEqual(second, 1, accuracy: 4 * 2.0.squareRoot() * se)
        XCTAssertEqual(fourth, 3, accuracy: 4 * 96.0.squareRoot() * se)
        XCTAssertEqual(tail, 0.0455, accuracy: 4 * (0.0455 * 0.9545).squareRoot() * se)
        XCTAssertTrue(z.allSatisfy { $0.isFinite && abs($0) < 6 })
    }

    /// The log-weight term at very close temperatures (10⁵ and 10⁶ steps over [0, 1]) keeps its
    /// relative accuracy: the form of two softplus values subtracted lost ε·|βz| to cancellation,
    /// 10⁻³ relative and more here. (Measured against softplus(u) − softplus(u − w) in float64
    /// at the kernel's own float32 u = βz and w = (β − β′)z: the rounding of u itself is the
    /// input's, not the kernel's.) Over a whole path the terms telescope: their float64 sum over
    /// 10⁵ temperatures must be softplus(z) − ln 2, which AIS accumulates for every hidden unit.
    /// Lanes far apart (|Δβ z| ≥ 0.35) in the same vector keep their own form.
    func testSoftplusStepAtCloseTemperatures() {
        func softplus(_ u: Double) -> Double { max(u, 0) + Foundation.log1p(Foundation.exp(-abs(u))) }
        var worst = 0.0
        for steps in [100_000.0, 1_000_000.0] {
            for k in stride(from: 1.0, to: steps, by: steps / 97) {
                let now = Float(k / steps), before = Float((k - 1) / steps)
                for z: Float in [-60, -20, -3, -0.4, 0.02, 0.7, 5, 25, 80] {
                    let (difference, _) = ElementwiseKernels.softplusStep(z, current: now, previous: before)
                    let u = Double(now * z), w = Double((now - before) * z)
                    let exact = softplus(u) - softplus(u - w)
                    worst = max(worst, abs(Double(difference) - exact) / abs(exact))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-6)
        let steps = 100_000
        for z: Float in [-8, -1, 0.5, 3, 12] {
            var total = 0.0
            for k in 1..<steps {
                let now = k == steps - 1 ? 1 : Float(Double(k) / Double(steps - 1))
                total += Double(ElementwiseKernels.softplusStep(z, current: now, previous: Float(Double(k - 1) / Double(steps - 1))).difference)
            }
            XCTAssertEqual(total, softplus(Double(z)) - log(2.0), accuracy: 1e-6 * max(1, abs(Double(z))), "z = \(z)")
        }
        let z = SIMD8<Float>(-100, -1, 0.5, 3, 100, -7, 40, 0)
        let mixed = ElementwiseKernels.softplusStep(z, current: 1, previous: 0.001)
        for i in 0..<8 {
            let lane = ElementwiseKernels.softplusStep(z[i], current: 1, previous: 0.001)
            XCTAssertEqual(mixed.difference[i], lane.difference)
            let exact = softplus(Double(z[i])) - softplus(0.001 * Double(z[i]))
            XCTAssertEqual(Double(lane.difference), exact, accuracy: 2e-6 * max(1, abs(Double(z[i]))))
        }
    }

    /// AIS's fused float32 log-weight term against float64 libm.
    func testSoftplusStepMatchesLibm() {
        for z: Float in [-40, -7.5, -1, -0.01, 0, 0.3, 2, 9, 60] {
            for (now, before): (Float, Float) in [(0.5, 0.4999), (1, 0.9999), (0.0001, 0)] {
                let (difference, sigmoid) = ElementwiseKernels.softplusStep(z, current: now, previous: before)
                func softplus(_ u: Double) -> Double { max(u, 0) + Foundation.log1p(Foundation.exp(-abs(u))) }
                let exact = softplus(Double(now) * Double(z)) - softplus(Double(before) * Double(z))
                XCTAssertEqual(Double(difference), exact, accuracy: 2e-6 * max(1, abs(Double(z))), "z = \(z)")
                if abs(Double(now - before) * Double(z)) < 0.35 {
                    // The close-temperature form: a few ulp of the difference itself.
                    XCTAssertEqual(Double(difference), exact, accuracy: 1e-6 * abs(exact) + 1e-30, "z = \(z), β = \(now)")
                }
                XCTAssertEqual(Double(sigmoid), 1 / (1 + Foundation.exp(-Double(now) * Double(z))), accuracy: 1e-6)
                let vector = ElementwiseKernels.softplusStep(SIMD8<Float>(repeating: z), current: now, previous: before)
                XCTAssertEqual(vector.difference[3], difference)
                XCTAssertEqual(vector.sigmoid[5], sigmoid)
            }
        }
    }

    /// The eight-lane Box–Muller gives exactly the values of the scalar formulas (the loop it
    /// replaced), in full blocks and in a partial last block.
    func testVectorBoxMullerEqualsScalar() {
        var g = Xoshiro256StarStar(seed: 77)
        let words = (0..<150).map { _ in g.next() }   // two blocks of 64 and a tail
        var vector = [Float](repeating: 0, count: 300), scalar = vector
        words.withUnsafeBufferPointer { w in
            vector.withUnsafeMutableBufferPointer { ElementwiseKernels.boxMuller(w.baseAddress!, count: 150, into: $0.baseAddress!) }
        }
        let unit: Float = 1.0 / 16_777_216.0
        for (i, w) in words.enumerated() {
            let u1 = Float(Int32(truncatingIfNeeded: w >> 40) &+ 1) * unit
            let t = Float(Int32(truncatingIfNeeded: (w >> 16) & 0xFF_FFFF)) * unit - 0.5
            let q = UInt32(truncatingIfNeeded: w >> 14) & 3
            let r = (-2 * ElementwiseKernels.ln(u1)).squareRoot()
            let a = t * 1.570_796_326_8
            let z = a * a
            let sine = ((-1.951_529_589_1e-4 * z + 8.332_160_873_6e-3) * z - 1.666_665_461_1e-1) * z * a + a
            let cosine = ((2.443_315_711_809_948e-5 * z - 1.388_731_625_493_765e-3) * z + 4.166_664_568_298_827e-2) * z * z - 0.5 * z + 1
            let swap = q & 1 != 0
            let first = swap ? sine : cosine, second = swap ? cosine : sine
            let flipFirst = ((q ^ (q >> 1)) & 1) << 31, flipSecond = (q >> 1) << 31
            scalar[2 * i] = r * Float(bitPattern: first.bitPattern ^ flipFirst)
            scalar[2 * i + 1] = r * Float(bitPattern: second.bitPattern ^ flipSecond)
        }
        XCTAssertEqual(vector, scalar)
    }
}
