/// The Gaussian–Bernoulli RBM's capabilities: exact log Z and log-likelihood (enumerating h),
/// the joint energy E(x, h), and block Gibbs chains drawing real Gaussians.
extension GaussianBernoulliRBM: ExactLikelihoodModel, LatentVariableModel, SamplableModel {
    public func exactLogPartitionFunction() throws -> Double { try logPartitionFunction() }

    public var latentDimension: Int { hidden }

    public func jointEnergies(x X: Tensor, h Hm: Tensor) -> [Double] {
        (0..<X.rows).map { r in
            energy(x: (0..<visible).map { Double(X.scalars[r * visible + $0]) },
                   h: (0..<hidden).map { Double(Hm.scalars[r * hidden + $0]) })
        }
    }

    public func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain {
        GaussianRBMGibbsChain(self, count: count, seed: seed, start: start)
    }

    public var chainStepDescription: String { "block Gibbs step h ~ σ(b + Wx/σ²), then x ~ N(c + Wᵀh, σ²)" }
}

/// Block Gibbs chains of a Gaussian–Bernoulli RBM: h ~ p(h | x), then x ~ N(c + Wᵀh, σ²);
/// chain i draws from its own stream. The snapshot's probabilities are the means c + Wᵀh.
public struct GaussianRBMGibbsChain: MarkovChain {
    public let machine: GaussianBernoulliRBM
    private var states: [[Double]]
    private var generators: [Xoshiro256StarStar]
    public private(set) var stepsTaken = 0

    public init(_ m: GaussianBernoulliRBM, count: Int, seed: UInt64, start: ChainStart) {
        precondition(count >= 1, "a Gibbs sampler needs at least one chain")
        machine = m
        var gens = (0..<count).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        switch start {
        case .data(let t):
            let D = m.visible
            states = (0..<count).map { c in
                let r = c % t.rows
                return (0..<D).map { Double(t.scalars[r * D + $0]) } + [Double](repeating: 0, count: m.hidden)
            }
        case .random:
            states = (0..<count).map { m.initialState(&gens[$0]) }
        }
        generators = gens
    }

    public mutating func advance() {
        for c in states.indices { machine.temperedMove(&states[c], beta: 1, &generators[c]) }
        stepsTaken += 1
    }

    public var snapshot: ChainSnapshot {
        let D = machine.visible
        let x = Tensor(shape: [states.count, D], scalars: states.flatMap { $0.prefix(D).map(Float.init) })
        let h = Tensor(shape: [states.count, machine.hidden], scalars: states.flatMap { $0[D...].map(Float.init) })
        return ChainSnapshot(step: stepsTaken, samples: x, probabilities: machine.visibleMeans(h))
    }
}
