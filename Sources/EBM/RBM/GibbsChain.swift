/// Block Gibbs sampling of many chains at once (003, §13.2): each step samples every hidden unit
/// given x, then every visible unit given h,
///
///     h ~ p(h | x) = Πⱼ σ(bⱼ + Wⱼx),   x ~ p(x | h) = Πᵢ σ(cᵢ + (Wᵀh)ᵢ)
///
/// with the products for all chains in one sgemm each. Chain i draws its uniforms only from its
/// own stream `Xoshiro256StarStar.stream(seed:index: i)`, so its path does not depend on how many
/// other chains run beside it or in which order they are advanced.
public struct GibbsChain: Sendable {
    /// Where the chains start.
    public enum Start: Sendable {
        /// Chain i starts at row i mod n of the data (n × D).
        case data(Tensor)
        /// Every visible unit of every chain is on with probability 1/2.
        case random
    }

    /// The visible states of the chains at one step (the chain-independent `ChainSnapshot`).
    public typealias Snapshot = ChainSnapshot

    /// The current visible states, chains × D.
    public private(set) var samples: Tensor
    /// p(x = 1 | h) of the last step, chains × D.
    public private(set) var probabilities: Tensor
    /// The current hidden states, chains × H (zeros before the first step).
    public private(set) var hiddenSamples: Tensor
    /// Gibbs steps taken so far.
    public private(set) var step = 0
    private var generators: [Xoshiro256StarStar]

    public var count: Int { samples.shape[0] }

    /// `count` chains for `rbm`, seeded from `seed`.
    public init(_ rbm: RestrictedBoltzmannMachine, count: Int, seed: UInt64, start: Start) {
        self.init(rbm, chains: 0..<count, seed: seed, start: start)
    }

    /// The chains with the given indices (the stream of chain i is `stream(seed:index: i)`), so a
    /// subset of chains can be run on its own and must follow the same paths.
    init(_ rbm: RestrictedBoltzmannMachine, chains: Range<Int>, seed: UInt64, start: Start) {
        precondition(chains.count >= 1, "a Gibbs sampler needs at least one chain")
        let (n, D, H) = (chains.count, rbm.visible, rbm.hidden)
        generators = chains.map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        var x = [Float](repeating: 0, count: n * D)
        switch start {
        case .data(let data):
            precondition(data.rank == 2 && data.shape[1] == D && data.shape[0] > 0,
                         "chains start from an n × \(D) matrix with n ≥ 1, got \(data.shape)")
            for (r, chain) in chains.enumerated() {
                let source = chain % data.shape[0]
                for i in 0..<D { x[r * D + i] = data.scalars[source * D + i] }
            }
        case .random:
            for r in 0..<n {
                for i in 0..<D { x[r * D + i] = generators[r].nextUnitFloat() < 0.5 ? 1 : 0 }
            }
        }
        samples = Tensor(shape: [n, D], scalars: x)
        probabilities = samples
        hiddenSamples = Tensor(shape: [n, H])
    }

    /// One block Gibbs step x → h → x for every chain.
    public mutating func advance(_ rbm: RestrictedBoltzmannMachine) {
        precondition(samples.shape[1] == rbm.visible && hiddenSamples.shape[1] == rbm.hidden,
                     "the chains were built for a \(samples.shape[1]) × \(hiddenSamples.shape[1]) RBM")
        let n = count
        let ph = rbm.hiddenProbabilities(samples)
        Self.sample(rbm.hiddenUnits, ph, into: &hiddenSamples.scalars, rows: n, columns: rbm.hidden, generators: &generators)
        probabilities = rbm.visibleProbabilities(hiddenSamples)
        Self.sample(rbm.visibleUnits, probabilities, into: &samples.scalars, rows: n, columns: rbm.visible, generators: &generators)
        step += 1
    }

    /// Runs `steps` Gibbs steps and returns a snapshot every `every` steps (and of the start when
    /// `includeStart`).
    public mutating func run(_ rbm: RestrictedBoltzmannMachine, steps: Int, every: Int,
                             includeStart: Bool = false) -> [Snapshot] {
        var sampler = RBMGibbsSampler(machine: rbm, chain: self)
        let run = sampler.run(steps: steps, every: every, includeStart: includeStart, includeLast: false)
        self = sampler.chain
        return run.snapshots
    }

    public var snapshot: Snapshot { Snapshot(step: step, samples: samples, probabilities: probabilities) }

    private static func sample(_ units: any UnitLayer, _ p: Tensor, into out: inout [Float], rows: Int, columns: Int,
                               generators: inout [Xoshiro256StarStar]) {
        p.scalars.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { ob in
                generators.withUnsafeMutableBufferPointer { g in
                    guard let pp = pb.baseAddress, let op = ob.baseAddress, let gp = g.baseAddress else { return }
                    units.sampleFromMeans(pp, into: op, rows: rows, columns: columns, generators: gp)
                }
            }
        }
    }
}
