import Glibc

/// Settings of Gaussian–Bernoulli RBM training: the `MinibatchTrainingOptions` every RBM trainer
/// shares, plus the learning rates of c and of log σ².
public struct GaussianRBMTrainingOptions: Sendable {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    /// CD-k, PCD-k or PT-k (the ladder's β must be above 0: the Gaussian layer is improper at 0).
    public var sampler: any NegativePhaseSampler = ContrastiveDivergence(k: 1)
    /// ε of W and b.
    public var learningRate: Float = 0.01
    /// ε of c (PyDeep's 2-D example keeps c at 0 on whitened data: 0 here).
    public var visibleBiasLearningRate: Float?
    /// ε of z = log σ² (Cho, Ilin and Raiko 2011 learn σ through z); 0 keeps σ fixed.
    public var sigmaLearningRate: Float = 0
    public var batchSize: Int = 100
    public var epochs: Int = 10
    public var seed: UInt64 = 0
    public var monitorEvery: Int = 1
    public var monitorRows: Int = 1000
    /// The monitor set; nil = the first `monitorRows` rows of the training data.
    public var monitorSet: Tensor?
    public init() {}
}

extension GaussianRBMTrainingOptions: EpochSettings {
    public func continues(_ p: GaussianRBMTrainingOptions) -> Bool {
        continuesMinibatchSettings(p) && visibleBiasLearningRate == p.visibleBiasLearningRate
            && sigmaLearningRate == p.sigmaLearningRate
    }

    public var summary: String {
        "\(sampler), lr \(settingText(learningRate))"
            + (visibleBiasLearningRate.map { ", lr c \(settingText($0))" } ?? "")
            + (sigmaLearningRate > 0 ? ", lr log σ² \(settingText(sigmaLearningRate))" : ", σ fixed")
            + ", batch \(batchSize), seed \(seed)"
    }
}

/// Minibatch training of a Gaussian–Bernoulli RBM by CD-k, PCD-k or PT-k. With ⟨·⟩ over the data
/// (p(h|x) for h) minus the same over the negative samples, the gradient of the log-likelihood
/// in the energy of Cho, Ilin and Raiko (2011) is
///
///     ∂/∂Wⱼᵢ = ⟨hⱼ xᵢ/σᵢ²⟩,   ∂/∂bⱼ = ⟨hⱼ⟩,   ∂/∂cᵢ = ⟨(xᵢ − cᵢ)/σᵢ²⟩,
///     ∂/∂zᵢ  = ⟨(xᵢ − cᵢ)²/(2σᵢ²) − xᵢ(Wᵀh)ᵢ/σᵢ²⟩,   zᵢ = log σᵢ²
///
/// computed in float64 (the models it is for are small: 2-D toys, downsampled images). The
/// history's log-likelihood is exact (enumerating h) when H ≤ 20.
public struct GaussianRBMTrainer: EpochTrainer {
    public typealias Model = GaussianBernoulliRBM
    public typealias Settings = GaussianRBMTrainingOptions
    public var options: GaussianRBMTrainingOptions
    public internal(set) var history = TrainingHistory(unit: .epoch, columns: [
        .init(name: "seconds", title: "seconds", digits: 4, printed: false),
        .init(name: "recon", title: "recon. error", digits: 5),
        .init(name: "loglik", title: "log-likelihood (exact)", digits: 6),
        .init(name: "log_z", title: "log Z (exact)", digits: 6),
    ])
    public internal(set) var epochsCompleted = 0
    var chains: [[Double]] = []
    var ladders: [ParallelTempering<GaussianBernoulliRBM>] = []
    var generator: Xoshiro256StarStar?

    public init(options: GaussianRBMTrainingOptions = GaussianRBMTrainingOptions()) { self.options = options }

    public mutating func train(_ model: inout GaussianBernoulliRBM, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let (n, D, H) = (data.rows, model.visible, model.hidden)
        precondition(data.rank == 2 && data.shape[1] == D && n > 0, "training data must be n × \(D)")   // checked by the command
        let batchSize = Swift.max(1, Swift.min(options.batchSize, n))
        let batches = (n + batchSize - 1) / batchSize
        let monitorSet = options.monitorSet ?? data.rows(0..<Swift.min(n, options.monitorRows))
        var g = generator ?? Xoshiro256StarStar(seed: options.seed)
        defer { generator = g }
        var guardian = DivergenceGuard(model, step: epochsCompleted)
        var order = Array(0..<n)
        let x = data.scalars.map(Double.init)
        let clock = ContinuousClock()
        let lrC = options.visibleBiasLearningRate ?? options.learningRate
        for _ in 0..<options.epochs {
            let epoch = epochsCompleted + 1
            let started = clock.now
            // Each epoch shuffles 0..<n afresh from the carried stream (as RBMTrainer does), so the
            // order does not depend on how the epochs were split into calls: 2 + 2 epochs = 4.
            for i in order.indices { order[i] = i }
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &g)) }
            for batch in 0..<batches {
                let rows = Array(order[(batch * batchSize)..<Swift.min(n, (batch + 1) * batchSize)])
                let positive = rows.map { r in Array(x[(r * D)..<((r + 1) * D)]) }
                let negative = negativeSamples(model, positive, &g)
                var gW = [Double](repeating: 0, count: H * D), gb = [Double](repeating: 0, count: H)
                var gc = [Double](repeating: 0, count: D), gz = [Double](repeating: 0, count: D)
                accumulate(model, positive, sign: 1, &gW, &gb, &gc, &gz)
                accumulate(model, negative, sign: -1, &gW, &gb, &gc, &gz)
                let scale = 1 / Double(rows.count)
                for k in 0..<(H * D) { model.W[k] += Float(Double(options.learningRate) * scale * gW[k]) }
                for j in 0..<H { model.b[j] += Float(Double(options.learningRate) * scale * gb[j]) }
                for i in 0..<D { model.c[i] += Float(Double(lrC) * scale * gc[i]) }
                if options.sigmaLearningRate > 0 {
                    let sigma = (0..<D).map { i in
                        let z = 2 * Glibc.log(Double(model.sigma[i])) + Double(options.sigmaLearningRate) * scale * gz[i]
                        return Float(Glibc.exp(z / 2))
                    }
                    // z = log σ² can step to ±∞ (σ = 0 or ∞ in float32) or NaN: that is the
                    // divergence of lr_sigma, caught here before σ is set, not a crash.
                    guard GaussianUnits.isValid(sigma: sigma) else {
                        model = guardian.lastGood
                        chains = []
                        ladders = []
                        return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: batch + 1, batches: batches,
                                                            what: "log σ²", restoredStep: guardian.lastGoodStep,
                                                            setting: "lr_sigma", value: Double(options.sigmaLearningRate)))
                    }
                    model.sigma = sigma
                }
                if !DivergenceGuard<GaussianBernoulliRBM>.allFinite(model.parameterVector) {
                    model = guardian.lastGood
                    chains = []
                    ladders = []
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: batch + 1, batches: batches,
                                                        what: "a parameter", restoredStep: guardian.lastGoodStep,
                                                        setting: "lr", value: Double(options.learningRate)))
                }
                progress(TrainingProgress(done: (epoch - 1) * batches + batch + 1, total: options.epochs * batches, step: epoch))
                if shouldStop() {
                    epochsCompleted = epoch - 1
                    return .stopped(step: epoch, unit: .epoch, batch: batch + 1, batches: batches)
                }
            }
            let elapsed = clock.now - started
            epochsCompleted = epoch
            guardian.commit(model, step: epoch, parameters: model.parameterVector)
            if epoch % options.monitorEvery == 0 {
                var values = ["seconds": Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                              "recon": model.reconstructionError(monitorSet, seed: options.seed &+ UInt64(epoch))]
                if H <= 20, let logZ = try? model.logPartitionFunction() {
                    values["log_z"] = logZ
                    let f = model.freeEnergy(monitorSet)
                    values["loglik"] = f.reduce(0, +) / Double(f.count) - logZ
                }
                history.append(step: epoch, values)
            }
        }
        return .completed(step: epochsCompleted)
    }

    /// x̃ for the update: CD restarts at the batch, PCD continues one chain per row, PT one ladder
    /// per row (the β = 1 replicas' x).
    private mutating func negativeSamples(_ m: GaussianBernoulliRBM, _ positive: [[Double]],
                                          _ g: inout Xoshiro256StarStar) -> [[Double]] {
        let sampler = options.sampler
        if let pt = sampler as? ParallelTemperingSampler {
            precondition(pt.betas[0] > 0, "a Gaussian layer is improper at β = 0: PT ladders of a Gaussian–Bernoulli RBM start above 0")
            if ladders.count < positive.count {
                ladders = (0..<positive.count).compactMap { r in
                    try? ParallelTempering(m, betas: pt.betas, seed: options.seed &+ UInt64(r) &* 7919)
                }
            }
            return (0..<positive.count).map { r in
                ladders[r].setModel(m)
                for _ in 0..<pt.k { ladders[r].round() }
                return ladders[r].coldVisible
            }
        }
        let H = m.hidden
        var starts: [[Double]]
        if sampler.persistentChains {
            if chains.count < positive.count { chains = positive.map { $0 + [Double](repeating: 0, count: H) } }
            starts = Array(chains.prefix(positive.count))
        } else {
            starts = positive.map { $0 + [Double](repeating: 0, count: H) }
        }
        for r in starts.indices { for _ in 0..<sampler.k { m.temperedMove(&starts[r], beta: 1, &g) } }
        if sampler.persistentChains { for r in starts.indices { chains[r] = starts[r] } }
        return starts.map { Array($0.prefix(m.visible)) }
    }

    /// Adds sign × the statistics of the rows (p(h|x) for h) to the gradient sums.
    private func accumulate(_ m: GaussianBernoulliRBM, _ rows: [[Double]], sign: Double,
                            _ gW: inout [Double], _ gb: inout [Double], _ gc: inout [Double], _ gz: inout [Double]) {
        let (D, H) = (m.visible, m.hidden)
        let v = m.sigma.map { Double($0) * Double($0) }
        var ph = [Double](repeating: 0, count: H)
        for x in rows {
            for j in 0..<H { ph[j] = ElementwiseKernels.sigmoid(m.hiddenInput(x, j)) }
            for j in 0..<H {
                gb[j] += sign * ph[j]
                for i in 0..<D { gW[j * D + i] += sign * ph[j] * x[i] / v[i] }
            }
            for i in 0..<D {
                var wh = 0.0
                for j in 0..<H { wh += Double(m.W[j * D + i]) * ph[j] }
                let u = x[i] - Double(m.c[i])
                gc[i] += sign * u / v[i]
                gz[i] += sign * (u * u / (2 * v[i]) - x[i] * wh / v[i])
            }
        }
    }
}

extension ParallelTempering {
    /// Continues the replicas under new parameters (persistent training): the states stay, the
    /// energies are recomputed.
    public mutating func setModel(_ m: Model) {
        model = m
        energies = states.map { m.temperedEnergy($0) }
    }
}
