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

    /// A ladder placed for swap acceptance `target` on every gap, from the acceptance `acceptance`
    /// measured on `betas`, changing the number of levels as needed (at most `maxLevels`).
    ///
    /// When the energy at β is roughly Gaussian with standard deviation σ(β), the swap acceptance
    /// of a gap is a = erfc(Δβ σ / 2) (Predescu, Predescu and Ciobanu 2004; Kone and Kofke 2005),
    /// so ℓ = erfc⁻¹(a) = Δβ σ / 2 is a length that adds up along β. The ladder's total length
    /// L = Σₖ ℓₖ then needs n ≈ L / erfc⁻¹(target) gaps (a whole number: the one either side whose
    /// acceptance erfc(L/n) is nearer the target), placed at equal lengths L/n (σ taken
    /// constant within each measured gap). Gaps never seen to swap count as a = 0.001, so a few
    /// rounds of measure-and-replace are needed when the first ladder is far too coarse.
    /// Returns the ladder and whether the target can be met: false when it needs more than
    /// `maxLevels` levels, or when even 2 levels swap more often than `target`.
    public static func placed(_ betas: [Double], acceptance: [Double], target: Double,
                              maxLevels: Int) -> (betas: [Double], reachable: Bool) {
        precondition(acceptance.count == betas.count - 1 && target > 0 && target < 1 && maxLevels >= 2,
                     "one acceptance rate per gap, a target in (0, 1), at least 2 levels")
        let lengths = acceptance.map { a in inverseErfc(Swift.min(Swift.max(a.isNaN ? target : a, 0.001), 0.999)) }
        let total = lengths.reduce(0, +)
        // Whole gaps only: of the counts either side of L / erfc⁻¹(target), the one whose
        // acceptance erfc(L / n) is nearer the target.
        let ratio = total / inverseErfc(target)
        let candidates = Set([Swift.max(Int(ratio.rounded(.down)), 1), Swift.max(Int(ratio.rounded(.up)), 1)])
        let needed = candidates.min { Swift.abs(Glibc.erfc(total / Double($0)) - target) < Swift.abs(Glibc.erfc(total / Double($1)) - target) } ?? 1
        let gaps = Swift.min(needed, maxLevels - 1)
        var out = [betas[0]]
        var k = 0, before = 0.0   // the old gap k holds lengths [before, before + lengths[k]]
        for j in 1..<gaps {
            let at = total * Double(j) / Double(gaps)
            while k < lengths.count - 1 && before + lengths[k] < at { before += lengths[k]; k += 1 }
            let f = lengths[k] > 0 ? Swift.min(Swift.max((at - before) / lengths[k], 0), 1) : 0
            let beta = betas[k] + f * (betas[k + 1] - betas[k])
            if beta > out[out.count - 1] && beta < 1 { out.append(beta) }
        }
        out.append(1)
        // Unreachable: more levels than allowed, or a single gap already swaps above the target.
        return (out, needed <= maxLevels - 1 && total >= inverseErfc(target) / 2)
    }

    /// erfc⁻¹(y) for y in (0, 2), by bisection on erfc (decreasing).
    static func inverseErfc(_ y: Double) -> Double {
        var (lo, hi) = (-6.0, 6.0)
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if Glibc.erfc(mid) > y { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
