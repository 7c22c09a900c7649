import EBM

extension Command {
    static let scoreModel = Command(
        "score_model", category: .continuous,
        summary: "a score model s_θ(x, σ) ≈ ∇ₓ log p_σ(x): an MLP, noise-conditional over a ladder of σ (Song and Ermon 2019)",
        parameters: [
            Parameter("dimension", .integer(min: 1, max: 100_000), default: .number(2), "d, the data's dimension"),
            Parameter("hidden", .list, default: .list([.number(128), .number(128)]), "hidden widths; [] gives a linear model s(x) = Wx + b"),
            Parameter("sigmas", .optional(.tensor), default: Value.none, "noise levels (any order); none for an unconditional model (implicit score matching)"),
            Parameter("activation", .choice(Activation.allCases.map(\.rawValue)), default: .string("swish"), "the non-linearity"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights"),
        ].map { $0.byNameOnly() },
        details: """
        With noise levels: s_θ(x, σ) = f_θ([x, log σ]) / σ, trained by train(s, d, method: "dsm").
        Without: s_θ(x) = f_θ(x), trained by "dsm" at σ = 1 or by "ism" (implicit score matching).
        ladder(σ₁, σ_L, L) makes Song and Ermon's geometric ladder.
        Example:
          s = score_model(sigmas: ladder(2, 0.05, 10), seed: 1)
          train(s, plane_data("ring"), method: "dsm", iterations: 3000)
          x = annealed_langevin(s, chains: 1000, steps: 100, step_size: 0.00005)
        """
    ) { args, _ in
        guard case .list(let items) = args["hidden"] else { throw args.error("hidden", "hidden is a list of widths, e.g. [128, 128]") }
        let hidden = try items.map { item -> Int in
            guard case .number(let v) = item, v >= 1, v <= 100_000, v == v.rounded() else { throw args.error("hidden", "widths are whole numbers from 1 to 100000") }
            return Int(v)
        }
        var sigmas: [Double] = []
        if !args["sigmas"].isNone {
            sigmas = args.tensor("sigmas").scalars.map(Double.init)
            guard !sigmas.isEmpty, sigmas.allSatisfy({ $0 > 0 }) else { throw args.error("sigmas", "noise levels must be positive numbers") }
        }
        try reserveNetworkMemory(args, dims: [args.int("dimension") + (args["sigmas"].isNone ? 0 : 1)] + hidden + [args.int("dimension")])
        let model = ScoreModel(dimension: args.int("dimension"), hidden: hidden, activation: Activation(rawValue: args.string("activation")) ?? .swish,
                               sigmas: sigmas, seed: UInt64(args.int("seed")))
        return .object(ScoreModelValue(model))
    }

    static let ladder = Command(
        "ladder", category: .continuous,
        summary: "the geometric noise ladder σᵢ = σ₁ (σ_L/σ₁)^((i−1)/(L−1)), largest first",
        parameters: [
            Parameter("largest", .positiveNumber, "σ₁"),
            Parameter("smallest", .positiveNumber, "σ_L"),
            Parameter("levels", .integer(min: 1, max: 10_000), "L"),
        ]
    ) { args, _ in
        let v = ScoreModel.geometricLadder(from: args.number("largest"), to: args.number("smallest"), levels: args.int("levels"))
        return .tensor(Tensor(shape: [v.count], scalars: v.map(Float.init)))
    }

    static let annealedLangevin = Command(
        "annealed_langevin", category: .continuous,
        summary: "annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1) with a score model or a mixture's exact blurred score",
        parameters: [
            Parameter("model", .object(["score_model", "energy"]), "a trained score model, or a mixture energy (its exact score at each σ)"),
            Parameter("chains", .integer(min: 1, max: 1_000_000), default: .number(1000), "chains run side by side"),
            Parameter("steps", .integer(min: 1, max: 10_000_000), default: .number(100), "steps at each noise level"),
            Parameter("step_size", .positiveNumber, default: .number(0.00002), "ε: the step at level i is αᵢ = ε σᵢ² / σ_L²"),
            Parameter("sigmas", .optional(.tensor), default: Value.none, "for a mixture energy: the ladder (default ladder(2, 0.05, 10)); [σ] alone is plain Langevin on the blurred density"),
            Parameter("init", .oneOf([.choice(["uniform"]), .tensor]), default: .string("uniform"), "\"uniform\" over [−4, 4]ᵈ, or data: chain i starts at row i"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed"),
        ].enumerated().map { $0.offset == 0 ? $0.element : $0.element.byNameOnly() },
        details: """
        for σ in σ₁ > … > σ_L:  αᵢ = ε σᵢ²/σ_L²;  repeat steps:  x ← x + (αᵢ/2) s(x, σᵢ) + √αᵢ z
        Large σ first: the blurred density connects the modes, so chains spread over them in
        proportion before the small σ sharpens them — the answer to 003's multimodality remark.
        """
    ) { args, context in
        let chains = args.int("chains")
        var d = 2
        var ladderValues: [Double] = []
        var score: (([Float], Int, Float) -> [Float])?
        if let s = args.object("model", as: ScoreModelValue.self) {
            d = s.model.dimension
            ladderValues = s.model.conditional ? s.model.sigmas : [1]
            let model = s.model
            score = { X, n, sigma in model.scores(X, rows: n, sigma: [Float](repeating: sigma, count: n)) }
        } else if let e = args.object("model", as: EnergyValue.self), let mix = e.closedForm as? MixtureEnergy {
            d = mix.dimension
            ladderValues = args["sigmas"].isNone ? ScoreModel.geometricLadder(from: 2, to: 0.05, levels: 10)
                : args.tensor("sigmas").scalars.map(Double.init).sorted(by: >)
            guard ladderValues.allSatisfy({ $0 > 0 }) else { throw args.error("sigmas", "noise levels must be positive") }
            score = { X, n, sigma in mix.blurredScores(X, rows: n, sigma: sigma) }
        } else {
            throw args.error("model", "annealed_langevin needs a score model, or a mixture energy whose blurred score is exact")
        }
        var start = [Float](repeating: 0, count: chains * d)
        if case .string = args["init"] {
            var g = Xoshiro256StarStar(seed: UInt64(args.int("seed")) ^ 0xA11E)
            start = start.map { _ in Float(8 * g.nextUnitDouble() - 4) }
        } else {
            let x = try rows(args, "init", width: d, what: "coordinates")
            for c in 0..<chains { for i in 0..<d { start[c * d + i] = x.scalars[(c % x.rows) * d + i] } }
        }
        let steps = args.int("steps"), eps = Float(args.number("step_size"))
        let network = args.object("model", as: ScoreModelValue.self).map { perceptronWorkingFloats($0.model.network.dims) } ?? 0
        try reserveTrainingMemory(args, rows: chains, floatsPerRow: MemoryBudget.sum(8 * d, network),
                                  what: "\(chains) chains of dimension \(d)", lower: "chains")
        guard let final = AnnealedLangevin.sample(dimension: d, ladder: ladderValues, start: start, chains: chains, stepsPerLevel: steps,
                                                  stepSize: eps, seed: UInt64(args.int("seed")), shouldStop: { context.isInterrupted },
                                                  score: score!) else {
            throw ScriptError(.interrupted, "interrupted: annealed Langevin stopped before the last level", at: args.callLocation)
        }
        let run = LangevinRun(snapshots: [(0, start), (steps * ladderValues.count, final)], chains: chains, dimension: d, acceptanceRate: nil)
        let description = "annealed over \(ladderValues.count) level\(ladderValues.count == 1 ? "" : "s") σ = "
            + formatNumber(ladderValues.first!, digits: 3) + (ladderValues.count > 1 ? " … " + formatNumber(ladderValues.last!, digits: 3) : "")
            + ", \(steps) steps each, ε = \(formatNumber(Double(eps), digits: 4))"
        var value = LangevinChainValue(run: run, settings: description)
        value.stepSize = Double(eps)
        return .object(value)
    }
}

/// `train(s, data, method: "dsm" | "ism", ...)`.
func trainScoreModel(_ value: ScoreModelValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    let method = args.string("method")
    guard method == "dsm" || method == "ism" else {
        throw args.error("method", "a score model trains with method: \"dsm\" (denoising) or \"ism\" (implicit score matching)")
    }
    var model = value.model
    if method == "ism" && model.conditional {
        throw args.error("method", "implicit score matching fits an unconditional model: make it with score_model(...) and no sigmas")
    }
    let x = try rows(args, "data", width: model.dimension, what: "coordinates")
    try reserveTrainingMemory(args, rows: args.int("batch"), floatsPerRow: MemoryBudget.product(2, perceptronWorkingFloats(model.network.dims)),
                              what: "minibatches of \(args.int("batch")) rows through the network", lower: "batch")
    var options = ScoreMatchingOptions()
    options.objective = method == "dsm" ? .denoising : .implicit
    options.iterations = args.int("iterations")
    options.batchSize = args.int("batch")
    options.learningRate = args.isGiven("lr") ? Float(args.number("lr")) : 1e-3
    options.seed = UInt64(args.int("seed"))
    options.monitorEvery = args.isGiven("monitor_every") ? args.int("monitor_every") : max(1, options.iterations / 10)
    let settings = "\(method), Adam lr \(formatNumber(Double(options.learningRate), digits: 3)), batch \(options.batchSize), seed \(options.seed)"
    var trainer = value.trainerSettings == settings ? (value.trainer ?? ScoreMatchingTrainer(options: options)) : ScoreMatchingTrainer(options: options)
    trainer.options = options
    context.progress?.begin("train \(method)", total: options.iterations)
    let first = trainer.iterationsCompleted
    let done = trainer.train(&model, on: x.scalars, rows: x.rows, shouldStop: { context.isInterrupted }) {
        context.progress?.update(done: $0 - first, status: "")
    }
    context.progress?.end()
    value.model = model
    value.trainer = trainer
    value.trainerSettings = settings
    if done == nil { context.write("stopped after iteration \(trainer.iterationsCompleted); the model keeps what it learned\n") }
    let rowsOut = trainer.history.map { [String($0.iteration), formatNumber($0.loss, digits: 5)] }
    context.write("history: \(settings)\n" + Table(header: ["iteration", method == "dsm" ? "denoising loss" : "implicit objective J"], rows: rowsOut).text)
    return .none
}

extension Command {
    static let score = Command(
        "score", category: .continuous,
        summary: "the score ∇ₓ log p at each row of x: −∇ₓE of an energy (exact for closed forms), or s_θ(x, σ) of a score model",
        parameters: [
            Parameter("model", .object(["energy", "score_model"]), "an energy or a score model"),
            Parameter("x", .tensor, "points: an n × d matrix, a data set, or one vector"),
            Parameter("sigma", .optional(.positiveNumber), default: Value.none, "a score model's noise level (default its smallest)"),
        ]
    ) { args, _ in
        let d: Int
        var out: [Float]
        if let e = args.object("model", as: EnergyValue.self) {
            d = e.energy.dimension
            let x = try rows(args, "x", width: d, what: "coordinates")
            out = e.energy.energiesAndGradients(x.scalars, rows: x.rows).gradients.map { -$0 }
        } else if let s = args.object("model", as: ScoreModelValue.self) {
            d = s.model.dimension
            let x = try rows(args, "x", width: d, what: "coordinates")
            let sigma = Float(args["sigma"].isNone ? (s.model.sigmas.min() ?? 1) : args.number("sigma"))
            out = s.model.scores(x.scalars, rows: x.rows, sigma: [Float](repeating: sigma, count: x.rows))
        } else {
            throw args.error("model", "expected an energy or a score model")
        }
        if args.tensor("x").rank == 1 { return .tensor(Tensor(shape: [d], scalars: out)) }
        return .tensor(Tensor(shape: [out.count / d, d], scalars: out))
    }
}
