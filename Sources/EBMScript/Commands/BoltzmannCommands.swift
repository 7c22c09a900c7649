import EBM

/// The fully visible Boltzmann machine of 000/002 and 003 §13.1.
extension Command {
    static let boltzmann = Command(
        "boltzmann", category: .models,
        summary: "a fully visible Boltzmann machine E(x) = -½xᵀWx - bᵀx over x ∈ {0,1}ⁿ (no hidden units)",
        parameters: [
            Parameter("units", .integer(min: 1, max: 10_000), "n, the number of (visible) units"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights"),
            Parameter("init", .number, default: .number(0.5), "the standard deviation σ of the initial pair weights, wᵢⱼ ~ N(0, σ²); biases start at 0"),
        ],
        details: """
        The model of 000 §18.1 and 003 §13.1 with no latent variables:
          E(x) = -½ xᵀWx - bᵀx = -Σ_{i<j} w_ij x_i x_j - Σ_i b_i x_i,   p(x) = e^(-E(x)) / Z
        W is symmetric with a zero diagonal: one weight per pair, named W[i,j] with i < j.
        Exact log Z, log-likelihood and gradient enumerate all 2ⁿ states (up to n = 24);
        single-site Gibbs sampling draws x_i ~ σ(b_i + Σ_j w_ij x_j) unit by unit.
        Properties: m.W, m.b, m.units, m.parameters, m.history.
        Example:
          m = boltzmann(units: 8, seed: 1)
          log_z(m)
          derive(m, d)
        """
    ) { args, _ in
        let n = args.int("units")
        // W (n × n, float64) with a trainer's gradient and expectations.
        try args.reserveMemory(MemoryBudget.product(n, n, MemoryLayout<Double>.stride, 4),
                               for: "a Boltzmann machine of \(n) units (\(n) × \(n) weights)", lower: "units")
        let machine = FullyVisibleBoltzmannMachine(units: args.int("units"), seed: UInt64(args.int("seed")),
                                                   initScale: args.number("init"))
        return .object(BoltzmannValue(machine))
    }
}

/// Either kind of Boltzmann machine, for the commands that take both.
let boltzmannOrRBMParameter = Parameter("model", .object(["rbm", "boltzmann"]), "an RBM from rbm(...) or a fully visible Boltzmann machine from boltzmann(...)")

/// The model argument: an RBM or a fully visible Boltzmann machine.
enum BoltzmannModel {
    case rbm(RBMValue)
    case fullyVisible(BoltzmannValue)

    init(_ args: Arguments, _ name: String = "model") throws {
        switch args[name] {
        case .object(let m as RBMValue): self = .rbm(m)
        case .object(let m as BoltzmannValue): self = .fullyVisible(m)
        default: throw args.error(name, "expected an RBM or a Boltzmann machine")
        }
    }

    /// What a row of data may hold: 0 or 1 for a fully visible machine (its sums run over
    /// {0, 1}ⁿ), [0, 1] for an RBM (as its training accepts).
    var states: UnitStates {
        switch self {
        case .rbm: return .unitInterval
        case .fullyVisible: return .binary
        }
    }

    /// The width of x.
    var visible: Int {
        switch self {
        case .rbm(let m): return m.machine.visible
        case .fullyVisible(let m): return m.machine.units
        }
    }
}

/// `gibbs(m, ...)` for a fully visible Boltzmann machine: single-site sweeps.
func gibbsBoltzmann(_ model: BoltzmannValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    let m = model.machine
    var start: Tensor?
    if case .string = args["init"] {} else { start = try stateRows(args, "init", width: m.units, what: "units", states: .binary) }
    let (steps, every) = (args.int("steps"), args.int("every"))
    try reserveChainMemory(args, chains: args.int("chains"), units: m.units, steps: steps, every: every, copies: 2, working: 4 * m.units)
    var chain = BoltzmannGibbsChain(m, count: args.int("chains"), seed: UInt64(args.int("seed")), start: start)
    var snapshots = [chain.snapshot]
    context.progress?.begin("gibbs", total: steps)
    defer { context.progress?.end() }
    for s in stride(from: 1, through: steps, by: 1) {
        try context.checkInterrupt()
        chain.sweep(m)
        if s % every == 0 || s == steps { snapshots.append(chain.snapshot) }
        if s % 100 == 0 { context.progress?.update(done: s, status: "") }
    }
    return .object(ChainValue(snapshots: snapshots, imageShape: nil, every: every))
}

/// `train(m, data, method: "exact" | "cd" | "pcd", ...)` for a fully visible Boltzmann machine:
/// gradient ascent on the mean log-likelihood with the negative phase exact or sampled.
func trainBoltzmann(_ model: BoltzmannValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    let m = model.machine
    let x = try stateRows(args, "data", width: m.units, what: "units", states: .binary, subject: "a Boltzmann machine's data")
    var options = BoltzmannTrainingOptions()
    let k = args.int("k")
    let batch = min(args.int("batch"), x.rows)
    try reserveTrainingMemory(args, rows: batch, floatsPerRow: MemoryBudget.product(8, m.units),
                              what: "minibatches and chains of \(batch) × \(m.units) units", lower: "batch")
    switch args.string("method") {
    case "langevin-ml", "dsm", "ism":
        throw args.error("method", "methods \"langevin-ml\", \"dsm\" and \"ism\" train neural energies and score models; a Boltzmann machine trains with \"exact\", \"cd\" or \"pcd\"")
    case "exact":
        if m.units > FullyVisibleBoltzmannMachine.enumerationLimitExponent {
            throw args.error("method", "the exact negative phase sums over all 2^\(m.units) states; use method: \"pcd\" above \(FullyVisibleBoltzmannMachine.enumerationLimitExponent) units")
        }
        options.negativePhase = .exact
    case "pcd": options.negativePhase = .persistent(sweeps: k, chains: batch)
    default: options.negativePhase = .contrastiveDivergence(sweeps: k)
    }
    options.learningRate = args.number("lr")
    options.batchSize = batch
    options.epochs = args.int("epochs")
    options.seed = UInt64(args.int("seed"))
    options.monitorEvery = args.int("monitor_every")
    let settings = "\(options.negativePhase), lr \(formatNumber(options.learningRate)), batch \(batch), seed \(options.seed)"
    var trainer = model.trainerSettings == settings ? (model.trainer ?? BoltzmannTrainer(options: options)) : BoltzmannTrainer(options: options)
    trainer.options = options
    context.progress?.begin("train \(options.negativePhase)", total: options.epochs)
    let firstEpoch = trainer.epochsCompleted
    var status = ""
    let outcome = trainer.train(&model.machine, on: x, shouldStop: { context.isInterrupted }) { epoch, record in
        if let r = record { status = "epoch \(epoch): loglik " + (r.logLikelihood.map { formatNumber($0, digits: 5) } ?? "—") }
        context.progress?.update(done: epoch - firstEpoch, status: status)
    }
    context.progress?.end()
    model.trainer = trainer
    model.trainerSettings = settings
    let history = Value.object(BoltzmannHistoryValue(records: trainer.history, settings: settings))
    switch outcome {
    case .completed: return history
    case .stopped:
        context.write("\(outcome); the model keeps what it learned, and its .history the epochs so far\n")
        return history
    case .diverged:
        throw ScriptError(.numeric, "train: \(outcome)", at: args.location(of: "lr"),
                          hint: "the model is back in its last good state; its history so far is model.history")
    }
}
