import Glibc

/// Pearson's χ² goodness-of-fit test of observed counts against expected probabilities, as the
/// samplers' checks use it: do a chain's visits to the states of an enumerable model match the
/// exact p(x)?
///
/// Cells whose expected count is below `minimumExpected` (5, the usual rule) are pooled into one
/// cell, so the χ² approximation holds. The p-value is Q(ν/2, χ²/2), the upper regularised
/// incomplete gamma function, with ν = cells − 1.
///
/// The test assumes independent draws: for Markov chain output, thin the samples to well beyond
/// the autocorrelation time, or the statistic is inflated.
public struct ChiSquaredTest: Sendable, Equatable {
    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double
    /// Samples counted.
    public var samples: Int

    /// counts[i] observations of cell i, expected probabilities p[i] (summing to 1).
    public init(counts: [Int], probabilities p: [Double], minimumExpected: Double = 5) {
        precondition(counts.count == p.count && !p.isEmpty, "one probability per cell")
        let n = counts.reduce(0, +)
        var stat = 0.0, cells = 0
        var pooledObserved = 0, pooledExpected = 0.0
        for (o, q) in zip(counts, p) {
            let e = q * Double(n)
            if e < minimumExpected {
                pooledObserved += o
                pooledExpected += e
            } else {
                stat += (Double(o) - e) * (Double(o) - e) / e
                cells += 1
            }
        }
        if pooledExpected > 0 {
            // An observation in a cell the model gives (almost) no mass counts fully.
            let e = Swift.max(pooledExpected, 1e-12)
            stat += (Double(pooledObserved) - e) * (Double(pooledObserved) - e) / e
            cells += 1
        }
        statistic = stat
        degreesOfFreedom = Swift.max(cells - 1, 1)
        pValue = Self.upperRegularizedGamma(Double(degreesOfFreedom) / 2, stat / 2)
        samples = n
    }

    /// Counts of binary rows (values 0/1) by state index Σᵢ xᵢ2ⁱ, then the test against
    /// `probabilities` indexed the same way.
    public init(binaryRows: [[Double]], probabilities: [Double]) {
        var counts = [Int](repeating: 0, count: probabilities.count)
        for x in binaryRows {
            var index = 0
            for (i, v) in x.enumerated() where v != 0 { index |= 1 << i }
            counts[index] += 1
        }
        self.init(counts: counts, probabilities: probabilities)
    }

    /// Q(a, x) = Γ(a, x)/Γ(a): the series for x < a + 1, the continued fraction (modified Lentz)
    /// otherwise (Press et al., Numerical Recipes, §6.2).
    public static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "Q(a, x) needs a > 0")
        if x <= 0 { return 1 }
        let logPrefactor = -x + a * Glibc.log(x) - Glibc.lgamma(a)
        if x < a + 1 {
            var sum = 1 / a, term = 1 / a, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if Swift.abs(term) < Swift.abs(sum) * 1e-15 { break }
            }
            return Swift.max(0, 1 - sum * Glibc.exp(logPrefactor))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if Swift.abs(d) < tiny { d = tiny }
            c = b + an / c
            if Swift.abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if Swift.abs(delta - 1) < 1e-15 { break }
        }
        return Swift.min(1, Glibc.exp(logPrefactor) * h)
    }
}
