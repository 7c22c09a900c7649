import EBM

/// A fully visible Boltzmann machine as a language value; a reference, like an RBM, so that
/// `train(m, ...)` changes `m` in place.
public final class BoltzmannValue: ModelValue {
    public var machine: FullyVisibleBoltzmannMachine
    /// The trainer of the last `train` call, so training again with the same settings continues it.
    public var trainer: BoltzmannTrainer?
    public var imageShape: (height: Int, width: Int)?

    public init(_ machine: FullyVisibleBoltzmannMachine) {
        self.machine = machine
    }

    public var kindName: String { "boltzmann" }

    public var summary: String {
        "\(machine.units) units, fully visible, \(machine.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "boltzmann: \(summary)"
        if let t = trainer, t.epochsCompleted > 0 {
            out += "\ntrained \(t.epochsCompleted) epoch\(t.epochsCompleted == 1 ? "" : "s") with \(t.options.summary)"
        }
        out += "\nenergy E(x) = -½xᵀWx - bᵀx = -Σ_{i<j} w_ij x_i x_j - Σ_i b_i x_i; W is \(machine.units) × \(machine.units), symmetric, zero diagonal"
        return out
    }

    public var propertyNames: [String] { ["W", "b", "units", "parameters", "history", "epochs"] }

    public func property(_ name: String) throws -> Value? {
        let n = machine.units
        switch name {
        case "W": return .tensor(Tensor(shape: [n, n], scalars: machine.W.map(Float.init)))
        case "b": return .tensor(Tensor(shape: [n], scalars: machine.b.map(Float.init)))
        case "units": return .number(Double(n))
        case "parameters": return .number(Double(machine.parameterCount))
        case "history": return .object(historyValue)
        case "epochs": return .number(Double(trained))
        default: return nil
        }
    }

    /// `m.W = W2` (n × n, symmetric, zero diagonal) and `m.b = …` (n): replaces a parameter,
    /// checked; the other properties are computed.
    public func setProperty(_ name: String, to value: Value) throws {
        let n = machine.units
        guard name == "W" || name == "b" else {
            throw ScriptError(.type, propertyNames.contains(name) ? "a Boltzmann machine's '\(name)' is computed and cannot be set"
                                                                  : "a Boltzmann machine has no property '\(name)'",
                              hint: "W and b can be set")
        }
        let shape = name == "W" ? [n, n] : [n]
        guard let t = tensorValue(value), t.shape == shape else {
            throw ScriptError(.value, "\(name) must be a tensor \(shapeText(shape)), got \(describe(value))")
        }
        let v = t.scalars.map(Double.init)
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw ScriptError(.numeric, "\(name) would hold \(v[bad].isNaN ? "NaN" : formatNumber(v[bad])) at \(name)[\(Autodiff.indexText(bad, shape: shape))]", hint: "parameters must be finite numbers")
        }
        if name == "b" {
            machine.b = v
            return
        }
        for i in 0..<n {
            guard v[i * n + i] == 0 else {
                throw ScriptError(.value, "W must have a zero diagonal, got w[\(i), \(i)] = \(formatNumber(v[i * n + i]))",
                                  hint: "a unit has no weight to itself")
            }
            for j in 0..<i where v[i * n + j] != v[j * n + i] {
                throw ScriptError(.value, "W must be symmetric, got w[\(i), \(j)] = \(formatNumber(v[i * n + j])) but w[\(j), \(i)] = \(formatNumber(v[j * n + i]))",
                                  hint: "each pair has one weight: set both entries, e.g. W = (W + W.T) / 2")
            }
        }
        machine = FullyVisibleBoltzmannMachine(W: v, b: machine.b)
    }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel { machine }
    public var historyValue: HistoryValue {
        HistoryValue(history: trainer?.history ?? TrainingHistory(unit: .epoch, columns: BoltzmannTrainer.historyColumns),
                     settings: trainer?.options.summary ?? "no training yet")
    }
    public var trained: Int { trainer?.epochsCompleted ?? 0 }
    public var derivations: [String] { ["log-likelihood"] }

    public func derive(_ which: String, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        .object(DerivationValue(derivation: try LogLikelihoodGradientDerivation.derive(machine, data: data, settings: derivationSettings(args))))
    }

    public static let family = ModelFamily(
        kind: "boltzmann", article: "a fully visible Boltzmann machine", constructors: ["boltzmann"],
        capabilities: [.energy, .exactLikelihood, .enumeration, .pseudoLikelihood, .markovChain, .training, .derivation],
        trainParameters: [
            Parameter("method", .choice(["cd", "pcd", "exact"]), default: .string("cd"),
                      "\"exact\": the negative phase summed over all 2ⁿ states; \"cd\": k sweeps of single-site Gibbs from the minibatch; \"pcd\": persistent chains"),
            Parameter("k", .integer(min: 1, max: 10_000), default: .number(1), "Gibbs sweeps per update (cd, pcd)"),
            Parameter("lr", .positiveNumber, default: .number(0.1), "the learning rate ε"),
            Parameter("lr_end", .optional(.nonNegativeNumber), default: Value.none, "if given, ε falls linearly from lr to lr_end over the epochs of this call"),
            Parameter("momentum", .probability, default: .number(0), "μ: each update keeps μ of the previous one"),
            Parameter("weight_decay", .nonNegativeNumber, default: .number(0), "λ: L2 decay of the pair weights; the update subtracts ελw"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "examples per minibatch (at most the number of rows)"),
            Parameter("epochs", .integer(min: 1, max: 1_000_000), default: .number(10), "passes over the data"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles and the chains"),
            Parameter("monitor_every", .integer(min: 1, max: nil), default: .number(1), "record the monitors every this many epochs (and after the last)"),
        ],
        trainSummary: "gradient ascent E_data[∇θ log p̃] − E_p[∇θ log p̃] (000, eq 18.4), negative phase exact or from Gibbs chains, with momentum and weight decay; history per epoch: loglik, pll, grad_norm (exact)"
    )

    /// `train(m, data, method: "exact" | "cd" | "pcd", ...)`.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        let m = machine
        let x = try trainingData(self, args, what: "units", subject: "a Boltzmann machine's data")
        var options = BoltzmannTrainingOptions()
        let k = args.int("k")
        let batch = min(args.int("batch"), x.rows)
        try reserveTrainingMemory(args, rows: batch, floatsPerRow: MemoryBudget.product(8, m.units),
                                  what: "minibatches and chains of \(batch) × \(m.units) units", lower: "batch")
        switch args.string("method") {
        case "exact":
            if m.units > FullyVisibleBoltzmannMachine.enumerationLimitExponent {
                throw args.error("method", "the exact negative phase sums over all 2^\(m.units) states; use method: \"pcd\" above \(FullyVisibleBoltzmannMachine.enumerationLimitExponent) units")
            }
            options.negativePhase = .exact
        case "pcd": options.negativePhase = .persistent(sweeps: k, chains: batch)
        default: options.negativePhase = .contrastiveDivergence(sweeps: k)
        }
        options.learningRate = args.number("lr")
        if !args["lr_end"].isNone {
            guard args.number("lr_end") >= 0 else { throw args.error("lr_end", "lr_end must be ≥ 0") }
            options.finalLearningRate = args.number("lr_end")
        }
        options.momentum = args.number("momentum")
        options.weightDecay = args.number("weight_decay")
        options.batchSize = batch
        options.epochs = args.int("epochs")
        options.seed = UInt64(args.int("seed"))
        options.monitorEvery = args.int("monitor_every")
        let run = runTraining(trainer, settings: options, length: options.epochs, make: { BoltzmannTrainer(options: $0) },
                              model: &machine, data: x, label: "\(options.negativePhase)", args, context)
        trainer = run.trainer
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }
}
