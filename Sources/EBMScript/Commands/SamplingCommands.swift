import EBM

extension Command {
    static let gibbs = Command(
        "gibbs", category: .sampling,
        summary: "Gibbs sampling of many chains at once (RBM: blocks x → h → x; Boltzmann machine: unit by unit), with snapshots",
        parameters: [
            boltzmannOrRBMParameter,
            Parameter("chains", .integer(min: 1, max: 100_000), default: .number(10), "how many chains run side by side"),
            Parameter("steps", .integer(min: 0, max: 10_000_000), default: .number(100), "Gibbs steps for every chain"),
            Parameter("every", .integer(min: 1, max: nil), default: .number(10), "keep a snapshot every this many steps"),
            Parameter("init", .oneOf([.choice(["random"]), .tensor]), default: .string("random"),
                      "\"random\" (each unit on with probability 1/2), or data: chain i starts at row i"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed; chain i uses its own stream"),
        ],
        details: """
        RBM: each step samples h ~ p(h | x) = σ(b + Wx), then x ~ p(x | h) = σ(c + Wᵀh), for all
        chains with one matrix product each. Fully visible Boltzmann machine: each step is a sweep
        that redraws x_i ~ σ(b_i + Σ_j w_ij x_j) for i = 1…n in turn. The result draws as a grid (rows = chains, columns
        = time) with show and png, and chain.samples is the final states as a data set.
        Example:
          chain = gibbs(m, chains: 8, steps: 1000, every: 100, seed: 1)
          png(chain, "images/chain.png", scale: 4)
        """
    ) { args, context in
        if case .object(let machine as BoltzmannValue) = args["model"] { return try gibbsBoltzmann(machine, args, context) }
        let model = try model(args)
        let m = model.machine
        var shape = model.imageShape
        let start: GibbsChain.Start
        if case .string = args["init"] {
            start = .random
        } else {
            start = .data(try stateRows(args, "init", width: m.visible, what: "visible units", states: .unitInterval))
            if case .object(let d as Dataset) = args["init"] { shape = d.imageShape ?? shape }
        }
        let (steps, every) = (args.int("steps"), args.int("every"))
        try reserveChainMemory(args, chains: args.int("chains"), units: m.visible, steps: steps, every: every,
                               copies: 2, working: 4 * (m.visible + m.hidden))
        var chain = GibbsChain(m, count: args.int("chains"), seed: UInt64(args.int("seed")), start: start)
        var snapshots = [chain.snapshot]
        context.progress?.begin("gibbs", total: steps)
        defer { context.progress?.end() }
        for s in stride(from: 1, through: steps, by: 1) {
            try context.checkInterrupt()
            chain.advance(m)
            if s % every == 0 || s == steps { snapshots.append(chain.snapshot) }
            if s % 100 == 0 { context.progress?.update(done: s, status: "") }
        }
        return .object(ChainValue(snapshots: snapshots, imageShape: shape, every: every))
    }

    static let train = Command(
        "train", category: .sampling,
        summary: "train an RBM (CD-k, PCD), a Boltzmann machine (exact, CD-k, PCD) or a neural energy (langevin-ml) by maximum likelihood; returns the history",
        parameters: [
            Parameter("model", .object(["rbm", "boltzmann", "energy", "score_model"]), "an RBM, a fully visible Boltzmann machine, a neural energy from mlp_energy(...), or a score model"),
            Parameter("data", .tensor, "the training data: a data set or an n × D matrix with values in [0, 1]"),
            Parameter("method", .choice(["cd", "pcd", "exact", "langevin-ml", "dsm", "ism"]), default: .string("cd"),
                      "\"cd\": chains start at the data (003, Algorithm 1); \"pcd\": persistent chains (Tieleman 2008); \"exact\": the negative phase summed over all states (Boltzmann machine); \"langevin-ml\": Langevin samples from a replay buffer (neural energy); \"dsm\", \"ism\": denoising or implicit score matching (score model)"),
            Parameter("k", .integer(min: 1, max: 10_000), default: .number(1), "Gibbs steps per update"),
            Parameter("lr", .positiveNumber, default: .number(0.1), "the learning rate ε"),
            Parameter("lr_end", .optional(.number), default: Value.none,
                      "if given, the learning rate falls linearly from lr to lr_end over the epochs of this call"),
            Parameter("momentum", .probability, default: .number(0), "μ: each update keeps μ of the previous one"),
            Parameter("weight_decay", .number, default: .number(0), "λ: L2 decay of W; the update subtracts ελW"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "examples per minibatch"),
            Parameter("epochs", .integer(min: 1, max: 1_000_000), default: .number(10), "passes over the data"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles, the chains and the monitors"),
            Parameter("monitor", .optional(.tensor), default: Value.none, "the data the monitors use (default: the first 1000 training rows)"),
            Parameter("monitor_every", .integer(min: 1, max: nil), default: .number(1), "record the monitors every this many epochs (and after the last)"),
            Parameter("ais_every", .optional(.integer(min: 1, max: nil)), default: Value.none,
                      "RBM: also estimate log Z by AIS every this many epochs (and after the last), and the monitor set's log-likelihood with it"),
            Parameter("ais_runs", .integer(min: 2, max: 100_000), default: .number(100), "AIS runs for those estimates"),
            Parameter("ais_betas", .integer(min: 2, max: 10_000_000), default: .number(10_000), "AIS inverse temperatures for those estimates"),
        ] + langevinTrainingParameters,
        details: """
        The update for W is ε (E_data[p(h|x) xᵀ] - E_chains[p(h|x̃) x̃ᵀ]) over the minibatch, where x̃
        comes from k Gibbs steps; b and c likewise. After each epoch the history records the
        reconstruction error, the pseudo-log-likelihood (exact when affordable), and the exact
        log-likelihood when the model is small enough to enumerate. With ais_every: N, every Nth
        epoch also gets an AIS estimate of log Z (base rate from the training data; ±3σ) and the
        monitor set's log-likelihood under it: for models too large to enumerate, the
        log-likelihood curve 003 recommends watching.
        Training again with the same settings continues (epochs, persistent chains, momentum);
        other settings start a new history. Ctrl-C stops after the current minibatch with the
        model and history intact. If a parameter becomes NaN or infinite, training stops, the
        model returns to its last good state, and the error says which learning rate to lower.
        A fully visible Boltzmann machine climbs E_data[∇θ log p̃] − E_p[∇θ log p̃] (000, eq 18.4)
        with the negative phase exact (method: "exact", all 2ⁿ states) or from k sweeps of
        single-site Gibbs chains ("cd" from the minibatch, "pcd" persistent); its history records
        the exact log-likelihood, the pseudo-log-likelihood and ‖∇‖ every monitor_every epochs.
        Example:
          h = train(m, bars_and_stripes(4), method: "pcd", lr: 0.05, epochs: 50, batch: 8, seed: 1)
        """
    ) { args, context in
        if case .object(let machine as BoltzmannValue) = args["model"] { return try trainBoltzmann(machine, args, context) }
        if case .object(let energy as EnergyValue) = args["model"] { return try trainEnergy(energy, args, context) }
        if case .object(let score as ScoreModelValue) = args["model"] { return try trainScoreModel(score, args, context) }
        guard !["langevin-ml", "dsm", "ism"].contains(args.string("method")) else {
            throw args.error("method", "methods \"langevin-ml\", \"dsm\" and \"ism\" train neural energies and score models; an RBM trains with \"cd\" or \"pcd\"")
        }
        let model = try model(args)
        guard args.string("method") != "exact" else {
            throw args.error("method", "method: \"exact\" is for a fully visible Boltzmann machine; train an RBM with \"cd\" or \"pcd\"")
        }
        let x = try stateRows(args, "data", width: model.machine.visible, what: "visible units", states: .unitInterval, subject: "training data")
        let (D, H) = (model.machine.visible, model.machine.hidden)
        try reserveTrainingMemory(args, rows: Swift.min(args.int("batch"), x.rows), floatsPerRow: MemoryBudget.product(8, D + H),
                                  what: "minibatches and chains of \(Swift.min(args.int("batch"), x.rows)) × (\(D) + \(H)) units", lower: "batch")
        if args.optionalInt("ais_every") != nil {
            try reserveTrainingMemory(args, rows: args.int("ais_runs"), floatsPerRow: MemoryBudget.product(4, D + H),
                                      what: "\(args.int("ais_runs")) AIS runs of \(D) + \(H) units", lower: "ais_runs")
        }
        var monitor: Tensor?
        if !args["monitor"].isNone { monitor = try stateRows(args, "monitor", width: model.machine.visible, what: "visible units", states: .unitInterval) }
        if case .object(let d as Dataset) = args["data"], model.imageShape == nil { model.imageShape = d.imageShape }

        var options = RBMTrainingOptions()
        let k = args.int("k")
        options.sampler = args.string("method") == "pcd" ? PersistentContrastiveDivergence(k: k) : ContrastiveDivergence(k: k)
        options.learningRate = Float(args.number("lr"))
        if !args["lr_end"].isNone {
            guard args.number("lr_end") >= 0 else { throw args.error("lr_end", "lr_end must be ≥ 0") }
            options.finalLearningRate = Float(args.number("lr_end"))
        }
        options.momentum = Float(args.number("momentum"))
        options.weightDecay = Float(args.number("weight_decay"))
        options.batchSize = args.int("batch")
        options.epochs = args.int("epochs")
        options.seed = UInt64(args.int("seed"))
        options.monitorEvery = args.int("monitor_every")
        options.aisEvery = args.optionalInt("ais_every")
        options.aisRuns = args.int("ais_runs")
        options.aisTemperatures = args.int("ais_betas")
        let settings = "\(options.sampler), lr \(formatNumber(args.number("lr")))"
            + (options.finalLearningRate != nil ? " → \(formatNumber(args.number("lr_end")))" : "")
            + ", batch \(options.batchSize)"
            + (options.momentum > 0 ? ", momentum \(formatNumber(args.number("momentum")))" : "")
            + (options.weightDecay != 0 ? ", weight decay \(formatNumber(args.number("weight_decay")))" : "")
            + ", seed \(options.seed)"

        // Same settings: continue the trainer (its chains, momentum and epoch count).
        var trainer = model.trainerSettings == settings ? (model.trainer ?? RBMTrainer(options: options)) : RBMTrainer(options: options)
        trainer.options = options
        let batches = (x.rows + options.batchSize - 1) / options.batchSize
        context.progress?.begin("train \(options.sampler)", total: options.epochs * batches)
        var status = ""
        let firstEpoch = trainer.epochsCompleted
        let outcome = trainer.train(&model.machine, on: x, monitor: monitor, shouldStop: { context.isInterrupted }) { epoch, batch, batches, record in
            if let r = record {
                status = "epoch \(epoch): recon \(formatNumber(r.reconstructionError, digits: 4)), pll \(formatNumber(r.exactPseudoLogLikelihood ?? r.pseudoLogLikelihood, digits: 5))"
                    + (r.logLikelihood.map { ", loglik \(formatNumber($0, digits: 5))" } ?? "")
            }
            context.progress?.update(done: (epoch - firstEpoch - 1) * batches + batch, status: status)
        }
        context.progress?.end()
        model.trainer = trainer
        model.trainerSettings = settings
        let history = Value.object(HistoryValue(history: trainer.history, settings: settings))
        switch outcome {
        case .completed:
            return history
        case .stopped:
            context.write("\(outcome); the model keeps what it learned, and its .history the epochs so far\n")
            return history
        case .diverged:
            throw ScriptError(.numeric, "train: \(outcome)", at: args.location(of: "lr"),
                              hint: "the model is back in its last good state; its history so far is model.history")
        }
    }
}
