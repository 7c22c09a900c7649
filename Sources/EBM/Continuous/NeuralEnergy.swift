/// E_θ(x) = f_θ(x), a multilayer perceptron with one output (003 §13.1: "such as when E is a
/// neural net"), with ∇ₓE for Langevin dynamics and ∇_θ E for maximum likelihood.
public struct NeuralEnergy: ContinuousEnergy, Equatable {
    public var network: MultilayerPerceptron

    public init(dims: [Int], activation: Activation = .swish, seed: UInt64) {
        precondition(dims.last == 1, "an energy has one output: the last width must be 1")
        network = MultilayerPerceptron(dims: dims, activation: activation, seed: seed)
    }

    public var dimension: Int { network.inputWidth }
    public var description: String {
        "neural energy, widths \(network.dims.map(String.init).joined(separator: " → ")), \(network.activation.rawValue), \(network.parameterCount) parameters"
    }

    public func energies(_ X: [Float], rows n: Int) -> [Float] { network.forward(X, rows: n).output }

    public func energiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        if NeuralEnergyKernel.supports(network) && n > 0 {
            precondition(X.count == n * dimension, "the input must be n × \(dimension)")
            var E = [Float](repeating: 0, count: n), G = [Float](repeating: 0, count: n * dimension)
            let kernel = NeuralEnergyKernel(network, maxRows: n)
            X.withUnsafeBufferPointer { x in
                E.withUnsafeMutableBufferPointer { e in
                    G.withUnsafeMutableBufferPointer { g in
                        kernel.energiesAndGradients(x.baseAddress!, rows: n, energies: e.baseAddress!, gradients: g.baseAddress!)
                    }
                }
            }
            return (E, G)
        }
        return referenceEnergiesAndGradients(X, rows: n)
    }

    /// The same through the general `forward`/`backward` passes (the reference the fused kernel
    /// is tested against).
    func referenceEnergiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        let trace = network.forward(X, rows: n)
        let g = network.backward(trace, outputGradient: [Float](repeating: 1, count: n), parameters: false)
        return (trace.output, g.input)
    }

    /// Σᵢ wᵢ ∇_θ E(xᵢ) in the layout of `network.parameterVector`, and the energies: with
    /// wᵢ = 1/n this is E_batch[∇_θ E], the phase terms of the maximum-likelihood gradient.
    public func parameterGradient(_ X: [Float], rows n: Int, weights w: [Float]) -> (energies: [Float], gradient: [Float]) {
        let trace = network.forward(X, rows: n)
        let g = network.backward(trace, outputGradient: w, parameters: true)
        return (trace.output, MultilayerPerceptron.flatten(weights: g.weights, biases: g.biases))
    }
}
