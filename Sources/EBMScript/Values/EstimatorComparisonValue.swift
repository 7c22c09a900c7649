import EBM

/// The result of `derive(..., derivation: "estimators")`: CD-k and PCD against the exact gradient.
public struct EstimatorComparisonValue: ScriptObject {
    public var comparison: GradientEstimatorComparison

    public var kindName: String { "estimators" }
    public var summary: String { "\(comparison.rows.count) estimators × \(comparison.repeats) repeats against the exact gradient" }

    public func render(_ format: ValueFormat) -> String {
        let c = comparison
        var out = "Gradient estimators against the exact gradient (003 §13.2: the bigger k, the less biased)\n"
        out += "  \(c.repeats) estimates each, \(c.chains) chains (one per data row); PCD after \(c.persistentBurnIn) steps of burn-in, "
            + "estimates \(GradientEstimatorComparison.persistentSpacingSteps) steps apart\n"
        out += "  ‖∇‖ = \(formatNumber(c.exactNorm, digits: 6)) (exact); bias = ‖E[ĝ] − ∇‖ ± √(var/repeats), the noise of the mean; sd = √E‖ĝ − E[ĝ]‖²\n"
        let rows = c.rows.map { r in
            [r.name, formatNumber(r.bias, digits: 3) + " ± " + formatNumber(r.biasNoise, digits: 2),
             formatNumber(r.bias / c.exactNorm, digits: 3), formatNumber(r.variance.squareRoot(), digits: 3),
             formatNumber(r.cosine, digits: 4)]
        }
        out += Table(header: ["estimator", "bias", "bias / ‖∇‖", "sd", "cos(E[ĝ], ∇)"], rows: rows).text.dropLast()
        return out
    }

    public var propertyNames: [String] { ["bias", "sd", "names", "exact_norm"] }

    public func property(_ name: String) throws -> Value? {
        let rows = comparison.rows
        switch name {
        case "bias": return .list(rows.map { .number($0.bias) })
        case "sd": return .list(rows.map { .number($0.variance.squareRoot()) })
        case "names": return .list(rows.map { .string($0.name) })
        case "exact_norm": return .number(comparison.exactNorm)
        default: return nil
        }
    }
}

