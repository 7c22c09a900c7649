import EBM

/// `train(d, data, ...)` for a DBN: greedy layer-wise training (003 §13.3) with per-layer
/// settings, or up-down fine-tuning (method: "up-down").
extension DBNValue {
    /// The scalar types of the settings that may be given per layer.
    private static let perLayerTypes: [String: ParameterType] = [
        "method": .choice(["cd", "pcd"]),
        "k": .integer(min: 1, max: 10_000),
        "lr": .positiveNumber,
        "batch": .integer(min: 1, max: 1_000_000),
        "epochs": .integer(min: 1, max: 1_000_000),
    ]

    public static let family = ModelFamily(
        kind: "dbn", article: "a DBN", constructors: ["dbn", "stack"],
        capabilities: [.markovChain, .training, .filters],
        trainParameters: [
            Parameter("method", .oneOf([.choice(["cd", "pcd", "up-down"]), .list]), default: .string("cd"),
                      "\"cd\" or \"pcd\": greedy layer-wise RBM training (one value, or a list with one per layer); \"up-down\": contrastive wake-sleep fine-tuning of the whole network"),
            Parameter("k", .oneOf([.integer(min: 1, max: 10_000), .list]), default: .number(1), "Gibbs steps per update (per layer: a list)"),
            Parameter("lr", .oneOf([.positiveNumber, .list]), default: .number(0.1), "the learning rate ε (per layer: a list)"),
            Parameter("batch", .oneOf([.integer(min: 1, max: 1_000_000), .list]), default: .number(100), "examples per minibatch (per layer: a list)"),
            Parameter("epochs", .oneOf([.integer(min: 1, max: 1_000_000), .list]), default: .number(10), "passes over the data (per layer: a list)"),
            Parameter("momentum", .probability, default: .number(0), "μ: each update keeps μ of the previous one (greedy)"),
            Parameter("weight_decay", .nonNegativeNumber, default: .number(0), "λ: L2 decay of W (greedy)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles, the chains, the monitors and sampled layer inputs"),
            Parameter("layers", .optional(.list), default: Value.none, "the layers to train, e.g. [2]; default: the ones not trained yet"),
            Parameter("input", .choice(["probabilities", "samples"]), default: .string("probabilities"),
                      "what the layers above the first train on: Q(h | below) as probabilities, or sampled"),
            Parameter("copies", .integer(min: 1, max: 1000), default: .number(1), "with input: \"samples\", samples of every row"),
            Parameter("monitor", .optional(.tensor), default: Value.none, "the data the monitors use (sent up the layers; default: each layer's first 1000 rows)"),
            Parameter("monitor_every", .integer(min: 1, max: nil), default: .number(1), "record the monitors every this many epochs (and after the last)"),
        ],
        trainSummary: "greedy: layer 1 as an RBM on the data, each next layer on Q(h^(l-1) | x) of the frozen layers below (per-layer settings as lists), only untrained layers unless layers: names others; up-down: contrastive wake-sleep; one history with a layer column"
    )

    /// `train(d, data, ...)`.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        let x = try trainingData(self, args, what: "visible units")
        guard x.scalars.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw args.error("data", "training data must be in [0, 1] (binary units)", hint: "binarize it, e.g. d.x > 0.5")
        }
        if case .object(let d as Dataset) = args["data"], imageShape == nil { imageShape = d.imageShape }
        if case .string("up-down") = args["method"] { return try trainUpDown(x, args, context) }
        return try trainGreedy(x, args, context)
    }

    /// The per-layer values of setting `name`: one value for every layer, or a list (layer l
    /// takes entry l, the last entry repeating above).
    private func perLayer(_ args: Arguments, _ name: String) throws -> [Value] {
        guard case .list(let items) = args[name] else { return [args[name]] }
        guard !items.isEmpty else { throw args.error(name, "\(name): the list is empty; give one value or one per layer") }
        guard items.count <= network.depth else {
            throw args.error(name, "\(name) has \(items.count) values but the DBN has \(network.depth) layer\(network.depth == 1 ? "" : "s")")
        }
        let type = Self.perLayerTypes[name] ?? .any
        return try items.enumerated().map { k, item in
            guard let v = type.accept(item) else {
                throw args.error(name, "\(name): the value for layer \(k + 1) must be \(type.description), got \(describe(item))")
            }
            return v
        }
    }

    private func trainGreedy(_ x: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        let methods = try perLayer(args, "method"), ks = try perLayer(args, "k"), rates = try perLayer(args, "lr")
        let batches = try perLayer(args, "batch"), epochs = try perLayer(args, "epochs")
        if methods.contains(where: { if case .string("up-down") = $0 { return true } else { return false } }) {
            throw args.error("method", "\"up-down\" fine-tunes the whole network; give it alone, not in a per-layer list")
        }
        let count = [methods, ks, rates, batches, epochs].map(\.count).max() ?? 1
        func pick(_ v: [Value], _ k: Int) -> Value { v[Swift.min(k, v.count - 1)] }
        func number(_ v: Value) -> Double { if case .number(let d) = v { return d } else { return .nan } }
        var perLayerOptions: [RBMTrainingOptions] = []
        for k in 0..<count {
            var o = RBMTrainingOptions()
            let steps = Int(number(pick(ks, k)))
            var persistent = false
            if case .string("pcd") = pick(methods, k) { persistent = true }
            o.sampler = persistent ? PersistentContrastiveDivergence(k: steps) : ContrastiveDivergence(k: steps)
            o.learningRate = Float(number(pick(rates, k)))
            o.batchSize = Int(number(pick(batches, k)))
            o.epochs = Int(number(pick(epochs, k)))
            o.momentum = Float(args.number("momentum"))
            o.weightDecay = Float(args.number("weight_decay"))
            o.seed = UInt64(args.int("seed"))
            o.monitorEvery = args.int("monitor_every")
            o.given = givenSettings(args)
            o.given["lr"] = number(pick(rates, k))
            perLayerOptions.append(o)
        }
        var layers: [Int]?
        if case .list(let items) = args["layers"] {
            layers = try items.map { item in
                guard case .number(let v) = item, v == v.rounded(), v >= 1, v <= Double(network.depth) else {
                    throw args.error("layers", "layers are numbered 1…\(network.depth), got \(describe(item))")
                }
                return Int(v)
            }
        }
        let input = DBNLayerInput(rawValue: args.string("input")) ?? .probabilities
        var monitor: Tensor?
        if !args["monitor"].isNone { monitor = try rows(args, "monitor", width: network.visible, what: "visible units") }
        greedy.settings = GreedyLayerwiseSettings(perLayer: perLayerOptions, layers: layers, input: input,
                                                  inputSeed: UInt64(args.int("seed")), inputCopies: args.int("copies"), monitor: monitor)
        let chosen = layers ?? network.untrainedLayers
        if chosen.isEmpty {
            context.write("every layer is trained already; name the layers to train again, e.g. layers: [\(network.depth)]\n")
            return .object(historyValue)
        }
        var begun = false
        let outcome = greedy.train(&network, on: x, shouldStop: { context.isInterrupted }) { p in
            if !begun { context.progress?.begin("train greedy", total: p.total); begun = true }
            context.progress?.update(done: p.done, status: p.status ?? "")
        }
        if begun { context.progress?.end() }
        return try trainingResult(outcome, history: historyValue, args, context)
    }

    private func trainUpDown(_ x: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        guard network.depth >= 2 else {
            throw args.error("method", "up-down needs at least two layers (one RBM has no recognition weights to untie)",
                             hint: "stack a layer first: d2 = stack(d, hidden: H)")
        }
        for name in ["k", "lr", "batch", "epochs"] {
            if case .list = args[name] { throw args.error(name, "up-down takes one \(name) for the whole network, not a list") }
        }
        let settings = UpDownSettings(learningRate: Float(args.number("lr")), k: args.int("k"), batchSize: min(args.int("batch"), x.rows),
                                      epochs: args.int("epochs"), seed: UInt64(args.int("seed")))
        let run = runTraining(upDown, settings: settings, length: settings.epochs, make: { UpDownFineTuning(settings: $0) },
                              model: &network, data: x, label: "up-down", args, context)
        upDown = run.trainer
        return try trainingResult(run.outcome, history: HistoryValue(history: run.trainer.history, settings: settings.summary), args, context)
    }
}
