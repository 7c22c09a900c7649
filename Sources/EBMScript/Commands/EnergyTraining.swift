import EBM

/// The keyword arguments of `train` that only `method: "langevin-ml"` reads.
let langevinTrainingParameters: [Parameter] = [
    Parameter("iterations", .integer(min: 1, max: 100_000_000), default: .number(1000), "langevin-ml: parameter updates"),
    Parameter("steps", .integer(min: 1, max: 100_000), default: .number(20), "langevin-ml: Langevin steps per update"),
    Parameter("step_size", .positiveNumber, default: .number(0.01), "langevin-ml: ε of the Langevin steps"),
    Parameter("noise", .number, default: .number(1), "langevin-ml: scale of the Langevin noise"),
    Parameter("reuse", .probability, default: .number(0.95), "langevin-ml: probability a chain starts from the replay buffer (0: no buffer, every chain from noise)"),
    Parameter("buffer", .integer(min: 1, max: 10_000_000), default: .number(10_000), "langevin-ml: replay buffer size"),
    Parameter("alpha", .number, default: .number(0.1), "langevin-ml: α of the L2 penalty on energies"),
    Parameter("clip", .positiveNumber, default: .number(1), "langevin-ml: largest norm of a parameter gradient"),
].map { $0.byNameOnly() }

/// `train(e, data, method: "langevin-ml", ...)`: Du and Mordatch's maximum likelihood with a
/// replay buffer, Adam (β₁ = 0) and energy regularisation.
func trainEnergy(_ model: EnergyValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    guard args.string("method") == "langevin-ml" else {
        throw args.error("method", "a neural energy trains with method: \"langevin-ml\"")
    }
    guard case .neural(var energy) = model.kind else {
        throw args.error("model", "only a neural energy from mlp_energy(...) has parameters to train")
    }
    let d = energy.dimension
    let x = try rows(args, "data", width: d, what: "coordinates")
    try reserveTrainingMemory(args, rows: MemoryBudget.sum(args.int("batch"), args.int("buffer")),
                              floatsPerRow: MemoryBudget.sum(perceptronWorkingFloats(energy.network.dims), 4 * d),
                              what: "a replay buffer of \(args.int("buffer")) and minibatches of \(args.int("batch")) through the network",
                              lower: "batch or buffer")
    var options = LangevinMaximumLikelihoodOptions()
    options.iterations = args.int("iterations")
    options.batchSize = args.int("batch")
    options.langevinSteps = args.int("steps")
    options.stepSize = Float(args.number("step_size"))
    options.noise = Float(args.number("noise"))
    options.reuse = Float(args.number("reuse"))
    options.bufferSize = args.int("buffer")
    options.energyPenalty = Float(args.number("alpha"))
    options.clip = Float(args.number("clip"))
    options.learningRate = args.isGiven("lr") ? Float(args.number("lr")) : 1e-3
    options.seed = UInt64(args.int("seed"))
    options.monitorEvery = args.isGiven("monitor_every") ? args.int("monitor_every") : max(1, options.iterations / 10)
    let settings = "langevin-ml, \(options.langevinSteps) steps of ε \(formatNumber(Double(options.stepSize), digits: 4))"
        + (options.reuse > 0 ? ", buffer \(options.bufferSize) reused \(formatNumber(Double(options.reuse), digits: 3))" : ", no buffer")
        + ", α \(formatNumber(Double(options.energyPenalty), digits: 3)), Adam lr \(formatNumber(Double(options.learningRate), digits: 3))"
        + ", batch \(options.batchSize), seed \(options.seed)"
    var trainer = model.trainerSettings == settings ? (model.trainer ?? LangevinMaximumLikelihood(options: options)) : LangevinMaximumLikelihood(options: options)
    trainer.options = options
    context.progress?.begin("train langevin-ml", total: options.iterations)
    let first = trainer.iterationsCompleted
    let outcome = trainer.train(&energy, on: x.scalars, rows: x.rows, shouldStop: { context.isInterrupted }) { iteration, record in
        context.progress?.update(done: iteration - first, status: record.map { "E(data) \(formatNumber($0.dataEnergy, digits: 3)), E(samples) \(formatNumber($0.sampleEnergy, digits: 3))" } ?? "")
    }
    context.progress?.end()
    model.kind = .neural(energy)
    model.trainer = trainer
    model.trainerSettings = settings
    let history = Value.object(LangevinHistoryValue(records: trainer.history, settings: settings))
    switch outcome {
    case .completed: return history
    case .stopped(let i):
        context.write("stopped after iteration \(i); the energy keeps what it learned, and its .history the iterations so far\n")
        return history
    case .diverged(let i, let restored):
        throw ScriptError(.numeric, "train: an energy or a parameter became NaN or infinite in iteration \(i); the energy is back at iteration \(restored)",
                          at: args.location(of: "step_size"), hint: "lower lr or step_size, or raise alpha")
    }
}
