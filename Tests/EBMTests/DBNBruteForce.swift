import Foundation
@testable import EBM

/// Independent brute force for tiny DBNs: the joint P(x, h^(1), …, h^(L)) of 003 §13.3 summed
/// over every state of every level by explicit loops in float64, from the definitions only:
///
///     p(h^(L−1), h^(L)) = e^(h^(L)ᵀ W h^(L−1) + cᵀh^(L−1) + bᵀh^(L)) / Z,
///     P(h^(l−1)_i = 1 | h^(l)) = σ(c^(l)_i + (W^(l)ᵀ h^(l))_i),   q(h^(1)_j = 1 | x) = σ(b^(1)_j + W^(1)_j x).
struct DBNBruteForce {
    let dbn: DeepBeliefNetwork

    static func state(_ index: Int, _ n: Int) -> [Double] { (0..<n).map { Double((index >> $0) & 1) } }
    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
    static func logSumExp(_ v: [Double]) -> Double {
        let m = v.max() ?? -.infinity
        return m + log(v.reduce(0) { $0 + exp($1 - m) })
    }

    /// log P(lower | upper) through layer l's generative weights.
    func logConditional(layer l: Int, lower u: [Double], upper v: [Double]) -> Double {
        let m = dbn.layer(l)
        var s = 0.0
        for i in 0..<m.visible {
            var z = Double(m.c[i])
            for j in 0..<m.hidden { z += Double(m.W[j * m.visible + i]) * v[j] }
            let p = Self.sigmoid(z)
            s += log(u[i] == 1 ? p : 1 - p)
        }
        return s
    }

    /// log p(h^(L−1)) of the top RBM for every state, by summing its joint over h^(L).
    var topMarginal: [Double] {
        let m = dbn.top
        func negativeEnergy(_ x: [Double], _ h: [Double]) -> Double {
            var s = 0.0
            for j in 0..<m.hidden { for i in 0..<m.visible { s += h[j] * Double(m.W[j * m.visible + i]) * x[i] } }
            for i in 0..<m.visible { s += Double(m.c[i]) * x[i] }
            for j in 0..<m.hidden { s += Double(m.b[j]) * h[j] }
            return s
        }
        let unnormalised = (0..<(1 << m.visible)).map { xi in
            Self.logSumExp((0..<(1 << m.hidden)).map { negativeEnergy(Self.state(xi, m.visible), Self.state($0, m.hidden)) })
        }
        let logZ = Self.logSumExp(unnormalised)
        return unnormalised.map { $0 - logZ }
    }

    /// log p(h^(level)) for every state, by summing the joint of the levels above.
    func prior(level: Int) -> [Double] {
        var table = topMarginal   // level L − 1
        var l = dbn.depth - 1
        while l > level {
            let (lower, upper) = (dbn.sizes[l - 1], dbn.sizes[l])
            let above = table
            table = (0..<(1 << lower)).map { u in
                Self.logSumExp((0..<(1 << upper)).map { v in
                    above[v] + logConditional(layer: l, lower: Self.state(u, lower), upper: Self.state(v, upper))
                })
            }
            l -= 1
        }
        return table
    }

    /// log p(x).
    func logLikelihood(_ x: [Double]) -> Double {
        let p1 = prior(level: 1)
        return Self.logSumExp((0..<(1 << dbn.sizes[1])).map { p1[$0] + logConditional(layer: 1, lower: x, upper: Self.state($0, dbn.sizes[1])) })
    }

    /// q(h^(1) | x) for every state of h^(1) (tied recognition weights).
    func q(_ x: [Double]) -> [Double] {
        let m = dbn.recognitionMachine(1)
        var mu = [Double](repeating: 0, count: m.hidden)
        for j in 0..<m.hidden {
            var z = Double(m.b[j])
            for i in 0..<m.visible { z += Double(m.W[j * m.visible + i]) * x[i] }
            mu[j] = Self.sigmoid(z)
        }
        var out = [Double](repeating: 1, count: 1 << m.hidden)
        for s in out.indices {
            for j in 0..<m.hidden { out[s] *= ((s >> j) & 1) == 1 ? mu[j] : 1 - mu[j] }
        }
        return out
    }

    /// KL(q(h^(1) | x) ‖ p(h^(1) | x)), with the posterior p(h|x) = p(h) P(x|h) / p(x) summed directly.
    func kl(_ x: [Double]) -> Double {
        let p1 = prior(level: 1)
        let n1 = dbn.sizes[1]
        let logJoint = (0..<(1 << n1)).map { p1[$0] + logConditional(layer: 1, lower: x, upper: Self.state($0, n1)) }
        let logPx = Self.logSumExp(logJoint)
        let qs = q(x)
        var s = 0.0
        for (h, qh) in qs.enumerated() where qh > 0 { s += qh * (log(qh) - (logJoint[h] - logPx)) }
        return s
    }
}
