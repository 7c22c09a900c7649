import Foundation
@testable import EBM

/// Independent brute force for tiny RBMs: every (x, h) pair enumerated from E(x, h) directly, in
/// float64, sharing no code with the library beyond `energy`'s definition (re-derived here).
struct RBMBruteForce {
    let rbm: RestrictedBoltzmannMachine

    /// The bits of `index` as a 0/1 vector of length n (bit i → unit i).
    static func state(_ index: Int, _ n: Int) -> [Double] { (0..<n).map { Double((index >> $0) & 1) } }

    /// −E(x, h) = hᵀWx + cᵀx + bᵀh.
    func negativeEnergy(_ x: [Double], _ h: [Double]) -> Double {
        let (D, H) = (rbm.visible, rbm.hidden)
        var s = 0.0
        for j in 0..<H { for i in 0..<D { s += h[j] * Double(rbm.W[j * D + i]) * x[i] } }
        for i in 0..<D { s += Double(rbm.c[i]) * x[i] }
        for j in 0..<H { s += Double(rbm.b[j]) * h[j] }
        return s
    }

    static func logSumExp(_ v: [Double]) -> Double {
        let m = v.max() ?? -.infinity
        return m + log(v.reduce(0) { $0 + exp($1 - m) })
    }

    var logZ: Double {
        var terms: [Double] = []
        for xi in 0..<(1 << rbm.visible) {
            for hi in 0..<(1 << rbm.hidden) {
                terms.append(negativeEnergy(Self.state(xi, rbm.visible), Self.state(hi, rbm.hidden)))
            }
        }
        return Self.logSumExp(terms)
    }

    /// log Σ_h e^(−E(x, h)), which is F(x).
    func logUnnormalisedMarginal(_ x: [Double]) -> Double {
        Self.logSumExp((0..<(1 << rbm.hidden)).map { negativeEnergy(x, Self.state($0, rbm.hidden)) })
    }

    /// p(x) for every visible state, indexed by its bits.
    var visibleDistribution: [Double] {
        let z = logZ
        return (0..<(1 << rbm.visible)).map { exp(logUnnormalisedMarginal(Self.state($0, rbm.visible)) - z) }
    }

    /// p(h_j = 1 | x) by summing the joint over h.
    func hiddenConditional(_ x: [Double]) -> [Double] {
        let weights = (0..<(1 << rbm.hidden)).map { exp(negativeEnergy(x, Self.state($0, rbm.hidden))) }
        let total = weights.reduce(0, +)
        return (0..<rbm.hidden).map { j in marginal(weights, bit: j) / total }
    }

    /// p(x_i = 1 | h) by summing the joint over x.
    func visibleConditional(_ h: [Double]) -> [Double] {
        let weights = (0..<(1 << rbm.visible)).map { exp(negativeEnergy(Self.state($0, rbm.visible), h)) }
        let total = weights.reduce(0, +)
        return (0..<rbm.visible).map { i in marginal(weights, bit: i) / total }
    }

    /// Σ of the weights of the states whose bit `bit` is on.
    private func marginal(_ weights: [Double], bit: Int) -> Double {
        var s = 0.0
        for (state, w) in weights.enumerated() where (state >> bit) & 1 == 1 { s += w }
        return s
    }

    /// Mean over rows of log p(x).
    func logLikelihood(_ rows: [[Double]]) -> Double {
        let z = logZ
        return rows.reduce(0) { $0 + logUnnormalisedMarginal($1) - z } / Double(rows.count)
    }

    /// Mean over rows of Σᵢ log p(xᵢ | x₋ᵢ), each from two unnormalised marginals.
    func pseudoLogLikelihood(_ rows: [[Double]]) -> Double {
        rows.reduce(0) { total, x in
            var s = 0.0
            for i in 0..<rbm.visible {
                var flipped = x
                flipped[i] = 1 - flipped[i]
                let a = logUnnormalisedMarginal(x), b = logUnnormalisedMarginal(flipped)
                s += a - Self.logSumExp([a, b])
            }
            return total + s
        } / Double(rows.count)
    }
}

enum RBMFixtures {
    /// A tiny RBM with weights and biases large enough that the distribution is far from uniform.
    static func machine(visible: Int, hidden: Int, seed: UInt64, scale: Float = 1) -> RestrictedBoltzmannMachine {
        var m = RestrictedBoltzmannMachine(visible: visible, hidden: hidden, seed: seed, initScale: scale)
        var g = Xoshiro256StarStar(seed: seed &+ 99)
        m.b = (0..<hidden).map { _ in (g.nextUnitFloat() - 0.5) * 2 * scale }
        m.c = (0..<visible).map { _ in (g.nextUnitFloat() - 0.5) * 2 * scale }
        return m
    }

    /// Random binary rows.
    static func data(rows: Int, visible: Int, seed: UInt64) -> Tensor {
        var g = Xoshiro256StarStar(seed: seed)
        return Tensor(shape: [rows, visible], scalars: (0..<(rows * visible)).map { _ in g.nextUnitFloat() < 0.4 ? 1 : 0 })
    }

    static func rows(_ t: Tensor) -> [[Double]] {
        (0..<t.shape[0]).map { r in (0..<t.shape[1]).map { Double(t.scalars[r * t.shape[1] + $0]) } }
    }
}
