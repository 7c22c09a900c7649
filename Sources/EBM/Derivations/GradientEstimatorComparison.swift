/// CD-k and PCD as estimators of the exact log-likelihood gradient of an RBM (003 §13.2: "the
/// bigger k is, the less biased the estimate of the gradient will be"): each estimator is run
/// `repeats` times on the same model and data, and its mean is compared with the exact gradient.
///
///     variance = E‖ĝ − E[ĝ]‖²                          (summed over all parameters)
///     bias     = √max(0, ‖ḡ − ∇‖² − variance/repeats)  (ḡ the mean over repeats: ‖ḡ − ∇‖² overstates
///                                                     ‖E[ĝ] − ∇‖² by about variance/repeats)
///
/// Every estimate uses the exact positive phase E_data[σ(b + Wx) xᵀ] and the Rao–Blackwellised
/// negative phase mean σ(b + Wx̃) x̃ᵀ over the chains' states x̃, as training does.
public struct GradientEstimatorComparison: Sendable {
    public struct Row: Sendable {
        /// "CD-5" or "PCD-1".
        public var name: String
        /// Gibbs steps between estimates (k of CD-k; 1 for PCD).
        public var k: Int
        public var persistent: Bool
        /// The noise-corrected estimate √max(0, ‖ḡ − ∇‖² − variance/repeats) of ‖E[ĝ] − ∇‖; 0 when
        /// the bias is below the noise.
        public var bias: Double
        /// ‖ḡ − ∇‖ itself, the mean of the repeats against the exact gradient (bias plus noise).
        public var rawDistance: Double
        /// √(variance / repeats): the bias's own Monte Carlo noise.
        public var biasNoise: Double
        public var variance: Double
        /// cos(E[ĝ], ∇).
        public var cosine: Double
    }

    public var rows: [Row]
    public var exactNorm: Double
    public var repeats: Int
    public var chains: Int
    public var persistentBurnIn: Int
    /// Gibbs steps between successive PCD estimates.
    public static let persistentSpacingSteps = 10

    /// The units of work `compare` reports to `progress`: a CD repeat, a burn-in step, a PCD estimate.
    public static func progressTotal(repeats: Int, persistentBurnIn: Int) -> Int { 2 * repeats + persistentBurnIn }

    /// nil when `shouldStop` returned true. `progress(done)` counts to `progressTotal`.
    public static func compare(_ rbm: RestrictedBoltzmannMachine, data: Tensor, ks: [Int], repeats: Int,
                               persistentBurnIn: Int = 1000, seed: UInt64 = 0,
                               shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) throws -> GradientEstimatorComparison? {
        precondition(!ks.isEmpty && ks.allSatisfy { $0 >= 1 } && repeats >= 2, "k ≥ 1 and at least 2 repeats")
        let g = try rbm.exactGradient(data)
        let exact = g.W + g.b + g.c
        let p = ExactParameters(rbm)
        let (dW, dB, dC) = p.dataExpectations(data)
        let positive = dW + dB + dC
        let n = data.rows
        func estimate(_ samples: Tensor) -> [Double] {
            let (mW, mB, mC) = p.dataExpectations(samples)
            return zip(positive, mW + mB + mC).map { $0 - $1 }
        }

        // CD-k: every repeat runs one set of chains from the data to the largest k, and reads
        // the estimate at each k on the way.
        let sortedKs = Array(Set(ks)).sorted()
        var cd: [Int: [[Double]]] = [:]
        for r in 0..<repeats {
            var chain = GibbsChain(rbm, count: n, seed: seed &+ UInt64(r) &* 7919, start: .data(data))
            var step = 0
            for k in sortedKs {
                while step < k { chain.advance(rbm); step += 1 }
                cd[k, default: []].append(estimate(chain.samples))
            }
            progress(r + 1)
            if shouldStop() { return nil }
        }
        // PCD at a fixed model: persistent chains after burn-in, one Gibbs step per estimate.
        var persistent = GibbsChain(rbm, count: n, seed: seed ^ 0x9E37_79B9, start: .data(data))
        for s in 0..<persistentBurnIn {
            persistent.advance(rbm)
            if s % 100 == 99 {
                progress(repeats + s + 1)
                if shouldStop() { return nil }
            }
        }
        var pcd: [[Double]] = []
        for r in 0..<repeats {
            // Estimates `persistentSpacing` steps apart, so that successive ones are nearly
            // independent and √(variance/repeats) is an honest noise level for the mean.
            for _ in 0..<Self.persistentSpacingSteps { persistent.advance(rbm) }
            pcd.append(estimate(persistent.samples))
            progress(repeats + persistentBurnIn + r + 1)
        }

        func row(_ name: String, k: Int, persistent: Bool, _ estimates: [[Double]]) -> Row {
            let R = Double(estimates.count)
            var mean = [Double](repeating: 0, count: exact.count)
            for e in estimates { for i in mean.indices { mean[i] += e[i] / R } }
            let squaredDistance = zip(mean, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let variance = estimates.reduce(0) { acc, e in acc + zip(e, mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } } / (R - 1)
            let bias = Swift.max(0, squaredDistance - variance / R).squareRoot()
            let dot = zip(mean, exact).reduce(0) { $0 + $1.0 * $1.1 }
            let norms = (mean.reduce(0) { $0 + $1 * $1 } * exact.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return Row(name: name, k: k, persistent: persistent, bias: bias, rawDistance: squaredDistance.squareRoot(), biasNoise: (variance / R).squareRoot(),
                       variance: variance, cosine: norms > 0 ? dot / norms : 0)
        }
        var rows = sortedKs.map { row("CD-\($0)", k: $0, persistent: false, cd[$0]!) }
        rows.append(row("PCD-1", k: 1, persistent: true, pcd))
        return GradientEstimatorComparison(rows: rows, exactNorm: exact.reduce(0) { $0 + $1 * $1 }.squareRoot(),
                                           repeats: repeats, chains: n, persistentBurnIn: persistentBurnIn)
    }
}
