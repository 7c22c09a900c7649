/// A model small enough, or structured enough, to sum over its states exactly: log Z, the exact
/// mean log-likelihood, model expectations and the exact log-likelihood gradient (000, eq 18.4:
/// ∇θ log p(x) = ∇θ log p̃(x) − E_p[∇θ log p̃]).
///
/// Each method throws `EnumerationTooLarge` when the sum is beyond what is affordable; callers
/// turn that into advice to use an estimator (AIS, the pseudo-log-likelihood).
public protocol ExactlyEnumerable: ExactLikelihoodModel {
    /// log₂ of the number of terms an exact sum takes (e.g. the smaller RBM layer).
    var enumerationExponent: Int { get }
    /// ∇θ of the mean log-likelihood of X, laid out as `parameterVector`.
    func exactMeanLogLikelihoodGradient(_ X: Tensor) throws -> [Double]
    /// E_p[∇θ log p̃(x)], laid out as `parameterVector`: the negative phase, exactly.
    func exactModelExpectation() throws -> [Double]
    /// The exact gradient against central finite differences of the exact log-likelihood, at
    /// `count` components picked with `seed` (float64 throughout, so float32 models evaluate the
    /// perturbed log-likelihood from float64 copies of their parameters).
    func finiteDifferenceCheck(_ X: Tensor, count: Int, seed: UInt64) throws -> FiniteDifferenceCheck
}

/// A model whose log Z, and so log p(x), is known exactly: by enumeration, or in closed form.
public protocol ExactLikelihoodModel: EnergyModel {
    /// log Z = log ∫ p̃(x) dx (or Σₓ), float64.
    func exactLogPartitionFunction() throws -> Double
    /// (1/n) Σ log p(x) over the rows of X.
    func exactMeanLogLikelihood(_ X: Tensor) throws -> Double
}

extension ExactLikelihoodModel {
    /// mean log p̃(x) − log Z.
    public func exactMeanLogLikelihood(_ X: Tensor) throws -> Double {
        let logZ = try exactLogPartitionFunction()
        let f = logUnnormalizedDensity(X)
        return f.reduce(0, +) / Double(Swift.max(f.count, 1)) - logZ
    }
}

extension ExactlyEnumerable {
    /// The generic check for float64 models: perturb θ through `setParameterVector`.
    public func finiteDifferenceCheck(_ X: Tensor, count: Int, seed: UInt64) throws -> FiniteDifferenceCheck {
        try FiniteDifferenceCheck.check(self, data: X, count: count, seed: seed)
    }
}

/// A model with a pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) (Besag 1975), the cheap monitor of
/// binary models.
public protocol PseudoLikelihoodModel: EnergyModel {
    /// The mean over rows of Σᵢ log p(xᵢ | x₋ᵢ), all terms.
    func meanPseudoLogLikelihood(_ X: Tensor) -> Double
    /// scikit-learn's stochastic estimate D · log p(xᵢ | x₋ᵢ) with one random i per row, when
    /// the model has one (nil otherwise).
    func estimatedPseudoLogLikelihood(_ X: Tensor, seed: UInt64) -> Double?
}

extension PseudoLikelihoodModel {
    public func estimatedPseudoLogLikelihood(_ X: Tensor, seed: UInt64) -> Double? { nil }
}

/// A continuous energy over ℝᵈ with ∇ₓE, the capability Langevin dynamics needs.
public protocol DifferentiableEnergyModel: EnergyModel {
    var continuousEnergy: any ContinuousEnergy { get }
}

/// A two-layer model whose exact sums can run over either layer (an RBM): the same log Z over
/// x or over h, which checks one against the other.
public protocol LayeredEnumeration: ExactlyEnumerable {
    /// log Z by enumerating `layer` (nil: the smaller one).
    func logPartitionFunction(enumerating layer: RBMLayer?) throws -> Double
}

/// A model whose log Z annealed importance sampling can estimate (Salakhutdinov and Murray 2008):
/// the estimator for models too large to enumerate.
public protocol AnnealedImportanceSamplable: EnergyModel {
    /// log Z by AIS from a base-rate model fitted to `data` (uniform without it); nil when stopped.
    func estimateLogPartitionFunction(_ ais: AnnealedImportanceSampling, data: Tensor?,
                                      shouldStop: () -> Bool) -> AnnealedImportanceSampling.Result?
    /// mean log p̃(x) − log Ẑ over the rows of `data`, with Ẑ from `result`.
    func meanLogLikelihood(_ data: Tensor, under result: AnnealedImportanceSampling.Result) -> Double
}
