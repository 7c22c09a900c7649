import Glibc

/// A temperature ladder: inverse temperatures β₀ < β₁ < … < β_{K−1} = 1, hottest first.
public enum TemperatureLadder {
    /// The ways a ladder is given.
    public enum Spec: Sendable, Equatable {
        /// Exactly these β (ascending, ending at 1).
        case list([Double])
        /// K levels βₖ = βmin^((K − 1 − k)/(K − 1)), evenly spaced in log β from βmin to 1 (with
        /// βmin = 0 the first level is 0 and the others geometric from 1/K … 1: log 0 is not a level).
        case geometric(levels: Int, smallest: Double)
    }

    /// Errors of a ladder a user gave.
    public struct Invalid: Error, CustomStringConvertible, Equatable, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// The β of `spec`, checked: ascending, in [smallestBeta, 1], ending at 1, at least 2 levels.
    public static func betas(_ spec: Spec, smallestBeta: Double = 0) throws -> [Double] {
        let betas: [Double]
        switch spec {
        case .list(let b):
            betas = b
        case .geometric(let K, let smallest):
            guard K >= 2 else { throw Invalid(message: "a ladder needs at least 2 levels, got \(K)") }
            guard smallest >= 0 && smallest < 1 else {
                throw Invalid(message: "the smallest β of a geometric ladder must be in [0, 1), got \(smallest)")
            }
            if smallest == 0 {
                let rest = geometric(levels: K - 1, smallest: 1 / Double(K))
                betas = [0] + rest
            } else {
                betas = geometric(levels: K, smallest: smallest)
            }
        }
        guard betas.count >= 2 else { throw Invalid(message: "a ladder needs at least 2 inverse temperatures, got \(betas.count)") }
        guard betas.last == 1 else { throw Invalid(message: "a ladder must end at β = 1 (the model itself), got \(betas.last ?? .nan)") }
        for k in 1..<betas.count where !(betas[k] > betas[k - 1]) {
            throw Invalid(message: "the inverse temperatures must increase strictly, but β\(k - 1) = \(betas[k - 1]) and β\(k) = \(betas[k])")
        }
        guard let first = betas.first, first >= smallestBeta, first >= 0, smallestBeta <= 0 || first > 0 else {
            throw Invalid(message: smallestBeta > 0
                ? "this model lives on ℝᵈ, where e^(−0·E) cannot be normalised: the smallest β must be above 0, got \(betas[0])"
                : "inverse temperatures must be ≥ 0, got \(betas[0])")
        }
        return betas
    }

    static func geometric(levels K: Int, smallest: Double) -> [Double] {
        guard K >= 2 else { return [1] }
        return (0..<K).map { k in k == K - 1 ? 1 : Glibc.pow(smallest, Double(K - 1 - k) / Double(K - 1)) }
    }

    /// One adaptation step towards equal swap acceptance (after Kone and Kofke 2005: the swap
    /// rate of a gap falls with its width): each gap βₖ₊₁ − βₖ is multiplied by
    /// e^(rate · (aₖ − target)) and the gaps are rescaled so β₀ and β_{K−1} = 1 stay put. A gap
    /// whose swaps are accepted more often than `target` widens, one accepted less narrows.
    public static func adapted(_ betas: [Double], acceptance: [Double], target: Double, rate: Double = 1) -> [Double] {
        precondition(acceptance.count == betas.count - 1, "one acceptance rate per gap")
        var gaps = (0..<(betas.count - 1)).map { (betas[$0 + 1] - betas[$0]) * Glibc.exp(rate * (acceptance[$0] - target)) }
        let span = betas[betas.count - 1] - betas[0]
        let total = gaps.reduce(0, +)
        gaps = gaps.map { $0 * span / total }
        var out = [betas[0]]
        for g in gaps { out.append(out[out.count - 1] + g) }
        out[out.count - 1] = 1
        return out
    }
}
