import EBM

/// An RBM as a language value. It is a reference: `train(m, ...)` changes `m` in place, as a
/// fitted model does in scikit-learn, and every name bound to it sees the change.
public final class RBMValue: ModelValue {
    public var machine: RestrictedBoltzmannMachine
    /// The image shape of the visible layer, once known (from `rbm(...)`, training data or a
    /// file), so filters and samples draw as pictures.
    public var imageShape: (height: Int, width: Int)?
    /// The trainer of the last `train` call, kept so that training again with the same settings
    /// continues it (epoch count, persistent chains, momentum).
    public var trainer: RBMTrainer?
    /// The training history so far (all epochs of the current trainer).
    var history: TrainingHistory { trainer?.history ?? TrainingHistory(unit: .epoch, columns: RBMTrainer.historyColumns) }

    public init(_ machine: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)? = nil) {
        self.machine = machine
        self.imageShape = imageShape
    }

    public var kindName: String { "rbm" }

    public var summary: String {
        "\(machine.visible) visible × \(machine.hidden) hidden, \(machine.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "rbm: \(summary)"
        if let t = trainer, t.epochsCompleted > 0 {
            out += "\ntrained \(t.epochsCompleted) epoch\(t.epochsCompleted == 1 ? "" : "s") with \(t.options.summary)"
        }
        out += "\nenergy E(x, h) = -hᵀWx - cᵀx - bᵀh; W is \(machine.hidden) × \(machine.visible)"
        return out
    }

    public var propertyNames: [String] { ["W", "b", "c", "visible", "hidden", "parameters", "history", "epochs", "swap_acceptance"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "W": return .tensor(machine.weightMatrix)
        case "b": return .tensor(Tensor(shape: [machine.hidden], scalars: machine.b))
        case "c": return .tensor(Tensor(shape: [machine.visible], scalars: machine.c))
        case "visible": return .number(Double(machine.visible))
        case "hidden": return .number(Double(machine.hidden))
        case "parameters": return .number(Double(machine.parameterCount))
        case "history": return .object(historyValue)
        case "epochs": return .number(Double(trained))
        case "swap_acceptance":
            // PT training: accepted / proposed swaps per gap of the ladder.
            return trainer?.temperedSwapAcceptance.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        default: return nil
        }
    }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel { machine }
    public var historyValue: HistoryValue { HistoryValue(history: history, settings: trainer?.options.summary ?? "no training yet",
                                                          negativePhase: trainer?.lastNegativePhase) }
    public var trained: Int { trainer?.epochsCompleted ?? 0 }

    /// Row j of W, the weights into hidden unit j, as a picture of the visible layer.
    public var filterTiles: [[Float]]? {
        (0..<machine.hidden).map { j in Array(machine.W[(j * machine.visible)..<((j + 1) * machine.visible)]) }
    }

    public var derivations: [String] { ["rbm", "log-likelihood", "free-energy", "estimators"] }

    public func derive(_ which: String, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        let settings = derivationSettings(args)
        switch which {
        case "log-likelihood": return .object(DerivationValue(derivation: try LogLikelihoodGradientDerivation.derive(machine, data: data, settings: settings)))
        case "rbm": return .object(DerivationValue(derivation: try RBMGradientDerivation.derive(machine, data: data, settings: settings)))
        case "free-energy": return .object(DerivationValue(derivation: try FreeEnergyDerivation.derive(machine, data: data, settings: settings)))
        default: return try estimatorComparison(machine, data: data, args, context)
        }
    }

    public static let family = ModelFamily(
        kind: "rbm", article: "an RBM", constructors: ["rbm"],
        capabilities: [.energy, .exactLikelihood, .enumeration, .pseudoLikelihood, .markovChain, .training, .filters, .derivation, .hiddenUnits, .ais],
        trainParameters: [
            Parameter("method", .choice(["cd", "pcd", "pt"]), default: .string("cd"),
                      "\"cd\": chains start at the data (003, Algorithm 1); \"pcd\": persistent chains (Tieleman 2008); \"pt\": persistent parallel-tempering ladders (Desjardins et al. 2010)"),
            Parameter("k", .integer(min: 1, max: 10_000), default: .number(1), "Gibbs steps per update"),
            Parameter("lr", .positiveNumber, default: .number(0.1), "the learning rate ε"),
            Parameter("lr_end", .optional(.nonNegativeNumber), default: Value.none, "if given, ε falls linearly from lr to lr_end over the epochs of this call"),
            Parameter("momentum", .probability, default: .number(0), "μ: each update keeps μ of the previous one"),
            Parameter("weight_decay", .nonNegativeNumber, default: .number(0), "λ: L2 decay of W; the update subtracts ελW"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "examples per minibatch"),
            Parameter("epochs", .integer(min: 1, max: 1_000_000), default: .number(10), "passes over the data"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles, the chains and the monitors"),
            Parameter("monitor", .optional(.tensor), default: Value.none, "the data the monitors use (default: the first 1000 training rows)"),
            Parameter("monitor_every", .integer(min: 1, max: nil), default: .number(1), "record the monitors every this many epochs (and after the last)"),
            Parameter("ais_every", .optional(.integer(min: 1, max: nil)), default: Value.none,
                      "also estimate log Z by AIS every this many epochs (and after the last), and the monitor set's log-likelihood with it"),
            Parameter("ais_runs", .integer(min: 2, max: 100_000), default: .number(100), "AIS runs for those estimates"),
            Parameter("ais_betas", .integer(min: 2, max: 10_000_000), default: .number(10_000), "AIS inverse temperatures for those estimates"),
            Parameter("betas", .oneOf([.integer(min: 2, max: 1000), .tensor]), default: .number(10),
                      "method \"pt\": the ladder, a number of levels (0, then geometric from 1/levels to 1) or the inverse temperatures themselves, increasing to 1"),
        ],
        trainSummary: "CD-k, PCD-k or PT-k minibatch updates ε(E_data[p(h|x)xᵀ] − E_chains[p(h|x̃)x̃ᵀ]) with momentum and weight decay; history per epoch: recon, pll, loglik (exact when enumerable), ais_log_z ±3σ and ais_loglik with ais_every"
    )

    /// `train(m, data, ...)` with the RBM's parameters.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        let x = try trainingData(self, args, what: "visible units")
        let (D, H) = (machine.visible, machine.hidden)
        let batch = Swift.min(args.int("batch"), x.rows)
        try reserveTrainingMemory(args, rows: batch, floatsPerRow: MemoryBudget.product(8, D + H),
                                  what: "minibatches and chains of \(batch) × (\(D) + \(H)) units", lower: "batch")
        if args.optionalInt("ais_every") != nil {
            try reserveAnnealingMemory(args, runs: args.int("ais_runs"), visible: D, hidden: H, lower: "ais_runs")
        }
        var options = RBMTrainingOptions()
        if !args["monitor"].isNone { options.monitorSet = try stateRows(args, "monitor", what: "visible units") }
        if case .object(let d as Dataset) = args["data"], imageShape == nil { imageShape = d.imageShape }
        // method, k, betas, lr, batch, epochs, seed, monitor_every: as every RBM trainer takes them.
        try setMinibatchOptions(&options, args, rows: x.rows, smallestBeta: 0, stateWidth: machine.visible + machine.hidden)
        if !args["lr_end"].isNone {
            guard args.number("lr_end") >= 0 else { throw args.error("lr_end", "lr_end must be ≥ 0") }
            options.finalLearningRate = Float(args.number("lr_end"))
        }
        options.momentum = Float(args.number("momentum"))
        options.weightDecay = Float(args.number("weight_decay"))
        options.aisEvery = args.optionalInt("ais_every")
        options.aisRuns = args.int("ais_runs")
        options.aisTemperatures = args.int("ais_betas")
        let run = runTraining(trainer, settings: options, length: options.epochs, make: { RBMTrainer(options: $0) },
                              model: &machine, data: x, label: "\(options.sampler)", args, context)
        trainer = run.trainer
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }

    /// `m.W = W2`, `m.b = …`, `m.c = …`: replaces a parameter with a tensor of the same shape
    /// (W is hidden × visible, b has one entry per hidden unit, c one per visible unit). The
    /// other properties are computed and cannot be set.
    public func setProperty(_ name: String, to value: Value) throws {
        let shape: [Int]
        switch name {
        case "W": shape = [machine.hidden, machine.visible]
        case "b": shape = [machine.hidden]
        case "c": shape = [machine.visible]
        default:
            let settable = "W, b and c can be set"
            throw ScriptError(.type, propertyNames.contains(name) ? "an RBM's '\(name)' is computed and cannot be set"
                                                                  : "an RBM has no property '\(name)'",
                              hint: settable)
        }
        guard let t = tensorValue(value) else {
            throw ScriptError(.type, "\(name) takes a tensor \(shapeText(shape)), got \(describe(value))")
        }
        guard t.shape == shape else {
            let what = name == "W" ? "hidden × visible" : name == "b" ? "one per hidden unit" : "one per visible unit"
            throw ScriptError(.value, "\(name) must be a tensor \(shapeText(shape)) (\(what)), got \(shapeText(t.shape))",
                              hint: name == "W" && t.shape == shape.reversed() ? "transpose it with .T" : nil)
        }
        if let bad = t.scalars.firstIndex(where: { !$0.isFinite }) {
            throw ScriptError(.numeric, "\(name) would hold \(t.scalars[bad].isNaN ? "NaN" : formatNumber(Double(t.scalars[bad]))) at \(name)[\(Autodiff.indexText(bad, shape: shape))]",
                              hint: "parameters must be finite numbers")
        }
        switch name {
        case "W": machine.W = t.scalars
        case "b": machine.b = t.scalars
        default: machine.c = t.scalars
        }
    }
}

/// The gradient of the mean log-likelihood, block by block in the model's parameter layout
/// (W, b, c for an RBM; W, b for a Boltzmann machine, W symmetric).
public struct GradientValue: ScriptObject {
    public var blocks: [(name: String, tensor: Tensor)]
    /// The components, flat, as float32 values (θ's layout: a symmetric W counted once per pair).
    public var components: [Float]
    public var what: String

    /// The gradient `g` (laid out as `model.parameterVector`) of a model.
    public init(_ g: [Double], of model: any ParameterizedModel, what: String) {
        blocks = model.parameterBlocks.map { ($0.name, $0.tensor(from: g)) }
        components = g.map { Float($0) }
        self.what = what
    }

    public var kindName: String { "gradient" }
    public var summary: String {
        blocks.map { "∂/∂\($0.name) \(shapeText($0.tensor.shape))" }.joined(separator: ", ")
    }

    /// ‖∇‖ over all parameters together.
    public var norm: Double { components.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    public func render(_ format: ValueFormat) -> String {
        "gradient (\(what)): ‖∇‖ = \(formatNumber(norm, digits: 6))\n"
            + blocks.map { "  ∂/∂\($0.name) " + format.render($0.tensor).replacingOccurrences(of: "\n", with: "\n  ") }.joined(separator: "\n")
    }

    public var propertyNames: [String] { blocks.map(\.name) + ["norm"] }

    public func property(_ name: String) throws -> Value? {
        if let b = blocks.first(where: { $0.name == name }) { return .tensor(b.tensor) }
        return name == "norm" ? .number(norm) : nil
    }
}

/// The PT-k sampler of `train(..., method: "pt", betas: ...)`: a number of levels (0, then a
/// geometric ladder from 1/levels to 1; on ℝᵈ geometric from 0.01) or the β themselves.
func temperingSampler(_ args: Arguments, k: Int, smallestBeta: Double) throws -> ParallelTemperingSampler {
    do {
        let betas = try ladderBetas(args, smallest: nil, smallestBeta: smallestBeta)
        return try ParallelTemperingSampler(betas: betas, k: k)
    } catch let e as TemperatureLadder.Invalid {
        throw args.error("betas", e.message)
    }
}
