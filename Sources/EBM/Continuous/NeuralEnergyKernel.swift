import COpenBLAS

/// E(x) and ∇ₓE(x) of a neural energy (an MLP with hidden layers and one output) on a block of
/// rows, with every buffer allocated once: the inner loop of Langevin dynamics.
///
/// For hidden layers Z_l = A_l W_lᵀ, A_{l+1} = φ(Z_l + b_l) and the output E = A_L w + b:
///
///     forward    per hidden layer one sgemm (W as stored) and one sweep giving φ and φ' together;
///                the last hidden layer's sweep also gives E (a dot product with w per row) and
///                ∂E/∂Z_{L−1} = w ⊙ φ'(Z_{L−1}) (the output layer's backward step is element-wise),
///                for swish in the same pass (`Activation.sweepWithOutput`)
///     backward   ∂E/∂A_l = (∂E/∂Z_l) W_l, one sgemm (W as stored), then ⊙ φ'(Z_{l−1})
///
/// A narrow input (d ≤ 4, the plane energies) skips sgemm on the first layer, whose K = d makes
/// it a few multiply-adds per output: Z_0 = Σᵢ xᵢ (W_0ᵀ)ᵢ and ∂E/∂xᵢ = ⟨∂E/∂Z_0, (W_0ᵀ)ᵢ⟩ with
/// W_0ᵀ copied once at load. Every row's numbers depend only on that row (no sum runs across
/// rows), so blocks of rows give the same results however the chains are split.
final class NeuralEnergyKernel: @unchecked Sendable {
    let dims: [Int]
    let activation: Activation
    let maxRows: Int
    private let layers: Int
    private let weights: [UnsafeMutablePointer<Float>]
    private let biases: [UnsafeMutablePointer<Float>]
    /// W_0ᵀ (d × dims[1]) for a narrow input, else nil.
    private let firstTransposed: UnsafeMutablePointer<Float>?
    /// Z_l, then A_{l+1} in place, for the hidden layers (maxRows × dims[l+1]).
    private let values: [UnsafeMutablePointer<Float>]
    /// φ'(Z_l) for the hidden layers but the last (its φ' goes straight into the gradient).
    private let derivatives: [UnsafeMutablePointer<Float>]
    /// Two gradient buffers used in turn (maxRows × the widest hidden layer).
    private let gradientA: UnsafeMutablePointer<Float>, gradientB: UnsafeMutablePointer<Float>
    private var allocations: [UnsafeMutablePointer<Float>] = []

    static let narrowInput = 4

    /// Networks this kernel runs: at least one hidden layer and one output.
    static func supports(_ network: MultilayerPerceptron) -> Bool {
        network.layers >= 2 && network.outputWidth == 1
    }

    init(_ network: MultilayerPerceptron, maxRows: Int) {
        precondition(Self.supports(network), "the fused pass needs a hidden layer and one output")
        dims = network.dims
        activation = network.activation
        layers = network.layers
        self.maxRows = maxRows
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(n, 1) * 4, alignment: 64)
            let p = raw.initializeMemory(as: Float.self, repeating: 0, count: Swift.max(n, 1))
            allocations.append(p)
            return p
        }
        weights = (0..<network.layers).map { buffer(network.dims[$0] * network.dims[$0 + 1]) }
        biases = (0..<network.layers).map { buffer(network.dims[$0 + 1]) }
        firstTransposed = network.dims[0] <= Self.narrowInput ? buffer(network.dims[0] * network.dims[1]) : nil
        values = (0..<(network.layers - 1)).map { buffer(maxRows * network.dims[$0 + 1]) }
        derivatives = (0..<(network.layers - 2)).map { buffer(maxRows * network.dims[$0 + 1]) }
        let widest = network.dims[1..<network.layers].max() ?? 1
        gradientA = buffer(maxRows * widest)
        gradientB = buffer(maxRows * widest)
        self.allocations = allocations
        load(network)
    }

    deinit { for p in allocations { UnsafeMutableRawPointer(p).deallocate() } }

    /// Copies the network's parameters in (same widths and activation as at init).
    func load(_ network: MultilayerPerceptron) {
        precondition(network.dims == dims && network.activation == activation, "a kernel runs one shape of network")
        for l in 0..<layers {
            weights[l].update(from: network.weights[l], count: network.weights[l].count)
            biases[l].update(from: network.biases[l], count: network.biases[l].count)
        }
        if let t = firstTransposed {
            let (d, h) = (dims[0], dims[1])
            for j in 0..<h { for i in 0..<d { t[i * h + j] = weights[0][j * d + i] } }
        }
    }

    /// E (n) and ∇ₓE (n × d) for the n rows at x (n × d, row-major), n ≤ maxRows.
    func energiesAndGradients(_ x: UnsafePointer<Float>, rows n: Int,
                              energies E: UnsafeMutablePointer<Float>, gradients G: UnsafeMutablePointer<Float>) {
        precondition(n <= maxRows)
        guard n > 0 else { return }
        let d = dims[0], last = layers - 2   // index of the last hidden layer
        var input = UnsafePointer(x)
        var g = gradientA, spare = gradientB
        for l in 0...last {
            let (inW, w) = (dims[l], dims[l + 1])
            let Z = values[l]
            if l == 0, let t = firstTransposed {
                for r in 0..<n {
                    let z = Z + r * w, xr = input + r * d
                    ElementwiseKernels.scaled(t, by: xr[0], into: z, count: w)
                    var i = 1
                    while i < d {
                        ElementwiseKernels.addScaled(t + i * w, by: xr[i], into: z, count: w)
                        i += 1
                    }
                }
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(w), blasint(inW),
                            1, input, blasint(inW), weights[l], blasint(inW), 0, Z, blasint(w))
            }
            if l < last {
                activation.sweep(Z, bias: biases[l], rows: n, width: w, values: Z, derivatives: derivatives[l])
            } else {
                // A = φ(Z + b) in place, ∂E/∂Z = w_out ⊙ φ'(Z + b) into g, E = ⟨A, w_out⟩ + b_out:
                // one pass where the activation has a fused version, else three.
                let out = weights[layers - 1], bOut = biases[layers - 1][0]
                if activation.sweepWithOutput(Z, bias: biases[l], rows: n, width: w, outputWeights: out, outputBias: bOut,
                                              gradients: g, energies: E) {
                    input = UnsafePointer(Z)
                    continue
                }
                activation.sweep(Z, bias: biases[l], rows: n, width: w, values: Z, derivatives: g)
                for r in 0..<n {
                    let gr = g + r * w
                    ElementwiseKernels.multiply(gr, by: out, count: w)
                    E[r] = ElementwiseKernels.dot(Z + r * w, out, count: w) + bOut
                }
            }
            input = UnsafePointer(Z)
        }
        // Backward through the hidden-to-hidden layers: ∂E/∂Z_{l−1} = ((∂E/∂Z_l) W_l) ⊙ φ'(Z_{l−1}).
        var l = last
        while l >= 1 {
            let (inW, w) = (dims[l], dims[l + 1])
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(inW), blasint(w),
                        1, g, blasint(w), weights[l], blasint(inW), 0, spare, blasint(inW))
            let D = derivatives[l - 1]
            ElementwiseKernels.multiply(spare, by: D, count: n * inW)
            swap(&g, &spare)
            l -= 1
        }
        // ∇ₓE = (∂E/∂Z_0) W_0.
        let h = dims[1]
        if let t = firstTransposed {
            for r in 0..<n {
                let gr = g + r * h
                for i in 0..<d { G[r * d + i] = ElementwiseKernels.dot(gr, t + i * h, count: h) }
            }
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(d), blasint(h),
                        1, g, blasint(h), weights[0], blasint(d), 0, G, blasint(d))
        }
    }

    /// Multiply-adds of the products one gradient takes per row (forward and backward): the
    /// flops of a step are 2 × this × rows.
    static func multiplyAdds(_ dims: [Int]) -> Int {
        let layers = dims.count - 1
        var total = 0
        for l in 0..<layers { total += dims[l] * dims[l + 1] }          // forward
        for l in 0..<(layers - 1) { total += dims[l] * dims[l + 1] }    // backward to x (the output layer's is element-wise)
        return total
    }
}
