import EBM

/// The result of `gradcheck(...)`: analytic against finite differences, per parameter.
public struct GradientCheckValue: ScriptObject {
    public var check: FiniteDifferenceCheck

    public var kindName: String { "gradcheck" }
    public var summary: String {
        "\(check.components.count) of \(check.parameterCount) parameters, \(check.passed ? "all agree" : "SOME DISAGREE")"
    }

    public func render(_ format: ValueFormat) -> String {
        let rows = check.components.map { c in
            [c.name, formatNumber(c.analytic, digits: 8), formatNumber(c.numeric, digits: 8), c.passed ? "✓" : "✗"]
        }
        var out = "gradient check: \(check.components.count) of \(check.parameterCount) parameters, "
            + "central differences with h = \(formatNumber(check.step))\n"
        out += Table(header: ["parameter", "analytic", "finite difference", ""], rows: rows).text
        let notNumbers = check.components.filter { $0.analytic.isNaN || $0.numeric.isNaN }.count
        out += check.passed
            ? "all agree to \(formatNumber(FiniteDifferenceCheck.tolerance)) relative"
            : notNumbers > 0
            ? "SOME DISAGREE: \(notNumbers) of \(check.components.count) have a NaN gradient or finite difference (is the function finite at and around this point?)"
            : "SOME DISAGREE: the largest difference is \(formatNumber(check.largestDifference, digits: 3))"
        return out
    }

    public var propertyNames: [String] { ["ok", "largest_difference", "count"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "ok": return .bool(check.passed)
        case "largest_difference": return .number(check.largestDifference)
        case "count": return .number(Double(check.components.count))
        default: return nil
        }
    }
}
