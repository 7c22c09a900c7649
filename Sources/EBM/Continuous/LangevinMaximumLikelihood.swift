import COpenBLAS

/// Maximum-likelihood training of a neural energy with Langevin samples from a replay buffer
/// (Du and Mordatch 2019, as 003 §13.1.1 describes it). Each iteration:
///
///  1. x⁺: a minibatch of data. x⁻: from the replay buffer with probability `reuse` (a sample
///     that has already walked towards the model), otherwise uniform noise over the data's box
///     ("to encourage mode exploration in case a previous run got stuck").
///  2. `langevinSteps` steps of Langevin dynamics on E_θ from x⁻; the results go back into the buffer.
///  3. Gradient descent (Adam) on
///         L = E_data[E_θ(x⁺)] − E_samples[E_θ(x⁻)] + α (E[E_θ(x⁺)²] + E[E_θ(x⁻)²]),
///     whose first two terms are −(E_data[−∇θE] − E_p[−∇θE]), the negative log-likelihood
///     gradient of 003 eq 13.1, and whose last is the L2 penalty on energies that keeps them
///     from drifting (the text's "smooth E_θ in a Lipschitz sense"). The parameter gradient is
///     clipped to norm `clip`.
public struct LangevinMaximumLikelihoodOptions: Sendable {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    public var iterations = 1000
    public var batchSize = 128
    public var langevinSteps = 20
    /// ε of the Langevin steps.
    public var stepSize: Float = 0.01
    /// Scale of the Langevin noise (1 = the Langevin step; Du and Mordatch use less).
    public var noise: Float = 1
    /// Probability of starting a chain from the buffer rather than from noise (0.95 in the paper;
    /// 0 = every chain starts from noise: short-run training without a buffer).
    public var reuse: Float = 0.95
    public var bufferSize = 10_000
    /// α of the L2 penalty on energies.
    public var energyPenalty: Float = 0.1
    /// The largest norm of a parameter gradient; longer ones are scaled down to it.
    public var clip: Float = 1
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    /// A history row every this many iterations (and after the last).
    public var monitorEvery = 50
    public init() {}
}

extension LangevinMaximumLikelihoodOptions: IterationSettings {
    public func continues(_ previous: LangevinMaximumLikelihoodOptions) -> Bool {
        batchSize == previous.batchSize && langevinSteps == previous.langevinSteps && stepSize == previous.stepSize
            && noise == previous.noise && reuse == previous.reuse && bufferSize == previous.bufferSize
            && energyPenalty == previous.energyPenalty && clip == previous.clip
            && learningRate == previous.learningRate && seed == previous.seed
    }

    /// "langevin-ml, 30 steps of ε 0.005, buffer 10000 reused 0.95, α 0.1, Adam lr 0.002, batch 128, seed 1".
    public var summary: String {
        "langevin-ml, \(langevinSteps) steps of ε \(settingText(stepSize))"
            + (reuse > 0 ? ", buffer \(bufferSize) reused \(settingText(reuse))" : ", no buffer")
            + (noise != 1 ? ", noise \(settingText(noise))" : "")
            + (clip != 1 ? ", clip \(settingText(clip))" : "")
            + ", α \(settingText(energyPenalty)), Adam lr \(settingText(learningRate))"
            + ", batch \(batchSize), seed \(seed)"
    }
}

/// One row of the history: averages over the iterations since the previous row.
public struct LangevinTrainingRecord: Sendable, Equatable {
    public var iteration: Int
    /// Mean E_θ of the data minibatches.
    public var dataEnergy: Double
    /// Mean E_θ of the Langevin samples.
    public var sampleEnergy: Double
    /// The loss L (with the penalty).
    public var loss: Double
    /// Mean norm of the (unclipped) parameter gradient.
    public var gradientNorm: Double
    /// Mean ‖x_K − x_0‖ of the chains over one Langevin run: how far samples travel.
    public var sampleTravel: Double
    /// Fraction of chains that started from the buffer.
    public var bufferFraction: Double
}

public struct LangevinMaximumLikelihood: IterationTrainer {
    public typealias Model = NeuralEnergy
    public typealias Settings = LangevinMaximumLikelihoodOptions
    public var options: LangevinMaximumLikelihoodOptions
    public internal(set) var history = TrainingHistory(unit: .iteration, columns: LangevinMaximumLikelihood.historyColumns)
    public internal(set) var iterationsCompleted = 0
    /// The replay buffer, rows of d floats, oldest first.
    public internal(set) var buffer: [Float] = []
    var optimizer: AdamOptimizer
    var generator: Xoshiro256StarStar
    /// The box uniform starts are drawn from: the data's range, widened by 10% on each side.
    var low: [Float] = [], high: [Float] = []

    public init(options: LangevinMaximumLikelihoodOptions = LangevinMaximumLikelihoodOptions()) {
        self.options = options
        optimizer = AdamOptimizer(learningRate: options.learningRate, beta1: 0, beta2: 0.999)
        generator = Xoshiro256StarStar(seed: options.seed ^ 0xE6E6)
    }

    /// The history's columns: averages over the iterations since the previous row.
    public static let historyColumns: [TrainingHistory.Column] = [
        .init(name: "data_energy", title: "E(data)", digits: 4),
        .init(name: "sample_energy", title: "E(samples)", digits: 4),
        .init(name: "difference", title: "difference", digits: 4),
        .init(name: "loss", title: "loss", digits: 4, printed: false),
        .init(name: "grad_norm", title: "‖∇θ‖", digits: 3),
        .init(name: "travel", title: "sample travel", digits: 3),
        .init(name: "from_buffer", title: "from buffer", digits: 3),
    ]

    public mutating func train(_ model: inout NeuralEnergy, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let first = iterationsCompleted, total = options.iterations
        return train(&model, on: data.scalars, rows: data.rows, shouldStop: shouldStop) { iteration, record in
            progress(TrainingProgress(done: iteration - first, total: total, step: iteration,
                                      status: record.map { "E(data) \(settingText($0.dataEnergy, digits: 3)), E(samples) \(settingText($0.sampleEnergy, digits: 3))" }))
        }
    }

    private mutating func record(_ r: LangevinTrainingRecord) {
        history.append(step: r.iteration, ["data_energy": r.dataEnergy, "sample_energy": r.sampleEnergy,
                                           "difference": r.dataEnergy - r.sampleEnergy, "loss": r.loss,
                                           "grad_norm": r.gradientNorm, "travel": r.sampleTravel, "from_buffer": r.bufferFraction])
    }

    public mutating func train(_ energy: inout NeuralEnergy, on data: [Float], rows n: Int,
                               shouldStop: () -> Bool = { false },
                               progress: (Int, LangevinTrainingRecord?) -> Void = { _, _ in }) -> TrainingOutcome {
        let d = energy.dimension
        precondition(data.count == n * d && n >= 1, "data must be n × \(d)")
        if low.count != d {
            low = (0..<d).map { i in (0..<n).map { data[$0 * d + i] }.min()! }
            high = (0..<d).map { i in (0..<n).map { data[$0 * d + i] }.max()! }
            for i in 0..<d { let w = (high[i] - low[i]) * 0.1 + 1e-3; low[i] -= w; high[i] += w }
        }
        optimizer.learningRate = options.learningRate
        // The products here are small (a minibatch × a layer): OpenBLAS's threads cost more than
        // they save on them, and one thread keeps the results the same on every machine.
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        var guardian = DivergenceGuard(energy, step: iterationsCompleted)
        // One sampler for the whole call: its buffers and helper thread serve every iteration.
        let sampler = NeuralEnergyKernel.supports(energy.network)
            ? NeuralLangevinSampler(energy, maxChains: Swift.min(options.batchSize, n)) : nil
        var sums = [Double](repeating: 0, count: 6), count = 0
        /// The averages since the last row, as a row (Ctrl-C and the last iteration record it).
        func pending(_ iteration: Int) -> LangevinTrainingRecord? {
            guard count > 0 else { return nil }
            let m = sums.map { $0 / Double(count) }
            return LangevinTrainingRecord(iteration: iteration, dataEnergy: m[0], sampleEnergy: m[1], loss: m[2],
                                          gradientNorm: m[3], sampleTravel: m[4], bufferFraction: m[5])
        }
        let B = Swift.min(options.batchSize, n)
        for round in 0..<options.iterations {
            let iteration = iterationsCompleted + 1
            // 1. Data minibatch and chain starts.
            var positive = [Float](repeating: 0, count: B * d)
            for r in 0..<B {
                let row = Int(generator.next() % UInt64(n))
                for i in 0..<d { positive[r * d + i] = data[row * d + i] }
            }
            var start = [Float](repeating: 0, count: B * d)
            var fromBuffer = 0
            let stored = buffer.count / d
            // The reuse coin is drawn from the second iteration on, whether or not the buffer is
            // there: a trainer read back without its buffer (`save` without `buffer: true`)
            // then draws the same random numbers as one that never stopped, so with reuse 0 it
            // continues exactly.
            let drawsCoin = iterationsCompleted > 0 || stored > 0
            for r in 0..<B {
                if drawsCoin && Float(generator.nextUnitDouble()) < options.reuse && stored > 0 {
                    let k = Int(generator.next() % UInt64(stored))
                    for i in 0..<d { start[r * d + i] = buffer[k * d + i] }
                    fromBuffer += 1
                } else {
                    for i in 0..<d { start[r * d + i] = low[i] + (high[i] - low[i]) * Float(generator.nextUnitDouble()) }
                }
            }
            // 2. Short-run Langevin from the starts.
            var settings = LangevinSettings()
            settings.steps = options.langevinSteps
            settings.stepSize = options.stepSize
            settings.noise = options.noise
            settings.every = Swift.max(1, options.langevinSteps)
            settings.seed = options.seed &+ UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15
            let run: LangevinRun
            if let sampler {
                sampler.load(energy)
                run = sampler.run(start: start, chains: B, settings: settings)
            } else {
                run = LangevinDynamics.run(energy, start: start, chains: B, settings: settings)
            }
            let negative = run.final
            var travel = 0.0
            for r in 0..<B {
                var s: Float = 0
                for i in 0..<d { let u = negative[r * d + i] - start[r * d + i]; s += u * u }
                travel += Double(s.squareRoot()) / Double(B)
            }
            buffer += negative
            if buffer.count > options.bufferSize * d { buffer.removeFirst(buffer.count - options.bufferSize * d) }
            // 3. The loss's parameter gradient: weights (1 + 2αE)/B on data, −(1 − 2αE)/B on samples.
            // Data and samples stacked (2B rows): one forward pass gives both phases' energies,
            // and one backward pass with per-row weights gives the whole gradient.
            let trace = energy.network.forward(positive + negative, rows: 2 * B)
            let ePlus = Array(trace.output[0..<B]), eMinus = Array(trace.output[B..<(2 * B)])
            let alpha = options.energyPenalty
            let rowWeights = ePlus.map { (1 + 2 * alpha * $0) / Float(B) } + eMinus.map { -(1 - 2 * alpha * $0) / Float(B) }
            let g = energy.network.backward(trace, outputGradient: rowWeights, parameters: true, input: false)
            var gradient = MultilayerPerceptron.flatten(weights: g.weights, biases: g.biases)
            let norm = gradient.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if norm > options.clip { gradient = gradient.map { $0 * options.clip / norm } }
            var θ = energy.network.parameterVector
            optimizer.update(&θ, gradient: gradient)
            let meanPlus = ePlus.reduce(0) { $0 + Double($1) } / Double(B)
            let meanMinus = eMinus.reduce(0) { $0 + Double($1) } / Double(B)
            let penalty = Double(alpha) * (ePlus.reduce(0) { $0 + Double($1 * $1) } + eMinus.reduce(0) { $0 + Double($1 * $1) }) / Double(B)
            // The energies were computed at the parameters of the last commit (when it was the
            // last iteration): only finite energies there make them a restore point.
            guardian.evaluated(finite: meanPlus.isFinite && meanMinus.isFinite && norm.isFinite)
            guard θ.allSatisfy(\.isFinite), meanPlus.isFinite, meanMinus.isFinite else {
                energy = guardian.lastGood
                // The trainer goes back to the restored iteration: its count and history too.
                iterationsCompleted = guardian.lastGoodStep
                history = history.truncated(through: guardian.lastGoodStep)
                return .diverged(TrainingDivergence(unit: .iteration, step: iteration,
                                                    what: meanPlus.isFinite && meanMinus.isFinite ? "a parameter" : "an energy",
                                                    restoredStep: guardian.lastGoodStep, setting: "lr", value: Double(options.learningRate)))
            }
            energy.network.setParameterVector(θ)
            iterationsCompleted = iteration
            for (k, v) in [meanPlus, meanMinus, meanPlus - meanMinus + penalty, Double(norm), travel, Double(fromBuffer) / Double(B)].enumerated() { sums[k] += v }
            count += 1
            var record: LangevinTrainingRecord?
            let stopping = shouldStop()
            if iteration % options.monitorEvery == 0 || round == options.iterations - 1 || stopping, let r = pending(iteration) {
                self.record(r)
                record = r
                sums = [Double](repeating: 0, count: 6)
                count = 0
                guardian.commit(energy, step: iteration, parameters: energy.network.parameterVector, awaitingEvaluation: true)
            }
            progress(iteration, record)
            if stopping { return .stopped(step: iteration, unit: .iteration, batch: nil, batches: nil) }
        }
        return .completed(step: iterationsCompleted)
    }
}
