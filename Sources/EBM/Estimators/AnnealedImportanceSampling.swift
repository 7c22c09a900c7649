import COpenBLAS
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
/// result serves both the weight update and the hidden sampling) and one sgemm H W, each split
/// in two halves by output columns that run at once on two threads (`AISWorkspace`). The
/// element-wise work is fused and vectorised in float32 (`ElementwiseKernels.softplusStep`: the
/// log-weight term as −log1p(σ(βz) · expm1(−(β − β′)z)), exact to a few ulp however close the
/// temperatures, and σ(βz) from the same exponential); each run's terms are summed in
/// float32 per half and added to its log w in float64. Run r draws its uniforms only from
/// `Xoshiro256StarStar.stream(seed:index: r)`, and every number is the same whether the halves
/// run in parallel or one after the other.
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

        let generators = (0..<n).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        let work = AISWorkspace(rbm, runs: n, baseBiases: cA, generators: generators)
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        // x₁ ~ p_A exactly: independent Bernoulli(σ(c_A)).
        work.startFromBase()
        for k in 1..<K {
            if k % Self.pollInterval == 0 && shouldStop() { return nil }
            work.previous = Float(beta(k - 1))
            work.current = Float(beta(k))
            work.step = beta(k) - beta(k - 1)
            work.last = k == K - 1
            work.temperature()
        }
        let logW = work.logWeights

        // log Ẑ = log Z_A + log mean w, with ±3 standard errors of mean w.
        let (m, mean, margin) = scaledMeanWeight(logW)
        let logZ = logZA + m + log(mean)
        let upper = logZA + m + log(mean + margin)
        let lower = mean - margin > 0 ? logZA + m + log(mean - margin) : -Double.infinity
        return Result(logZ: logZ, lower: lower, upper: upper, logWeights: logW, logZBase: logZA,
                      baseVisibleBiases: cA, runs: n, temperatures: K)
    }
}

/// The mean of importance weights w = e^(log w) and 3 standard errors of it, both scaled by
/// e^(−shift), shift = max log w (so the largest weight is 1 and none overflows): forward and
/// reverse AIS turn them into log Z and its error bars. n − 1 in the variance; margin 0 for one run.
func scaledMeanWeight(_ logW: [Double]) -> (shift: Double, mean: Double, margin: Double) {
    let n = logW.count
    let m = logW.max() ?? 0
    var mean = 0.0
    for lw in logW { mean += Glibc.exp(lw - m) }
    mean /= Double(n)
    var variance = 0.0
    if n > 1 {
        for lw in logW { let d = Glibc.exp(lw - m) - mean; variance += d * d }
        variance /= Double(n - 1)
    }
    return (m, mean, 3 * (variance / Double(n)).squareRoot())
}

/// The buffers and the two halves of AIS's per-temperature work (see `RBMWorkspace` for the
/// scheme): hidden units split for X Wᵀ and the log-weight terms, visible units for H W and
/// σ, runs for the Bernoulli sampling. Split points are multiples of 64 units, so each half's
/// sgemm computes its columns as the whole product would.
private final class AISWorkspace {
    let n: Int, D: Int, H: Int
    let W: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    /// Wᵀ (D × H): X Wᵀ as a product of two untransposed matrices runs about 6% faster in
    /// OpenBLAS at these shapes than with W transposed on the fly, and W stays fixed during AIS.
    let WT: UnsafeMutablePointer<Float>
    let cA: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>
    let x: UnsafeMutablePointer<Float>, p: UnsafeMutablePointer<Float>
    let a: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
    /// Each half's sum of the log-weight terms of its hidden units, per run (2 × n).
    let partial: UnsafeMutablePointer<Float>
    let generators: UnsafeMutablePointer<Xoshiro256StarStar>
    /// log w per run (a raw buffer: both halves write to it at once, at different runs).
    let logW: UnsafeMutablePointer<Double>
    var logWeights: [Double] { Array(UnsafeBufferPointer(start: logW, count: n)) }
    var previous: Float = 0, current: Float = 0, step = 0.0, last = false
    private let hiddenSplit: Int, visibleSplit: Int, rowSplit: Int
    private var helper: RBMHelperThread?
    private var allocations: [UnsafeMutablePointer<Float>] = []

    private enum Phase: Int { case hidden, sampleHidden, visible, sampleVisible }

    init(_ rbm: RestrictedBoltzmannMachine, runs: Int, baseBiases: [Float], generators gens: [Xoshiro256StarStar]) {
        (n, D, H) = (runs, rbm.visible, rbm.hidden)
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * 4, alignment: 64)
            let q = raw.initializeMemory(as: Float.self, repeating: 0, count: Swift.max(count, 1))
            allocations.append(q)
            return q
        }
        W = buffer(H * D); WT = buffer(H * D); b = buffer(H); c = buffer(D); cA = buffer(D); dc = buffer(D)
        x = buffer(n * D); p = buffer(n * D); a = buffer(n * H); h = buffer(n * H); partial = buffer(2 * n)
        self.allocations = allocations
        W.update(from: rbm.W, count: H * D)
        for j in 0..<H { for i in 0..<D { WT[i * H + j] = W[j * D + i] } }
        b.update(from: rbm.b, count: H)
        c.update(from: rbm.c, count: D)
        cA.update(from: baseBiases, count: D)
        for i in 0..<D { dc[i] = Float(Double(rbm.c[i]) - Double(baseBiases[i])) }
        generators = .allocate(capacity: n)
        generators.initialize(from: gens, count: n)
        logW = .allocate(capacity: n)
        logW.initialize(repeating: 0, count: n)
        (hiddenSplit, visibleSplit) = (RBMHelperThread.split(H), RBMHelperThread.split(D))
        rowSplit = n / 2
        let splits = (1..<H).contains(hiddenSplit) || (1..<D).contains(visibleSplit)
        if splits && n * H * D >= 1 << 18 && sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 {
            helper = RBMHelperThread { [unowned(unsafe) self] job in self.run(Phase(rawValue: job)!, half: 1) }
        }
    }

    deinit {
        helper = nil
        for q in allocations { UnsafeMutableRawPointer(q).deallocate() }
        generators.deinitialize(count: n)
        generators.deallocate()
        logW.deallocate()
    }

    func startFromBase() {
        for r in 0..<n { for i in 0..<D { p[r * D + i] = Float(ElementwiseKernels.sigmoid(Double(cA[i]))) } }
        ElementwiseKernels.sampleBernoulli(probabilities: p, into: x, rows: n, columns: D, generators: generators)
    }

    /// log w += log p*_β(x) − log p*_β′(x); then, unless this is the last temperature, T_β.
    func temperature() {
        runBoth(.hidden)
        runBoth(.sampleHidden)
        if last { return }
        runBoth(.visible)
        runBoth(.sampleVisible)
    }

    private func runBoth(_ phase: Phase) {
        if let helper {
            helper.run(job: phase.rawValue) { run(phase, half: 0) }
        } else {
            run(phase, half: 0)
            run(phase, half: 1)
        }
    }

    private func run(_ phase: Phase, half: Int) {
        switch phase {
        case .hidden:
            // a = X Wᵀ for this half's hidden units (from the stored Wᵀ), then per run the sum of
            // softplus(β z) − softplus(β′ z) over them and a ← σ(β z), z = a + b.
            let units = half == 0 ? 0..<Swift.min(hiddenSplit, H) : Swift.min(hiddenSplit, H)..<H
            let out = partial + half * n
            guard !units.isEmpty else {
                for r in 0..<n { out[r] = 0 }
                return
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(units.count), blasint(D),
                        1, x, blasint(D), WT + units.lowerBound, blasint(H), 0, a + units.lowerBound, blasint(H))
            for r in 0..<n {
                out[r] = ElementwiseKernels.softplusStepRow(a + r * H, bias: b, columns: units, current: current, previous: previous)
            }
        case .sampleHidden:
            // log w += (β − β′)(c − c_A)ᵀx + the hidden terms, then h ~ σ(β(b + Wx)).
            let rows = half == 0 ? 0..<rowSplit : rowSplit..<n
            for r in rows {
                let bias = Double(ElementwiseKernels.dot(x + r * D, dc, count: D))
                logW[r] += step * bias + Double(partial[r]) + Double(partial[n + r])
            }
            if !last {
                ElementwiseKernels.sampleBernoulli(probabilities: a, stride: H, into: h, stride: H, rows: rows, columns: H,
                                                   generators: generators)
            }
        case .visible:
            // p = σ((1 − β)c_A + β(c + hW)) for this half's visible units.
            let units = half == 0 ? 0..<Swift.min(visibleSplit, D) : Swift.min(visibleSplit, D)..<D
            guard !units.isEmpty else { return }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(units.count), blasint(H),
                        1, h, blasint(H), W + units.lowerBound, blasint(D), 0, p + units.lowerBound, blasint(D))
            // One vector loop per run; the tail in a partially filled vector. (Sixteen lanes
            // here measured 5% slower overall, unlike in the RBM epoch's σ.)
            let fc = current, fa = 1 - current
            typealias M = VectorMath
            for r in 0..<n {
                let pr = p + r * D
                var i = units.lowerBound
                while i + 8 <= units.upperBound {
                    M.store(M.sigmoid(fa * M.load(cA, i) + fc * (M.load(c, i) + M.load(pr, i))), pr, i)
                    i += 8
                }
                if i < units.upperBound {
                    let m = units.upperBound - i
                    let t = fa * M.loadPartial(cA, i, count: m) + fc * (M.loadPartial(c, i, count: m) + M.loadPartial(pr, i, count: m))
                    M.storePartial(M.sigmoid(t), pr, i, count: m)
                }
            }
        case .sampleVisible:
            let rows = half == 0 ? 0..<rowSplit : rowSplit..<n
            ElementwiseKernels.sampleBernoulli(probabilities: p, stride: D, into: x, stride: D, rows: rows, columns: D,
                                               generators: generators)
        }
    }
}
