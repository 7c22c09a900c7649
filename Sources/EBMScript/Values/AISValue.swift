import EBM

/// The result of `ais(...)`: an estimate of log Z with its error bars, and the exact value beside
/// it when the model is small enough to enumerate.
public struct AISValue: ScriptObject {
    public var result: AnnealedImportanceSampling.Result
    public var exact: Double?
    /// The mean log-likelihood of `data` under the estimate, when data were given.
    public var logLikelihood: Double?
    /// Reverse AIS (from model samples to the base model): an estimate from above.
    public var reverse = false

    public var kindName: String { "ais" }
    public var summary: String { "log Z ≈ \(formatNumber(result.logZ, digits: 7)), \(result.runs) runs × \(result.temperatures) temperatures" }

    public func render(_ format: ValueFormat) -> String {
        var out = (reverse ? "reverse AIS (an estimate from above): " : "AIS: ") + "\(result.runs) runs × \(result.temperatures) temperatures\n"
        out += "log Z ≈ \(formatNumber(result.logZ, digits: 7))   (±3σ: \(formatNumber(result.lower, digits: 7)) to \(formatNumber(result.upper, digits: 7)))"
        out += "\nlog Z_A = \(formatNumber(result.logZBase, digits: 7)) (base-rate model), effective sample size \(formatNumber(result.effectiveSampleSize, digits: 4))"
        if let exact {
            let inside = result.lower <= exact && exact <= result.upper
            out += "\nexact log Z = \(formatNumber(exact, digits: 7)); AIS − exact = \(formatNumber(result.logZ - exact, digits: 3)) (\(inside ? "inside" : "outside") the error bars)"
        }
        if let logLikelihood { out += "\nmean log-likelihood of the data ≈ \(formatNumber(logLikelihood, digits: 7))" }
        return out
    }

    public var propertyNames: [String] { ["log_z", "lower", "upper", "exact", "loglik", "runs", "temperatures", "effective_sample_size", "reverse"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "log_z": return .number(result.logZ)
        case "lower": return .number(result.lower)
        case "upper": return .number(result.upper)
        case "exact": return exact.map(Value.number) ?? Value.none
        case "loglik": return logLikelihood.map(Value.number) ?? Value.none
        case "runs": return .number(Double(result.runs))
        case "temperatures": return .number(Double(result.temperatures))
        case "effective_sample_size": return .number(result.effectiveSampleSize)
        case "reverse": return .bool(reverse)
        default: return nil
        }
    }
}
