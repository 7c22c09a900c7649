/// Continuous energies and score models as model capabilities: an MLP energy's θ is its
/// network's (W₀, b₀, W₁, b₁, …); a closed-form energy has no trainable parameters (its
/// constants are its definition); a score model is parameterised but has no energy.
extension NeuralEnergy: EnergyModel, DifferentiableEnergyModel {
    public var parameterBlocks: [ParameterBlock] { network.parameterBlocks }
    public var parameterVector: [Double] { network.parameterVector.map(Double.init) }
    public mutating func setParameterVector(_ θ: [Double]) { network.setParameterVector(θ.map { Float($0) }) }
    public var modelDescription: String { description }
    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] {
        energies(X.scalars, rows: X.rows).map { -Double($0) }
    }
    public var continuousEnergy: any ContinuousEnergy { self }
}

extension MultilayerPerceptron {
    /// "W0" (d₁ × d₀), "b0" (d₁), "W1", "b1", …, in the order of `parameterVector`.
    public var parameterBlocks: [ParameterBlock] {
        ParameterBlockLayout.layers(dims)
    }
}

enum ParameterBlockLayout {
    static func layers(_ dims: [Int]) -> [ParameterBlock] {
        var blocks: [(name: String, shape: [Int])] = []
        for l in 0..<(dims.count - 1) {
            blocks.append(("W\(l)", [dims[l + 1], dims[l]]))
            blocks.append(("b\(l)", [dims[l + 1]]))
        }
        return layoutParameterBlocks(blocks)
    }
}

/// The closed forms share one conformance: no trainable parameters.
public protocol ClosedFormEnergyModel: ClosedFormEnergy, ExactLikelihoodModel, DifferentiableEnergyModel {}

extension ClosedFormEnergyModel {
    public var parameterBlocks: [ParameterBlock] { [] }
    public var parameterVector: [Double] { [] }
    public mutating func setParameterVector(_ θ: [Double]) {
        precondition(θ.isEmpty, "a closed-form energy has no trainable parameters")
    }
    public var modelDescription: String { description }
    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] {
        energies(X.scalars, rows: X.rows).map { -Double($0) }
    }
    public var continuousEnergy: any ContinuousEnergy { self }
    public func exactLogPartitionFunction() throws -> Double { logPartitionFunction }
}

extension GaussianEnergy: ClosedFormEnergyModel {}
extension MixtureEnergy: ClosedFormEnergyModel {}
extension DoubleWellEnergy: ClosedFormEnergyModel {}

extension ScoreModel: ScoreFunctionModel {
    public var parameterBlocks: [ParameterBlock] { network.parameterBlocks }
    public var parameterVector: [Double] { network.parameterVector.map(Double.init) }
    public mutating func setParameterVector(_ θ: [Double]) { network.setParameterVector(θ.map { Float($0) }) }
    public var modelDescription: String {
        "score model, widths \(network.dims.map(String.init).joined(separator: " → "))"
    }
    public func scores(_ X: [Float], rows n: Int, sigma: Float) -> [Float] {
        scores(X, rows: n, sigma: [Float](repeating: sigma, count: n))
    }
    public var noiseLevels: [Double] { sigmas }
}
