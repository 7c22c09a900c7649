import EBM

extension Command {
    static let ais = Command(
        "ais", category: .estimators,
        summary: "estimate log Z (the log partition function) by annealed importance sampling (Salakhutdinov and Murray 2008)",
        parameters: [
            Parameter("model", .object(["rbm"]), "a model AIS can anneal to: an RBM"),
            Parameter("runs", .integer(min: 2, max: 100_000), default: .number(100), "independent annealing runs, advanced together"),
            Parameter("betas", .integer(min: 2, max: 10_000_000), default: .number(10_000), "inverse temperatures from 0 to 1 (a linear schedule)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed; run r uses its own stream"),
            Parameter("data", .optional(.tensor), default: Value.none,
                      "data whose visible marginals define the base-rate model (uniform otherwise); its mean log-likelihood is estimated too"),
            Parameter("reverse", .bool, default: .bool(false),
                      "anneal from samples of the model down to the base model (Burda et al. 2015): an estimate from above, where forward AIS's is from below"),
            Parameter("start", .optional(.tensor), default: Value.none,
                      "reverse: the model samples to start from (e.g. the end of long Gibbs chains); default exact samples, when the smaller layer has at most 20 units"),
        ],
        details: """
        Anneals from a base-rate model A (W = 0, visible biases from the data's marginals), whose
        log Z_A is known, to the RBM through p_β(x) ∝ e^((1-β)c_Aᵀx + βcᵀx) Π_j (1 + e^(β(b_j + W_j x))),
        with one Gibbs transition per β. log Z ≈ log Z_A + log mean(w), with ±3 standard errors of
        the mean weight as error bars. When the model is small enough, the exact log Z is printed
        beside the estimate.
        Example:
          a = ais(m, runs: 100, betas: 10000, data: d)
          a.log_z
        With reverse: true the runs start at samples of the model and anneal to the base model;
        log Z ≈ log Z_A − log mean(w) then overestimates log Z in expectation, so forward and
        reverse together sandwich it, and a wide gap says more temperatures are needed:
          r = ais(m, runs: 100, betas: 10000, data: d, reverse: true)
        """
    ) { args, context in
        let model = try modelValue(args)
        let m = try require(model.parameterized as? any AnnealedImportanceSamplable, .ais, of: model, args)
        // Weights of ±inf or NaN make every importance weight NaN and the bounds −inf: name the parameter instead.
        try exact(args) { try m.requireFiniteParameters() }
        var data: Tensor?
        if !args["data"].isNone { data = try model.stateRows(args, "data", what: "visible units") }
        try reserveAnnealingMemory(args, runs: args.int("runs"), visible: m.dimension, hidden: model.latent?.latentDimension ?? 0, lower: "runs")
        // Exact beside the estimate when it is cheap (at most 2^20 terms).
        let exact = model.enumerable.flatMap { $0.enumerationExponent <= 20 ? try? $0.exactLogPartitionFunction() : nil }
        if args.bool("reverse") {
            let r = try require(model.parameterized as? any ReverseAnnealedImportanceSamplable, .ais, of: model, args)
            var start = ReverseAnnealedImportanceSampling.Start.exact
            if !args["start"].isNone {
                let rows = try model.stateRows(args, "start", what: "visible units")
                start = .samples(rows)
                // Runs take the rows in turn, so with fewer rows than runs some runs share a start:
                // the weights are then not independent, and the error bars too narrow.
                if rows.rows < args.int("runs") {
                    context.write("note: start has \(rows.rows) row\(rows.rows == 1 ? "" : "s") for \(args.int("runs")) runs, so rows are reused in turn "
                                  + "(each starts about \(formatNumber(Double(args.int("runs")) / Double(Swift.max(rows.rows, 1)), digits: 3)) runs): "
                                  + "runs from one row are not independent and the error bars are too narrow; give at least as many rows as runs\n")
                }
            } else if !r.canSampleExactly {
                throw args.error("reverse", "reverse AIS starts from samples of the model, and this one is too large to sample exactly",
                                 hint: "give start: the end of long Gibbs chains, e.g. start: gibbs(m, chains: 100, steps: 10000, init: d).samples")
            }
            let reverse = ReverseAnnealedImportanceSampling(runs: args.int("runs"), temperatures: args.int("betas"), seed: UInt64(args.int("seed")))
            guard let result = try r.estimateLogPartitionFunctionFromAbove(reverse, data: data, start: start, shouldStop: { context.isInterrupted }) else {
                throw ScriptError(.interrupted, "interrupted: reverse AIS stopped before reaching the base model (β = 0), so there is no estimate: "
                                  + "importance weights are valid only at the end of the annealing path, and a partial path's weights estimate nothing",
                                  at: args.callLocation, hint: "fewer betas or runs finish sooner")
            }
            return .object(AISValue(result: result, exact: exact, logLikelihood: data.map { m.meanLogLikelihood($0, under: result) }, reverse: true))
        } else if !args["start"].isNone {
            throw args.error("start", "start is where reverse AIS begins", hint: "add reverse: true, or leave start out")
        }
        let ais = AnnealedImportanceSampling(runs: args.int("runs"), temperatures: args.int("betas"), seed: UInt64(args.int("seed")))
        // AIS polls shouldStop every pollInterval temperatures, so the polls count the progress.
        var polls = 0
        context.progress?.begin("ais", total: ais.temperatures)
        defer { context.progress?.end() }
        guard let result = m.estimateLogPartitionFunction(ais, data: data, shouldStop: {
            polls += 1
            context.progress?.update(done: Swift.min(polls * AnnealedImportanceSampling.pollInterval, ais.temperatures), status: "")
            return context.isInterrupted
        }) else {
            throw ScriptError(.interrupted, "interrupted: AIS stopped before the last temperature (β = 1), so there is no estimate: "
                              + "importance weights are valid only at the end of the annealing path, and a partial path's weights estimate nothing",
                              at: args.callLocation, hint: "fewer betas or runs finish sooner")
        }
        context.progress?.update(done: ais.temperatures, status: "")
        return .object(AISValue(result: result, exact: exact, logLikelihood: data.map { m.meanLogLikelihood($0, under: result) }))
    }
}
