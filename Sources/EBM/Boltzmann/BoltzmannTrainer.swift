/// Where the negative phase E_p[∇θ log p̃(x)] of a Boltzmann machine's gradient comes from.
public enum BoltzmannNegativePhase: Sendable, Equatable, CustomStringConvertible {
    /// Σₓ p(x) ∇θ log p̃(x) over all 2ⁿ states (000, eq 18.12): the true gradient.
    case exact
    /// k Gibbs sweeps from the minibatch's rows (CD-k).
    case contrastiveDivergence(sweeps: Int)
    /// k Gibbs sweeps of chains that persist across updates (PCD-k, Tieleman 2008).
    case persistent(sweeps: Int, chains: Int)

    public var description: String {
        switch self {
        case .exact: return "exact negative phase"
        case .contrastiveDivergence(let k): return "CD-\(k)"
        case .persistent(let k, let chains): return "PCD-\(k) with \(chains) chains"
        }
    }
}

/// Settings of maximum-likelihood training of a fully visible Boltzmann machine.
public struct BoltzmannTrainingOptions: Sendable {
    public var negativePhase = BoltzmannNegativePhase.exact
    /// ε: each update adds ε times the mean gradient over the minibatch.
    public var learningRate = 0.1
    /// Rows per update; nil = all rows (full-batch gradient ascent).
    public var batchSize: Int?
    public var epochs = 100
    public var seed: UInt64 = 0
    /// The exact log-likelihood and the pseudo-log-likelihood are recorded every this many epochs
    /// (and after the last).
    public var monitorEvery = 10
    public init() {}
}

/// One row of a Boltzmann machine's training history.
public struct BoltzmannEpochRecord: Sendable, Equatable {
    public var epoch: Int
    /// Σᵢ log p(xᵢ | x₋ᵢ), mean per row.
    public var pseudoLogLikelihood: Double
    /// The exact mean log-likelihood, when 2ⁿ is within the enumeration limit.
    public var logLikelihood: Double?
    /// ‖∇θ‖ of the exact mean log-likelihood gradient on the training data, when enumerable: it
    /// goes to zero at the maximum-likelihood solution, where E_data[xxᵀ] = E_p[xxᵀ].
    public var exactGradientNorm: Double?
}

/// Gradient ascent on the mean log-likelihood, θ ← θ + ε (E_data[∇θ log p̃] − E_p[∇θ log p̃]),
/// with the negative phase exact or sampled. Keeps its epoch count, history, persistent chains
/// and streams across `train` calls, so two calls equal one.
public struct BoltzmannTrainer: Sendable {
    public var options: BoltzmannTrainingOptions
    public internal(set) var history: [BoltzmannEpochRecord] = []
    public internal(set) var epochsCompleted = 0
    var persistentChains: BoltzmannGibbsChain?
    /// The rows' order after the last epoch: each epoch shuffles the previous order, so it
    /// carries over between calls (two calls equal one).
    var shuffleOrder: [Int] = []

    public init(options: BoltzmannTrainingOptions = BoltzmannTrainingOptions()) {
        self.options = options
    }

    public mutating func train(_ machine: inout FullyVisibleBoltzmannMachine, on data: Tensor,
                               shouldStop: () -> Bool = { false },
                               progress: (Int, BoltzmannEpochRecord?) -> Void = { _, _ in }) -> RBMTrainingOutcome {
        let rows = FullyVisibleBoltzmannMachine.rows(data, units: machine.units)
        let n = rows.count
        let batchSize = Swift.min(options.batchSize ?? n, n)
        precondition(batchSize >= 1 && options.monitorEvery >= 1, "batch size and monitorEvery must be ≥ 1")
        let batches = (n + batchSize - 1) / batchSize
        var lastGood = machine
        var order = shuffleOrder.count == n ? shuffleOrder : Array(0..<n)
        defer { shuffleOrder = order }
        for round in 0..<options.epochs {
            let epoch = epochsCompleted + 1
            var shuffler = Xoshiro256StarStar.stream(seed: options.seed ^ 0x5151, index: UInt64(epoch))
            if batchSize < n { order.shuffle(using: &shuffler) }
            for batch in 0..<batches {
                let indices = order[(batch * batchSize)..<Swift.min(n, (batch + 1) * batchSize)]
                let batchData = Tensor(shape: [indices.count, machine.units],
                                       scalars: indices.flatMap { rows[$0].map(Float.init) })
                guard let gradient = estimateGradient(machine, batch: batchData, epoch: epoch, batch: batch) else {
                    machine = lastGood
                    return .diverged(epoch: epoch, batch: batch + 1, batches: batches, restoredEpoch: epochsCompleted,
                                     learningRate: Float(options.learningRate))
                }
                var θ = machine.parameterVector
                for k in θ.indices { θ[k] += options.learningRate * gradient[k] }
                guard θ.allSatisfy(\.isFinite) else {
                    machine = lastGood
                    persistentChains = nil
                    return .diverged(epoch: epoch, batch: batch + 1, batches: batches, restoredEpoch: epochsCompleted,
                                     learningRate: Float(options.learningRate))
                }
                machine = FullyVisibleBoltzmannMachine(units: machine.units, parameterVector: θ)
                if shouldStop() {
                    return .stopped(epoch: epoch, batch: batch + 1, batches: batches)
                }
            }
            epochsCompleted = epoch
            lastGood = machine
            var record: BoltzmannEpochRecord?
            if epoch % options.monitorEvery == 0 || round == options.epochs - 1 {
                let r = BoltzmannEpochRecord(
                    epoch: epoch, pseudoLogLikelihood: machine.meanPseudoLogLikelihood(data),
                    logLikelihood: try? machine.exactLogLikelihood(data),
                    exactGradientNorm: (try? machine.exactGradient(data)).map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() })
                history.append(r)
                record = r
            }
            progress(epoch, record)
        }
        return .completed(epoch: epochsCompleted)
    }

    /// E_batch[∇θ log p̃] − (the negative phase); nil if enumeration is impossible.
    private mutating func estimateGradient(_ machine: FullyVisibleBoltzmannMachine, batch: Tensor,
                                           epoch: Int, batch index: Int) -> [Double]? {
        let positive = machine.dataExpectation(batch)
        let negative: [Double]
        switch options.negativePhase {
        case .exact:
            guard let e = try? machine.modelExpectation() else { return nil }
            negative = e
        case .contrastiveDivergence(let k):
            let seed = options.seed &+ UInt64(epoch) &* 1_000_003 &+ UInt64(index)
            var chains = BoltzmannGibbsChain(machine, count: batch.shape[0], seed: seed, start: batch)
            for _ in 0..<k { chains.sweep(machine) }
            negative = machine.dataExpectation(chains.samples)
        case .persistent(let k, let count):
            var chains = persistentChains ?? BoltzmannGibbsChain(machine, count: count, seed: options.seed ^ 0xC4A1, start: nil)
            chains.refresh(machine)
            for _ in 0..<k { chains.sweep(machine) }
            persistentChains = chains
            negative = machine.dataExpectation(chains.samples)
        }
        return zip(positive, negative).map { $0 - $1 }
    }
}
