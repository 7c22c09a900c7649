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
}
