import COpenBLAS
import Glibc

/// PT-k, parallel tempering as the negative phase of persistent training (Desjardins, Courville,
/// Bengio, Vincent and Delalleau 2010, "Tempered Markov chain Monte Carlo for training of
/// restricted Boltzmann machines"; Cho, Raiko and Ilin 2010).
///
/// Like PCD, the negative chains persist from update to update, but each of them is a ladder of
/// replicas at β₀ < … < β_{K−1} = 1 (the joint p_β(x, h) ∝ e^(−βE(x, h)) of
/// `RestrictedBoltzmannMachine`'s `TemperableModel` conformance). Each update runs k block Gibbs
/// steps at every β, then one round of neighbour swaps (`ReplicaExchange`, as `ParallelTempering`), and the
/// negative statistics use the β = 1 replicas' x̃ with p(h | x̃), as in PCD. The hot replicas
/// mix where the β = 1 chain of PCD would stall, which is what makes PCD's log-likelihood decline
/// late in training (Fischer and Igel 2010).
public struct ParallelTemperingSampler: NegativePhaseSampler, Equatable {
    /// Block Gibbs steps per β per update.
    public var k: Int
    /// The ladder, ascending, ending at 1.
    public var betas: [Double]

    public init(betas: [Double], k: Int = 1) throws {
        precondition(k >= 1, "PT-k needs k ≥ 1")
        self.betas = try TemperatureLadder.betas(.list(betas))
        self.k = k
    }

    public var persistentChains: Bool { true }
    public var description: String { "PT-\(k) (\(betas.count) temperatures)" }
}

/// The persistent replicas of PT-k training: M ladders of K replicas, stored as (M·K) × D visible
/// and (M·K) × H hidden float32 rows (row m·K + k is ladder m at βₖ), so every Gibbs step of all
/// replicas is one sgemm per layer.
struct TemperedRBMReplicas {
    let D: Int, H: Int, M: Int
    let betas: [Double]
    var x: [Float], h: [Float]
    var generators: [Xoshiro256StarStar]
    var rounds = 0
    /// Per gap: swaps proposed and accepted.
    var proposed: [Int], accepted: [Int]
    private var pre: [Float], energies: [Double]

    init(visible D: Int, hidden H: Int, ladders M: Int, betas: [Double], seed: UInt64) {
        (self.D, self.H, self.M, self.betas) = (D, H, M, betas)
        let R = M * betas.count
        generators = (0..<M).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        x = [Float](repeating: 0, count: R * D)
        h = [Float](repeating: 0, count: R * H)
        for m in 0..<M {
            for r in (m * betas.count)..<((m + 1) * betas.count) {
                for i in 0..<D { x[r * D + i] = generators[m].nextUnitFloat() < 0.5 ? 1 : 0 }
            }
        }
        pre = [Float](repeating: 0, count: R * Swift.max(D, H))
        energies = [Double](repeating: 0, count: R)
        proposed = [Int](repeating: 0, count: betas.count - 1)
        accepted = proposed
    }

    var levels: Int { betas.count }

    /// One half of a block Gibbs step for every row r (replica set r / K at slot r mod K):
    /// units ~ Bernoulli(σ(β(pre + bias))) at the slot's β, from the set's generator.
    private static func sample(_ units: inout [Float], width: Int, pre: [Float], bias: UnsafePointer<Float>,
                               betas: [Double], generators: inout [Xoshiro256StarStar]) {
        let K = betas.count
        for r in 0..<(units.count / width) {
            let beta = Float(betas[r % K]), m = r / K
            for i in 0..<width {
                let p = ElementwiseKernels.sigmoid(beta * (pre[r * width + i] + bias[i]))
                units[r * width + i] = generators[m].nextUnitFloat() < p ? 1 : 0
            }
        }
    }

    /// `k` block Gibbs steps of every replica at its β under (W, b, c), then a swap round.
    mutating func advance(W: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafePointer<Float>, k: Int) {
        let (K, R) = (levels, M * levels)
        for _ in 0..<k {
            // h ~ σ(β(b + Wx))
            x.withUnsafeBufferPointer { xp in
                pre.withUnsafeMutableBufferPointer { a in
                    guard let xb = xp.baseAddress, let ab = a.baseAddress else { return }
                    RBMProducts.xWT(xb, rows: R, w: W, hidden: H, visible: D, into: ab)
                }
            }
            Self.sample(&h, width: H, pre: pre, bias: b, betas: betas, generators: &generators)
            // x ~ σ(β(c + Wᵀh))
            h.withUnsafeBufferPointer { hp in
                pre.withUnsafeMutableBufferPointer { a in
                    guard let hb = hp.baseAddress, let ab = a.baseAddress else { return }
                    RBMProducts.hW(hb, rows: R, w: W, hidden: H, visible: D, into: ab)
                }
            }
            Self.sample(&x, width: D, pre: pre, bias: c, betas: betas, generators: &generators)
        }
        // E(x, h) = −hᵀWx − cᵀx − bᵀh of every replica, then the swaps.
        x.withUnsafeBufferPointer { xp in
            pre.withUnsafeMutableBufferPointer { a in
                guard let xb = xp.baseAddress, let ab = a.baseAddress else { return }
                RBMProducts.xWT(xb, rows: R, w: W, hidden: H, visible: D, into: ab)
            }
        }
        for r in 0..<R {
            var e = 0.0
            for j in 0..<H where h[r * H + j] != 0 { e -= Double(pre[r * H + j]) + Double(b[j]) }
            for i in 0..<D where x[r * D + i] != 0 { e -= Double(c[i]) }
            energies[r] = e
        }
        for m in 0..<M {
            let ladder = Array(energies[(m * K)..<((m + 1) * K)])
            for i in ReplicaExchange.acceptedSwaps(round: rounds, betas: betas, energies: ladder, generator: &generators[m],
                                                   proposed: &proposed, accepted: &accepted) {
                swapRows(m * K + i, m * K + i + 1)
            }
        }
        rounds += 1
    }

    private mutating func swapRows(_ r: Int, _ s: Int) {
        for i in 0..<D { x.swapAt(r * D + i, s * D + i) }
        for j in 0..<H { h.swapAt(r * H + j, s * H + j) }
        energies.swapAt(r, s)
    }

    /// Copies the β = 1 replicas' x of ladders 0..<n into `out` (n × D).
    func copyColdVisible(into out: UnsafeMutablePointer<Float>, count n: Int) {
        let K = levels
        for m in 0..<Swift.min(n, M) {
            let r = m * K + K - 1
            for i in 0..<D { out[m * D + i] = x[r * D + i] }
        }
    }
}

extension RBMWorkspace {
    /// One PT-k update: the positive phase as in `update`, the negative x̃ from the β = 1
    /// replicas after `sampler.k` Gibbs steps at every β and a swap round, then the same
    /// parameter update (p(h | x̃) as the negative hidden statistics). Returns false if a
    /// parameter became NaN or infinite.
    func temperedUpdate(data: UnsafePointer<Float>, order: UnsafePointer<Int>, range: Range<Int>,
                        sampler: ParallelTemperingSampler, learningRate: Float, momentum: Float, weightDecay: Float) -> Bool {
        let n = range.count
        if tempered?.betas != sampler.betas || (tempered?.M ?? 0) < n {
            var g = generators[0]
            tempered = TemperedRBMReplicas(visible: D, hidden: H, ladders: maxBatch, betas: sampler.betas, seed: g.next())
        }
        tempered?.advance(W: W, b: b, c: c, k: sampler.k)
        tempered?.copyColdVisible(into: X + n * D, count: n)
        return negativePhaseFromChains(data: data, order: order, range: range, learningRate: learningRate,
                                       momentum: momentum, weightDecay: weightDecay)
    }
}
