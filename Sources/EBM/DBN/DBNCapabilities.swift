/// The DBN's conformances to the model capabilities.
///
/// A DBN is a `ParameterizedModel` (θ = every layer's W, b, c, and R, r where up-down untied
/// them) and its samples come from a `MarkovChain` (Gibbs in the top RBM, then the down pass).
/// It is deliberately not an `EnergyModel`: for L ≥ 2 its unnormalised marginal
/// p̃(x) = Σ_{h^(1)} e^(F_top(h^(1))) P(x | h^(1)) is itself a sum over 2^(n_1) states, so there is
/// no log p̃(x) to give for a network of real size. Its exact sums (log p(x), the bound) are
/// `exactLogLikelihoods` and `exactEvidenceLowerBound`, which throw `DBNEnumerationTooLarge`
/// beyond their budget; its training is `GreedyLayerwiseTrainer` and `UpDownFineTuning`, both
/// `ModelTrainer`s with the one `TrainingHistory`.
extension DeepBeliefNetwork: ParameterizedModel {
    public var dimension: Int { visible }

    /// "W1" (n_1 × D), "b1", "c1", "W2", …, and "R1", "r1", … for untied layers.
    public var parameterBlocks: [ParameterBlock] {
        var blocks: [(name: String, shape: [Int])] = []
        for (k, m) in layers.enumerated() {
            blocks += [("W\(k + 1)", [m.hidden, m.visible]), ("b\(k + 1)", [m.hidden]), ("c\(k + 1)", [m.visible])]
            if recognition[k] != nil { blocks += [("R\(k + 1)", [m.hidden, m.visible]), ("r\(k + 1)", [m.hidden])] }
        }
        return layoutParameterBlocks(blocks)
    }

    public var parameterVector: [Double] {
        var θ: [Double] = []
        for (k, m) in layers.enumerated() {
            θ += (m.W + m.b + m.c).map(Double.init)
            if let rec = recognition[k] { θ += (rec.R + rec.r).map(Double.init) }
        }
        return θ
    }

    public mutating func setParameterVector(_ θ: [Double]) {
        precondition(θ.count == parameterCount, "θ of this DBN has \(parameterCount) entries, got \(θ.count)")
        var offset = 0
        func take(_ n: Int) -> [Float] {
            defer { offset += n }
            return θ[offset..<(offset + n)].map { Float($0) }
        }
        for k in layers.indices {
            let (H, D) = (layers[k].hidden, layers[k].visible)
            layers[k] = RestrictedBoltzmannMachine(W: take(H * D), b: take(H), c: take(D))
            if recognition[k] != nil { recognition[k] = RecognitionWeights(R: take(H * D), r: take(H)) }
        }
    }

    public var modelDescription: String {
        "\(depth)-layer DBN " + sizes.map(String.init).joined(separator: "-") + " (binary units)"
    }
}

/// Chains of a DBN: alternating Gibbs chains in the top RBM; each snapshot sends the chains'
/// current lower units down the belief net once (003 §13.3's second walk), so the snapshot's
/// samples are x and its probabilities P(x = 1 | h^(1)).
public struct DBNChain: MarkovChain {
    public let network: DeepBeliefNetwork
    public private(set) var top: GibbsChain
    private let seed: UInt64

    /// `count` chains from random top states (or rows of h^(L−1)), chain i on stream i of `seed`.
    public init(_ network: DeepBeliefNetwork, count: Int, seed: UInt64, start: ChainStart = .random) {
        self.network = network
        self.seed = seed
        let s: GibbsChain.Start
        switch start {
        case .data(let t): s = .data(t)
        case .random: s = .random
        }
        top = GibbsChain(network.top, count: count, seed: seed, start: s)
    }

    public var stepsTaken: Int { top.step }
    public mutating func advance() { top.advance(network.top) }

    /// The down pass from the current top states, seeded by (seed, step), so a snapshot is the
    /// same however often it is asked for.
    public var snapshot: ChainSnapshot {
        var h = top.samples
        var probabilities = top.probabilities
        for l in stride(from: network.depth - 1, through: 1, by: -1) {
            probabilities = network.layer(l).visibleProbabilities(h)
            h = DeepBeliefNetwork.sampleBernoulli(probabilities, seed: DeepBeliefNetwork.levelSeed(seed ^ 0xD0_3E ^ UInt64(top.step) &* 0x9E37, l))
        }
        return ChainSnapshot(step: top.step, samples: h, probabilities: probabilities)
    }
}

/// `gibbs` on a DBN: the chains of `DBNChain`. Started from data, each row goes up the
/// recognition weights, sampled at every level (`layerInput(…, input: .samples)`), to a state of
/// h^(L−1) where its top chain starts; at random, as `DBNSampler` starts them, so the last
/// snapshot of `steps` steps equals `sample` with the same count, steps and seed.
extension DeepBeliefNetwork: ChainSamplableModel {
    public func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain {
        switch start {
        case .random:
            return DBNChain(self, count: count, seed: seed)
        case .data(let x):
            let top = layerInput(x, forLayer: depth, input: .samples, seed: seed ^ 0xD8_5EED)
            return DBNChain(self, count: count, seed: seed, start: .data(top))
        }
    }

    public var chainStepDescription: String {
        depth == 1 ? "block Gibbs step h ~ p(h | x), then x ~ p(x | h)"
            : "block Gibbs step in the top RBM h^(\(depth - 1)) → h^(\(depth)) → h^(\(depth - 1)), then a pass down to x"
    }
}

/// A model whose exact log-likelihood is a sum over latent levels rather than p̃(x) / Z with a
/// closed-form p̃ (a DBN: log p(x) = log Σ_{h^(1)} p(h^(1)) P(x | h^(1))). `loglik` asks for it
/// when a model has no exact log Z.
public protocol ExactMarginalLikelihoodModel: ParameterizedModel {
    /// (1/n) Σ log p(x) over the rows of X; throws when the sum is beyond its budget.
    func exactMeanLogLikelihood(_ X: Tensor) throws -> Double
}

extension DeepBeliefNetwork: ExactMarginalLikelihoodModel {
    public func exactMeanLogLikelihood(_ X: Tensor) throws -> Double { try exactLogLikelihood(X) }
}
