import COpenBLAS

/// Settings of minibatch RBM training.
public struct RBMTrainingOptions: Sendable {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    /// CD-k, PCD-k or PT-k (`ParallelTemperingSampler`).
    public var sampler: any NegativePhaseSampler = ContrastiveDivergence(k: 1)
    /// ε: each update adds ε times the mean gradient over the minibatch.
    public var learningRate: Float = 0.1
    /// When set, the learning rate falls linearly from `learningRate` in the first epoch of a
    /// `train` call to this value in its last (Tieleman 2008 decays it to zero), which stops the
    /// late decline of Gibbs-based learning on small data sets (Fischer and Igel 2010).
    public var finalLearningRate: Float?
    /// μ: the velocity keeps μ of the previous update.
    public var momentum: Float = 0
    /// λ: L2 weight decay on W (not on the biases); the update subtracts ελW.
    public var weightDecay: Float = 0
    public var batchSize: Int = 100
    public var epochs: Int = 10
    /// Seeds the shuffles, the chains' streams and the monitors' random choices.
    public var seed: UInt64 = 0
    /// Monitors run after every `monitorEvery`-th epoch and after the last epoch of a `train` call.
    public var monitorEvery: Int = 1
    /// Rows of the training data used as monitor set when `train` is given none.
    public var monitorRows: Int = 1000
    /// The exact log-likelihood is monitored when 2^min(H,D) · max(H,D) (softplus terms) is at most this.
    public var exactLikelihoodBudget: Int = 1 << 24
    /// The exact pseudo-log-likelihood is monitored when rows · D · H is at most this.
    public var exactPseudoLikelihoodBudget: Int = 1 << 24
    /// When set, AIS estimates log Z (and the monitor set's log-likelihood) every this many
    /// epochs and after the last epoch of a `train` call: 003's advice to watch AIS estimates of
    /// Z while training. Its time does not count in the epoch's seconds.
    public var aisEvery: Int?
    /// AIS settings for those estimates; the base-rate model comes from the training data.
    public var aisRuns = 100
    public var aisTemperatures = 10_000
    /// The rows the monitors use; nil = the first `monitorRows` rows of the training data.
    public var monitorSet: Tensor?

    public init() {}
}

extension RBMTrainingOptions: EpochSettings {
    /// The same sampler, learning rates, momentum, weight decay, batch size and seed: the values
    /// that decide the trajectory (not how many epochs a call runs or what it monitors).
    public func continues(_ previous: RBMTrainingOptions) -> Bool {
        sampler.k == previous.sampler.k && sampler.persistentChains == previous.sampler.persistentChains
            && (sampler as? ParallelTemperingSampler) == (previous.sampler as? ParallelTemperingSampler)
            && learningRate == previous.learningRate && finalLearningRate == previous.finalLearningRate
            && momentum == previous.momentum && weightDecay == previous.weightDecay
            && batchSize == previous.batchSize && seed == previous.seed && sameGiven(given, previous.given)
    }

    /// "PCD-1, lr 0.05 → 0, batch 8, momentum 0.5, seed 1".
    public var summary: String {
        "\(sampler), lr \(settingText(learningRate))"
            + (finalLearningRate.map { " → \(settingText($0))" } ?? "")
            + ", batch \(batchSize)"
            + (momentum > 0 ? ", momentum \(settingText(momentum))" : "")
            + (weightDecay != 0 ? ", weight decay \(settingText(weightDecay))" : "")
            + ", seed \(seed)"
    }
}

/// Minibatch training of an RBM by CD-k or PCD-k with momentum and weight decay.
///
/// The trainer keeps what outlives one `train` call: the epoch count and history, the persistent
/// chains, random streams and momentum, so training in several calls equals training in one. A
/// trainer belongs to one machine; use a fresh trainer for another.
public struct RBMTrainer: EpochTrainer {
    public typealias Model = RestrictedBoltzmannMachine
    public typealias Settings = RBMTrainingOptions
    public var options: RBMTrainingOptions
    public internal(set) var history = TrainingHistory(unit: .epoch, columns: RBMTrainer.historyColumns)
    public internal(set) var epochsCompleted = 0
    var persistentHidden: [Float] = []
    var persistentRows = 0
    var chainGenerators: [Xoshiro256StarStar] = []
    /// PT-k's replicas, carried between calls like PCD's chains.
    var temperedReplicas: TemperedRBMReplicas?

    /// PT-k: per gap of the ladder, accepted / proposed swaps over all updates so far (nil for
    /// CD and PCD). Gaps with little exchange mean the ladder needs more or closer levels.
    public var temperedSwapAcceptance: [Double]? {
        temperedReplicas.map { r in zip(r.accepted, r.proposed).map { $1 == 0 ? .nan : Double($0) / Double($1) } }
    }
    /// μ·v of W, b and c after the last update, so momentum carries over between calls.
    var velocities: [Float] = []
    /// Whether the halves of each update run on two threads (tests force either mode).
    var parallelism = RBMParallelism.automatic
    /// The last update's minibatch and negative samples x̃ (see `NegativeSampleRecording`).
    public internal(set) var lastNegativePhase: NegativePhaseSamples?

    public init(options: RBMTrainingOptions = RBMTrainingOptions()) {
        self.options = options
    }

    /// The history's columns: the monitors of `RBMEpochRecord`.
    public static let historyColumns: [TrainingHistory.Column] = [
        .init(name: "seconds", title: "seconds", digits: 4, printed: false),
        .init(name: "recon", title: "recon. error", digits: 5),
        .init(name: "pll", title: "pseudo-LL (exact)", digits: 6),
        .init(name: "pll_estimate", title: "pseudo-LL (1-bit estimate)", digits: 6, printed: false),
        .init(name: "loglik", title: "log-likelihood (exact)", digits: 6),
        .init(name: "ais_log_z", title: "log Z (AIS, ±3σ)", digits: 6, errorBars: true),
        .init(name: "ais_loglik", title: "log-likelihood (AIS)", digits: 6),
    ]

    // MARK: ModelTrainer

    public mutating func train(_ model: inout RestrictedBoltzmannMachine, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let first = epochsCompleted
        let n = Swift.max(data.rows, 1)
        let batchSize = Swift.max(1, Swift.min(options.batchSize, n))
        let total = options.epochs * ((n + batchSize - 1) / batchSize)
        return train(&model, on: data, monitor: options.monitorSet, shouldStop: shouldStop) { epoch, batch, batches, record in
            let status = record.map { r in
                "epoch \(epoch): recon \(settingText(r.reconstructionError, digits: 4)), pll \(settingText(r.exactPseudoLogLikelihood ?? r.pseudoLogLikelihood, digits: 5))"
                    + (r.logLikelihood.map { ", loglik \(settingText($0, digits: 5))" } ?? "")
            }
            progress(TrainingProgress(done: (epoch - first - 1) * batches + batch, total: total, step: epoch, status: status))
        }
    }

    /// Appends an epoch's monitors to the history; the pseudo-LL column shows the exact values
    /// when every row has them, and the 1-bit estimate otherwise.
    private mutating func record(_ r: RBMEpochRecord) {
        var values = ["seconds": r.seconds, "recon": r.reconstructionError,
                      "pll": r.exactPseudoLogLikelihood ?? r.pseudoLogLikelihood, "pll_estimate": r.pseudoLogLikelihood]
        var bounds: [String: (lower: Double, upper: Double)] = [:]
        if let ll = r.logLikelihood { values["loglik"] = ll }
        if let a = r.ais {
            values["ais_log_z"] = a.logZ
            bounds["ais_log_z"] = (a.lower, a.upper)
        }
        if let l = r.aisLogLikelihood { values["ais_loglik"] = l }
        if history.steps.last == r.epoch {
            history.updateLast(values, bounds: bounds)
        } else {
            history.append(step: r.epoch, values, bounds: bounds)
            if r.exactPseudoLogLikelihood == nil { exactPLLEverywhere = false }
            history.setTitle("pll", exactPLLEverywhere ? "pseudo-LL (exact)" : "pseudo-LL (1-bit estimate)")
        }
    }
    var exactPLLEverywhere = true

    /// Trains `rbm` on the rows of `data` (n × D, values in [0, 1]) for `options.epochs` epochs.
    ///
    /// Each epoch visits the rows in a fresh seeded permutation, in minibatches of
    /// `options.batchSize` (the last may be smaller). `shouldStop` is polled after every minibatch
    /// (Ctrl-C). `progress(epoch, batch, batches, record)` is called after every minibatch, with
    /// the epoch's monitors as `record` after its last one (nil when monitors did not run). The
    /// monitors use `monitor`, or the first `options.monitorRows` rows of `data`. If a parameter or
    /// a monitor becomes NaN or infinite, training stops and `rbm` gets back the parameters from the
    /// end of the previous epoch.
    public mutating func train(_ rbm: inout RestrictedBoltzmannMachine, on data: Tensor, monitor: Tensor? = nil,
                               shouldStop: () -> Bool = { false },
                               progress: (Int, Int, Int, RBMEpochRecord?) -> Void = { _, _, _, _ in }) -> TrainingOutcome {
        let (n, D) = (data.rows, rbm.visible)
        precondition(data.rank == 2 && data.shape[1] == D && n > 0, "training data must be n × \(D) with n ≥ 1, got \(data.shape)")
        precondition(monitor.map { $0.rank == 2 && $0.shape[1] == D && $0.shape[0] > 0 } ?? true,
                     "the monitor set must be m × \(D) with m ≥ 1")
        precondition(options.batchSize >= 1 && options.epochs >= 0 && options.monitorEvery >= 1,
                     "batch size and monitorEvery must be ≥ 1 and epochs ≥ 0")
        let monitorSet = monitor ?? data.rows(0..<Swift.min(n, options.monitorRows))
        let batchSize = Swift.min(options.batchSize, n)
        let batches = (n + batchSize - 1) / batchSize
        let ws = RBMWorkspace(rbm, maxBatch: batchSize, generators: generators(count: batchSize), parallelism: parallelism)
        restoreState(ws)
        defer { saveState(ws) }
        var order = Array(0..<n)
        var guardian = DivergenceGuard(rbm, step: epochsCompleted)

        for round in 0..<options.epochs {
            let epoch = epochsCompleted + 1
            shuffle(&order, epoch: epoch)
            let seconds: Double
            let rate = learningRate(inRound: round)
            switch runEpoch(epoch, ws, data, order, batchSize: batchSize, learningRate: rate, shouldStop: shouldStop, progress: progress) {
            case .finished(let s):
                seconds = s
                keepNegativePhase(ws, rows: n - (batches - 1) * batchSize, epoch: epoch)
            case .stopped(let batch):
                rbm = ws.machine
                keepNegativePhase(ws, rows: Swift.min(n, batch * batchSize) - (batch - 1) * batchSize, epoch: epoch)
                return .stopped(step: epoch, unit: .epoch, batch: batch, batches: batches)
            case .diverged(let batch):
                rbm = guardian.lastGood
                lastNegativePhase = nil
                ws.forgetState()   // the chains and velocities ran under bad parameters
                return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: batch, batches: batches, what: "a parameter",
                                                    restoredStep: guardian.lastGoodStep, setting: "lr", value: Double(rate)))
            }
            let trained = ws.machine
            var record: RBMEpochRecord?
            if epoch % options.monitorEvery == 0 || round == options.epochs - 1 {
                let r = monitors(trained, on: monitorSet, epoch: epoch, seconds: seconds)
                guard r.isFinite else {
                    rbm = guardian.lastGood
                    lastNegativePhase = nil
                    ws.forgetState()
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, what: "a monitor",
                                                        restoredStep: guardian.lastGoodStep, setting: "lr", value: Double(rate)))
                }
                self.record(r)
                record = r
            }
            if let every = options.aisEvery, epoch % every == 0 || round == options.epochs - 1 {
                // Seeded by (seed, epoch), so a history is reproducible.
                let ais = AnnealedImportanceSampling(runs: options.aisRuns, temperatures: options.aisTemperatures,
                                                     seed: derivedSeed(.ais, UInt64(epoch)))
                guard let result = ais.estimate(trained, data: data, shouldStop: shouldStop) else {
                    rbm = trained
                    epochsCompleted = epoch
                    return .stopped(step: epoch, unit: .epoch, batch: batches, batches: batches)
                }
                var r = record ?? monitors(trained, on: monitorSet, epoch: epoch, seconds: seconds)
                r.ais = result
                r.aisLogLikelihood = result.logLikelihood(trained, data: monitorSet)
                self.record(r)
                record = r
            }
            rbm = trained
            guardian.commit(trained, step: epoch, parameters: trained.parameterVector)
            epochsCompleted = epoch
            progress(epoch, batches, batches, record)
            if shouldStop() { return .stopped(step: epoch, unit: .epoch, batch: batches, batches: batches) }
        }
        return .completed(step: epochsCompleted)
    }

    /// Copies the last update's rows out of the workspace, where the update left them: the data
    /// in X[0..<n] and the chains' x̃ in X[n..<2n] (`RBMWorkspace.update`).
    private mutating func keepNegativePhase(_ ws: RBMWorkspace, rows n: Int, epoch: Int) {
        let D = ws.D
        let x = Array(UnsafeBufferPointer(start: ws.X, count: 2 * n * D))
        lastNegativePhase = NegativePhaseSamples(data: Tensor(shape: [n, D], scalars: Array(x[0..<(n * D)])),
                                                 samples: Tensor(shape: [n, D], scalars: Array(x[(n * D)...])), step: epoch)
    }

    private enum EpochEnd {
        case finished(seconds: Double)
        case stopped(afterBatch: Int)
        case diverged(inBatch: Int)
    }

    /// The minibatch updates of one epoch: positive phase, negative phase, update (003, §13.2).
    /// ε for round `round` (0-based) of the current call: constant, or linearly decayed.
    private func learningRate(inRound round: Int) -> Float {
        guard let end = options.finalLearningRate, options.epochs > 1 else { return options.learningRate }
        let t = Float(round) / Float(options.epochs - 1)
        return options.learningRate + (end - options.learningRate) * t
    }

    private func runEpoch(_ epoch: Int, _ ws: RBMWorkspace, _ data: Tensor, _ order: [Int], batchSize: Int,
                          learningRate: Float, shouldStop: () -> Bool, progress: (Int, Int, Int, RBMEpochRecord?) -> Void) -> EpochEnd {
        let n = order.count
        let batches = (n + batchSize - 1) / batchSize
        let sampler = options.sampler
        let clock = ContinuousClock()
        let started = clock.now
        // sgemm runs single-threaded during the updates: the workspace's two threads each call it
        // on their own half (OpenBLAS's threads would only compete with them), and OpenBLAS's
        // threaded products may round differently from its single-threaded ones, so this keeps
        // the results the same on every machine for a given seed and BLAS kernel. (The process-wide
        // setting is restored before the monitors run.)
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        let end: EpochEnd? = data.scalars.withUnsafeBufferPointer { d in
            order.withUnsafeBufferPointer { o in
                guard let dp = d.baseAddress, let op = o.baseAddress else { return nil }
                for batch in 0..<batches {
                    let range = (batch * batchSize)..<Swift.min(n, (batch + 1) * batchSize)
                    guard ws.update(data: dp, order: op, range: range, sampler: sampler, learningRate: learningRate,
                                    momentum: options.momentum, weightDecay: options.weightDecay)
                    else { return .diverged(inBatch: batch + 1) }
                    if batch + 1 < batches {
                        progress(epoch, batch + 1, batches, nil)
                        if shouldStop() { return .stopped(afterBatch: batch + 1) }
                    }
                }
                return nil
            }
        }
        if let end { return end }
        let elapsed = clock.now - started
        return .finished(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// The end-of-epoch monitors; the random choices depend only on the seed and the epoch.
    private func monitors(_ m: RestrictedBoltzmannMachine, on X: Tensor, epoch: Int, seconds: Double) -> RBMEpochRecord {
        let seed = derivedSeed(.monitors, UInt64(epoch))
        let terms = (1 << Swift.min(m.enumerationExponent, 62)) &* Swift.max(m.hidden, m.visible)
        let affordableLikelihood = m.enumerationExponent <= RestrictedBoltzmannMachine.enumerationLimitExponent
            && terms <= options.exactLikelihoodBudget
        let affordablePLL = X.rows * m.visible * m.hidden <= options.exactPseudoLikelihoodBudget
        return RBMEpochRecord(
            epoch: epoch, seconds: seconds,
            reconstructionError: m.reconstructionError(X, seed: seed),
            pseudoLogLikelihood: m.pseudoLogLikelihood(X, seed: seed ^ 1),
            exactPseudoLogLikelihood: affordablePLL ? m.exactPseudoLogLikelihood(X) : nil,
            logLikelihood: affordableLikelihood ? try? m.exactLogLikelihood(X) : nil)
    }

    // MARK: Seeds, shuffles and chains

    private enum Purpose: UInt64 { case shuffle = 1, chains = 2, monitors = 3, ais = 4 }

    private func derivedSeed(_ purpose: Purpose, _ index: UInt64) -> UInt64 {
        var g = Xoshiro256StarStar.stream(seed: options.seed ^ (purpose.rawValue &* 0xA076_1D64_78BD_642F), index: index)
        return g.next()
    }

    /// Fisher–Yates with the epoch's own stream, so epoch e's order depends only on (seed, e).
    private func shuffle(_ order: inout [Int], epoch: Int) {
        var g = Xoshiro256StarStar(seed: derivedSeed(.shuffle, UInt64(epoch)))
        for i in order.indices { order[i] = i }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int.random(in: 0...i, using: &g))
        }
    }

    /// One stream per batch row; carried over from the last call when the shapes still match.
    private func generators(count: Int) -> [Xoshiro256StarStar] {
        if chainGenerators.count == count { return chainGenerators }
        let seed = derivedSeed(.chains, 0)
        return (0..<count).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
    }

    private func restoreState(_ ws: RBMWorkspace) {
        ws.setVelocities(velocities)
        ws.tempered = temperedReplicas
        guard persistentHidden.count == ws.maxBatch * ws.H else { return }
        ws.persistentHidden.update(from: persistentHidden, count: persistentHidden.count)
        ws.persistentRows = persistentRows
    }

    private mutating func saveState(_ ws: RBMWorkspace) {
        velocities = ws.velocities
        temperedReplicas = ws.tempered
        chainGenerators = ws.currentGenerators
        persistentRows = ws.persistentRows
        persistentHidden = Array(UnsafeBufferPointer(start: ws.persistentHidden, count: ws.maxBatch * ws.H))
    }
}

extension RBMTrainer: NegativeSampleRecording {}
