/// A layer's unit type in a restricted Boltzmann machine, after RestrictedBoltzmannMachines.jl's
/// `src/layers/` (one file per unit type implementing the same few functions): the energy of a
/// layer's states, the cumulant generating function that sums a unit out of the free energy, and
/// the conditional means and samples given inputs, all over whole batches.
///
/// With inputs I (the other layer's contribution, e.g. Wx for the hidden layer) and biases θ, a
/// unit with states s has p(s | I) ∝ e^((θ + I)s) μ(s) over its base measure μ, and
///
///     Γ(θ + I) = log Σ_s e^((θ + I)s) μ(s)     (the cumulant generating function)
///
/// so that summing a layer out of p(x, h) adds Σⱼ Γ(bⱼ + Wⱼx) to the free energy (003, §13.2,
/// where Γ = softplus for binary units). The RBM's Gibbs chains, trainer, AIS and enumeration
/// call these; a Gaussian or ReLU layer is a new conformance, not a new model.
public protocol UnitLayer: Sendable {
    /// "binary", "gaussian", …: for printing and model files.
    var name: String { get }
    /// Γ(a) of one unit with total input a (bias included), float64.
    func cumulantGenerating(_ a: Double) -> Double
    /// In place over rows × columns: a ← E[s | a + θ], the conditional mean given the inputs
    /// plus the biases θ (one per column).
    func meanFromInputs(_ a: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>)
    /// out ← a sample from the unit's conditional whose mean is `means`, one stream per row.
    func sampleFromMeans(_ means: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                         generators: UnsafeMutablePointer<Xoshiro256StarStar>)
    /// What a unit's states (or means) may be: what data read as this layer's states must
    /// satisfy, checked by `UnitStates.check` in every command that reads such rows.
    var states: UnitStates { get }
    /// True when v is a possible state (or mean) of a unit: `states.allows(v)` unless told otherwise.
    func isInSupport(_ v: Float) -> Bool
    /// The layer's states as users should give them ("binary (0 or 1)"), for error messages.
    var supportDescription: String { get }
    /// Γ of unit `unit` (layers whose units differ, like Gaussian units with their own σᵢ).
    func cumulantGenerating(_ a: Double, unit: Int) -> Double
}

extension UnitLayer {
    /// Units of one layer share Γ unless the layer says otherwise.
    public func cumulantGenerating(_ a: Double, unit: Int) -> Double { cumulantGenerating(a) }
}

extension UnitLayer {
    public func isInSupport(_ v: Float) -> Bool { states.allows(v) }
}

/// Binary units s ∈ {0, 1}: Γ(a) = softplus(a) = log(1 + eᵃ), E[s | a] = σ(a), s ~ Bernoulli(σ(a)).
/// The layer of 003 §13.2 and of RestrictedBoltzmannMachines.jl's `src/layers/binary.jl`.
public struct BinaryUnits: UnitLayer, Equatable {
    public init() {}
    public var name: String { "binary" }

    @inline(__always)
    public func cumulantGenerating(_ a: Double) -> Double { ElementwiseKernels.softplus(a) }

    public func meanFromInputs(_ a: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        ElementwiseKernels.sigmoidAddingBias(a, rows: rows, columns: columns, bias: bias)
    }

    public func sampleFromMeans(_ means: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                generators: UnsafeMutablePointer<Xoshiro256StarStar>) {
        ElementwiseKernels.sampleBernoulli(probabilities: means, into: out, rows: rows, columns: columns, generators: generators)
    }

    /// Probabilities in [0, 1] are accepted too: RBMs train on grey levels read as p(x = 1).
    public var states: UnitStates { .unitInterval }
    public var supportDescription: String { "binary (values in [0, 1])" }
}
