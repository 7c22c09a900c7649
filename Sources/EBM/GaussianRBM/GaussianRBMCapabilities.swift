/// The Gaussian–Bernoulli RBM's capabilities: exact log Z and log-likelihood (enumerating h),
/// the joint energy E(x, h), and block Gibbs chains drawing real Gaussians.
extension GaussianBernoulliRBM: ExactLikelihoodModel, LatentVariableModel, SamplableModel {
    public func exactLogPartitionFunction() throws -> Double { try logPartitionFunction() }

    public var latentDimension: Int { hidden }
    public var latentUnitStates: UnitStates { hiddenUnits.states }
    /// x ∈ ℝᴰ: rows are checked only for NaN and ±inf.
    public var unitStates: UnitStates? { visibleUnits.states }

    public func hiddenMeans(_ X: Tensor) -> Tensor { hiddenProbabilities(X) }

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

/// The GB-RBM's marginal energy E(x) = −log p̃(x) = Σᵢ (xᵢ − cᵢ)²/(2σᵢ²) − Σⱼ softplus(bⱼ + Σᵢ Wⱼᵢxᵢ/σᵢ²)
/// with ∇ₓE = (x − c)/σ² − Σⱼ σ(bⱼ + Wⱼx/σ²) Wⱼ/σ², so Langevin dynamics and energy maps work on it.
public struct GaussianRBMEnergy: ContinuousEnergy {
    public let machine: GaussianBernoulliRBM
    public var dimension: Int { machine.visible }
    public var description: String { "marginal energy of a \(machine.modelDescription)" }

    public func energies(_ X: [Float], rows: Int) -> [Float] { energiesAndGradients(X, rows: rows).energies }

    public func energiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        let (D, H) = (machine.visible, machine.hidden)
        let v = machine.sigma.map { Double($0) * Double($0) }
        var E = [Float](repeating: 0, count: n), G = [Float](repeating: 0, count: n * D)
        var x = [Double](repeating: 0, count: D)
        for r in 0..<n {
            var e = 0.0
            for i in 0..<D {
                x[i] = Double(X[r * D + i])
                let u = x[i] - Double(machine.c[i])
                e += u * u / (2 * v[i])
                G[r * D + i] = Float(u / v[i])
            }
            for j in 0..<H {
                var a = Double(machine.b[j])
                for i in 0..<D { a += Double(machine.W[j * D + i]) * x[i] / v[i] }
                e -= ElementwiseKernels.softplus(a)
                let p = ElementwiseKernels.sigmoid(a)
                for i in 0..<D { G[r * D + i] -= Float(p * Double(machine.W[j * D + i]) / v[i]) }
            }
            E[r] = Float(e)
        }
        return (E, G)
    }
}

extension GaussianBernoulliRBM: DifferentiableEnergyModel {
    public var continuousEnergy: any ContinuousEnergy { GaussianRBMEnergy(machine: self) }
}
