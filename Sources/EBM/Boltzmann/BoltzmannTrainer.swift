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
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    public var negativePhase = BoltzmannNegativePhase.exact
    /// ε: each update adds ε times the mean gradient over the minibatch.
    public var learningRate = 0.1
    /// When set, ε falls linearly from `learningRate` in the first epoch of a `train` call to
    /// this value in its last, as for an RBM.
    public var finalLearningRate: Double?
    /// μ: the velocity keeps μ of the previous update (carried over between calls).
    public var momentum = 0.0
    /// λ: L2 decay of the pair weights (not the biases); the update subtracts ελw.
    public var weightDecay = 0.0
    /// Rows per update; nil = all rows (full-batch gradient ascent).
    public var batchSize: Int?
    public var epochs = 100
    public var seed: UInt64 = 0
    /// The exact log-likelihood and the pseudo-log-likelihood are recorded every this many epochs
    /// (and after the last).
    public var monitorEvery = 10
    public init() {}
}

extension BoltzmannTrainingOptions: EpochSettings {
    public func continues(_ previous: BoltzmannTrainingOptions) -> Bool {
        negativePhase == previous.negativePhase && learningRate == previous.learningRate
            && finalLearningRate == previous.finalLearningRate && momentum == previous.momentum
            && weightDecay == previous.weightDecay && batchSize == previous.batchSize && seed == previous.seed
    }

    /// "exact negative phase, lr 0.5, batch 16, seed 0".
    public var summary: String {
        "\(negativePhase), lr \(settingText(learningRate))"
            + (finalLearningRate.map { " → \(settingText($0))" } ?? "")
            + (batchSize.map { ", batch \($0)" } ?? ", full batch")
            + (momentum > 0 ? ", momentum \(settingText(momentum))" : "")
            + (weightDecay != 0 ? ", weight decay \(settingText(weightDecay))" : "")
            + ", seed \(seed)"
    }
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

/// Gradient ascent on the mean log-likelihood, θ ← θ + v with v ← μv + ε (E_data[∇θ log p̃] −
/// E_p[∇θ log p̃] − λw), the negative phase exact or sampled. Keeps its epoch count, history,
/// velocity, persistent chains and streams across `train` calls, so two calls equal one.
public struct BoltzmannTrainer: EpochTrainer {
    public typealias Model = FullyVisibleBoltzmannMachine
    public typealias Settings = BoltzmannTrainingOptions
    public var options: BoltzmannTrainingOptions
    public internal(set) var history = TrainingHistory(unit: .epoch, columns: BoltzmannTrainer.historyColumns)
    public internal(set) var epochsCompleted = 0
    var persistentChains: BoltzmannGibbsChain?
    /// The last update v, so momentum carries over between calls.
    var velocity: [Double] = []
    /// The rows' order after the last epoch: each epoch shuffles the previous order, so it
    /// carries over between calls (two calls equal one).
    var shuffleOrder: [Int] = []

    public init(options: BoltzmannTrainingOptions = BoltzmannTrainingOptions()) {
        self.options = options
    }

    public static let historyColumns: [TrainingHistory.Column] = [
        .init(name: "loglik", title: "log-likelihood (exact)", digits: 6),
        .init(name: "pll", title: "pseudo-LL (exact)", digits: 6),
        .init(name: "grad_norm", title: "‖∇‖ (exact)", digits: 4),
    ]

    public mutating func train(_ model: inout FullyVisibleBoltzmannMachine, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let first = epochsCompleted, total = options.epochs
        return train(&model, on: data, shouldStop: shouldStop) { epoch, record in
            let status = record.map { r in "epoch \(epoch): loglik " + (r.logLikelihood.map { settingText($0, digits: 5) } ?? "—") }
            progress(TrainingProgress(done: epoch - first, total: total, step: epoch, status: status))
        }
    }

    /// ε for round `round` (0-based) of the current call: constant, or linearly decayed.
    private func learningRate(inRound round: Int) -> Double {
        guard let end = options.finalLearningRate, options.epochs > 1 else { return options.learningRate }
        return options.learningRate + (end - options.learningRate) * Double(round) / Double(options.epochs - 1)
    }

    public mutating func train(_ machine: inout FullyVisibleBoltzmannMachine, on data: Tensor,
                               shouldStop: () -> Bool = { false },
                               progress: (Int, BoltzmannEpochRecord?) -> Void = { _, _ in }) -> TrainingOutcome {
        let rows = FullyVisibleBoltzmannMachine.rows(data, units: machine.units)
        let n = rows.count
        let batchSize = Swift.min(options.batchSize ?? n, n)
        precondition(batchSize >= 1 && options.monitorEvery >= 1, "batch size and monitorEvery must be ≥ 1")
        let batches = (n + batchSize - 1) / batchSize
        let pairs = machine.units * (machine.units - 1) / 2
        if velocity.count != machine.parameterCount { velocity = [Double](repeating: 0, count: machine.parameterCount) }
        var guardian = DivergenceGuard((machine, velocity), step: epochsCompleted)
        var order = shuffleOrder.count == n ? shuffleOrder : Array(0..<n)
        defer { shuffleOrder = order }
        for round in 0..<options.epochs {
            let epoch = epochsCompleted + 1
            let rate = learningRate(inRound: round)
            var shuffler = Xoshiro256StarStar.stream(seed: options.seed ^ 0x5151, index: UInt64(epoch))
            if batchSize < n { order.shuffle(using: &shuffler) }
            for batch in 0..<batches {
                let indices = order[(batch * batchSize)..<Swift.min(n, (batch + 1) * batchSize)]
                let batchData = Tensor(shape: [indices.count, machine.units],
                                       scalars: indices.flatMap { rows[$0].map(Float.init) })
                func diverged(_ what: String) -> TrainingOutcome {
                    (machine, velocity) = guardian.lastGood
                    persistentChains = nil
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: batch + 1, batches: batches, what: what,
                                                        restoredStep: guardian.lastGoodStep, setting: "lr", value: rate))
                }
                guard let gradient = estimateGradient(machine, batch: batchData, epoch: epoch, batch: batch) else {
                    return diverged("the gradient")
                }
                var θ = machine.parameterVector
                for k in θ.indices {
                    // Weight decay on the pair weights only, as for an RBM's W.
                    let decay = k < pairs ? options.weightDecay * θ[k] : 0
                    velocity[k] = options.momentum * velocity[k] + rate * (gradient[k] - decay)
                    θ[k] += velocity[k]
                }
                guard θ.allSatisfy(\.isFinite) else { return diverged("a parameter") }
                machine = FullyVisibleBoltzmannMachine(units: machine.units, parameterVector: θ)
                if shouldStop() {
                    return .stopped(step: epoch, unit: .epoch, batch: batch + 1, batches: batches)
                }
            }
            epochsCompleted = epoch
            guardian.commit((machine, velocity), step: epoch, parameters: machine.parameterVector)
            var record: BoltzmannEpochRecord?
            if epoch % options.monitorEvery == 0 || round == options.epochs - 1 {
                let r = BoltzmannEpochRecord(
                    epoch: epoch, pseudoLogLikelihood: machine.meanPseudoLogLikelihood(data),
                    logLikelihood: try? machine.exactLogLikelihood(data),
                    exactGradientNorm: (try? machine.exactGradient(data)).map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() })
                var values = ["pll": r.pseudoLogLikelihood]
                if let ll = r.logLikelihood { values["loglik"] = ll }
                if let g = r.exactGradientNorm { values["grad_norm"] = g }
                history.append(step: epoch, values)
                record = r
            }
            progress(epoch, record)
        }
        return .completed(step: epochsCompleted)
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
