/// A model small enough, or structured enough, to sum over its states exactly: log Z, the exact
/// mean log-likelihood, model expectations and the exact log-likelihood gradient (000, eq 18.4:
/// ∇θ log p(x) = ∇θ log p̃(x) − E_p[∇θ log p̃]).
///
/// Each method throws `EnumerationTooLarge` when the sum is beyond what is affordable; callers
/// turn that into advice to use an estimator (AIS, the pseudo-log-likelihood).
public protocol ExactlyEnumerable: EnergyModel {
    /// log₂ of the number of terms an exact sum takes (e.g. the smaller RBM layer).
    var enumerationExponent: Int { get }
    /// log Z = log Σₓ p̃(x), float64.
    func exactLogPartitionFunction() throws -> Double
    /// (1/n) Σ log p(x) over the rows of X.
    func exactMeanLogLikelihood(_ X: Tensor) throws -> Double
    /// ∇θ of the mean log-likelihood of X, laid out as `parameterVector`.
    func exactMeanLogLikelihoodGradient(_ X: Tensor) throws -> [Double]
    /// E_p[∇θ log p̃(x)], laid out as `parameterVector`: the negative phase, exactly.
    func exactModelExpectation() throws -> [Double]
}

/// A model with a pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) (Besag 1975), the cheap monitor of
/// binary models.
public protocol PseudoLikelihoodModel: EnergyModel {
    /// The mean over rows of Σᵢ log p(xᵢ | x₋ᵢ), all terms.
    func meanPseudoLogLikelihood(_ X: Tensor) -> Double
}

/// A continuous energy over ℝᵈ with ∇ₓE, the capability Langevin dynamics needs.
public protocol DifferentiableEnergyModel: EnergyModel {
    var continuousEnergy: any ContinuousEnergy { get }
}
