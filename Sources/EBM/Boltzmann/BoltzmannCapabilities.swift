/// The fully visible Boltzmann machine's conformances to the model capabilities: θ = (pair
/// weights wᵢⱼ with i < j, biases b), log p̃(x) = −E(x), exact enumeration of all 2ⁿ states,
/// single-site Gibbs chains, the pseudo-log-likelihood.
extension FullyVisibleBoltzmannMachine: BinaryUnitModel, ExactlyEnumerable, SamplableModel, PseudoLikelihoodModel {
    public var dimension: Int { units }

    /// "W" holds the n(n − 1)/2 pair weights (upper triangle, row by row) of the n × n matrix.
    public var parameterBlocks: [ParameterBlock] {
        let pairs = units * (units - 1) / 2
        return [ParameterBlock(name: "W", shape: [units, units], offset: 0, layout: .symmetricZeroDiagonal),
                ParameterBlock(name: "b", shape: [units], offset: pairs)]
    }

    public mutating func setParameterVector(_ θ: [Double]) {
        self = FullyVisibleBoltzmannMachine(units: units, parameterVector: θ)
    }

    public var modelDescription: String { "fully visible Boltzmann machine with \(units) binary units" }

    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] {
        Self.rows(X, units: units).map { -energy($0) }
    }

    public var enumerationExponent: Int { units }

    /// Its sums run over x ∈ {0, 1}ⁿ: a grey level is no state of it.
    public var unitStates: UnitStates? { .binary }

    public func exactLogPartitionFunction() throws -> Double { try logPartitionFunction() }

    public func exactMeanLogLikelihood(_ X: Tensor) throws -> Double { try exactLogLikelihood(X) }

    public func exactMeanLogLikelihoodGradient(_ X: Tensor) throws -> [Double] { try exactGradient(X) }

    public func exactModelExpectation() throws -> [Double] { try modelExpectation() }

    public func finiteDifferenceCheck(_ X: Tensor, count: Int, seed: UInt64) throws -> FiniteDifferenceCheck {
        try FiniteDifferenceCheck.check(self, data: X, count: count, seed: seed)
    }

    public func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain {
        var data: Tensor?
        if case .data(let t) = start { data = t }
        return BoltzmannGibbsSampler(machine: self, chain: BoltzmannGibbsChain(self, count: count, seed: seed, start: data))
    }

    public var chainStepDescription: String { "sweep redrawing x_i ~ σ(b_i + Σ_j w_ij x_j) for i = 1…n" }
}

/// Single-site Gibbs chains bound to the machine they sample.
public struct BoltzmannGibbsSampler: MarkovChain {
    public var machine: FullyVisibleBoltzmannMachine
    public var chain: BoltzmannGibbsChain
    public var stepsTaken: Int { chain.sweeps }
    public mutating func advance() { chain.sweep(machine) }
    public var snapshot: ChainSnapshot { chain.snapshot }
}
