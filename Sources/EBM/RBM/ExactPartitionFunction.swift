import COpenBLAS
import Glibc

/// Exact enumeration would need more terms than `RestrictedBoltzmannMachine.enumerationLimit`.
public struct EnumerationTooLarge: Error, CustomStringConvertible, Equatable, Sendable {
    /// The sum would have 2^exponent terms (exponent = units in the enumerated layer).
    public let exponent: Int
    /// The largest exponent allowed.
    public let limit: Int

    public var description: String {
        "exact log Z needs a sum over all 2^\(exponent) states of a layer of \(exponent) units, "
            + "more than the limit of 2^\(limit) terms; estimate log Z with annealed importance sampling (AIS) "
            + "or monitor the pseudo-log-likelihood instead"
    }
}

/// Which layer an exact sum runs over.
public enum RBMLayer: String, Sendable {
    case visible, hidden
}

/// The gradient of the mean log-likelihood, in float64, laid out like the parameters.
public struct RBMGradient: Sendable, Equatable {
    /// ∂/∂W, H × D row-major.
    public var W: [Double]
    /// ∂/∂b (H).
    public var b: [Double]
    /// ∂/∂c (D).
    public var c: [Double]
}

extension RestrictedBoltzmannMachine {
    /// Exact sums enumerate at most 2^enumerationLimitExponent states.
    public static let enumerationLimitExponent = 25

    /// log Z = log Σ_x Σ_h e^(−E(x, h)), exactly, in float64, by enumerating the smaller layer
    /// (or `layer`) in log space and summing the other one out analytically:
    ///
    ///     over h:  log Z = logsumexp_h [ bᵀh + Σᵢ softplus(cᵢ + (Wᵀh)ᵢ) ]
    ///     over x:  log Z = logsumexp_x F(x),   F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx)   (003, §13.2)
    ///
    /// Throws `EnumerationTooLarge` above 2^25 terms, `NonFiniteParameterError` for a NaN or ±inf parameter.
    public func logPartitionFunction(enumerating layer: RBMLayer? = nil) throws -> Double {
        try requireFiniteParameters()
        return try LayerEnumeration(self, over: layer ?? smallerLayer).logPartitionFunction()
    }

    /// (1/n) Σ_rows log p(x) = (1/n) Σ_rows F(x) − log Z, exactly, in float64.
    public func exactLogLikelihood(_ data: Tensor) throws -> Double {
        checkData(data)
        let logZ = try logPartitionFunction()
        let f = ExactParameters(self).freeEnergy(data)
        return f.reduce(0, +) / Double(f.count) - logZ
    }

    /// ∇ of the mean log-likelihood (003, eq 13.2 with ∇F from §13.2), exactly, in float64:
    ///
    ///     ∂/∂W = E_data[p(h|x) xᵀ] − E_model[p(h|x) xᵀ]
    ///     ∂/∂b = E_data[p(h|x)]    − E_model[p(h|x)]
    ///     ∂/∂c = E_data[x]         − E_model[x]
    ///
    /// where p(h|x) is the vector of p(h_j = 1 | x). The model expectations enumerate the smaller
    /// layer: over h they are E[h σ(c + Wᵀh)ᵀ], E[h], E[σ(c + Wᵀh)]; over x as written.
    public func exactGradient(_ data: Tensor) throws -> RBMGradient {
        checkData(data)
        try requireFiniteParameters()
        let layer = smallerLayer
        let enumeration = try LayerEnumeration(self, over: layer)
        let model = enumeration.expectations(logZ: enumeration.logPartitionFunction())
        let exact = ExactParameters(self)
        let (dataW, dataB, dataC) = exact.dataExpectations(data)
        var gW = dataW, gB = dataB, gC = dataC
        let (H, D) = (hidden, visible)
        switch layer {
        case .hidden:   // u = h, v = x: uv is H × D already
            for k in 0..<(H * D) { gW[k] -= model.uv[k] }
            for j in 0..<H { gB[j] -= model.u[j] }
            for i in 0..<D { gC[i] -= model.v[i] }
        case .visible:  // u = x, v = h: uv is D × H
            for j in 0..<H { for i in 0..<D { gW[j * D + i] -= model.uv[i * H + j] } }
            for j in 0..<H { gB[j] -= model.v[j] }
            for i in 0..<D { gC[i] -= model.u[i] }
        }
        return RBMGradient(W: gW, b: gB, c: gC)
    }

    /// The layer with fewer units (hidden on a tie).
    var smallerLayer: RBMLayer { hidden <= visible ? .hidden : .visible }

    /// log₂ of the number of terms an exact sum needs.
    public var enumerationExponent: Int { Swift.min(hidden, visible) }

    private func checkData(_ data: Tensor) {
        precondition(data.rank == 2 && data.shape[1] == visible && data.shape[0] > 0,
                     "exact likelihoods need an n × \(visible) matrix with n ≥ 1, got \(data.shape)")
    }
}

/// The parameters in float64, for exact quantities on data.
struct ExactParameters {
    let H: Int, D: Int
    let W: [Double], b: [Double], c: [Double]

    init(_ m: RestrictedBoltzmannMachine) {
        (H, D) = (m.hidden, m.visible)
        W = m.W.map(Double.init)
        b = m.b.map(Double.init)
        c = m.c.map(Double.init)
    }

    init(H: Int, D: Int, W: [Double], b: [Double], c: [Double]) {
        precondition(W.count == H * D && b.count == H && c.count == D, "parameters of a \(D) × \(H) RBM")
        (self.H, self.D, self.W, self.b, self.c) = (H, D, W, b, c)
    }

    /// n × H pre-activations b + Wx for every row of X (float64 GEMM).
    func hiddenInputs(_ X: [Double], rows n: Int) -> [Double] {
        var a = [Double](repeating: 0, count: n * H)
        for r in 0..<n { for j in 0..<H { a[r * H + j] = b[j] } }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(H), blasint(D),
                    1, X, blasint(D), W, blasint(D), 1, &a, blasint(H))
        return a
    }

    /// F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx) for every row.
    func freeEnergy(_ data: Tensor) -> [Double] {
        let n = data.shape[0]
        let X = data.scalars.map(Double.init)
        let a = hiddenInputs(X, rows: n)
        return (0..<n).map { r in
            var f = 0.0
            for i in 0..<D { f += c[i] * X[r * D + i] }
            for j in 0..<H { f += ElementwiseKernels.softplus(a[r * H + j]) }
            return f
        }
    }

    /// E_data[p(h|x) xᵀ] (H × D), E_data[p(h|x)], E_data[x].
    func dataExpectations(_ data: Tensor) -> ([Double], [Double], [Double]) {
        let n = data.shape[0]
        let X = data.scalars.map(Double.init)
        var P = hiddenInputs(X, rows: n)
        for k in P.indices { P[k] = ElementwiseKernels.sigmoid(P[k]) }
        var hx = [Double](repeating: 0, count: H * D)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(H), blasint(D), blasint(n),
                    1 / Double(n), P, blasint(H), X, blasint(D), 0, &hx, blasint(D))
        var h = [Double](repeating: 0, count: H), x = [Double](repeating: 0, count: D)
        for r in 0..<n {
            for j in 0..<H { h[j] += P[r * H + j] / Double(n) }
            for i in 0..<D { x[i] += X[r * D + i] / Double(n) }
        }
        return (hx, h, x)
    }
}

/// An exact sum over all 2^m states u of one layer, with the other layer v (n units) summed out:
///
///     term(u) = aᵀu + Σ_k softplus(e_k + (uᵀM)_k)
///
/// Over h: u = h, M = W (H × D), a = b, e = c. Over x: u = x, M = Wᵀ (D × H), a = c, e = b; then
/// term(x) = F(x). States go through BLAS in blocks of up to 2¹² (one dgemm per block).
struct LayerEnumeration {
    let m: Int, n: Int
    let M: [Double], a: [Double], e: [Double]
    static let blockSize = 1 << 12

    init(_ rbm: RestrictedBoltzmannMachine, over layer: RBMLayer) throws {
        try self.init(ExactParameters(rbm), over: layer)
    }

    init(_ exact: ExactParameters, over layer: RBMLayer) throws {
        switch layer {
        case .hidden:
            (m, n, M, a, e) = (exact.H, exact.D, exact.W, exact.b, exact.c)
        case .visible:
            var t = [Double](repeating: 0, count: exact.W.count)
            for j in 0..<exact.H { for i in 0..<exact.D { t[i * exact.H + j] = exact.W[j * exact.D + i] } }
            (m, n, M, a, e) = (exact.D, exact.H, t, exact.c, exact.b)
        }
        let limit = RestrictedBoltzmannMachine.enumerationLimitExponent
        guard m <= limit else { throw EnumerationTooLarge(exponent: m, limit: limit) }
    }

    /// Calls `body(U, A, terms)` for each block: U (count × m) the states as 0/1 rows (bit i of
    /// the state index is unit i), the terms, and A (count × n) holding σ(e + uᵀM) if `sigmoid`
    /// (else the pre-activations z = e + uᵀM).
    ///
    /// The softplus sum uses one exp per unit and one log per up to 1000 units:
    /// Σ_k softplus(z_k) = Σ_k max(z_k, 0) + log Π_k (1 + e^(−|z_k|)), each factor in (1, 2], so
    /// a product of 1000 cannot overflow; the absolute error is about 1e-16 per unit. The same
    /// t = e^(−|z|) gives σ(z) = 1/(1 + t) for z ≥ 0 and t/(1 + t) below.
    func forEachBlock(sigmoid: Bool = false,
                      _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                               UnsafeMutableBufferPointer<Double>) -> Void) {
        let total = 1 << m
        let size = Swift.min(total, Self.blockSize)
        let U = UnsafeMutablePointer<Double>.allocate(capacity: size * m)
        let A = UnsafeMutablePointer<Double>.allocate(capacity: size * n)
        let terms = UnsafeMutableBufferPointer<Double>.allocate(capacity: size)
        defer { U.deallocate(); A.deallocate(); terms.deallocate() }
        var start = 0
        while start < total {
            for r in 0..<size {
                let s = start + r
                for i in 0..<m { U[r * m + i] = Double((s >> i) & 1) }
                for k in 0..<n { A[r * n + k] = e[k] }
            }
            M.withUnsafeBufferPointer { mp in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(size), blasint(n), blasint(m),
                            1, U, blasint(m), mp.baseAddress, blasint(n), 1, A, blasint(n))
            }
            for r in 0..<size {
                var t = 0.0
                for i in 0..<m { t += a[i] * U[r * m + i] }
                let z = A + r * n
                var chunk = 0
                while chunk < n {
                    var product = 1.0
                    for k in chunk..<Swift.min(n, chunk + 1000) {
                        let zk = z[k]
                        let tk = Glibc.exp(-Swift.abs(zk))
                        t += Swift.max(zk, 0)
                        product *= 1 + tk
                        if sigmoid { z[k] = zk >= 0 ? 1 / (1 + tk) : tk / (1 + tk) }
                    }
                    t += log(product)
                    chunk += 1000
                }
                terms[r] = t
            }
            body(U, A, terms)
            start += size
        }
    }

    func logPartitionFunction() -> Double {
        var acc = LogSumExpAccumulator()
        forEachBlock { _, _, terms in acc.add(UnsafeBufferPointer(terms)) }
        return acc.value
    }

    /// Under p(u) = e^term(u) / Z: E[u σ(e + uᵀM)ᵀ] (m × n), E[u] (m), E[σ(e + uᵀM)] (n).
    func expectations(logZ: Double) -> (uv: [Double], u: [Double], v: [Double]) {
        var uv = [Double](repeating: 0, count: m * n)
        var u = [Double](repeating: 0, count: m), v = [Double](repeating: 0, count: n)
        forEachBlock(sigmoid: true) { U, S, terms in
            let size = terms.count
            for r in 0..<size {
                // Weight row r's σ by p(u_r) in place, so one dgemm accumulates Uᵀ diag(p) S.
                let p = Glibc.exp(terms[r] - logZ)
                for i in 0..<m { u[i] += p * U[r * m + i] }
                v.withUnsafeMutableBufferPointer { vp in
                    for k in 0..<n {
                        let weighted = p * S[r * n + k]
                        S[r * n + k] = weighted
                        vp[k] += weighted
                    }
                }
            }
            uv.withUnsafeMutableBufferPointer { g in
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(m), blasint(n), blasint(size),
                            1, U, blasint(m), S, blasint(n), 1, g.baseAddress, blasint(n))
            }
        }
        return (uv, u, v)
    }
}
