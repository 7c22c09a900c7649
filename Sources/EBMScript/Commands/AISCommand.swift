import EBM

extension Command {
    static let ais = Command(
        "ais", category: .estimators,
        summary: "estimate log Z (the log partition function) by annealed importance sampling (Salakhutdinov and Murray 2008)",
        parameters: [
            anyModelParameter("a model AIS can anneal to: an RBM"),
            Parameter("runs", .integer(min: 2, max: 100_000), default: .number(100), "independent annealing runs, advanced together"),
            Parameter("betas", .integer(min: 2, max: 10_000_000), default: .number(10_000), "inverse temperatures from 0 to 1 (a linear schedule)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed; run r uses its own stream"),
            Parameter("data", .optional(.tensor), default: Value.none,
                      "data whose visible marginals define the base-rate model (uniform otherwise); its mean log-likelihood is estimated too"),
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
        """
    ) { args, context in
        let model = try modelValue(args)
        let m = try require(model.parameterized as? any AnnealedImportanceSamplable, .ais, of: model, args)
        var data: Tensor?
        if !args["data"].isNone { data = try rows(args, "data", width: m.dimension, what: "visible units") }
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
            throw ScriptError(.interrupted, "interrupted: AIS stopped before the last temperature, so there is no estimate", at: args.callLocation)
        }
        context.progress?.update(done: ais.temperatures, status: "")
        // Exact beside the estimate when it is cheap (at most 2^20 terms).
        let exact = model.enumerable.flatMap { $0.enumerationExponent <= 20 ? try? $0.exactLogPartitionFunction() : nil }
        return .object(AISValue(result: result, exact: exact, logLikelihood: data.map { m.meanLogLikelihood($0, under: result) }))
    }
}
