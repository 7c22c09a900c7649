/// A model parameter that is NaN or ±inf.
///
/// log Z = logsumexp over states of terms that hold the parameter: with +inf in W the terms are
/// inf − inf = NaN or +inf, and an unguarded logsumexp returns −inf or NaN and a log-likelihood
/// of +inf. Exact quantities refuse such a model and name the parameter instead.
public struct NonFiniteParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter as the model's properties name it: "W[0,1]", "b[2]".
    public var name: String
    public var value: Double

    public init(name: String, value: Double) { (self.name, self.value) = (name, value) }

    public var description: String {
        "the model's parameter \(name) is \(value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")), so log Z and every likelihood are undefined"
    }
}

extension ParameterizedModel {
    /// Throws for the first entry of θ that is NaN or ±inf, named by its block as users index
    /// it ("W[1,2]" of an RBM's H × D weights, "W[0,2]" of a Boltzmann machine's pair weights,
    /// "b[2]"). Written once over `parameterVector`, so every family refuses the same way.
    public func requireFiniteParameters() throws(NonFiniteParameterError) {
        let θ = parameterVector
        guard let k = θ.firstIndex(where: { !$0.isFinite }) else { return }
        throw NonFiniteParameterError(name: parameterEntryName(k), value: θ[k])
    }
}
