/// The RBM's conformances to the model capabilities: θ = (W, b, c), log p̃(x) = F(x), exact
/// enumeration over the smaller layer, block Gibbs chains, the pseudo-log-likelihood.
extension RestrictedBoltzmannMachine: BinaryUnitModel, LayeredEnumeration, SamplableModel, PseudoLikelihoodModel, LatentVariableModel,
    AnnealedImportanceSamplable {
    public var dimension: Int { visible }

    public var parameterBlocks: [ParameterBlock] {
        layoutParameterBlocks([("W", [hidden, visible]), ("b", [hidden]), ("c", [visible])])
    }

    public var parameterVector: [Double] { (W + b + c).map(Double.init) }

    public mutating func setParameterVector(_ θ: [Double]) {
        precondition(θ.count == parameterCount, "θ of an RBM has \(parameterCount) entries, got \(θ.count)")
        let (H, D) = (hidden, visible)
        W = θ[0..<(H * D)].map { Float($0) }
        b = θ[(H * D)..<(H * D + H)].map { Float($0) }
        c = θ[(H * D + H)...].map { Float($0) }
    }

    public var modelDescription: String {
        "\(visible) \(visibleUnits.name) visible × \(hidden) \(hiddenUnits.name) hidden RBM"
    }

    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] { freeEnergy(X) }

    public func exactLogPartitionFunction() throws -> Double { try logPartitionFunction() }

    public func exactMeanLogLikelihood(_ X: Tensor) throws -> Double { try exactLogLikelihood(X) }

    public func exactMeanLogLikelihoodGradient(_ X: Tensor) throws -> [Double] {
        let g = try exactGradient(X)
        return g.W + g.b + g.c
    }

    /// E_p[∇θ F(x)] = (E_p[p(h|x) xᵀ], E_p[p(h|x)], E_p[x]): the data term of the gradient of any
    /// data set minus its gradient.
    public func exactModelExpectation() throws -> [Double] {
        let x = Tensor(shape: [1, visible])
        let g = try exactMeanLogLikelihoodGradient(x)
        let ph = hiddenProbabilities(x).scalars.map(Double.init)   // x = 0: E_data[p(h|x) xᵀ] = 0, E_data[x] = 0
        var e = g.map { -$0 }
        for j in 0..<hidden { e[hidden * visible + j] += ph[j] }
        return e
    }

    public func meanPseudoLogLikelihood(_ X: Tensor) -> Double { exactPseudoLogLikelihood(X) }

    public func estimatedPseudoLogLikelihood(_ X: Tensor, seed: UInt64) -> Double? { pseudoLogLikelihood(X, seed: seed) }

    /// W, b, c in float64 copies, so the perturbations of h = 1e-5 are not rounded to float32.
    public func finiteDifferenceCheck(_ X: Tensor, count: Int, seed: UInt64) throws -> FiniteDifferenceCheck {
        try FiniteDifferenceCheck.check(self, data: X, count: count, seed: seed)
    }

    public func estimateLogPartitionFunction(_ ais: AnnealedImportanceSampling, data: Tensor?,
                                             shouldStop: () -> Bool) -> AnnealedImportanceSampling.Result? {
        ais.estimate(self, data: data, shouldStop: shouldStop)
    }

    public func meanLogLikelihood(_ data: Tensor, under result: AnnealedImportanceSampling.Result) -> Double {
        result.logLikelihood(self, data: data)
    }

    public var latentDimension: Int { hidden }

    /// The layers say what their states are (binary units: values in [0, 1]).
    public var unitStates: UnitStates? { visibleUnits.states }
    public var latentUnitStates: UnitStates { hiddenUnits.states }

    public func hiddenMeans(_ X: Tensor) -> Tensor { hiddenProbabilities(X) }

    public func visibleMeans(_ H: Tensor) -> Tensor { visibleProbabilities(H) }

    public func jointEnergies(x X: Tensor, h Hm: Tensor) -> [Double] {
        (0..<X.rows).map { r in energy(x: X.row(r).scalars, h: Hm.row(r).scalars) }
    }

    public func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain {
        let s: GibbsChain.Start
        switch start {
        case .data(let t): s = .data(t)
        case .random: s = .random
        }
        return RBMGibbsSampler(machine: self, chain: GibbsChain(self, count: count, seed: seed, start: s))
    }

    public var chainStepDescription: String { "block Gibbs step h ~ p(h | x), then x ~ p(x | h)" }
}

/// Block Gibbs chains bound to the RBM they sample.
public struct RBMGibbsSampler: MarkovChain {
    public var machine: RestrictedBoltzmannMachine
    public var chain: GibbsChain
    public var stepsTaken: Int { chain.step }
    public mutating func advance() { chain.advance(machine) }
    public var snapshot: ChainSnapshot { chain.snapshot }
}
