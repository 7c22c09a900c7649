import COpenBLAS
import Glibc

/// A score model s_θ(x, σ) ≈ ∇ₓ log p_σ(x) (Song and Ermon 2019, 003 §13.1.2): a multilayer
/// perceptron from x (and log σ, when it is noise-conditional) to d outputs, divided by σ,
///
///     s_θ(x, σ) = f_θ([x, log σ]) / σ,
///
/// so that the network's output stays of order one across a ladder of noise levels whose
/// scores differ by orders of magnitude. With no ladder it is s_θ(x) = f_θ(x).
public struct ScoreModel: Sendable, Equatable {
    public var network: MultilayerPerceptron
    /// The noise levels σ₁ > σ₂ > … > σ_L; empty for an unconditional model.
    public let sigmas: [Double]

    public var dimension: Int { network.outputWidth }
    public var conditional: Bool { !sigmas.isEmpty }

    /// `hidden` widths between the input and the d outputs.
    public init(dimension d: Int, hidden: [Int], activation: Activation = .swish, sigmas: [Double] = [], seed: UInt64) {
        precondition(sigmas.allSatisfy { $0 > 0 }, "noise levels must be positive")
        self.sigmas = sigmas.sorted(by: >)
        network = MultilayerPerceptron(dims: [sigmas.isEmpty ? d : d + 1] + hidden + [d], activation: activation, seed: seed)
    }

    /// σᵢ = σ₁ (σ_L/σ₁)^((i−1)/(L−1)): the geometric ladder of Song and Ermon.
    public static func geometricLadder(from largest: Double, to smallest: Double, levels: Int) -> [Double] {
        guard levels > 1 else { return [largest] }
        return (0..<levels).map { largest * pow(smallest / largest, Double($0) / Double(levels - 1)) }
    }

    /// The network's input rows for X (n × d) at per-row noise levels.
    func input(_ X: [Float], rows n: Int, sigma: [Float]) -> [Float] {
        guard conditional else { return X }
        let d = dimension
        var out = [Float](repeating: 0, count: n * (d + 1))
        for r in 0..<n {
            for i in 0..<d { out[r * (d + 1) + i] = X[r * d + i] }
            out[r * (d + 1) + d] = logf(sigma[r])
        }
        return out
    }

    /// s_θ(x, σ) for each row (σ per row; ignored when unconditional).
    public func scores(_ X: [Float], rows n: Int, sigma: [Float]) -> [Float] {
        let f = network.forward(input(X, rows: n, sigma: sigma), rows: n).output
        guard conditional else { return f }
        let d = dimension
        return f.indices.map { f[$0] / sigma[$0 / d] }
    }
}

/// Training objectives for a score model.
public enum ScoreMatchingObjective: Sendable, Equatable {
    /// Denoising score matching (Vincent 2011) over the model's noise levels, weighted by σ²
    /// (Song and Ermon): for x̃ = x + σz,
    ///     ℓ = ½ σ² ‖s_θ(x̃, σ) + (x̃ − x)/σ²‖² = ½ ‖f_θ([x̃, log σ]) + z‖²,
    /// whose minimiser is the score of the data blurred by N(0, σ²I).
    case denoising
    /// Implicit score matching (Hyvärinen 2005), 003's E‖∇ₓ log p_data − s_θ‖² after integration
    /// by parts (up to a constant that does not depend on θ):
    ///     J = E_data[ ½ ‖s_θ(x)‖² + tr ∇ₓ s_θ(x) ],
    /// with the trace by central differences, 2d extra passes per batch: for low dimensions.
    case implicit
}

public struct ScoreMatchingOptions: Sendable {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    public var objective = ScoreMatchingObjective.denoising
    public var iterations = 2000
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    public var monitorEvery = 200
    /// The step of the trace's central differences (implicit score matching).
    public var traceStep: Float = 1e-2
    public init() {}
}

extension ScoreMatchingOptions: IterationSettings {
    public func continues(_ previous: ScoreMatchingOptions) -> Bool {
        objective == previous.objective && batchSize == previous.batchSize && learningRate == previous.learningRate
            && seed == previous.seed && traceStep == previous.traceStep
    }

    /// "dsm, Adam lr 0.002, batch 128, seed 1".
    public var summary: String {
        "\(objective == .denoising ? "dsm" : "ism"), Adam lr \(settingText(learningRate)), batch \(batchSize), seed \(seed)"
    }
}

/// Adam on a score-matching objective; keeps its state (Adam moments, stream, history) across
/// `train` calls.
public struct ScoreMatchingTrainer: IterationTrainer {
    public typealias Model = ScoreModel
    public typealias Settings = ScoreMatchingOptions
    public var options: ScoreMatchingOptions
    public internal(set) var history: TrainingHistory
    public internal(set) var iterationsCompleted = 0
    var optimizer: AdamOptimizer
    var generator: Xoshiro256StarStar

    public init(options: ScoreMatchingOptions = ScoreMatchingOptions()) {
        self.options = options
        optimizer = AdamOptimizer(learningRate: options.learningRate)
        generator = Xoshiro256StarStar(seed: options.seed ^ 0x5C0E)
        history = TrainingHistory(unit: .iteration, columns: [
            .init(name: "loss", title: options.objective == .denoising ? "denoising loss" : "implicit objective J", digits: 5),
        ])
    }

    public mutating func train(_ model: inout ScoreModel, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let first = iterationsCompleted, total = options.iterations
        return train(&model, on: data.scalars, rows: data.rows, shouldStop: shouldStop) { iteration in
            progress(TrainingProgress(done: iteration - first, total: total, step: iteration))
        }
    }

    /// Trains for `options.iterations` more iterations. A non-finite loss or parameter restores
    /// the parameters of the last history row (or those given) and returns `.diverged`; Ctrl-C
    /// (`shouldStop`, polled every iteration) records the iterations since the last row.
    public mutating func train(_ model: inout ScoreModel, on data: [Float], rows n: Int,
                               shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> TrainingOutcome {
        let d = model.dimension
        precondition(data.count == n * d && n >= 1, "data must be n × \(d)")
        optimizer.learningRate = options.learningRate
        // Minibatch products are small: OpenBLAS's threads cost more than they save on them.
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        let B = Swift.min(options.batchSize, n)
        var lossSum = 0.0, count = 0
        var guardian = DivergenceGuard((model, optimizer), step: iterationsCompleted)
        for round in 0..<options.iterations {
            var x = [Float](repeating: 0, count: B * d)
            for r in 0..<B {
                let row = Int(generator.next() % UInt64(n))
                for i in 0..<d { x[r * d + i] = data[row * d + i] }
            }
            let (loss, gradient) = options.objective == .denoising
                ? denoisingGradient(model, x, rows: B) : implicitGradient(model, x, rows: B)
            // The loss was computed at the parameters of the last commit (when it was the last
            // iteration): only a finite loss there makes them a restore point.
            guardian.evaluated(finite: loss.isFinite && gradient.allSatisfy(\.isFinite))
            var θ = model.network.parameterVector
            optimizer.update(&θ, gradient: gradient)
            guard loss.isFinite, θ.allSatisfy(\.isFinite) else {
                let step = iterationsCompleted + 1
                (model, optimizer) = guardian.lastGood
                // The trainer goes back to the restored iteration: its count and history too.
                iterationsCompleted = guardian.lastGoodStep
                history = history.truncated(through: guardian.lastGoodStep)
                return .diverged(TrainingDivergence(unit: .iteration, step: step,
                                                    what: loss.isFinite ? "a parameter" : "the loss",
                                                    restoredStep: guardian.lastGoodStep, setting: "lr", value: Double(options.learningRate)))
            }
            model.network.setParameterVector(θ)
            iterationsCompleted += 1
            lossSum += loss
            count += 1
            let stopping = shouldStop()
            if iterationsCompleted % options.monitorEvery == 0 || round == options.iterations - 1 || stopping {
                history.append(step: iterationsCompleted, ["loss": lossSum / Double(count)])
                lossSum = 0
                count = 0
                guardian.commit((model, optimizer), step: iterationsCompleted,
                                 parameters: model.network.parameterVector, awaitingEvaluation: true)
            }
            if iterationsCompleted % 50 == 0 || stopping { progress(iterationsCompleted) }
            if stopping { return .stopped(step: iterationsCompleted, unit: .iteration, batch: nil, batches: nil) }
        }
        return .completed(step: iterationsCompleted)
    }

    /// ½‖f([x̃, log σ]) + z‖² per row, σ drawn from the ladder per row (a single σ = 1 when unconditional).
    private mutating func denoisingGradient(_ model: ScoreModel, _ x: [Float], rows B: Int) -> (Double, [Float]) {
        let d = model.dimension
        let sigmas = model.conditional ? model.sigmas : [1]
        var sigma = [Float](repeating: 0, count: B), z = [Float](repeating: 0, count: B * d)
        var noisy = x
        for r in 0..<B {
            sigma[r] = Float(sigmas[Int(generator.next() % UInt64(sigmas.count))])
            for i in 0..<d {
                z[r * d + i] = Float(generator.nextNormal())
                noisy[r * d + i] += sigma[r] * z[r * d + i]
            }
        }
        let trace = model.network.forward(model.input(noisy, rows: B, sigma: sigma), rows: B)
        let f = trace.output
        var loss = 0.0
        var G = [Float](repeating: 0, count: B * d)
        for k in 0..<(B * d) {
            let u = f[k] + z[k]
            loss += 0.5 * Double(u * u) / Double(B)
            G[k] = u / Float(B)
        }
        let g = model.network.backward(trace, outputGradient: G, parameters: true)
        return (loss, MultilayerPerceptron.flatten(weights: g.weights, biases: g.biases))
    }

    /// ½‖s(x)‖² + Σᵢ (sᵢ(x + h eᵢ) − sᵢ(x − h eᵢ)) / 2h per row; an unconditional model (σ = 1).
    private func implicitGradient(_ model: ScoreModel, _ x: [Float], rows B: Int) -> (Double, [Float]) {
        let d = model.dimension, h = options.traceStep
        let ones = [Float](repeating: 1, count: B)
        var total = [Float](repeating: 0, count: model.network.parameterCount)
        func accumulate(_ X: [Float], _ G: [Float]) {
            let trace = model.network.forward(model.input(X, rows: B, sigma: ones), rows: B)
            let g = model.network.backward(trace, outputGradient: G, parameters: true)
            let flat = MultilayerPerceptron.flatten(weights: g.weights, biases: g.biases)
            for k in total.indices { total[k] += flat[k] }
        }
        let s = model.scores(x, rows: B, sigma: ones)
        var loss = 0.0
        for k in 0..<(B * d) { loss += 0.5 * Double(s[k] * s[k]) / Double(B) }
        accumulate(x, s.map { $0 / Float(B) })
        for i in 0..<d {
            for sign: Float in [1, -1] {
                var shifted = x
                for r in 0..<B { shifted[r * d + i] += sign * h }
                let si = model.scores(shifted, rows: B, sigma: ones)
                for r in 0..<B { loss += Double(sign * si[r * d + i]) / Double(2 * h) / Double(B) }
                var G = [Float](repeating: 0, count: B * d)
                for r in 0..<B { G[r * d + i] = sign / (2 * h * Float(B)) }
                accumulate(shifted, G)
            }
        }
        return (loss, total)
    }
}

/// Annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1): Langevin steps with the score
/// at each noise level in turn, from the largest σ to the smallest, with step αᵢ = ε σᵢ²/σ_L²:
///
///     x ← x + (αᵢ/2) s_θ(x, σᵢ) + √αᵢ z
///
/// Large σ first: its blurred density connects the modes, so chains spread over them in the
/// right proportions before the small σ sharpens them. With one level it is plain Langevin.
public enum AnnealedLangevin {
    /// `score(X, rows, σ)` gives s(x, σ) for each row; `ladder` runs from the largest σ down.
    /// `progress(done)` counts steps over all levels (of ladder.count × stepsPerLevel).
    /// `shouldStop` is polled after every step: a stopped run keeps the chains where they are
    /// (`finished` false, the last snapshot at the steps taken), as every other sampler does.
    public static func run(dimension d: Int, ladder: [Double], start: [Float], chains: Int, stepsPerLevel: Int,
                           stepSize: Float, seed: UInt64, shouldStop: () -> Bool = { false },
                           progress: (Int) -> Void = { _ in },
                           score: ([Float], Int, Float) -> [Float]) -> LangevinRun {
        precondition(start.count == chains * d && !ladder.isEmpty, "start must be chains × \(d), and the ladder not empty")
        let smallest = ladder.min() ?? 1
        var generators = (0..<chains).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        var x = start
        var done = 0
        var stopped = false
        levels: for sigma in ladder {
            let alpha = stepSize * Float(sigma * sigma / (smallest * smallest))
            let root = alpha.squareRoot()
            for _ in 0..<stepsPerLevel {
                let s = score(x, chains, Float(sigma))
                for c in 0..<chains { for i in 0..<d { x[c * d + i] += alpha / 2 * s[c * d + i] + root * Float(generators[c].nextNormal()) } }
                done += 1
                if done % 10 == 0 || done % stepsPerLevel == 0 { progress(done) }
                if shouldStop() { stopped = true; break levels }
            }
        }
        var run = LangevinRun(snapshots: [(0, start), (done, x)], chains: chains, dimension: d, acceptanceRate: nil)
        run.finished = !stopped
        return run
    }

    /// The final states of `run(...)`, or nil when it was stopped before its last step.
    public static func sample(dimension d: Int, ladder: [Double], start: [Float], chains: Int, stepsPerLevel: Int,
                              stepSize: Float, seed: UInt64, shouldStop: () -> Bool = { false },
                              progress: (Int) -> Void = { _ in },
                              score: ([Float], Int, Float) -> [Float]) -> [Float]? {
        let r = run(dimension: d, ladder: ladder, start: start, chains: chains, stepsPerLevel: stepsPerLevel,
                    stepSize: stepSize, seed: seed, shouldStop: shouldStop, progress: progress, score: score)
        return r.finished ? r.final : nil
    }

    /// With a trained score model, over its own ladder (one level, σ = 1, when unconditional).
    public static func sample(_ model: ScoreModel, start: [Float], chains: Int, stepsPerLevel: Int, stepSize: Float,
                              seed: UInt64, shouldStop: () -> Bool = { false }) -> [Float]? {
        sample(dimension: model.dimension, ladder: model.conditional ? model.sigmas : [1], start: start, chains: chains,
               stepsPerLevel: stepsPerLevel, stepSize: stepSize, seed: seed, shouldStop: shouldStop) { X, n, sigma in
            model.scores(X, rows: n, sigma: [Float](repeating: sigma, count: n))
        }
    }
}

extension MixtureEnergy {
    /// The exact score of the mixture blurred by N(0, σ²I): the same mixture with every
    /// variance σₖ² + σ². Annealed Langevin on these needs no training at all.
    public func blurredScores(_ X: [Float], rows n: Int, sigma: Float) -> [Float] {
        let blurred = MixtureEnergy(means: means, stds: stds.map { ($0 * $0 + Double(sigma * sigma)).squareRoot() }, weights: weights)
        return blurred.energiesAndGradients(X, rows: n).gradients.map { -$0 }
    }
}
