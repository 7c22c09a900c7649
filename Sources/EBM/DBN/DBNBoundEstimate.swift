/// The bound (13.3) of a DBN too large to enumerate, estimated (003, §13.3; Salakhutdinov and
/// Murray 2008, §4): samples h^(1) ~ q(h^(1) | x) for the expectation, the entropy of the
/// factorial q in closed form, and the top RBM's log Z exactly when its smaller layer can be
/// enumerated, else by annealed importance sampling.
///
/// For L = 2 each sample gives the terms of (13.3) with log p(h^(1)) = F_top(h^(1)) − log Z_top:
///
///     t = log P(x | h^(1)) + F_top(h^(1)) + H(q(·|x)),   ELBO ≈ mean t − log Z_top.
///
/// For L ≥ 3, log p(h^(1)) itself is bounded the same way one level up, with h^(l) ~ q(h^(l) |
/// h^(l−1)) sampled layer by layer (Hinton, Osindero and Teh 2006, §6; Salakhutdinov and Murray
/// 2008, eq 17):
///
///     t = Σ_{l=1}^{L−1} [log P(h^(l−1) | h^(l)) + H(q(·|h^(l−1)))] + F_top(h^(L−1)),
///
/// a lower bound on (13.3)'s ELBO (equal to it in expectation only when every q is the true
/// posterior). For L = 1 the "prior" is the RBM's own marginal of h: bᵀh + Σᵢ softplus(cᵢ + (Wᵀh)ᵢ).
public struct DBNBoundEstimator: Sendable {
    /// Samples of q per row.
    public var samples: Int
    /// Seeds the samples of q.
    public var seed: UInt64
    /// How log Z_top is estimated when it cannot be enumerated.
    public var ais: AnnealedImportanceSampling
    /// log Z_top is enumerated when 2^(smaller layer) · (larger layer) is at most this.
    public var exactLogZBudget = 1 << 26

    public init(samples: Int = 10, seed: UInt64 = 0, ais: AnnealedImportanceSampling = AnnealedImportanceSampling()) {
        precondition(samples >= 2, "the bound's error bar needs at least 2 samples of q per row")
        (self.samples, self.seed, self.ais) = (samples, seed, ais)
    }

    /// Estimates the mean bound over the rows of `data`. `logZ` supplies log Z_top when known.
    /// Returns nil when `shouldStop` interrupts AIS.
    public func estimate(_ dbn: DeepBeliefNetwork, data: Tensor, shouldStop: () -> Bool = { false }) -> DBNBoundEstimate? {
        precondition(data.rank == 2 && data.shape[1] == dbn.visible && data.rows > 0,
                     "the bound needs an n × \(dbn.visible) matrix with n ≥ 1, got \(data.shape)")
        let top = dbn.top
        let logZ: TopLogZ
        let terms = (1 << Swift.min(top.enumerationExponent, 62)) &* Swift.max(top.hidden, top.visible)
        if top.enumerationExponent <= RestrictedBoltzmannMachine.enumerationLimitExponent && terms <= exactLogZBudget,
           let exact = try? top.logPartitionFunction() {
            logZ = .exact(exact)
        } else {
            let topInput = dbn.features(data, layer: dbn.depth - 1)
            guard let result = ais.estimate(top, data: topInput, shouldStop: shouldStop) else { return nil }
            logZ = .ais(result)
        }

        let n = data.rows
        let levels = Swift.max(1, dbn.depth - 1)
        var sum = [Double](repeating: 0, count: n), sumSquares = [Double](repeating: 0, count: n)
        var conditional = 0.0, entropy = 0.0
        for s in 0..<samples {
            var g = Xoshiro256StarStar.stream(seed: seed, index: UInt64(s))
            let sampleSeed = g.next()
            var t = [Double](repeating: 0, count: n)
            var below = data
            for l in 1...levels {
                let q = dbn.recognitionMachine(l)
                let logits = Self.preactivations(q, below)   // n × n_l, without b
                var probabilities = [Float](repeating: 0, count: logits.count)
                let width = q.hidden
                for r in 0..<n {
                    var h = 0.0
                    for j in 0..<width {
                        let a = Double(logits[r * width + j]) + Double(q.b[j])
                        h += ElementwiseKernels.softplus(a) - ElementwiseKernels.sigmoid(a) * a
                        probabilities[r * width + j] = Float(ElementwiseKernels.sigmoid(a))
                    }
                    t[r] += h
                    if l == 1 { entropy += h }
                }
                let upper = DeepBeliefNetwork.sampleBernoulli(Tensor(shape: [n, width], scalars: probabilities),
                                                             seed: DeepBeliefNetwork.levelSeed(sampleSeed, l))
                let c = Self.logConditional(dbn.layer(l), lower: below, upper: upper)
                for r in 0..<n {
                    t[r] += c[r]
                    if l == 1 { conditional += c[r] }
                }
                below = upper
            }
            // The top RBM's unnormalised log marginal of the highest sampled level.
            let f = dbn.depth == 1 ? Self.hiddenSideFreeEnergy(top, below) : top.freeEnergy(below)
            for r in 0..<n {
                t[r] += f[r]
                sum[r] += t[r]
                sumSquares[r] += t[r] * t[r]
            }
        }
        // The mean over rows is of a fixed data set; only q's samples are random:
        // Var = (1/n²) Σ_rows Var_s(t) / S.
        let S = Double(samples), N = Double(n)
        var mean = 0.0, variance = 0.0
        for r in 0..<n {
            let m = sum[r] / S
            mean += m
            variance += Swift.max(0, (sumSquares[r] - S * m * m) / (S - 1)) / S
        }
        mean /= N
        let standardError = variance.squareRoot() / N
        return DBNBoundEstimate(elbo: mean - logZ.value, standardError: standardError, logZ: logZ,
                                expectedLogConditional: conditional / (S * N), entropy: entropy / (S * N),
                                samples: samples, multiLayer: dbn.depth >= 3)
    }

    /// X Wᵀ (n × H) of an RBM, float32 products.
    static func preactivations(_ m: RestrictedBoltzmannMachine, _ X: Tensor) -> [Float] {
        var out = [Float](repeating: 0, count: X.rows * m.hidden)
        X.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                guard let xp = x.baseAddress, let op = o.baseAddress else { return }
                RBMProducts.hiddenPreactivations(m, x: xp, rows: X.rows, into: op)
            }
        }
        return out
    }

    /// log P(u | v) = Σᵢ uᵢ zᵢ − softplus(zᵢ), z = c + Wᵀv, per row (float32 product, float64 sums).
    static func logConditional(_ layer: RestrictedBoltzmannMachine, lower U: Tensor, upper V: Tensor) -> [Double] {
        let (n, a) = (U.rows, layer.visible)
        var z = [Float](repeating: 0, count: n * a)
        V.scalars.withUnsafeBufferPointer { v in
            layer.W.withUnsafeBufferPointer { w in
                z.withUnsafeMutableBufferPointer { o in
                    guard let vp = v.baseAddress, let op = o.baseAddress else { return }
                    RBMProducts.hW(vp, rows: n, w: w.baseAddress, hidden: layer.hidden, visible: a, into: op)
                }
            }
        }
        return (0..<n).map { r in
            var s = 0.0
            for i in 0..<a {
                let zi = Double(z[r * a + i]) + Double(layer.c[i])
                s += Double(U.scalars[r * a + i]) * zi - ElementwiseKernels.softplus(zi)
            }
            return s
        }
    }

    /// bᵀh + Σᵢ softplus(cᵢ + (Wᵀh)ᵢ): the RBM's unnormalised log marginal of h.
    static func hiddenSideFreeEnergy(_ m: RestrictedBoltzmannMachine, _ H: Tensor) -> [Double] {
        let swapped = RestrictedBoltzmannMachine(W: DeepBeliefNetwork.transpose(m.W, rows: m.hidden, columns: m.visible), b: m.c, c: m.b)
        return swapped.freeEnergy(H)
    }
}

/// How log Z of the top RBM was obtained.
public enum TopLogZ: Sendable, Equatable {
    case exact(Double)
    case ais(AnnealedImportanceSampling.Result)
    public var value: Double {
        switch self {
        case .exact(let v): return v
        case .ais(let r): return r.logZ
        }
    }
}

/// An estimate of the mean bound over a data set.
public struct DBNBoundEstimate: Sendable, Equatable {
    /// The estimate of (1/n) Σ ELBO(x).
    public var elbo: Double
    /// The standard error from the samples of q (log Z's uncertainty is separate).
    public var standardError: Double
    /// log Z_top, exact or from AIS.
    public var logZ: TopLogZ
    /// (1/n) Σ E_q[log P(x | h^(1))], estimated.
    public var expectedLogConditional: Double
    /// (1/n) Σ H(q(h^(1) | x)), exact per row.
    public var entropy: Double
    public var samples: Int
    /// True for L ≥ 3: the estimate is of the layer-by-layer bound, below (13.3)'s.
    public var multiLayer: Bool

    /// The rest of the bound: (1/n) Σ E_q[log p(h^(1))] (or its own bound for L ≥ 3).
    public var expectedLogPrior: Double { elbo - expectedLogConditional - entropy }

    /// elbo − 3σ, widened by how far AIS's log Z could be above its estimate.
    public var lower: Double {
        guard case .ais(let r) = logZ else { return elbo - 3 * standardError }
        return elbo - 3 * standardError - (r.upper - r.logZ)
    }
    /// elbo + 3σ, widened by how far AIS's log Z could be below its estimate (+∞ when AIS's lower
    /// end is −∞).
    public var upper: Double {
        guard case .ais(let r) = logZ else { return elbo + 3 * standardError }
        return elbo + 3 * standardError + (r.logZ - r.lower)
    }
}
