import COpenBLAS
import Glibc

/// Up-down fine-tuning of a DBN: the contrastive wake-sleep algorithm of Hinton, Osindero and
/// Teh (2006, §5 and appendix B), named in 003 §13.3.
///
/// The recognition weights of the layers below the top are untied from the generative ones
/// (R^(l) = W^(l), r^(l) = b^(l) to start). Each minibatch:
///
/// - up (wake) pass: s^(l) ~ q(h^(l) | s^(l−1)) = σ(r^(l) + R^(l) s^(l−1)), s^(0) = x;
/// - the top RBM: k alternating Gibbs steps from s^(L−1), a CD-k update of W^(L), b^(L), c^(L)
///   with hidden probabilities in both phases;
/// - down (sleep) pass: d^(L−1) the top chain's lower units, d^(l−1) ~ P(h^(l−1) | d^(l));
/// - wake update of the generative weights: W^(l) += ε s^(l) (s^(l−1) − σ(c^(l) + W^(l)ᵀ s^(l)))ᵀ,
///   c^(l) likewise, so P(s^(l−1) | s^(l)) rises;
/// - sleep update of the recognition weights: R^(l) += ε (d^(l) − σ(r^(l) + R^(l) d^(l−1))) d^(l−1)ᵀ,
///   r^(l) likewise, so q(d^(l) | d^(l−1)) rises.
///
/// Averages over the minibatch; all products are `cblas_sgemm`. After fine-tuning, a lower
/// layer's `b` is no longer used (r is the recognition bias and the layer above supplies the prior).
public struct UpDownFineTuning: ModelTrainer {
    public var settings: UpDownSettings
    public internal(set) var history = TrainingHistory(unit: .epoch, columns: UpDownFineTuning.historyColumns)
    /// Epochs run by this trainer.
    public internal(set) var completed = 0

    public static let historyColumns: [TrainingHistory.Column] = [
        .init(name: "seconds", title: "seconds", digits: 4, printed: false),
        .init(name: "wake_loglik", title: "mean log P(x | h^(1)) (wake)", digits: 6),
    ]

    public init(settings: UpDownSettings) { self.settings = settings }

    public init(learningRate: Float = 0.01, k: Int = 1, batchSize: Int = 100, epochs: Int = 10, seed: UInt64 = 0) {
        self.init(settings: UpDownSettings(learningRate: learningRate, k: k, batchSize: batchSize, epochs: epochs, seed: seed))
    }

    public var length: Int {
        get { settings.epochs }
        set { settings.epochs = newValue }
    }

    /// Fine-tunes `dbn` (at least 2 layers) on the rows of `data` (n × D, values in [0, 1]) for
    /// `settings.epochs` epochs. `shouldStop` is polled after every minibatch. If a parameter
    /// becomes NaN or infinite, the network is restored to the end of the previous epoch and the
    /// outcome names the learning rate (the divergence guard every trainer has).
    public mutating func train(_ dbn: inout DeepBeliefNetwork, on data: Tensor, shouldStop: () -> Bool = { false },
                               progress: (TrainingProgress) -> Void = { _ in }) -> TrainingOutcome {
        precondition(dbn.depth >= 2, "up-down needs a DBN of at least 2 layers (one RBM has nothing to untie)")
        precondition(data.rank == 2 && data.shape[1] == dbn.visible && data.rows > 0, "data must be n × \(dbn.visible)")
        let n = data.rows
        let K = dbn.depth - 1
        let batchSize = Swift.max(1, Swift.min(settings.batchSize, n))
        let batches = (n + batchSize - 1) / batchSize
        var guardian = DivergenceGuard(dbn, step: completed)
        for l in 1...K where dbn.recognition[l - 1] == nil {
            let layer = dbn.layer(l)
            dbn.setRecognition(l, .init(R: layer.W, r: layer.b))
        }
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)   // the same numbers on every machine for a seed (see RBMTrainer)
        defer { openblas_set_num_threads(blasThreads) }
        let clock = ContinuousClock()
        var order = Array(0..<n)
        for round in 0..<settings.epochs {
            let epoch = completed + 1
            var g = Xoshiro256StarStar(seed: derivedSeed(epoch, 0))
            // Epoch e's order depends only on (seed, e): shuffled from 0..<n with its own stream,
            // so 2 + 2 epochs in two calls (or across a model file) equal 4 in one.
            for i in order.indices { order[i] = i }
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &g)) }
            let started = clock.now
            var logConditional = 0.0
            for batch in 1...batches {
                let rows = Array(order[((batch - 1) * batchSize)..<Swift.min(n, batch * batchSize)])
                logConditional += update(&dbn, data.rows(rows), seed: derivedSeed(epoch, UInt64(batch)))
                guard dbn.isFinite else {
                    dbn = guardian.lastGood
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: batch, batches: batches, what: "a parameter",
                                                        restoredStep: guardian.lastGoodStep, setting: "lr",
                                                        value: Double(settings.learningRate)))
                }
                progress(TrainingProgress(done: round * batches + batch, total: settings.epochs * batches, step: epoch))
                if shouldStop() {
                    completed = epoch
                    dbn.upDownEpochs += 1
                    return .stopped(step: epoch, unit: .epoch, batch: batch, batches: batches)
                }
            }
            let elapsed = clock.now - started
            completed = epoch
            dbn.upDownEpochs += 1
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let wake = logConditional / Double(n)
            history.append(step: epoch, ["seconds": seconds, "wake_loglik": wake])
            guardian.commit(dbn, step: epoch, parameters: dbn.parameterVector)
            progress(TrainingProgress(done: (round + 1) * batches, total: settings.epochs * batches, step: epoch,
                                      status: "epoch \(epoch): wake log P(x|h) \(settingText(wake, digits: 5))"))
        }
        return .completed(step: completed)
    }

    private func derivedSeed(_ epoch: Int, _ batch: UInt64) -> UInt64 {
        var g = Xoshiro256StarStar.stream(seed: settings.seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15), index: batch)
        return g.next()
    }

    /// One minibatch; returns Σ_rows log P(x | s^(1)) of the wake pass (a cheap monitor).
    private func update(_ dbn: inout DeepBeliefNetwork, _ x: Tensor, seed: UInt64) -> Double {
        let B = x.rows, K = dbn.depth - 1
        var level = 0
        func sample(_ p: Tensor) -> Tensor {
            level += 1
            return DeepBeliefNetwork.sampleBernoulli(p, seed: DeepBeliefNetwork.levelSeed(seed, level))
        }
        // Up (wake) pass.
        var wake = [x]
        for l in 1...K { wake.append(sample(dbn.recognitionMachine(l).hiddenProbabilities(wake[l - 1]))) }
        // Generative predictions of the wake states, before any update.
        let predicted = (1...K).map { dbn.layer($0).visibleProbabilities(wake[$0]) }
        // Top RBM: CD-k from the wake states of its lower units.
        let top = dbn.top
        let positiveTop = top.hiddenProbabilities(wake[K])
        var topStates = sample(positiveTop)
        var negativeLower = wake[K], negativeTop = positiveTop
        for step in 1...settings.k {
            negativeLower = sample(top.visibleProbabilities(topStates))
            negativeTop = top.hiddenProbabilities(negativeLower)
            if step < settings.k { topStates = sample(negativeTop) }
        }
        // Down (sleep) pass from the top chain's lower units.
        var sleep = [Tensor](repeating: x, count: K + 1)
        sleep[K] = negativeLower
        for l in stride(from: K, through: 1, by: -1) { sleep[l - 1] = sample(dbn.layer(l).visibleProbabilities(sleep[l])) }
        // Recognition predictions of the sleep states.
        let recognised = (1...K).map { dbn.recognitionMachine($0).hiddenProbabilities(sleep[$0 - 1]) }

        let scale = settings.learningRate / Float(B)
        // Wake: generative weights and biases of the belief net.
        for l in 1...K {
            var layer = dbn.layer(l)
            let error = difference(wake[l - 1], predicted[l - 1])
            accumulate(&layer.W, scale, wake[l], error)
            addColumnMeans(&layer.c, scale, error)
            dbn.setLayer(l, layer)
        }
        // The top RBM.
        var t = top
        accumulate(&t.W, scale, positiveTop, wake[K])
        accumulate(&t.W, -scale, negativeTop, negativeLower)
        addColumnMeans(&t.b, scale, difference(positiveTop, negativeTop))
        addColumnMeans(&t.c, scale, difference(wake[K], negativeLower))
        dbn.setLayer(K + 1, t)
        // Sleep: recognition weights.
        for l in 1...K {
            guard var rec = dbn.recognition[l - 1] else { continue }
            let error = difference(sleep[l], recognised[l - 1])
            accumulate(&rec.R, scale, error, sleep[l - 1])
            addColumnMeans(&rec.r, scale, error)
            dbn.setRecognition(l, rec)
        }
        // log P(x | s^(1)) = Σᵢ xᵢ log pᵢ + (1 − xᵢ) log(1 − pᵢ), clipped away from 0.
        var s = 0.0
        for (xi, pi) in zip(x.scalars, predicted[0].scalars) {
            let p = Swift.min(Swift.max(Double(pi), 1e-7), 1 - 1e-7)
            s += xi > 0.5 ? log(p) : log(1 - p)
        }
        return s
    }

    /// a − b, element-wise.
    private func difference(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = a
        for i in out.scalars.indices { out.scalars[i] -= b.scalars[i] }
        return out
    }

    /// W (m × n) += α Aᵀ B with A (rows × m), B (rows × n).
    private func accumulate(_ W: inout [Float], _ alpha: Float, _ A: Tensor, _ B: Tensor) {
        let (rows, m, n) = (A.rows, A.rowLength, B.rowLength)
        W.withUnsafeMutableBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(m), blasint(n), blasint(rows),
                        alpha, A.scalars, blasint(m), B.scalars, blasint(n), 1, w.baseAddress, blasint(n))
        }
    }

    /// v += α Σ_rows E.
    private func addColumnMeans(_ v: inout [Float], _ alpha: Float, _ E: Tensor) {
        let n = E.rowLength
        for r in 0..<E.rows { for j in 0..<n { v[j] += alpha * E.scalars[r * n + j] } }
    }
}

/// The settings of up-down fine-tuning.
public struct UpDownSettings: TrainerSettings {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    public var learningRate: Float
    /// Gibbs steps in the top RBM per update.
    public var k: Int
    public var batchSize: Int
    public var epochs: Int
    public var seed: UInt64

    public init(learningRate: Float = 0.01, k: Int = 1, batchSize: Int = 100, epochs: Int = 10, seed: UInt64 = 0) {
        precondition(k >= 1 && batchSize >= 1 && epochs >= 0, "up-down needs k ≥ 1, batch ≥ 1 and epochs ≥ 0")
        (self.learningRate, self.k, self.batchSize, self.epochs, self.seed) = (learningRate, k, batchSize, epochs, seed)
    }

    public func continues(_ previous: UpDownSettings) -> Bool {
        learningRate == previous.learningRate && k == previous.k && batchSize == previous.batchSize && seed == previous.seed
    }

    /// "up-down, k 5, lr 0.01, batch 8, seed 1".
    public var summary: String { "up-down, k \(k), lr \(settingText(learningRate)), batch \(batchSize), seed \(seed)" }
}

extension DeepBeliefNetwork {
    /// True when every parameter is a finite number.
    public var isFinite: Bool {
        // A sum is NaN or infinite when any term is (and, for finite terms, only on overflow).
        func finite(_ v: [Float]) -> Bool { v.reduce(Float(0)) { $0 + $1 * 0 }.isFinite }
        return layers.allSatisfy { finite($0.W) && finite($0.b) && finite($0.c) }
            && recognition.allSatisfy { $0.map { finite($0.R) && finite($0.r) } ?? true }
    }
}
