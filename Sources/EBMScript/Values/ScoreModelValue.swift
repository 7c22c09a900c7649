import EBM

/// A score model s_θ(x, σ) as a language value (a reference: training changes it in place).
public final class ScoreModelValue: ModelValue {
    public var model: ScoreModel
    /// The trainer of the last `train` call (Adam moments, stream, history).
    public var trainer: ScoreMatchingTrainer?
    public var imageShape: (height: Int, width: Int)?

    public init(_ model: ScoreModel) { self.model = model }

    public var kindName: String { "score_model" }
    public var summary: String {
        "score model for \(model.dimension)-D data, widths \(model.network.dims.map(String.init).joined(separator: " → ")), "
            + (model.conditional ? "\(model.sigmas.count) noise level\(model.sigmas.count == 1 ? "" : "s")" : "unconditional")
            + ", \(model.network.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "score_model: \(summary)"
        if model.conditional {
            out += "\nσ: " + model.sigmas.map { formatNumber($0, digits: 4) }.joined(separator: ", ") + "; s(x, σ) = f([x, log σ]) / σ"
        } else {
            out += "\ns(x) = f(x)"
        }
        if let t = trainer, t.iterationsCompleted > 0 { out += "\ntrained \(t.iterationsCompleted) iterations with \(t.options.summary)" }
        return out
    }

    public var propertyNames: [String] { ["sigmas", "history", "parameters", "W", "b"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "sigmas": return .list(model.sigmas.map(Value.number))
        case "parameters": return .number(Double(model.network.parameterCount))
        case "history": return .object(historyValue)
        case "W":   // the first layer's weights: for a linear model (no hidden layer), s(x) = Wx + b
            let n = model.network
            return .tensor(Tensor(shape: [n.dims[1], n.dims[0]], scalars: n.weights[0]))
        case "b": return .tensor(Tensor(shape: [model.network.dims[1]], scalars: model.network.biases[0]))
        default: return nil
        }
    }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel { model }
    public var historyValue: HistoryValue {
        HistoryValue(history: (trainer ?? ScoreMatchingTrainer()).history, settings: trainer?.options.summary ?? "no training yet")
    }
    public var trained: Int { trainer?.iterationsCompleted ?? 0 }

    /// The first layer's weights over x (the log σ input left out), one tile per hidden unit.
    public var filterTiles: [[Float]]? {
        let n = model.network
        guard n.layers > 1 else { return nil }
        let (inputs, units, d) = (n.dims[0], n.dims[1], model.dimension)
        return (0..<units).map { Array(n.weights[0][($0 * inputs)..<($0 * inputs + d)]) }
    }

    public static let family = ModelFamily(
        kind: "score_model", article: "a score model", constructors: ["score_model"],
        capabilities: [.score, .training, .filters],
        trainParameters: [
            Parameter("method", .choice(["dsm", "ism"]), default: .string("dsm"),
                      "\"dsm\": denoising score matching over the model's noise levels (Vincent 2011; Song and Ermon 2019); \"ism\": implicit score matching (Hyvärinen 2005), unconditional models"),
            Parameter("iterations", .integer(min: 1, max: 100_000_000), default: .number(1000), "parameter updates"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "data rows per update"),
            Parameter("lr", .positiveNumber, default: .number(0.001), "Adam's learning rate"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the minibatches and the noise"),
            Parameter("monitor_every", .optional(.integer(min: 1, max: nil)), default: Value.none, "a history row every this many iterations (default: a tenth of them)"),
        ],
        trainSummary: "Adam on a score-matching objective; history per row: loss"
    )

    /// `train(s, data, method: "dsm" | "ism", ...)`.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        let method = args.string("method")
        if method == "ism" && model.conditional {
            throw args.error("method", "implicit score matching fits an unconditional model: make it with score_model(...) and no sigmas")
        }
        let x = try trainingData(self, args, what: "coordinates")
        try reserveTrainingMemory(args, rows: args.int("batch"), floatsPerRow: MemoryBudget.product(2, model.workingFloatsPerRow),
                                  what: "minibatches of \(args.int("batch")) rows through the network", lower: "batch")
        var options = ScoreMatchingOptions()
        options.objective = method == "dsm" ? .denoising : .implicit
        options.iterations = args.int("iterations")
        options.batchSize = min(args.int("batch"), x.rows)   // the real batch, as the history prints it
        options.learningRate = Float(args.number("lr"))
        options.seed = UInt64(args.int("seed"))
        options.monitorEvery = args.optionalInt("monitor_every") ?? max(1, options.iterations / 10)
        let run = runTraining(trainer, settings: options, length: options.iterations, make: { ScoreMatchingTrainer(options: $0) },
                              model: &model, data: x, label: method, args, context)
        trainer = run.trainer
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }
}
