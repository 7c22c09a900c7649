import COpenBLAS
import Glibc

/// A multilayer perceptron f(x) = W_L φ(⋯ φ(W_1 x + b_1) ⋯) + b_L on batches of rows, with
/// reverse-mode gradients with respect to both the input and the parameters. It is the body of
/// the neural energy E_θ(x) (one output) and of the score model s_θ(x) (d outputs).
///
/// Reverse mode is written once, for the two layer kinds there are: for Z = A Wᵀ + b,
/// ∂L/∂W = (∂L/∂Z)ᵀ A, ∂L/∂b = Σ_rows ∂L/∂Z, ∂L/∂A = (∂L/∂Z) W; for A = φ(Z), ∂L/∂Z = ∂L/∂A ⊙ φ'(Z).
public struct MultilayerPerceptron: Sendable, Equatable {
    /// Widths from input to output, e.g. [2, 128, 128, 1].
    public let dims: [Int]
    public let activation: Activation
    /// W_l (dims[l+1] × dims[l], row-major) and b_l, l = 0..<layers.
    public var weights: [[Float]]
    public var biases: [[Float]]

    public var layers: Int { dims.count - 1 }
    public var inputWidth: Int { dims[0] }
    public var outputWidth: Int { dims[dims.count - 1] }
    public var parameterCount: Int { (0..<layers).reduce(0) { $0 + dims[$1] * dims[$1 + 1] + dims[$1 + 1] } }

    /// He-style initial weights N(0, 1/fan_in), zero biases.
    public init(dims: [Int], activation: Activation, seed: UInt64) {
        precondition(dims.count >= 2 && dims.allSatisfy { $0 >= 1 }, "an MLP needs at least an input and an output width, all ≥ 1")
        self.dims = dims
        self.activation = activation
        var g = Xoshiro256StarStar(seed: seed)
        weights = (0..<(dims.count - 1)).map { l in
            let scale = (1 / Double(dims[l])).squareRoot()
            return (0..<(dims[l] * dims[l + 1])).map { _ in Float(scale * g.nextNormal()) }
        }
        biases = (0..<(dims.count - 1)).map { [Float](repeating: 0, count: dims[$0 + 1]) }
    }

    /// What the backward pass needs from the forward pass.
    public struct Trace: Sendable {
        /// A_0 = X, then A_l = φ(Z_l); the last entry is the output Z_L (no activation).
        var activations: [[Float]]
        /// φ'(Z_l) for the hidden layers, computed in the same sweep as φ(Z_l).
        var derivatives: [[Float]]
        public let rows: Int
        public var output: [Float] { activations[activations.count - 1] }
    }

    /// The outputs for the rows of X (n × dims[0], row-major), and the trace for `backward`.
    /// Per layer one sgemm Z = A Wᵀ (W as stored, no transposed copy) and one sweep that adds
    /// the bias and computes φ and φ' together (`Activation.sweep`).
    public func forward(_ X: [Float], rows n: Int) -> Trace {
        precondition(X.count == n * inputWidth, "the input must be n × \(inputWidth)")
        var activations = [X]
        var derivatives: [[Float]] = []
        for l in 0..<layers {
            let (inW, outW) = (dims[l], dims[l + 1])
            var Z = [Float](repeating: 0, count: n * outW)
            activations[l].withUnsafeBufferPointer { A in
                weights[l].withUnsafeBufferPointer { W in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(outW), blasint(inW),
                                1, A.baseAddress, blasint(inW), W.baseAddress, blasint(inW), 0, &Z, blasint(outW))
                }
            }
            if l == layers - 1 {
                for r in 0..<n { for j in 0..<outW { Z[r * outW + j] += biases[l][j] } }
                activations.append(Z)
            } else {
                var D = [Float](repeating: 0, count: n * outW)
                Z.withUnsafeMutableBufferPointer { z in
                    D.withUnsafeMutableBufferPointer { d in
                        biases[l].withUnsafeBufferPointer { b in
                            activation.sweep(z.baseAddress!, bias: b.baseAddress!, rows: n, width: outW,
                                             values: z.baseAddress!, derivatives: d.baseAddress!)
                        }
                    }
                }
                derivatives.append(D)
                activations.append(Z)
            }
        }
        return Trace(activations: activations, derivatives: derivatives, rows: n)
    }

    /// Gradients of a loss L given ∂L/∂output (n × outputWidth): ∂L/∂X (n × inputWidth) and, when
    /// `parameters` is true, ∂L/∂W_l and ∂L/∂b_l (laid out like `weights` and `biases`).
    /// ∂L/∂X is skipped (returned empty) when `input` is false.
    public func backward(_ trace: Trace, outputGradient G: [Float], parameters: Bool, input: Bool = true)
        -> (input: [Float], weights: [[Float]], biases: [[Float]]) {
        let n = trace.rows
        precondition(G.count == n * outputWidth, "the output gradient must be n × \(outputWidth)")
        var dZ = G
        var dWeights = [[Float]](repeating: [], count: layers)
        var dBiases = [[Float]](repeating: [], count: layers)
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let (inW, outW) = (dims[l], dims[l + 1])
            if parameters {
                var dW = [Float](repeating: 0, count: outW * inW)
                trace.activations[l].withUnsafeBufferPointer { A in
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(outW), blasint(inW), blasint(n),
                                1, dZ, blasint(outW), A.baseAddress, blasint(inW), 0, &dW, blasint(inW))
                }
                var db = [Float](repeating: 0, count: outW)
                for r in 0..<n { for j in 0..<outW { db[j] += dZ[r * outW + j] } }
                dWeights[l] = dW
                dBiases[l] = db
            }
            if l == 0 && !input { dZ = []; break }
            var dA = [Float](repeating: 0, count: n * inW)
            weights[l].withUnsafeBufferPointer { W in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(inW), blasint(outW),
                            1, dZ, blasint(outW), W.baseAddress, blasint(inW), 0, &dA, blasint(inW))
            }
            if l > 0 {
                let D = trace.derivatives[l - 1]
                for k in dA.indices { dA[k] *= D[k] }
            }
            dZ = dA
        }
        return (dZ, dWeights, dBiases)
    }

    /// All parameters as one vector (W_0, b_0, W_1, b_1, …), for optimisers and finite differences.
    public var parameterVector: [Float] {
        (0..<layers).flatMap { weights[$0] + biases[$0] }
    }

    public mutating func setParameterVector(_ v: [Float]) {
        precondition(v.count == parameterCount, "expected \(parameterCount) parameters")
        var k = 0
        for l in 0..<layers {
            weights[l] = Array(v[k..<(k + weights[l].count)]); k += weights[l].count
            biases[l] = Array(v[k..<(k + biases[l].count)]); k += biases[l].count
        }
    }

    /// Flattens per-layer gradients into the layout of `parameterVector`.
    public static func flatten(weights: [[Float]], biases: [[Float]]) -> [Float] {
        (0..<weights.count).flatMap { weights[$0] + biases[$0] }
    }
}
