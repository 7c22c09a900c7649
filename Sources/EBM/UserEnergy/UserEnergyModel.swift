import Glibc

/// Where x lives for an energy written by the user: {0,1}ᵈ or ℝᵈ.
public enum UserEnergyDomain: String, Sendable {
    case binary, real
}

/// Runs a user's E(x; θ) and its reverse-mode derivatives. The language supplies it (its
/// interpreter and tape); EBM only sums, samples and trains with what it returns. Rows are flat
/// float64, n × d row-major; θ is laid out as the model's `parameterBlocks`.
public protocol UserEnergyEvaluator: AnyObject, Sendable {
    /// E(xᵢ; θ) for each row.
    func energies(_ X: [Double], rows: Int, θ: [Double]) throws -> [Double]
    /// ∇θ Σᵢ wᵢ E(xᵢ; θ), laid out as θ.
    func parameterGradient(_ X: [Double], rows: Int, weights: [Double], θ: [Double]) throws -> [Double]
    /// E(xᵢ) and ∇ₓE(xᵢ) for each row (gradients n × d).
    func inputGradients(_ X: [Double], rows: Int, θ: [Double]) throws -> (energies: [Double], gradients: [Double])
    /// The first error a non-throwing caller (a chain, a trainer) met, kept for the language to
    /// report; reading it clears it.
    func takeError() -> (any Error)?
    /// Records an error met where nothing could throw.
    func record(_ error: any Error)
}

/// An energy E(x; θ) written by the user, with p(x) = e^(−E(x)) / Z (000, eq 18.1). θ is the
/// user's named tensors, one block each. Everything numeric comes from the evaluator: energies for
/// log Z by enumeration, ∇θE for the gradient's phases (000, eq 18.4–18.15), ∇ₓE for Langevin.
public struct UserEnergy: Sendable {
    public let dimension: Int
    public let domain: UserEnergyDomain
    public let parameterBlocks: [ParameterBlock]
    public var θ: [Double]
    public let evaluator: any UserEnergyEvaluator
    /// The function's name, for descriptions.
    public let name: String

    /// The largest d whose 2ᵈ states an exact sum visits.
    public static let enumerationLimitExponent = 20
    /// Rows per evaluation while enumerating (bounds memory and tape size).
    static let chunk = 4096

    public init(name: String, dimension: Int, domain: UserEnergyDomain, blocks: [(name: String, shape: [Int])],
                θ: [Double], evaluator: any UserEnergyEvaluator) {
        self.name = name
        self.dimension = dimension
        self.domain = domain
        self.parameterBlocks = layoutParameterBlocks(blocks)
        self.θ = θ
        self.evaluator = evaluator
    }

    public var modelDescription: String {
        "energy \(name)(x) over \(domain == .binary ? "{0,1}" : "ℝ")^\(dimension), \(θ.count) parameters"
    }

    /// E for each row; NaN (with the error recorded) when the function fails.
    public func energies(_ X: [Double], rows: Int) -> [Double] {
        do { return try evaluator.energies(X, rows: rows, θ: θ) } catch {
            evaluator.record(error)
            return [Double](repeating: .nan, count: rows)
        }
    }

    /// Every x ∈ {0,1}ᵈ, unit i = bit i of the index, states [from, to).
    static func states(_ d: Int, from: Int, to: Int) -> [Double] {
        var out = [Double](repeating: 0, count: (to - from) * d)
        for s in from..<to { for i in 0..<d where (s >> i) & 1 == 1 { out[(s - from) * d + i] = 1 } }
        return out
    }

    func checkEnumerable() throws {
        guard domain == .binary else { throw EnumerationTooLarge(exponent: Int.max, limit: Self.enumerationLimitExponent) }
        guard dimension <= Self.enumerationLimitExponent else {
            throw EnumerationTooLarge(exponent: dimension, limit: Self.enumerationLimitExponent)
        }
    }

    /// −E(x) of all 2ᵈ states, in index order.
    func allNegativeEnergies() throws -> [Double] {
        try checkEnumerable()
        let total = 1 << dimension
        var out: [Double] = []
        out.reserveCapacity(total)
        var from = 0
        while from < total {
            let to = Swift.min(total, from + Self.chunk)
            out += try evaluator.energies(Self.states(dimension, from: from, to: to), rows: to - from, θ: θ).map { -$0 }
            from = to
        }
        return out
    }

    /// log Z = log Σₓ e^(−E(x)) (000, eq 18.2), float64, by log-sum-exp over all 2ᵈ states.
    public func logPartitionFunction() throws -> Double {
        logSumExp(try allNegativeEnergies())
    }

    /// E_p[∇θE(x)] = Σₓ p(x) ∇θE(x), exactly: one weighted tape per chunk of states.
    public func modelExpectationOfEnergyGradient() throws -> [Double] {
        let negE = try allNegativeEnergies()
        let logZ = logSumExp(negE)
        var g = [Double](repeating: 0, count: θ.count)
        var from = 0
        let total = negE.count
        while from < total {
            let to = Swift.min(total, from + Self.chunk)
            let w = (from..<to).map { exp(negE[$0] - logZ) }
            let part = try evaluator.parameterGradient(Self.states(dimension, from: from, to: to), rows: to - from, weights: w, θ: θ)
            for k in g.indices { g[k] += part[k] }
            from = to
        }
        return g
    }

    /// (1/n) Σᵢ ∇θE(xᵢ) over the rows of X.
    public func meanEnergyGradient(_ X: [Double], rows: Int) throws -> [Double] {
        try evaluator.parameterGradient(X, rows: rows, weights: [Double](repeating: 1 / Double(Swift.max(rows, 1)), count: rows), θ: θ)
    }
}

/// Flat float64 rows of a tensor.
func userEnergyRows(_ X: Tensor) -> (values: [Double], rows: Int) {
    (X.scalars.map(Double.init), X.rank == 2 ? X.shape[0] : (X.count > 0 ? 1 : 0))
}

/// A model that is a user energy under a domain: the parameter contract and p̃(x) = e^(−E(x))
/// come from the energy the same way whatever the domain; the domain adds sums or samplers.
public protocol UserEnergyBacked {
    var energy: UserEnergy { get set }
}

extension UserEnergyBacked {
    public var dimension: Int { energy.dimension }
    public var parameterBlocks: [ParameterBlock] { energy.parameterBlocks }
    public var parameterVector: [Double] { energy.θ }
    public mutating func setParameterVector(_ θ: [Double]) { energy.θ = θ }
    public var modelDescription: String { energy.modelDescription }

    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] {
        let (v, n) = userEnergyRows(X)
        return energy.energies(v, rows: n).map { -$0 }
    }
}

/// A user energy over {0,1}ᵈ: exact sums by enumeration up to 2^20 states, single-site Gibbs.
public struct BinaryUserEnergyModel: ExactlyEnumerable, SamplableModel, BinaryUnitModel, UserEnergyBacked {
    public var energy: UserEnergy
    public init(_ energy: UserEnergy) { self.energy = energy }

    /// x ∈ {0,1}ᵈ: the sums run over these states only, so data must be 0 or 1.
    public var unitStates: UnitStates? { .binary }

    public var enumerationExponent: Int { energy.dimension }
    public func exactLogPartitionFunction() throws -> Double { try energy.logPartitionFunction() }

    /// E_p[∇θ log p̃] = −E_p[∇θE].
    public func exactModelExpectation() throws -> [Double] { try energy.modelExpectationOfEnergyGradient().map { -$0 } }

    /// 000 eq 18.4: ∇θ (1/n)Σ log p(xᵢ) = −(1/n)Σ ∇θE(xᵢ) + E_p[∇θE].
    public func exactMeanLogLikelihoodGradient(_ X: Tensor) throws -> [Double] {
        let (v, n) = userEnergyRows(X)
        let positive = try energy.meanEnergyGradient(v, rows: n)
        let negative = try energy.modelExpectationOfEnergyGradient()
        return zip(positive, negative).map { -$0 + $1 }
    }

    public func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain {
        UserEnergyGibbsChain(energy, count: count, seed: seed, start: start)
    }

    public var chainStepDescription: String { "single-site Gibbs sweep: p(xᵢ = 1 | x₋ᵢ) = σ(E(x with xᵢ = 0) − E(x with xᵢ = 1)) for i = 1…d" }
}

/// Single-site Gibbs sampling of a user energy, all chains at once: for each unit i the energies
/// of every chain's state with xᵢ = 0 and with xᵢ = 1 come from one evaluation of 2 × chains rows.
public struct UserEnergyGibbsChain: MarkovChain {
    let energy: UserEnergy
    /// chains × d, 0/1.
    public internal(set) var states: [Double]
    var generators: [Xoshiro256StarStar]
    public private(set) var stepsTaken = 0
    let count: Int

    public init(_ energy: UserEnergy, count: Int, seed: UInt64, start: ChainStart) {
        let d = energy.dimension
        self.energy = energy
        self.count = count
        var generators = (0..<count).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        var states = [Double](repeating: 0, count: count * d)
        switch start {
        case .data(let X) where X.count > 0:
            let n = X.count / d
            for c in 0..<count { for i in 0..<d { states[c * d + i] = X.scalars[(c % n) * d + i] > 0.5 ? 1 : 0 } }
        default:
            for c in 0..<count { for i in 0..<d { states[c * d + i] = generators[c].nextUnitDouble() < 0.5 ? 1 : 0 } }
        }
        self.states = states
        self.generators = generators
    }

    /// One sweep over the units in order.
    public mutating func advance() {
        let d = energy.dimension
        var both = [Double](repeating: 0, count: 2 * count * d)
        for i in 0..<d {
            for c in 0..<count {
                for j in 0..<d { both[c * d + j] = states[c * d + j]; both[(count + c) * d + j] = states[c * d + j] }
                both[c * d + i] = 0
                both[(count + c) * d + i] = 1
            }
            let e = energy.energies(both, rows: 2 * count)
            for c in 0..<count {
                // p(xᵢ = 1 | x₋ᵢ) = e^(−E₁) / (e^(−E₀) + e^(−E₁)) = σ(E₀ − E₁)
                let p1 = 1 / (1 + exp(e[count + c] - e[c]))
                states[c * d + i] = generators[c].nextUnitDouble() < p1 ? 1 : 0
            }
        }
        stepsTaken += 1
    }

    public var snapshot: ChainSnapshot {
        let t = Tensor(shape: [count, energy.dimension], scalars: states.map(Float.init))
        return ChainSnapshot(step: stepsTaken, samples: t, probabilities: t)
    }
}

/// A user energy over ℝᵈ: Langevin dynamics and MALA through ∇ₓE from the tape.
public struct RealUserEnergyModel: DifferentiableEnergyModel, UserEnergyBacked {
    public var energy: UserEnergy
    public init(_ energy: UserEnergy) { self.energy = energy }


    public var continuousEnergy: any ContinuousEnergy { UserContinuousEnergy(energy: energy) }
}

/// A user energy as the samplers' `ContinuousEnergy` (float32 rows, as Langevin keeps them).
public struct UserContinuousEnergy: ContinuousEnergy {
    public let energy: UserEnergy
    public var dimension: Int { energy.dimension }
    public var description: String { energy.modelDescription }

    public func energies(_ X: [Float], rows: Int) -> [Float] {
        energy.energies(X.map(Double.init), rows: rows).map(Float.init)
    }

    public func energiesAndGradients(_ X: [Float], rows: Int) -> (energies: [Float], gradients: [Float]) {
        do {
            let r = try energy.evaluator.inputGradients(X.map(Double.init), rows: rows, θ: energy.θ)
            return (r.energies.map(Float.init), r.gradients.map(Float.init))
        } catch {
            energy.evaluator.record(error)
            return ([Float](repeating: .nan, count: rows), [Float](repeating: .nan, count: rows * energy.dimension))
        }
    }
}
