/// Counting chains whose states stopped being numbers.
///
/// A Langevin step too large for the energy's curvature makes x − (ε/2)∇E(x) overshoot further
/// each step until it overflows to ±inf and then NaN; a Gibbs chain on a model with non-finite
/// weights draws from NaN probabilities. Moments of such states are NaN, and NaN fails every
/// comparison, so a test like |z| > 3 passes silently. Samplers count these chains so printing
/// can say so and statistics can refuse them.
public enum NonFiniteStates {
    /// How many of the `rows` rows of `values` (row-major, `values.count / rows` wide) hold a NaN
    /// or ±inf.
    public static func rows(_ values: [Float], rows: Int) -> Int {
        guard rows > 0, !values.isEmpty else { return 0 }
        let width = values.count / rows
        guard width > 0 else { return 0 }
        var count = 0
        values.withUnsafeBufferPointer { v in
            for r in 0..<rows {
                for i in 0..<width where !v[r * width + i].isFinite { count += 1; break }
            }
        }
        return count
    }

    /// The number of rows of a matrix (or 1 for a vector) that hold a NaN or ±inf.
    public static func rows(_ t: Tensor) -> Int {
        t.rank == 2 ? rows(t.scalars, rows: t.shape[0]) : (t.scalars.allSatisfy(\.isFinite) ? 0 : 1)
    }
}

/// Thrown by statistics of chains that hold non-finite states: their moments are NaN, and a
/// comparison with NaN would pass silently.
public struct NonFiniteChainsError: Error, Sendable, CustomStringConvertible {
    /// Chains (or sample rows) holding NaN or ±inf, out of `total`.
    public var count: Int
    public var total: Int
    /// The step at which the first one appeared, when snapshots show it.
    public var firstStep: Int?

    public init(count: Int, total: Int, firstStep: Int? = nil) {
        (self.count, self.total, self.firstStep) = (count, total, firstStep)
    }

    public var description: String {
        "\(count) of \(total) chain\(total == 1 ? "" : "s") hold NaN or ±inf"
            + (firstStep.map { " (the first by step \($0))" } ?? "")
    }
}

extension LangevinRun {
    /// Chains whose final state holds NaN or ±inf.
    public var nonFiniteChains: Int { NonFiniteStates.rows(final, rows: chains) }

    /// The first kept step at which some chain held NaN or ±inf, or nil if none did.
    public var firstNonFiniteStep: Int? {
        snapshots.first { NonFiniteStates.rows($0.states, rows: chains) > 0 }?.step
    }

    /// Throws when any chain ended non-finite, so moments are never computed from NaN.
    public func requireFiniteStates() throws(NonFiniteChainsError) {
        let n = nonFiniteChains
        if n > 0 { throw NonFiniteChainsError(count: n, total: chains, firstStep: firstNonFiniteStep) }
    }
}

extension ChainSnapshot {
    /// Chains whose probabilities p(x | h) (or states) hold NaN or ±inf: the model's parameters
    /// are not finite.
    public var nonFiniteChains: Int {
        Swift.max(NonFiniteStates.rows(probabilities), NonFiniteStates.rows(samples))
    }
}
