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
        out += "  ‖∇‖ = \(formatNumber(c.exactNorm, digits: 6)) (exact); ‖ḡ − ∇‖ of the mean ḡ of the repeats; bias = ‖E[ĝ] − ∇‖ estimated\n"
            + "  with the noise taken out, √max(0, ‖ḡ − ∇‖² − var/repeats), ± √(var/repeats), the noise of the mean; sd = √E‖ĝ − E[ĝ]‖²\n"
        let rows = c.rows.map { r in
            // A bias the noise hides is not 0: say how small it is known to be.
            let belowNoise = r.bias == 0
            return [r.name, formatNumber(r.rawDistance, digits: 3),
                    belowNoise ? "below the noise (< \(formatNumber(r.biasNoise, digits: 2)))"
                               : formatNumber(r.bias, digits: 3) + " ± " + formatNumber(r.biasNoise, digits: 2),
                    belowNoise ? "< " + formatNumber(r.biasNoise / c.exactNorm, digits: 2) : formatNumber(r.bias / c.exactNorm, digits: 3),
                    formatNumber(r.variance.squareRoot(), digits: 3),
                    formatNumber(r.cosine, digits: 4)]
        }
        out += Table(header: ["estimator", "‖ḡ − ∇‖", "bias", "bias / ‖∇‖", "sd", "cos(E[ĝ], ∇)"], rows: rows).text.dropLast()
        return out
    }

    public var propertyNames: [String] { ["bias", "bias_noise", "raw_distance", "sd", "names", "exact_norm"] }

    public func property(_ name: String) throws -> Value? {
        let rows = comparison.rows
        switch name {
        case "bias": return .list(rows.map { .number($0.bias) })
        case "bias_noise": return .list(rows.map { .number($0.biasNoise) })
        case "raw_distance": return .list(rows.map { .number($0.rawDistance) })
        case "sd": return .list(rows.map { .number($0.variance.squareRoot()) })
        case "names": return .list(rows.map { .string($0.name) })
        case "exact_norm": return .number(comparison.exactNorm)
        default: return nil
        }
    }
}

