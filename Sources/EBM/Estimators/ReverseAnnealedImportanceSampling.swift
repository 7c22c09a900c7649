import COpenBLAS
import Glibc

/// Reverse annealed importance sampling of log Z for a binary RBM: AIS run backwards, from
/// samples of the model to the base-rate model (Burda, Grosse and Salakhutdinov 2015,
/// "Accurate and conservative estimates of MRF log-likelihood using reverse annealing";
/// Upadhya and Sastry 2015 evaluate it beside forward AIS and CSL).
///
/// With the intermediate distributions of `AnnealedImportanceSampling` (f_β(x) = log p*_β(x), the
/// marginal of the geometric path between the joint distributions, β₀ = 0 < … < β_{K−1} = 1) and
/// its transitions T_β, each run starts at x_{K−1} ~ p_B, a sample of the model, and for
/// k = K−1 … 1 accumulates
///
///     log w ← log w + f_{β_{k−1}}(x) − f_{β_k}(x),   then x ~ T_{β_{k−1}}(x, ·)
///
/// that is, w = Π_{k=1}^{K−1} p*_{β_{k−1}}(x_k) / p*_{β_k}(x_k), where x_k is the state the run
/// holds when it reaches β_k and x_{k−1} ~ T_{β_{k−1}}(x_k, ·).
///
/// Why these weights, and not others: the reverse run is Neal's (2001) forward AIS over the
/// reversed sequence g_j = p*_{β_{K−1−j}}, j = 0 … K−1. It starts from g₀ ∝ p_B exactly, each
/// factor g_j(x)/g_{j−1}(x) is taken at the state *before* the move, and the move that follows,
/// T_{β_{k−1}}, leaves g_j = p_{β_{k−1}} invariant. Neal's extended-space argument then gives
///
///     E[w] = Z(g_{K−1}) / Z(g₀) = Z_A / Z_B
///
/// exactly, for every schedule and every K (K = 2 is plain importance sampling of p_A with
/// proposals from p_B). Pairing a factor with the move before it instead, or with the move at
/// the other end of its gap, breaks this identity. `ReverseAISTests` checks E[w] against the
/// exact ratio on enumerable models.
///
/// These are the reverse weights of Upadhya and Sastry (2015, eq. 10): each ratio's numerator
/// and denominator at the same state, the state then moved by the numerator's transition. The
/// paper's own text could not be retrieved when this was written (only its abstract and
/// introduction); what ties the form to eq. 10 is RestrictedBoltzmannMachines.jl's AIS package
/// (cossio/RBMsAnnealedImportanceSampling.jl, `raise`), which implements eq. 10 — its author
/// reads the expression printed by Burda et al. as a typo that eq. 10 corrects — and whose
/// reverse weights have exactly this form. Independently of any printed formula, these are the
/// weights whose expectation is exactly Z_A/Z_B, which `ReverseAISTests` checks against
/// enumeration.
///
/// Then
///
///     log Ẑ_B = log Z_A − log mean w
///
/// By Jensen's inequality E[log mean w] ≤ log(Z_A/Z_B), so log Ẑ_B overestimates log Z_B in
/// expectation, while forward AIS underestimates it: the pair sandwiches log Z, and a wide gap
/// says the annealing has not converged. Started from approximate (long-run Gibbs) samples the
/// bound is only as good as they are: if the chains have not left the modes they started in,
/// reverse AIS can land below log Z too.
public struct ReverseAnnealedImportanceSampling: Sendable {
    public var runs: Int
    /// K, inverse temperatures β_k = k/(K − 1).
    public var temperatures: Int
    public var seed: UInt64

    public init(runs: Int = 100, temperatures: Int = 10_000, seed: UInt64 = 0) {
        (self.runs, self.temperatures, self.seed) = (runs, temperatures, seed)
    }

    /// Where the runs start.
    public enum Start: Sendable {
        /// Exact samples of the model, by enumerating its smaller layer (at most 2^20 states).
        case exact
        /// These rows (runs × D, e.g. the end of long Gibbs chains); run r starts at row r mod n.
        case samples(Tensor)
    }

    /// Exact samples of x under `rbm`, by enumerating the smaller layer: p(h) ∝ e^(bᵀh + Σᵢ
    /// softplus(cᵢ + (Wᵀh)ᵢ)) then x ~ p(x | h), or p(x) ∝ e^F(x) directly. Throws
    /// `EnumerationTooLarge` above 2^20 states.
    public static func exactSamples(_ rbm: RestrictedBoltzmannMachine, count: Int, seed: UInt64) throws -> Tensor {
        let layer = rbm.smallerLayer
        let m = layer == .hidden ? rbm.hidden : rbm.visible
        guard m <= 20 else { throw EnumerationTooLarge(exponent: m, limit: 20) }
        let enumeration = try LayerEnumeration(rbm, over: layer)
        var logTerms: [Double] = []
        enumeration.forEachBlock { _, _, terms in logTerms.append(contentsOf: terms) }
        let top = logTerms.max() ?? 0
        var cumulative = [Double](repeating: 0, count: logTerms.count)
        var total = 0.0
        for (k, t) in logTerms.enumerated() { total += Glibc.exp(t - top); cumulative[k] = total }
        var g = Xoshiro256StarStar(seed: seed)
        let (D, H) = (rbm.visible, rbm.hidden)
        var x = [Float](repeating: 0, count: count * D)
        for r in 0..<count {
            let u = g.nextUnitDouble() * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
            let state = (0..<m).map { Float((lo >> $0) & 1) }
            switch layer {
            case .visible:
                for i in 0..<D { x[r * D + i] = state[i] }
            case .hidden:
                let p = rbm.visibleProbabilities(Tensor(shape: [1, H], scalars: state))
                for i in 0..<D { x[r * D + i] = g.nextUnitFloat() < p.scalars[i] ? 1 : 0 }
            }
        }
        return Tensor(shape: [count, D], scalars: x)
    }

    /// Estimates log Z of `rbm` from above, with the base rates of `data` (as forward AIS).
    /// Nil if `shouldStop` said so (polled every 100 temperatures).
    public func estimate(_ rbm: RestrictedBoltzmannMachine, data: Tensor? = nil, start: Start = .exact,
                         shouldStop: () -> Bool = { false }) throws -> AnnealedImportanceSampling.Result? {
        precondition(runs >= 1 && temperatures >= 2, "reverse AIS needs at least one run and 2 temperatures")
        let (n, D, H, K) = (runs, rbm.visible, rbm.hidden, temperatures)
        let cA = AnnealedImportanceSampling.baseRateBiases(visible: D, data: data)
        let logZA = AnnealedImportanceSampling.baseLogPartitionFunction(visibleBiases: cA, hidden: H)
        var x: [Float]
        switch start {
        case .exact:
            x = try Self.exactSamples(rbm, count: n, seed: seed ^ 0x5EED).scalars
        case .samples(let t):
            precondition(t.rank == 2 && t.shape[1] == D && t.shape[0] > 0, "reverse AIS starts from an m × \(D) matrix")
            x = (0..<(n * D)).map { k in t.scalars[((k / D) % t.shape[0]) * D + k % D] }
        }
        var generators = (0..<n).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        // One BLAS thread, as forward AIS: the same numbers on every machine, and no threads
        // spinning for products of 100 rows (on a loaded machine they tripled the wall time).
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        let cA64 = cA.map(Double.init), c64 = rbm.c.map(Double.init), b64 = rbm.b.map(Double.init)
        var a = [Float](repeating: 0, count: n * H), h = [Float](repeating: 0, count: n * H)
        var p = [Float](repeating: 0, count: n * D)
        var logW = [Double](repeating: 0, count: n)
        func beta(_ k: Int) -> Double { k == K - 1 ? 1 : Double(k) / Double(K - 1) }
        /// f_β(x) = (1 − β)c_Aᵀx + βcᵀx + Σⱼ softplus(β zⱼ), z = b + Wx (from `a`, which holds Wx).
        func logF(_ r: Int, _ beta: Double) -> Double {
            var s = 0.0
            for i in 0..<D where x[r * D + i] != 0 { s += (1 - beta) * cA64[i] + beta * c64[i] }
            for j in 0..<H { s += ElementwiseKernels.softplus(beta * (Double(a[r * H + j]) + b64[j])) }
            return s
        }
        for k in stride(from: K - 1, through: 1, by: -1) {
            if k % 100 == 0 && shouldStop() { return nil }
            let current = beta(k), next = beta(k - 1)
            x.withUnsafeBufferPointer { xp in
                a.withUnsafeMutableBufferPointer { ap in
                    guard let xb = xp.baseAddress, let ab = ap.baseAddress else { return }
                    RBMProducts.hiddenPreactivations(rbm, x: xb, rows: n, into: ab)
                }
            }
            for r in 0..<n { logW[r] += logF(r, next) - logF(r, current) }
            if k == 1 { break }   // T₀ would not change the weights
            // x ~ T_{β_{k−1}}: h ~ σ(β(b + Wx)), then x ~ σ((1 − β)c_A + β(c + Wᵀh)).
            for r in 0..<n {
                for j in 0..<H {
                    let q = ElementwiseKernels.sigmoid(next * (Double(a[r * H + j]) + b64[j]))
                    h[r * H + j] = generators[r].nextUnitDouble() < q ? 1 : 0
                }
            }
            h.withUnsafeBufferPointer { hp in
                p.withUnsafeMutableBufferPointer { pp in
                    rbm.W.withUnsafeBufferPointer { w in
                        guard let hb = hp.baseAddress, let pb = pp.baseAddress else { return }
                        RBMProducts.hW(hb, rows: n, w: w.baseAddress, hidden: H, visible: D, into: pb)
                    }
                }
            }
            for r in 0..<n {
                for i in 0..<D {
                    let q = ElementwiseKernels.sigmoid((1 - next) * cA64[i] + next * (c64[i] + Double(p[r * D + i])))
                    x[r * D + i] = generators[r].nextUnitDouble() < q ? 1 : 0
                }
            }
        }
        // log Ẑ_B = log Z_A − log mean w, with ±3 standard errors of mean w (the bounds swap sides).
        let (m, mean, margin) = scaledMeanWeight(logW)
        let logZ = logZA - m - Glibc.log(mean)
        let lower = logZA - m - Glibc.log(mean + margin)
        let upper = mean - margin > 0 ? logZA - m - Glibc.log(mean - margin) : Double.infinity
        return AnnealedImportanceSampling.Result(logZ: logZ, lower: lower, upper: upper, logWeights: logW, logZBase: logZA,
                                                 baseVisibleBiases: cA, runs: n, temperatures: K)
    }
}

/// A model whose log Z reverse AIS can bound from above: AIS's capability plus the reverse run
/// from samples of the model (`ReverseAnnealedImportanceSampling`).
public protocol ReverseAnnealedImportanceSamplable: AnnealedImportanceSamplable {
    /// True when the runs can start from exact samples (the smaller layer is enumerable).
    var canSampleExactly: Bool { get }
    /// log Z by reverse AIS from `start`, with the base rates of `data`; nil when stopped.
    func estimateLogPartitionFunctionFromAbove(_ reverse: ReverseAnnealedImportanceSampling, data: Tensor?,
                                               start: ReverseAnnealedImportanceSampling.Start,
                                               shouldStop: () -> Bool) throws -> AnnealedImportanceSampling.Result?
}

extension RestrictedBoltzmannMachine: ReverseAnnealedImportanceSamplable {
    public var canSampleExactly: Bool { Swift.min(visible, hidden) <= 20 }

    public func estimateLogPartitionFunctionFromAbove(_ reverse: ReverseAnnealedImportanceSampling, data: Tensor?,
                                                      start: ReverseAnnealedImportanceSampling.Start,
                                                      shouldStop: () -> Bool) throws -> AnnealedImportanceSampling.Result? {
        try reverse.estimate(self, data: data, start: start, shouldStop: shouldStop)
    }
}
