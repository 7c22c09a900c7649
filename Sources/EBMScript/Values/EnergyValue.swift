import EBM

/// A continuous energy E(x) over ℝᵈ as a language value: a neural energy (trainable) or a
/// closed-form one (Gaussian, mixture, double well) whose moments, log Z and score are known. A
/// reference, so `train(e, ...)` changes `e` in place.
public final class EnergyValue: ModelValue {
    public enum Kind {
        case neural(NeuralEnergy)
        case closedForm(any ClosedFormEnergyModel)
    }

    public var kind: Kind
    /// The trainer of the last `train` call (Adam moments, replay buffer, stream, history).
    public var trainer: LangevinMaximumLikelihood?
    public var imageShape: (height: Int, width: Int)?

    public init(_ kind: Kind) { self.kind = kind }

    public var energy: any ContinuousEnergy {
        switch kind {
        case .neural(let e): return e
        case .closedForm(let e): return e
        }
    }

    public var article: String {
        switch kind {
        case .neural: return "a neural energy on ℝᵈ"
        case .closedForm: return "a closed-form energy on ℝᵈ"
        }
    }

    public var closedForm: (any ClosedFormEnergyModel)? {
        if case .closedForm(let e) = kind { return e }
        return nil
    }

    public var kindName: String { "energy" }
    public var summary: String { energy.description }

    public func render(_ format: ValueFormat) -> String {
        var out = "energy: \(energy.description)"
        if let c = closedForm {
            out += "\nexact mean \(list(exactMean(c))), exact std \(list(c.exactStd)), log Z = \(formatNumber(c.logPartitionFunction, digits: 6))"
        }
        if let t = trainer, t.iterationsCompleted > 0 {
            out += "\ntrained \(t.iterationsCompleted) iterations with \(t.options.summary)"
        }
        return out
    }

    /// The exact mean with rounding noise (−1.39e-16 for a ring's 0) set to 0, on the scale of
    /// the mean and std together.
    private func exactMean(_ c: any ClosedFormEnergyModel) -> [Double] {
        zeroingNoise(c.exactMean, scale: largestMagnitude(c.exactMean, c.exactStd))
    }

    private func list(_ v: [Double]) -> String { "[" + v.map { formatNumber($0, digits: 5) }.joined(separator: ", ") + "]" }

    public var propertyNames: [String] { ["dimension", "parameters", "exact_mean", "exact_std", "log_z", "history", "buffer"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "dimension": return .number(Double(energy.dimension))
        case "parameters": return .number(Double(parameterized.parameterTotal))
        case "exact_mean": return closedForm.map { .tensor(Tensor(shape: [$0.dimension], scalars: exactMean($0).map(Float.init))) } ?? Value.none
        case "exact_std": return closedForm.map { .tensor(Tensor(shape: [$0.dimension], scalars: $0.exactStd.map(Float.init))) } ?? Value.none
        case "log_z": return closedForm.map { .number($0.logPartitionFunction) } ?? Value.none
        case "history": return .object(historyValue)
        case "buffer":
            guard let b = trainer?.buffer, !b.isEmpty else { return Value.none }
            let d = energy.dimension
            return .object(Dataset(name: "replay buffer", examples: Tensor(shape: [b.count / d, d], scalars: b), imageShape: imageShape))
        default: return nil
        }
    }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel {
        switch kind {
        case .neural(let e): return e
        case .closedForm(let e): return e
        }
    }

    public var historyValue: HistoryValue {
        HistoryValue(history: trainer?.history ?? TrainingHistory(unit: .iteration, columns: LangevinMaximumLikelihood.historyColumns),
                     settings: trainer?.options.summary ?? "no training yet")
    }
    public var trained: Int { trainer?.iterationsCompleted ?? 0 }

    /// A neural energy's first-layer weights, one tile per unit of the first hidden layer.
    public var filterTiles: [[Float]]? {
        guard case .neural(let e) = kind, e.network.layers > 1 else { return nil }
        let (d, units) = (e.network.dims[0], e.network.dims[1])
        return (0..<units).map { Array(e.network.weights[0][($0 * d)..<(($0 + 1) * d)]) }
    }

    public var derivations: [String] {
        switch kind {
        case .neural: return ["langevin"]
        case .closedForm(let c): return c is GaussianEnergy ? ["langevin"] : []
        }
    }

    /// derive(e, data): 003 §13.1 with the negative phase from Langevin chains.
    public func derive(_ which: String, data x: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        var sampling = ContinuousGradientDerivation.Sampling()
        sampling.chains = args.int("chains") == 20 && !args.isGiven("chains") ? 500 : args.int("chains")
        sampling.steps = args.int("steps")
        sampling.stepSize = Float(args.number("step_size"))
        sampling.seed = UInt64(args.int("seed"))
        switch kind {
        case .neural(let n):
            return .object(DerivationValue(derivation: ContinuousGradientDerivation.derive(n, data: x.scalars, rows: x.rows, sampling: sampling)))
        case .closedForm(let c):
            guard let g = c as? GaussianEnergy else {
                throw args.error("model", "derive walks 003 §13.1 for a neural energy, or a Gaussian energy (θ = μ)")
            }
            return .object(DerivationValue(derivation: ContinuousGradientDerivation.derive(g, data: x.scalars, rows: x.rows, sampling: sampling)))
        }
    }

    public static let family = ModelFamily(
        kind: "energy", article: "an energy on ℝᵈ", constructors: ["mlp_energy", "gaussian", "mixture", "double_well"],
        capabilities: [.energy, .exactLikelihood, .gradient, .training, .filters, .derivation],
        members: [.exactLikelihood: "a closed-form energy on ℝᵈ (gaussian, mixture, double_well)",
                  .training: "a neural energy on ℝᵈ (mlp_energy)", .filters: "a neural energy on ℝᵈ (mlp_energy)",
                  .derivation: "a neural or Gaussian energy on ℝᵈ"],
        trainParameters: [
            Parameter("method", .choice(["langevin-ml"]), default: .string("langevin-ml"),
                      "maximum likelihood with Langevin samples from a replay buffer (Du and Mordatch 2019)"),
            Parameter("iterations", .integer(min: 1, max: 100_000_000), default: .number(1000), "parameter updates"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "data rows and chains per update"),
            Parameter("steps", .integer(min: 1, max: 100_000), default: .number(20), "Langevin steps per update"),
            Parameter("step_size", .positiveNumber, default: .number(0.01), "ε of the Langevin steps"),
            Parameter("noise", .nonNegativeNumber, default: .number(1), "scale of the Langevin noise"),
            Parameter("reuse", .probability, default: .number(0.95), "probability a chain starts from the replay buffer (0: no buffer, every chain from noise)"),
            Parameter("buffer", .integer(min: 1, max: 10_000_000), default: .number(10_000), "replay buffer size"),
            Parameter("alpha", .nonNegativeNumber, default: .number(0.1), "α of the L2 penalty on energies"),
            Parameter("clip", .positiveNumber, default: .number(1), "largest norm of a parameter gradient"),
            Parameter("lr", .positiveNumber, default: .number(0.001), "Adam's learning rate (β₁ = 0, β₂ = 0.999)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the minibatches, the chain starts and the Langevin noise"),
            Parameter("monitor_every", .optional(.integer(min: 1, max: nil)), default: Value.none, "a history row every this many iterations (default: a tenth of them)"),
        ],
        trainSummary: "a neural energy from mlp_energy(...): Adam on E_data[E] − E_samples[E] + α(E²) with short-run Langevin samples; history per row: data_energy, sample_energy, difference, grad_norm, travel, from_buffer"
    )

    /// `train(e, data, method: "langevin-ml", ...)`: Du and Mordatch's maximum likelihood with a
    /// replay buffer, Adam (β₁ = 0) and energy regularisation.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        guard case .neural(var energy) = kind else {
            _ = try require(nil as Int?, .training, of: self, args)   // a closed-form energy has nothing to train
            return .none
        }
        let x = try trainingData(self, args, what: "coordinates")
        try reserveTrainingMemory(args, rows: MemoryBudget.sum(args.int("batch"), args.int("buffer")),
                                  floatsPerRow: MemoryBudget.sum(energy.workingFloatsPerRow, 4 * energy.dimension),
                                  what: "a replay buffer of \(args.int("buffer")) and minibatches of \(args.int("batch")) through the network",
                                  lower: "batch or buffer")
        var options = LangevinMaximumLikelihoodOptions()
        options.iterations = args.int("iterations")
        options.batchSize = min(args.int("batch"), x.rows)   // the real batch, as the history prints it
        options.langevinSteps = args.int("steps")
        options.stepSize = Float(args.number("step_size"))
        options.noise = Float(args.number("noise"))
        options.reuse = Float(args.number("reuse"))
        options.bufferSize = args.int("buffer")
        options.energyPenalty = Float(args.number("alpha"))
        options.clip = Float(args.number("clip"))
        options.learningRate = Float(args.number("lr"))
        options.seed = UInt64(args.int("seed"))
        options.monitorEvery = args.optionalInt("monitor_every") ?? max(1, options.iterations / 10)
        let run = runTraining(trainer, settings: options, length: options.iterations, make: { LangevinMaximumLikelihood(options: $0) },
                              model: &energy, data: x, label: "langevin-ml", args, context)
        kind = .neural(energy)
        trainer = run.trainer
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }
}
