import COpenBLAS
import Glibc

/// An exact DBN sum would be too large to enumerate.
public struct DBNEnumerationTooLarge: Error, CustomStringConvertible, Equatable, Sendable {
    /// What could not be enumerated, e.g. "h^(1) has 500 units".
    public let reason: String
    public var description: String {
        "exact sums over a DBN's states are out of reach: \(reason); "
            + "estimate instead (elbo with AIS for the top RBM's log Z and samples of q)"
    }
}

/// Exact marginals, log-likelihoods and the bound (13.3) of a small DBN by enumeration, in
/// float64 (003, §13.3).
///
/// The prior of each hidden level comes down the network: the top RBM's marginal
///
///     log p(h^(L−1)) = F_top(h^(L−1)) − log Z_top,   F the free energy of 003 §13.2,
///
/// then, for l = L−1 … 1, one level at a time,
///
///     log p(h^(l−1)) = logsumexp_{h^(l)} [ log p(h^(l)) + log P(h^(l−1) | h^(l)) ],
///     log P(u | v) = Σᵢ uᵢ zᵢ − softplus(zᵢ),   z = c^(l) + W^(l)ᵀ v,
///
/// with h^(0) = x giving log p(x). Every level's sum is blocked dgemm products (states of the
/// upper level in blocks of 1024, rows of the lower level in blocks of 256).
extension DeepBeliefNetwork {
    /// Enumerated levels have at most this many units (a table of 2^22 log-probabilities).
    public static let enumerationLimitUnits = 22
    /// An exact sum is refused when rows · 2^(upper units) · (lower units) exceeds this.
    public static let enumerationBudget = 1 << 34

    /// log p(h^(level)) for all 2^(n_level) states of level `level` (1 ≤ level ≤ L), state index
    /// s with bit i = unit i. Level L is the top RBM's marginal of its upper units, level L − 1
    /// its marginal of its lower units, and lower levels come down the belief net.
    /// Throws `DBNEnumerationTooLarge` when a level is too wide or a sum too long.
    public func exactLogPrior(level: Int) throws -> [Double] {
        precondition(level >= 1 && level <= depth, "level must be 1…\(depth), got \(level)")
        let size = sizes[level]
        guard size <= Self.enumerationLimitUnits else {
            throw DBNEnumerationTooLarge(reason: "h^(\(level)) has \(size) units (the limit is \(Self.enumerationLimitUnits))")
        }
        if level >= depth - 1 {
            // The top RBM's marginal over one of its layers: e^term / Z with log Z the same sum.
            let side: RBMLayer = level == depth ? .hidden : .visible
            let other = level == depth ? top.visible : top.hidden
            guard Double(1 << size) * Double(other) <= Double(Self.enumerationBudget) else {
                throw DBNEnumerationTooLarge(reason: "the top RBM's marginal of h^(\(level)) needs 2^\(size) × \(other) terms")
            }
            let enumeration = try LayerEnumeration(top, over: side)
            var table = [Double]()
            table.reserveCapacity(1 << size)
            enumeration.forEachBlock { _, _, terms in table.append(contentsOf: terms) }
            let logZ = table.withUnsafeBufferPointer { ElementwiseKernels.logSumExp($0) }
            for s in table.indices { table[s] -= logZ }
            return table
        }
        let above = try exactLogPrior(level: level + 1)
        let states = Self.allStates(size)
        return try BeliefLayerSum(layers[level], name: level + 1).logMarginal(rows: states, count: 1 << size, upperLogPrior: above)
    }

    /// log p(x) of every row of `data` (n × D), exactly. A 1-layer DBN is its RBM: F(x) − log Z.
    public func exactLogLikelihoods(_ data: Tensor) throws -> [Double] {
        checkData(data)
        if depth == 1 {
            let logZ = try top.logPartitionFunction()
            return ExactParameters(top).freeEnergy(data).map { $0 - logZ }
        }
        let prior = try exactLogPrior(level: 1)
        return try BeliefLayerSum(layers[0], name: 1).logMarginal(rows: data.scalars.map(Double.init), count: data.rows, upperLogPrior: prior)
    }

    /// The mean log-likelihood (1/n) Σ log p(x), exactly.
    public func exactLogLikelihood(_ data: Tensor) throws -> Double {
        let v = try exactLogLikelihoods(data)
        return v.reduce(0, +) / Double(v.count)
    }

    /// The bound (13.3) with q(h^(1) | x) = Πⱼ σ(aⱼ)^hⱼ (1 − σ(aⱼ))^(1−hⱼ), a = b^(1) + W^(1)x (or
    /// r + Rx after up-down), the first layer's posterior, exactly, by enumerating h^(1):
    ///
    ///     ELBO(x) = Σ_h q(h|x) [log p(h) + log P(x | h)] − Σ_h q(h|x) log q(h|x)
    ///
    /// with log p(h) from `exactLogPrior(level: 1)`, beside the exact log p(x); the gap
    /// log p(x) − ELBO(x) = KL(q(h|x) ‖ p(h|x)) ≥ 0. Means over the rows of `data`.
    public func exactEvidenceLowerBound(_ data: Tensor) throws -> DBNExactBound {
        checkData(data)
        let prior = try exactLogPrior(level: 1)
        let X = data.scalars.map(Double.init)
        let sum = BeliefLayerSum(layers[0], name: 1)
        let logLikelihoods = depth == 1
            ? try exactLogLikelihoods(data)
            : try sum.logMarginal(rows: X, count: data.rows, upperLogPrior: prior)
        let q = ExactParameters(recognitionMachine(1))
        let A = q.hiddenInputs(X, rows: data.rows)   // n × n_1 logits of q
        let terms = try sum.expectations(rows: X, count: data.rows, upperLogPrior: prior, logits: A)
        let n = Double(data.rows)
        var entropy = 0.0
        for a in A { entropy += ElementwiseKernels.softplus(a) - ElementwiseKernels.sigmoid(a) * a }
        let meanPrior = terms.prior.reduce(0, +) / n, meanConditional = terms.conditional.reduce(0, +) / n
        let perRow = (0..<data.rows).map { r in
            var h = 0.0
            for j in 0..<sizes[1] { let a = A[r * sizes[1] + j]; h += ElementwiseKernels.softplus(a) - ElementwiseKernels.sigmoid(a) * a }
            return terms.prior[r] + terms.conditional[r] + h
        }
        return DBNExactBound(elbo: meanPrior + meanConditional + entropy / n,
                             logLikelihood: logLikelihoods.reduce(0, +) / n,
                             expectedLogPrior: meanPrior, expectedLogConditional: meanConditional,
                             entropy: entropy / n, elbos: perRow, logLikelihoods: logLikelihoods)
    }

    /// The 2^n states of n units as rows of 0/1 (bit i of the index is unit i), float64.
    static func allStates(_ n: Int) -> [Double] {
        var U = [Double](repeating: 0, count: (1 << n) * n)
        for s in 0..<(1 << n) { for i in 0..<n where (s >> i) & 1 == 1 { U[s * n + i] = 1 } }
        return U
    }

    private func checkData(_ data: Tensor) {
        precondition(data.rank == 2 && data.shape[1] == visible && data.shape[0] > 0,
                     "DBN likelihoods need an n × \(visible) matrix with n ≥ 1, got \(data.shape)")
    }
}

/// The exact bound (13.3), means over the rows, and the exact log-likelihood beside it.
public struct DBNExactBound: Sendable, Equatable {
    /// (1/n) Σ ELBO(x).
    public var elbo: Double
    /// (1/n) Σ log p(x).
    public var logLikelihood: Double
    /// (1/n) Σ E_q[log p(h^(1))].
    public var expectedLogPrior: Double
    /// (1/n) Σ E_q[log P(x | h^(1))].
    public var expectedLogConditional: Double
    /// (1/n) Σ H(q(h^(1) | x)).
    public var entropy: Double
    /// ELBO(x) of every row.
    public var elbos: [Double]
    /// log p(x) of every row.
    public var logLikelihoods: [Double]
    /// log p(x) − ELBO = mean KL(q(h^(1)|x) ‖ p(h^(1)|x)) ≥ 0.
    public var gap: Double { logLikelihood - elbo }
}

/// Sums over all states v of the upper level of a belief-net layer with
/// P(u | v) = Πᵢ σ(zᵢ)^uᵢ (1 − σ(zᵢ))^(1−uᵢ), z = c + Wᵀv, for rows u of the lower level.
struct BeliefLayerSum {
    let a: Int, b: Int          // lower and upper units
    let W: [Double], c: [Double]
    let name: Int
    static let upperBlock = 1024, rowBlock = 256

    init(_ layer: RestrictedBoltzmannMachine, name: Int) {
        (a, b, W, c, self.name) = (layer.visible, layer.hidden, layer.W.map(Double.init), layer.c.map(Double.init), name)
    }

    private func check(rows m: Int) throws {
        guard b <= DeepBeliefNetwork.enumerationLimitUnits else {
            throw DBNEnumerationTooLarge(reason: "h^(\(name)) has \(b) units (the limit is \(DeepBeliefNetwork.enumerationLimitUnits))")
        }
        guard Double(m) * Double(1 << b) * Double(a) <= Double(DeepBeliefNetwork.enumerationBudget) else {
            throw DBNEnumerationTooLarge(reason: "layer \(name) needs \(m) rows × 2^\(b) states × \(a) units of work")
        }
    }

    /// Calls `body(rows, states, G, V)` with G (rows.count × states.count, row-major) holding
    /// log P(u_r | v_s) and V the states as 0/1 rows (states.count × b).
    private func visit(rows U: [Double], count m: Int,
                       _ body: (Range<Int>, Range<Int>, UnsafeMutablePointer<Double>, UnsafePointer<Double>) -> Void) {
        let total = 1 << b
        let vb = Swift.min(total, Self.upperBlock)
        let V = UnsafeMutablePointer<Double>.allocate(capacity: vb * b)
        let Z = UnsafeMutablePointer<Double>.allocate(capacity: vb * a)
        let G = UnsafeMutablePointer<Double>.allocate(capacity: Self.rowBlock * vb)
        var S = [Double](repeating: 0, count: vb)
        defer { V.deallocate(); Z.deallocate(); G.deallocate() }
        var start = 0
        while start < total {
            let count = Swift.min(vb, total - start)
            for s in 0..<count {
                for j in 0..<b { V[s * b + j] = Double(((start + s) >> j) & 1) }
                for i in 0..<a { Z[s * a + i] = c[i] }
            }
            // Z = c + V W (count × a), S_v = Σᵢ softplus(z_vi).
            W.withUnsafeBufferPointer { w in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(count), blasint(a), blasint(b),
                            1, V, blasint(b), w.baseAddress, blasint(a), 1, Z, blasint(a))
            }
            for s in 0..<count {
                var t = 0.0
                for i in 0..<a { t += ElementwiseKernels.softplus(Z[s * a + i]) }
                S[s] = t
            }
            var r0 = 0
            while r0 < m {
                let rc = Swift.min(Self.rowBlock, m - r0)
                // G = U_rows Zᵀ − S: log P(u | v) = Σᵢ uᵢ zᵢ − softplus(zᵢ).
                U.withUnsafeBufferPointer { u in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rc), blasint(count), blasint(a),
                                1, u.baseAddress! + r0 * a, blasint(a), Z, blasint(a), 0, G, blasint(count))
                }
                for r in 0..<rc { for s in 0..<count { G[r * count + s] -= S[s] } }
                body(r0..<(r0 + rc), start..<(start + count), G, V)
                r0 += rc
            }
            start += count
        }
    }

    /// log Σ_v p(v) P(u | v) for every row u (m × a), p(v) given as the log table `upperLogPrior`.
    func logMarginal(rows U: [Double], count m: Int, upperLogPrior lp: [Double]) throws -> [Double] {
        try check(rows: m)
        precondition(lp.count == 1 << b && U.count == m * a)
        var maximum = [Double](repeating: -.infinity, count: m), scaled = [Double](repeating: 0, count: m)
        visit(rows: U, count: m) { rows, states, G, _ in
            let width = states.count
            for (k, r) in rows.enumerated() {
                let g = G + k * width
                var blockMax = -Double.infinity
                for s in 0..<width { g[s] += lp[states.lowerBound + s]; if g[s] > blockMax { blockMax = g[s] } }
                guard blockMax.isFinite else { continue }
                if blockMax > maximum[r] {
                    scaled[r] *= Glibc.exp(maximum[r] - blockMax)
                    maximum[r] = blockMax
                }
                var t = 0.0
                for s in 0..<width { t += Glibc.exp(g[s] - maximum[r]) }
                scaled[r] += t
            }
        }
        return (0..<m).map { maximum[$0] + log(scaled[$0]) }
    }

    /// Σ_v q(v | u) log p(v) and Σ_v q(v | u) log P(u | v) for every row u, with the factorial
    /// q(v | u) = e^(vᵀA_u − Σⱼ softplus(A_uj)) given by its logits A (m × b).
    func expectations(rows U: [Double], count m: Int, upperLogPrior lp: [Double], logits A: [Double])
        throws -> (prior: [Double], conditional: [Double]) {
        try check(rows: m)
        precondition(lp.count == 1 << b && U.count == m * a && A.count == m * b)
        var prior = [Double](repeating: 0, count: m), conditional = [Double](repeating: 0, count: m)
        let S = (0..<m).map { r in (0..<b).reduce(0.0) { $0 + ElementwiseKernels.softplus(A[r * b + $1]) } }
        let Q = UnsafeMutablePointer<Double>.allocate(capacity: Self.rowBlock * Self.upperBlock)
        defer { Q.deallocate() }
        visit(rows: U, count: m) { rows, states, G, V in
            let width = states.count
            // Q = A_rows Vᵀ: log q(v | u) + S_u.
            A.withUnsafeBufferPointer { ap in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows.count), blasint(width), blasint(b),
                            1, ap.baseAddress! + rows.lowerBound * b, blasint(b), V, blasint(b), 0, Q, blasint(width))
            }
            for (k, r) in rows.enumerated() {
                var p = 0.0, cnd = 0.0
                for s in 0..<width {
                    let q = Glibc.exp(Q[k * width + s] - S[r])
                    p += q * lp[states.lowerBound + s]
                    cnd += q * G[k * width + s]
                }
                prior[r] += p
                conditional[r] += cnd
            }
        }
        return (prior, conditional)
    }
}
