import Glibc

/// Exact sums over all 2ⁿ states of a fully visible Boltzmann machine.
///
/// States are visited in Gray-code order, so consecutive states differ in one unit k and
/// log p̃ changes by ±aₖ (aₖ = bₖ + Σⱼ wₖⱼxⱼ, unchanged by xₖ itself because wₖₖ = 0): each state
/// costs O(n) instead of the O(n²) of evaluating E(x) afresh.
extension FullyVisibleBoltzmannMachine {
    /// Exact sums visit at most 2^enumerationLimitExponent states.
    public static let enumerationLimitExponent = 24

    /// Calls `body(x, log p̃(x))` for every x ∈ {0,1}ⁿ (in Gray-code order). Throws
    /// `EnumerationTooLarge` above 2^24 states.
    public func forEachState(_ body: (UnsafeBufferPointer<Double>, Double) -> Void) throws {
        let n = units
        guard n <= Self.enumerationLimitExponent else {
            throw EnumerationTooLarge(exponent: n, limit: Self.enumerationLimitExponent)
        }
        var x = [Double](repeating: 0, count: n)
        var a = b   // aᵢ at x = 0
        var logTilde = 0.0
        x.withUnsafeMutableBufferPointer { xp in
            a.withUnsafeMutableBufferPointer { ap in
                W.withUnsafeBufferPointer { w in
                    body(UnsafeBufferPointer(xp), logTilde)
                    let total = 1 << n
                    var s = 1
                    while s < total {
                        let k = s.trailingZeroBitCount
                        let sign: Double = xp[k] == 0 ? 1 : -1
                        logTilde += sign * ap[k]
                        xp[k] = xp[k] == 0 ? 1 : 0
                        let row = k * n
                        for j in 0..<n { ap[j] += sign * w[row + j] }
                        body(UnsafeBufferPointer(xp), logTilde)
                        s += 1
                    }
                }
            }
        }
    }

    /// log Z = log Σₓ e^(−E(x)), exactly (float64, in log space).
    public func logPartitionFunction() throws -> Double {
        try requireFiniteParameters()
        var maximum = -Double.infinity
        try forEachState { _, l in maximum = Swift.max(maximum, l) }
        var sum = 0.0
        try forEachState { _, l in sum += exp(l - maximum) }
        return maximum + log(sum)
    }

    /// E_p[∇θ log p̃(x)] = Σₓ p(x) ∇θ log p̃(x) (000, eq 18.12): E_p[xᵢxⱼ] and E_p[xᵢ], in the
    /// layout of `parameterVector`.
    public func modelExpectation(logZ: Double? = nil) throws -> [Double] {
        let lz = try logZ ?? logPartitionFunction()
        let n = units
        var second = [Double](repeating: 0, count: n * n)
        var first = [Double](repeating: 0, count: n)
        try forEachState { x, l in
            let p = exp(l - lz)
            for i in 0..<n where x[i] != 0 {
                first[i] += p
                for j in (i + 1)..<Swift.max(i + 1, n) where x[j] != 0 { second[i * n + j] += p }
            }
        }
        var v: [Double] = []
        v.reserveCapacity(parameterCount)
        for i in 0..<n { for j in (i + 1)..<Swift.max(i + 1, n) { v.append(second[i * n + j]) } }
        return v + first
    }

    /// The mean of ∇θ log p̃(x) over the rows of `data`: the positive phase.
    public func dataExpectation(_ data: Tensor) -> [Double] {
        let rows = Self.rows(data, units: units)
        var v = [Double](repeating: 0, count: parameterCount)
        for x in rows {
            let g = gradientOfLogUnnormalized(x)
            for k in v.indices { v[k] += g[k] / Double(rows.count) }
        }
        return v
    }

    /// (1/N) Σ log p(x) = (1/N) Σ −E(x) − log Z over the rows of `data`, exactly.
    public func exactLogLikelihood(_ data: Tensor) throws -> Double {
        let lz = try logPartitionFunction()
        let rows = Self.rows(data, units: units)
        return rows.reduce(0) { $0 - energy($1) } / Double(rows.count) - lz
    }

    /// ∇θ of the mean log-likelihood: E_data[∇θ log p̃] − E_p[∇θ log p̃] (000, eq 18.4 with 18.12),
    /// exactly, in the layout of `parameterVector`.
    public func exactGradient(_ data: Tensor) throws -> [Double] {
        let positive = dataExpectation(data)
        let negative = try modelExpectation()
        return zip(positive, negative).map { $0 - $1 }
    }

    /// The mean pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) of the rows (exact, cheap: n logistics per row).
    public func meanPseudoLogLikelihood(_ data: Tensor) -> Double {
        let rows = Self.rows(data, units: units)
        return rows.reduce(0) { $0 + pseudoLogLikelihood($1) } / Double(rows.count)
    }

    /// The rows of an N × n matrix (values 0/1) as float64 vectors.
    static func rows(_ data: Tensor, units: Int) -> [[Double]] {
        precondition(data.rank == 2 && data.shape[1] == units && data.shape[0] > 0,
                     "data must be an N × \(units) matrix with N ≥ 1, got \(data.shape)")
        return (0..<data.shape[0]).map { r in (0..<units).map { Double(data.scalars[r * units + $0]) } }
    }
}
