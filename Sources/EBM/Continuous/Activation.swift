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

extension Activation {
    /// One sweep over a rows × width block (row-major, stride `width`) of pre-activations without
    /// their bias: z = Z + b, then A = φ(z) into `values` (which may be Z itself) and φ'(z) into
    /// `derivatives`, eight lanes at a time with the float32 exponential of `ElementwiseKernels`
    /// (no libm calls). The forward pass keeps φ'(z) rather than z: the backward pass then needs
    /// one multiplication per element and no second exponential. Lanes and the scalar tail run
    /// the same operations, so a value does not depend on its column's position.
    func sweep(_ Z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int,
               values A: UnsafeMutablePointer<Float>, derivatives D: UnsafeMutablePointer<Float>) {
        typealias K = ElementwiseKernels
        let vectorEnd = width / 8 * 8
        for r in 0..<rows {
            let z = Z + r * width, a = A + r * width, d = D + r * width
            switch self {
            case .swish:
                // swish(z) = z σ(z), swish'(z) = σ(z) + z σ(z)(1 − σ(z)) (`VectorMath`).
                VectorMath.swishAndDerivative(z, bias: bias, values: a, derivatives: d, count: width)
            case .tanh:
                var j = 0
                while j < vectorEnd {
                    let t = 1 - 2 / (K.exp(2 * (K.load8(z, j) + K.load8(bias, j))) + 1)
                    K.store8(t, a, j)
                    K.store8(1 - t * t, d, j)
                    j += 8
                }
                while j < width {
                    let t = 1 - 2 / (K.exp(2 * (z[j] + bias[j])) + 1)
                    a[j] = t
                    d[j] = 1 - t * t
                    j += 1
                }
            case .softplus:
                // softplus(z) = max(z, 0) + ln(1 + e^(−|z|)), softplus'(z) = σ(z).
                for j in 0..<width {
                    let v = z[j] + bias[j]
                    let e = K.exp(-Swift.abs(v))
                    a[j] = Swift.max(v, 0) + K.ln(1 + e)
                    d[j] = (v >= 0 ? 1 : e) / (1 + e)
                }
            case .relu:
                for j in 0..<width {
                    let v = z[j] + bias[j]
                    a[j] = Swift.max(v, 0)
                    d[j] = v > 0 ? 1 : 0
                }
            }
        }
    }

    /// The last hidden layer's sweep fused with the output layer E = ⟨A, w⟩ + b_out, for swish
    /// on a width that is a multiple of 16 (else false, and nothing is written): per row, one
    /// pass gives A = φ(Z + b) into Z, ∂E/∂Z = w ⊙ φ'(Z + b) into `gradients` and E. The values
    /// equal those of `sweep` followed by `ElementwiseKernels.multiply` and `.dot` (the dot's
    /// sixteen accumulator lanes are the two eight-lane halves here, summed as one SIMD16).
    func sweepWithOutput(_ Z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int,
                         outputWeights w: UnsafePointer<Float>, outputBias: Float,
                         gradients G: UnsafeMutablePointer<Float>, energies E: UnsafeMutablePointer<Float>) -> Bool {
        guard self == .swish, width % 16 == 0 else { return false }
        typealias M = VectorMath
        for r in 0..<rows {
            let z = Z + r * width, g = G + r * width
            #if EBM_AVX512
            // The same lanes as the two halves below, in one sixteen-lane register.
            var acc = SIMD16<Float>(repeating: 0)
            var j = 0
            while j < width {
                let (v, d) = M.swishAndDerivative(M.load16(z, j) + M.load16(bias, j))
                let wj = M.load16(w, j)
                M.store16(v, z, j)
                M.store16(d * wj, g, j)
                acc += v * wj
                j += 16
            }
            E[r] = acc.sum() + outputBias
            #else
            var low = SIMD8<Float>(repeating: 0), high = SIMD8<Float>(repeating: 0)
            var j = 0
            while j < width {
                let (v0, d0) = M.swishAndDerivative(M.load(z, j) + M.load(bias, j))
                let (v1, d1) = M.swishAndDerivative(M.load(z, j + 8) + M.load(bias, j + 8))
                let w0 = M.load(w, j), w1 = M.load(w, j + 8)
                M.store(v0, z, j)
                M.store(v1, z, j + 8)
                M.store(d0 * w0, g, j)
                M.store(d1 * w1, g, j + 8)
                low += v0 * w0
                high += v1 * w1
                j += 16
            }
            E[r] = SIMD16(lowHalf: low, highHalf: high).sum() + outputBias
            #endif
        }
        return true
    }
}
