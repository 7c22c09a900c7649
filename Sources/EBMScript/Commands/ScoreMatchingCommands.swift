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
            anyModelParameter("a trained score model, or a mixture energy (its exact score at each σ)"),
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
        let value = try modelValue(args)
        if let s = value.scoreFunction {
            d = s.dimension
            ladderValues = s.noiseLevels.isEmpty ? [1] : s.noiseLevels
            score = { X, n, sigma in s.scores(X, rows: n, sigma: sigma) }
        } else if let mix = value.parameterized as? any BlurredScoreModel {
            d = mix.dimension
            ladderValues = args["sigmas"].isNone ? ScoreModel.geometricLadder(from: 2, to: 0.05, levels: 10)
                : args.tensor("sigmas").scalars.map(Double.init).sorted(by: >)
            guard ladderValues.allSatisfy({ $0 > 0 }) else { throw args.error("sigmas", "noise levels must be positive") }
            score = { X, n, sigma in mix.blurredScores(X, rows: n, sigma: sigma) }
        } else {
            throw args.error("model", "\(value.article) has no \(ModelCapability.score.rawValue) and no exact blurred score",
                             hint: "annealed_langevin needs a score model, or a mixture energy whose blurred score is exact")
        }
        // Checked before the starting states are allocated: the chains with the network's working set.
        let network = value.scoreFunction?.workingFloatsPerRow ?? 0
        try reserveTrainingMemory(args, rows: chains, floatsPerRow: MemoryBudget.sum(8 * d, network),
                                  what: "\(chains) chains of dimension \(d)", lower: "chains")
        let start: [Float]
        if case .string = args["init"] {
            start = ChainInitialization.uniform(chains: chains, dimension: d, low: -4, high: 4, seed: UInt64(args.int("seed")) ^ 0xA11E)
        } else {
            start = ChainInitialization.fromRows(try rows(args, "init", width: d, what: "coordinates"), chains: chains)
        }
        let steps = args.int("steps"), eps = Float(args.number("step_size"))
        context.progress?.begin("annealed_langevin", total: steps * ladderValues.count)
        defer { context.progress?.end() }
        guard let score else { throw args.error("model", "no score to follow") }
        // Ctrl-C keeps the chains where they stopped (marked as stopped), as langevin and gibbs do.
        let run = AnnealedLangevin.run(dimension: d, ladder: ladderValues, start: start, chains: chains, stepsPerLevel: steps,
                                       stepSize: eps, seed: UInt64(args.int("seed")), shouldStop: { context.isInterrupted },
                                       progress: { context.progress?.update(done: $0, status: "") },
                                       score: score)
        if !run.finished {
            context.write("interrupted after step \(run.snapshots.last?.step ?? 0) of \(steps * ladderValues.count); the chain keeps the states drawn so far\n")
        }
        let description = "annealed over \(ladderValues.count) level\(ladderValues.count == 1 ? "" : "s") σ = "
            + formatNumber(ladderValues.first!, digits: 3) + (ladderValues.count > 1 ? " … " + formatNumber(ladderValues.last!, digits: 3) : "")
            + ", \(steps) steps each, ε = \(formatNumber(Double(eps), digits: 4))"
        var chain = LangevinChainValue(run: run, settings: description)
        chain.stepSize = Double(eps)
        return .object(chain)
    }
}

extension Command {
    static let score = Command(
        "score", category: .continuous,
        summary: "the score ∇ₓ log p at each row of x: −∇ₓE of an energy (exact for closed forms), or s_θ(x, σ) of a score model",
        parameters: [
            anyModelParameter("an energy with ∇ₓE (neural or closed-form), or a score model"),
            Parameter("x", .tensor, "points: an n × d matrix, a data set, or one vector"),
            Parameter("sigma", .optional(.positiveNumber), default: Value.none, "a score model's noise level (default its smallest)"),
        ]
    ) { args, _ in
        let d: Int
        var out: [Float]
        let value = try modelValue(args)
        if let e = value.differentiable?.continuousEnergy {
            d = e.dimension
            let x = try rows(args, "x", width: d, what: "coordinates")
            out = e.energiesAndGradients(x.scalars, rows: x.rows).gradients.map { -$0 }
        } else if let s = value.scoreFunction {
            d = s.dimension
            let x = try rows(args, "x", width: d, what: "coordinates")
            let sigma = Float(args["sigma"].isNone ? (s.noiseLevels.min() ?? 1) : args.number("sigma"))
            out = s.scores(x.scalars, rows: x.rows, sigma: sigma)
        } else {
            _ = try require(nil as Int?, .score, of: value, args)
            return .none
        }
        if args.tensor("x").rank == 1 { return .tensor(Tensor(shape: [d], scalars: out)) }
        return .tensor(Tensor(shape: [out.count / d, d], scalars: out))
    }
}
