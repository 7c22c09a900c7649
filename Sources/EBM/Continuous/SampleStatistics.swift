/// Statistics of samples against what is known exactly: a chain's moments against a closed-form
/// energy's, and how samples spread over a mixture's components. The numbers behind `compare`
/// and `modes`, kept here so that every caller computes them the same way.
public struct MomentComparison: Sendable {
    public struct Row: Sendable {
        public var mean: Double, meanSE: Double, exactMean: Double
        public var std: Double, stdSE: Double, exactStd: Double
        /// (chain − exact) / SE for the mean and the standard deviation.
        public var zMean: Double, zStd: Double
    }

    public var rows: [Row]
    /// The largest |z| over every moment.
    public var worst: Double { rows.reduce(0) { Swift.max($0, Swift.abs($1.zMean), Swift.abs($1.zStd)) } }
    /// True when every moment lies within `bound` standard errors of its exact value.
    public func agrees(within bound: Double = 3) -> Bool { worst <= bound }

    /// The final states of n independent chains (n × d) against `exact`: SE(mean) = s/√n and
    /// SE(std) ≈ s/√(2(n−1)), so z should mostly lie within ±3 when the chains sample p.
    public init(states: [Float], chains n: Int, dimension d: Int, exact: any ClosedFormEnergy) {
        precondition(exact.dimension == d, "the chains have \(d) dimensions, the energy \(exact.dimension)")
        let m = LangevinDynamics.moments(states, chains: n, dimension: d)
        rows = (0..<d).map { i in
            Row(mean: m.mean[i], meanSE: m.meanSE[i], exactMean: exact.exactMean[i],
                std: m.std[i], stdSE: m.stdSE[i], exactStd: exact.exactStd[i],
                zMean: (m.mean[i] - exact.exactMean[i]) / Swift.max(m.meanSE[i], 1e-300),
                zStd: (m.std[i] - exact.exactStd[i]) / Swift.max(m.stdSE[i], 1e-300))
        }
    }
}

extension MixtureEnergy {
    /// How samples spread over the components.
    public struct ModeOccupancy: Sendable, Equatable {
        /// Samples within 3σₖ of μₖ, per component (a sample counts for the first such component).
        public var counts: [Int]
        /// Samples near no component.
        public var between: Int
        public var total: Int
        /// Components holding at least a fifth of their share (weight × total) of the samples.
        public var found: Int
    }

    /// Counts the rows of `samples` (n × d) near each component: within 3σₖ of μₖ.
    public func modeOccupancy(_ samples: [Float], rows n: Int) -> ModeOccupancy {
        let d = dimension
        precondition(samples.count == n * d, "samples must be n × \(d)")
        var counts = [Int](repeating: 0, count: means.count)
        for r in 0..<n {
            for (k, mu) in means.enumerated() {
                var sq = 0.0
                for i in 0..<d { let u = Double(samples[r * d + i]) - mu[i]; sq += u * u }
                if sq.squareRoot() <= 3 * stds[k] { counts[k] += 1; break }
            }
        }
        let smallest = weights.min() ?? 0
        let found = counts.filter { Double($0) >= 0.2 * smallest * Double(n) }.count
        return ModeOccupancy(counts: counts, between: n - counts.reduce(0, +), total: n, found: found)
    }
}

/// Where chains start: the starts every sampler command shares, each from its own seed.
public enum ChainInitialization {
    /// chains × d draws of N(0, I).
    public static func standardNormal(chains: Int, dimension d: Int, seed: UInt64) -> [Float] {
        var g = Xoshiro256StarStar(seed: seed)
        return (0..<(chains * d)).map { _ in Float(g.nextNormal()) }
    }

    /// chains × d draws, uniform over [low, high]ᵈ.
    public static func uniform(chains: Int, dimension d: Int, low: Double, high: Double, seed: UInt64) -> [Float] {
        var g = Xoshiro256StarStar(seed: seed)
        return (0..<(chains * d)).map { _ in Float(low + (high - low) * g.nextUnitDouble()) }
    }

    /// Chain c starts at row c mod n of `data` (n × d).
    public static func fromRows(_ data: Tensor, chains: Int) -> [Float] {
        precondition(data.rank == 2 && data.rows > 0, "chains start from the rows of an n × d matrix with n ≥ 1")
        let d = data.shape[1]
        var start = [Float](repeating: 0, count: chains * d)
        for c in 0..<chains { for i in 0..<d { start[c * d + i] = data.scalars[(c % data.rows) * d + i] } }
        return start
    }
}

/// A model whose score at every noise level σ is known exactly: the score of its density blurred
/// by N(0, σ²I) (a Gaussian mixture: the same mixture with variances σₖ² + σ²). Annealed
/// Langevin on it needs no training.
public protocol BlurredScoreModel: Sendable {
    var dimension: Int { get }
    func blurredScores(_ X: [Float], rows n: Int, sigma: Float) -> [Float]
}

extension MixtureEnergy: BlurredScoreModel {}
