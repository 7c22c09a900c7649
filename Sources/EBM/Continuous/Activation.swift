import Glibc

/// The non-linearities a multilayer perceptron in ebm can use, each with its derivative (the
/// one piece of calculus reverse-mode differentiation needs per layer).
public enum Activation: String, Sendable, CaseIterable {
    /// x σ(x) (Ramachandran et al. 2017): smooth, so ∇ₓE is smooth and Langevin steps are stable.
    case swish
    case tanh
    case softplus
    case relu

    @inline(__always)
    func value(_ z: Float) -> Float {
        switch self {
        case .swish: return z / (1 + expf(-z))
        case .tanh: return tanhf(z)
        case .softplus: return z > 0 ? z + log1pf(expf(-z)) : log1pf(expf(z))
        case .relu: return Swift.max(z, 0)
        }
    }

    /// dφ/dz at z.
    @inline(__always)
    func derivative(_ z: Float) -> Float {
        switch self {
        case .swish:
            let s = 1 / (1 + expf(-z))
            return s + z * s * (1 - s)
        case .tanh:
            let t = tanhf(z)
            return 1 - t * t
        case .softplus: return 1 / (1 + expf(-z))
        case .relu: return z > 0 ? 1 : 0
        }
    }

    /// φ over a whole array; the switch is outside the loop so each case compiles to a tight loop.
    func apply(_ Z: [Float]) -> [Float] {
        switch self {
        case .swish: return Z.map { $0 / (1 + expf(-$0)) }
        case .tanh: return Z.map { tanhf($0) }
        case .softplus: return Z.map { $0 > 0 ? $0 + log1pf(expf(-$0)) : log1pf(expf($0)) }
        case .relu: return Z.map { Swift.max($0, 0) }
        }
    }

    /// dA ← dA ⊙ φ'(Z), element by element.
    func multiplyByDerivative(_ dA: inout [Float], at Z: [Float]) {
        switch self {
        case .swish:
            for k in dA.indices {
                let z = Z[k], s = 1 / (1 + expf(-z))
                dA[k] *= s + z * s * (1 - s)
            }
        case .tanh:
            for k in dA.indices { let t = tanhf(Z[k]); dA[k] *= 1 - t * t }
        case .softplus:
            for k in dA.indices { dA[k] *= 1 / (1 + expf(-Z[k])) }
        case .relu:
            for k in dA.indices where Z[k] <= 0 { dA[k] = 0 }
        }
    }
}
