import Glibc

/// Adam (Kingma and Ba 2015): per-parameter steps from running moments of the gradient,
///
///     m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − α m̂ / (√v̂ + ε)
///
/// with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). It descends: pass the gradient
/// of the loss.
public struct AdamOptimizer: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    var m: [Float] = []
    var v: [Float] = []
    public internal(set) var step = 0

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
    }

    public mutating func update(_ parameters: inout [Float], gradient g: [Float]) {
        precondition(parameters.count == g.count, "one gradient entry per parameter")
        if m.count != g.count { m = [Float](repeating: 0, count: g.count); v = m; step = 0 }
        step += 1
        let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
        for k in parameters.indices {
            m[k] = beta1 * m[k] + (1 - beta1) * g[k]
            v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k]
            parameters[k] -= learningRate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
        }
    }
}
