import Glibc

/// Annealed importance sampling (AIS) of log Z for an RBM, as in Salakhutdinov and Murray (2008),
/// "On the quantitative analysis of deep belief networks".
///
/// The base model A has W = 0, b = 0 and visible biases c_A = log(p̂ / (1 − p̂)) from the visible
/// marginals p̂ of the data (clipped to [1e-3, 1 − 1e-3]), or c_A = 0 (uniform) without data. Its
/// unnormalised marginal is F_A(x) = c_Aᵀx + H log 2, so log Z_A = Σᵢ softplus(c_Aᵢ) + H log 2.
///
/// The intermediate distributions are those of the paper, with B's hidden units scaled by β:
///
///     log p*_β(x) = (1 − β) c_Aᵀx + β cᵀx + Σⱼ softplus(β (bⱼ + Wⱼx))
///
/// which is F_A at β = 0 and F_B (003, §13.2) at β = 1. (It is the marginal of the geometric
/// mixture of the joint distributions, not exp((1 − β)F_A + βF_B) of the marginals; only the
/// former is left invariant by the block Gibbs transition below, which is the paper's.) The
/// transition at β samples h given x with p(hⱼ = 1 | x) = σ(β(bⱼ + Wⱼx)), then x given h with
/// p(xᵢ = 1 | h) = σ((1 − β)c_Aᵢ + β(cᵢ + (Wᵀh)ᵢ)).
///
/// β runs linearly from 0 to 1 over `temperatures` values β_k = k / (K − 1). Each run starts with
/// an exact sample x₁ ~ p_A and accumulates, in float64,
///
///     log w = Σ_{k=1}^{K−1} [log p*_{β_k}(x_k) − log p*_{β_{k−1}}(x_k)],   x_{k+1} ~ T_{β_k}(x_k, ·)
///
/// so that E[w] = Z_B / Z_A. All runs advance together: per temperature one sgemm X Wᵀ (whose
/// result serves both the weight update and the hidden sampling) and one sgemm H W. Run r draws
/// its uniforms only from `Xoshiro256StarStar.stream(seed:index: r)`.
public struct AnnealedImportanceSampling: Sendable {
    /// Independent AIS runs (importance samples), advanced together.
    public var runs: Int
    /// K, the number of inverse temperatures β_0 = 0, …, β_{K−1} = 1 (K ≥ 2).
    public var temperatures: Int
    /// Seed of the per-run streams.
    public var seed: UInt64

    /// `shouldStop` is polled every this many temperatures.
    public static let pollInterval = 100
    /// Base-rate marginals are clipped to [clip, 1 − clip] before taking logits.
    public static let marginalClip = 1e-3

    public init(runs: Int = 100, temperatures: Int = 10_000, seed: UInt64 = 0) {
        self.runs = runs
        self.temperatures = temperatures
        self.seed = seed
    }

    /// The outcome of one AIS estimate.
    public struct Result: Sendable, Equatable {
        /// The estimate of log Z: log Z_A + log mean w.
        public var logZ: Double
        /// log Z_A + log(mean w − 3·std(w)/√runs), or −∞ when that is not positive.
        public var lower: Double
        /// log Z_A + log(mean w + 3·std(w)/√runs).
        public var upper: Double
        /// log w of every run.
        public var logWeights: [Double]
        /// log Z_A of the base-rate model.
        public var logZBase: Double
        /// The base model's visible biases c_A.
        public var baseVisibleBiases: [Float]
        public var runs: Int
        public var temperatures: Int

        /// (Σw)² / Σw², between 1 and `runs`: how many of the runs effectively count.
        public var effectiveSampleSize: Double {
            guard let m = logWeights.max(), m.isFinite else { return 0 }
            var s = 0.0, s2 = 0.0
            for lw in logWeights { let w = Glibc.exp(lw - m); s += w; s2 += w * w }
            return s * s / s2
        }

        /// Mean log-likelihood of `data` under `rbm` with this estimate of log Z:
        /// (1/n) Σ F(x) − log Z. (An AIS log Z tends to be underestimated, so this tends to be
        /// optimistic.)
        public func logLikelihood(_ rbm: RestrictedBoltzmannMachine, data: Tensor) -> Double {
            let f = rbm.freeEnergy(data)
            return f.reduce(0, +) / Double(Swift.max(f.count, 1)) - logZ
        }
    }

    /// β_k = k / (K − 1), k = 0 … K − 1.
    public var schedule: [Double] {
        precondition(temperatures >= 2, "AIS needs at least 2 temperatures, got \(temperatures)")
        return (0..<temperatures).map { beta($0) }
    }

    @inline(__always)
    private func beta(_ k: Int) -> Double {
        k == temperatures - 1 ? 1 : Double(k) / Double(temperatures - 1)
    }

    /// c_A = log(p̂ / (1 − p̂)) from the column means p̂ of `data` (n × visible), clipped to
    /// [1e-3, 1 − 1e-3]; all zeros when `data` is nil or empty.
    public static func baseRateBiases(visible: Int, data: Tensor?) -> [Float] {
        guard let data, data.rank == 2, data.shape[0] > 0 else { return [Float](repeating: 0, count: visible) }
        precondition(data.shape[1] == visible, "base rates need an n × \(visible) matrix, got \(data.shape)")
        let n = data.shape[0]
        var mean = [Double](repeating: 0, count: visible)
        for r in 0..<n { for i in 0..<visible { mean[i] += Double(data.scalars[r * visible + i]) } }
        return mean.map { sum in
            let p = Swift.min(Swift.max(sum / Double(n), marginalClip), 1 - marginalClip)
            return Float(log(p / (1 - p)))
        }
    }

    /// log Z_A = Σᵢ softplus(c_Aᵢ) + H log 2 for the base model with visible biases `c`.
    public static func baseLogPartitionFunction(visibleBiases c: [Float], hidden: Int) -> Double {
        c.reduce(0) { $0 + ElementwiseKernels.softplus(Double($1)) } + Double(hidden) * log(2.0)
    }

    /// Estimates log Z of `rbm`, with the base rates taken from `data` if given. `shouldStop` is
    /// polled every `pollInterval` temperatures; if it returns true the estimate is abandoned and
    /// the result is nil (partial weights estimate nothing useful).
    public func estimate(_ rbm: RestrictedBoltzmannMachine, data: Tensor? = nil,
                         shouldStop: () -> Bool = { false }) -> Result? {
        precondition(runs >= 1, "AIS needs at least one run, got \(runs)")
        precondition(temperatures >= 2, "AIS needs at least 2 temperatures, got \(temperatures)")
        let (n, D, H, K) = (runs, rbm.visible, rbm.hidden, temperatures)
        let cA = Self.baseRateBiases(visible: D, data: data)
        let logZA = Self.baseLogPartitionFunction(visibleBiases: cA, hidden: H)

        let cA64 = cA.map(Double.init), c64 = rbm.c.map(Double.init), b64 = rbm.b.map(Double.init)
        let dc = (0..<D).map { c64[$0] - cA64[$0] }   // ∂ log p*_β / ∂β, bias part: (c − c_A)ᵀx
        var generators = (0..<n).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: n * D)   // states, runs × D
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n * D)   // p(x = 1 | h)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * H)   // XWᵀ, then p(h = 1 | x)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: n * H)
        defer { x.deallocate(); p.deallocate(); a.deallocate(); h.deallocate() }
        var logW = [Double](repeating: 0, count: n)

        // x₁ ~ p_A exactly: independent Bernoulli(σ(c_A)).
        for r in 0..<n { for i in 0..<D { p[r * D + i] = Float(ElementwiseKernels.sigmoid(cA64[i])) } }
        generators.withUnsafeMutableBufferPointer { g in
            ElementwiseKernels.sampleBernoulli(probabilities: p, into: x, rows: n, columns: D, generators: g.baseAddress!)
        }

        for k in 1..<K {
            if k % Self.pollInterval == 0 && shouldStop() { return nil }
            let previous = beta(k - 1), current = beta(k)
            let step = current - previous
            // log p*_{β_k}(x_k) − log p*_{β_{k−1}}(x_k), and p(h = 1 | x) at β_k for the transition.
            RBMProducts.hiddenPreactivations(rbm, x: x, rows: n, into: a)
            logW.withUnsafeMutableBufferPointer { lw in
                for r in 0..<n {
                    let xr = x + r * D, ar = a + r * H
                    var bias = 0.0
                    for i in 0..<D where xr[i] != 0 { bias += dc[i] }
                    var s = step * bias
                    for j in 0..<H {
                        let z = Double(ar[j]) + b64[j]
                        s += ElementwiseKernels.softplus(current * z) - ElementwiseKernels.softplus(previous * z)
                        ar[j] = Float(ElementwiseKernels.sigmoid(current * z))
                    }
                    lw[r] += s
                }
            }
            if k == K - 1 { break }   // no transition needed after the last weight update
            // T_{β_k}: h ~ σ(β(b + Wx)), then x ~ σ((1 − β)c_A + β(c + Wᵀh)).
            generators.withUnsafeMutableBufferPointer { g in
                ElementwiseKernels.sampleBernoulli(probabilities: a, into: h, rows: n, columns: H, generators: g.baseAddress!)
            }
            rbm.W.withUnsafeBufferPointer { w in
                RBMProducts.hW(h, rows: n, w: w.baseAddress, hidden: H, visible: D, into: p)
            }
            let fc = Float(current), fa = Float(1 - current)
            cA.withUnsafeBufferPointer { ca in
                rbm.c.withUnsafeBufferPointer { c in
                    for r in 0..<n {
                        let pr = p + r * D
                        for i in 0..<D { pr[i] = ElementwiseKernels.sigmoid(fa * ca[i] + fc * (c[i] + pr[i])) }
                    }
                }
            }
            generators.withUnsafeMutableBufferPointer { g in
                ElementwiseKernels.sampleBernoulli(probabilities: p, into: x, rows: n, columns: D, generators: g.baseAddress!)
            }
        }

        // log mean w and log(mean w ± 3 std(w)/√n), with w scaled by e^(−max log w).
        let m = logW.max()!
        var mean = 0.0
        for lw in logW { mean += Glibc.exp(lw - m) }
        mean /= Double(n)
        var variance = 0.0
        if n > 1 {
            for lw in logW { let d = Glibc.exp(lw - m) - mean; variance += d * d }
            variance /= Double(n - 1)
        }
        let margin = 3 * (variance / Double(n)).squareRoot()
        let logZ = logZA + m + log(mean)
        let upper = logZA + m + log(mean + margin)
        let lower = mean - margin > 0 ? logZA + m + log(mean - margin) : -Double.infinity
        return Result(logZ: logZ, lower: lower, upper: upper, logWeights: logW, logZBase: logZA,
                      baseVisibleBiases: cA, runs: n, temperatures: K)
    }
}
