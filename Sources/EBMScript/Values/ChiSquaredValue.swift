import EBM

/// The result of `compare(chain, model)` for a gibbs chain: Pearson's χ² test of the chain's
/// snapshots against the exact p(x) of an enumerable binary model (`ChiSquaredTest`, the same
/// test `tempered` prints for its β = 1 samples).
public struct ChiSquaredValue: ScriptObject {
    public var test: ChiSquaredTest
    /// What was tested, for the header ("4100 snapshots of 1 gibbs chain (steps 10…41000)").
    public var what: String
    /// The model's description ("an RBM").
    public var against: String

    public var kindName: String { "chi2 test" }
    public var summary: String { "χ² = \(formatNumber(test.statistic, digits: 5)), p = \(formatNumber(test.pValue, digits: 3))" }

    public func render(_ format: ValueFormat) -> String {
        "χ² test of \(what) against the exact p(x) of \(against): \(formatNumber(test.statistic, digits: 5)) on "
            + "\(test.degreesOfFreedom) degrees of freedom, p = \(formatNumber(test.pValue, digits: 3))\n"
            + (test.pValue < 0.01
                ? "the samples do not follow p(x) (p < 0.01): the chain has not mixed between the model's modes, or its snapshots are too close together"
                : "the samples are consistent with p(x) (p ≥ 0.01)")
    }

    public var propertyNames: [String] { ["chi2", "p_value", "dof", "samples"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "chi2": return .number(test.statistic)
        case "p_value": return .number(test.pValue)
        case "dof": return .number(Double(test.degreesOfFreedom))
        case "samples": return .number(Double(test.samples))
        default: return nil
        }
    }
}
