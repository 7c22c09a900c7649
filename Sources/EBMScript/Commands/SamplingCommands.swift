import EBM

extension Command {
    static let gibbs = Command(
        "gibbs", category: .sampling,
        summary: "Gibbs sampling of many chains at once (RBM: blocks x → h → x; Boltzmann machine: unit by unit), with snapshots",
        parameters: [
            anyModelParameter("a model with a Markov chain sampler: an RBM, a fully visible Boltzmann machine or a DBN"),
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
        that redraws x_i ~ σ(b_i + Σ_j w_ij x_j) for i = 1…n in turn. DBN: each step is a block Gibbs
        step in the top RBM, and each snapshot goes down the belief net to x (the last one is what
        sample(d, n: chains, steps: steps, seed: seed) draws). The result draws as a grid (rows = chains, columns
        = time) with show and png, and chain.samples is the final states as a data set.
        Example:
          chain = gibbs(m, chains: 8, steps: 1000, every: 100, seed: 1)
          png(chain, "images/chain.png", scale: 4)
        """
    ) { args, context in
        let model = try modelValue(args)
        let sampler = try require(model.samplable, .markovChain, of: model, args)
        var shape = model.imageShape
        let start: ChainStart
        if case .string = args["init"] {
            start = .random
        } else {
            start = .data(try model.stateRows(args, "init", what: "visible units"))
            if case .object(let d as Dataset) = args["init"] { shape = d.imageShape ?? shape }
        }
        let (steps, every) = (args.int("steps"), args.int("every"))
        // Snapshots hold states and what they were drawn from (two copies); a step works on x
        // and any hidden units with their inputs.
        let width = sampler.dimension, hidden = model.latent?.latentDimension ?? 0
        try reserveChainMemory(args, chains: args.int("chains"), units: width, steps: steps, every: every,
                               copies: 2, working: MemoryBudget.product(4, MemoryBudget.sum(width, hidden)))
        var chain = sampler.makeChain(count: args.int("chains"), seed: UInt64(args.int("seed")), start: start)
        context.progress?.begin("gibbs", total: steps)
        defer { context.progress?.end() }
        let run = chain.run(steps: steps, every: every, shouldStop: { context.isInterrupted },
                            progress: { context.progress?.update(done: $0, status: "") })
        var value = ChainValue(snapshots: run.snapshots, imageShape: shape, every: every)
        if !run.finished {
            value.stopped = true
            context.progress?.end()   // the note goes on a clean line, not after the bar
            context.write("interrupted after step \(value.last?.step ?? 0) of \(steps); the chain keeps the states drawn so far\n")
        }
        return .object(value)
    }

    static let train = Command(
        "train", category: .sampling,
        summary: "train any model that has a trainer, with its family's own parameters; returns the history",
        parameters: [
            anyModelParameter("the model to train; each family takes its own parameters, listed below"),
            Parameter("data", .tensor, "the training data: a data set or an n × D matrix"),
        ] + ModelFamilies.unionOfTrainParameters,
        parameterGroups: ModelFamilies.all.filter { !$0.trainParameters.isEmpty }.map { family in
            ParameterGroup(title: "\(family.kind) (\(family.constructors.map { $0 + "(...)" }.joined(separator: ", "))): \(family.trainSummary)",
                           parameters: family.trainParameters)
        },
        details: """
        Each family takes its own keyword arguments, listed above with their defaults; a keyword
        the model's family does not take is an error that lists the ones it does.
        Training again with the same settings (compared as values: method, k, lr, batch, seed, …)
        continues the trainer: its epoch or iteration count, momentum or Adam moments, persistent
        chains or replay buffer. Other settings start a new trainer and history.
        Every family returns its history (h.columns lists the monitors; plot h, y: "name" draws
        one), and model.history is the same. For trainers that sample a negative phase (rbm
        cd/pcd/pt, energy_fn cd/pcd/langevin-ml), h.negatives is the last update's negative
        samples x̃ and h.batch its minibatch (both n × d; for CD-k chain r starts at row r), so
        an update can be recomputed by hand (003 Algorithm 1). Ctrl-C stops after the current
        minibatch or iteration with the model and the history of the work done intact. If a
        parameter, the loss or a monitor becomes NaN or infinite, training stops, the model
        returns to its last good state, and the error names the setting to lower.
        Examples:
          h = train(m, bars_and_stripes(4), method: "pcd", lr: 0.05, epochs: 50, batch: 8, seed: 1)
          h = train(e, plane_data("ring"), iterations: 2000, step_size: 0.005, seed: 1)
          plot h, y: "sample_energy"
        """
    ) { args, context in
        let model = try modelValue(args)
        guard !model.family.trainParameters.isEmpty else {
            _ = try require(nil as Int?, .training, of: model, args)
            return .none
        }
        return try model.train(try args.rebound(to: model.family, keeping: ["model", "data"]), context)
    }
}
