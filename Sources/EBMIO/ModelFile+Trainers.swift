import EBM

/// The training state in a version 2 file: the trainer's settings (`trainer`, then one field per
/// option: what `TrainerSettings.continues` compares, and how long a call runs), its counters, its
/// `TrainingHistory` (steps, a float64 table whose columns `history_columns` names, NaN where a
/// monitor was not computed, error bars beside it), and its arrays: momentum or Adam's moments,
/// persistent chains, random streams (four uint64 words of xoshiro256** each), and a Langevin
/// trainer's replay buffer when asked for. docs/model-format.md lists them per kind.
extension ModelFile {
    // MARK: Encoding

    static func encodeTrainer(_ trainer: Trainer, model: Model, buffer: Bool, into file: ModelContainer) {
        switch trainer {
        case .rbm(let t):
            let s = t.state
            encodeRBMOptions(t.options, into: file)
            file.set("epochs_completed", s.epochsCompleted)
            file.set("persistent_rows", s.persistentRows)
            if !s.velocities.isEmpty { file.append("velocities", s.velocities, shape: [s.velocities.count]) }
            let rows = s.chainGenerators.count
            if rows > 0 {
                file.append("chain_rng", s.chainGenerators.flatMap(\.stateWords), shape: [rows, 4])
                if !s.persistentHidden.isEmpty { file.append("persistent_hidden", s.persistentHidden, shape: [rows, s.persistentHidden.count / rows]) }
            }
            if let t = s.tempered {
                let R = t.ladders * t.betas.count
                file.set("pt_rounds", t.rounds)
                file.append("pt_betas", t.betas, shape: [t.betas.count])
                file.append("pt_x", t.x, shape: [R, t.x.count / Swift.max(R, 1)])
                file.append("pt_h", t.h, shape: [R, t.h.count / Swift.max(R, 1)])
                file.append("pt_rng", t.generators.flatMap(\.stateWords), shape: [t.ladders, 4])
                file.append("pt_swaps", zip(t.proposed, t.accepted).flatMap { [UInt64($0), UInt64($1)] }, shape: [t.proposed.count, 2])
            }
            encodeHistory(s.history, into: file)
        case .boltzmann(let t):
            let o = t.options, s = t.state
            switch o.negativePhase {
            case .exact: file.set("trainer", ["exact"])
            case .contrastiveDivergence(let k): file.set("trainer", ["cd"]); file.set("k", k)
            case .persistent(let k, let chains): file.set("trainer", ["pcd"]); file.set("k", k); file.set("chains", chains)
            }
            file.set("learning_rate", o.learningRate)
            if let end = o.finalLearningRate { file.set("final_learning_rate", end) }
            file.set("momentum", o.momentum)
            file.set("weight_decay", o.weightDecay)
            if let b = o.batchSize { file.set("batch_size", b) }
            file.set("epochs", o.epochs)
            file.set("seed", o.seed)
            file.set("monitor_every", o.monitorEvery)
            file.set("epochs_completed", s.epochsCompleted)
            if let c = s.chains {
                file.set("chain_sweeps", c.sweeps)
                file.append("chain_states", c.states.flatMap { $0 }, shape: [c.states.count, c.states.first?.count ?? 0])
                file.append("chain_rng", c.generators.flatMap(\.stateWords), shape: [c.generators.count, 4])
            }
            if !s.velocity.isEmpty { file.append("velocity", s.velocity, shape: [s.velocity.count]) }
            if !s.shuffleOrder.isEmpty { file.append("shuffle_order", s.shuffleOrder.map { UInt64($0) }, shape: [s.shuffleOrder.count]) }
            encodeHistory(s.history, into: file)
        case .langevin(let t):
            let o = t.options, s = t.state
            file.set("trainer", ["langevin-ml"])
            file.set("iterations", o.iterations)
            file.set("batch_size", o.batchSize)
            file.set("langevin_steps", o.langevinSteps)
            file.set("step_size", o.stepSize)
            file.set("noise", o.noise)
            file.set("reuse", o.reuse)
            file.set("buffer_size", o.bufferSize)
            file.set("energy_penalty", o.energyPenalty)
            file.set("clip", o.clip)
            file.set("learning_rate", o.learningRate)
            file.set("seed", o.seed)
            file.set("monitor_every", o.monitorEvery)
            file.set("iterations_completed", s.iterationsCompleted)
            encodeAdam(s.optimizer, s.generator, into: file)
            if !s.low.isEmpty {
                file.append("box_low", s.low, shape: [s.low.count])
                file.append("box_high", s.high, shape: [s.high.count])
            }
            if buffer, !s.buffer.isEmpty, case .mlpEnergy(let e) = model {
                file.append("replay_buffer", s.buffer, shape: [s.buffer.count / e.dimension, e.dimension])
            }
            encodeHistory(s.history, into: file)
        case .scoreMatching(let t):
            let o = t.options, s = t.state
            file.set("trainer", [o.objective == .denoising ? "dsm" : "ism"])
            file.set("iterations", o.iterations)
            file.set("batch_size", o.batchSize)
            file.set("learning_rate", o.learningRate)
            file.set("seed", o.seed)
            file.set("monitor_every", o.monitorEvery)
            file.set("trace_step", o.traceStep)
            file.set("iterations_completed", s.iterationsCompleted)
            encodeAdam(s.optimizer, s.generator, into: file)
            encodeHistory(s.history, into: file)
        case .gaussianRBM(let t):
            encodeGaussianRBMTrainer(t, into: file)
        case .dbn(let greedy, let upDown):
            encodeDBNTrainers(greedy, upDown, model: model, into: file)
        }
    }

    /// An RBM trainer's settings: `trainer`, `k` (and `betas` for PT), the learning rates,
    /// momentum, decay, batch, epochs per call, seed and monitors.
    static func encodeRBMOptions(_ o: RBMTrainingOptions, into file: ModelContainer) {
        encodeSampler(o.sampler, into: file)
        file.set("learning_rate", o.learningRate)
        if let end = o.finalLearningRate { file.set("final_learning_rate", end) }
        file.set("momentum", o.momentum)
        file.set("weight_decay", o.weightDecay)
        file.set("batch_size", o.batchSize)
        file.set("epochs", o.epochs)
        file.set("seed", o.seed)
        file.set("monitor_every", o.monitorEvery)
        file.set("monitor_rows", o.monitorRows)
        file.set("exact_likelihood_budget", o.exactLikelihoodBudget)
        file.set("exact_pseudo_likelihood_budget", o.exactPseudoLikelihoodBudget)
        if let every = o.aisEvery { file.set("ais_every", every) }
        file.set("ais_runs", o.aisRuns)
        file.set("ais_temperatures", o.aisTemperatures)
    }

    static func decodeRBMOptions(_ file: ModelContainer) throws -> RBMTrainingOptions {
        var o = RBMTrainingOptions()
        o.sampler = try decodeSampler(file, "an RBM's trainer")
        o.learningRate = try file.float("learning_rate", "the learning rate")
        o.finalLearningRate = try file.ifField("final_learning_rate") { try file.float($0, "the final learning rate") }
        o.momentum = try file.float("momentum", "the momentum")
        o.weightDecay = try file.float("weight_decay", "the weight decay")
        o.batchSize = try file.count("batch_size", "the batch size", from: 1)
        o.epochs = try file.count("epochs", "epochs per train call")
        o.seed = try file.uint64("seed", "the seed")
        o.monitorEvery = try file.count("monitor_every", "epochs between monitors", from: 1)
        o.monitorRows = try file.count("monitor_rows", "rows of the default monitor set", from: 1)
        o.exactLikelihoodBudget = try file.int("exact_likelihood_budget", "the exact log-likelihood's budget", in: 0...Int.max / 2)
        o.exactPseudoLikelihoodBudget = try file.int("exact_pseudo_likelihood_budget", "the exact pseudo-log-likelihood's budget", in: 0...Int.max / 2)
        o.aisEvery = try file.ifField("ais_every") { try file.count($0, "epochs between AIS estimates", from: 1) }
        o.aisRuns = try file.int("ais_runs", "AIS runs", in: 2...1_000_000)
        o.aisTemperatures = try file.int("ais_temperatures", "AIS temperatures", in: 2...100_000_000)
        return o
    }

    /// A DBN's trainers: `trainer dbn`; the greedy settings (`greedy_input`, `greedy_input_seed`,
    /// `greedy_input_copies`, `greedy_layers`, and per-layer options `greedy1_…`, `greedy2_…`),
    /// each trained layer's own RBM trainer under its prefix (`layer2_trainer`, `layer2_history`, …,
    /// with `layer2_copied_rows`), the greedy history (`greedy_history…`), and up-down's settings,
    /// epochs and history (`up_down_…`).
    private static func encodeDBNTrainers(_ g: GreedyLayerwiseTrainer, _ u: UpDownFineTuning?, model: Model, into file: ModelContainer) {
        let saved = file.prefix
        defer { file.prefix = saved }
        file.set("trainer", ["dbn"])
        let s = g.settings
        file.set("greedy_input", [s.input.rawValue])
        file.set("greedy_input_seed", s.inputSeed)
        file.set("greedy_input_copies", s.inputCopies)
        if let layers = s.layers { file.set("greedy_layers", layers.map(String.init)) }
        file.set("greedy_options", s.perLayer.count)
        for (k, o) in s.perLayer.enumerated() {
            file.prefix = saved + "greedy\(k + 1)_"
            encodeRBMOptions(o, into: file)
        }
        file.prefix = saved + "greedy_"
        encodeHistory(g.history, into: file)
        for l in g.trainers.keys.sorted() {
            guard let t = g.trainers[l] else { continue }
            file.prefix = saved + "layer\(l)_"
            file.set("copied_rows", g.copiedHistoryRows[l] ?? 0)
            encodeTrainer(.rbm(t), model: model, buffer: false, into: file)
        }
        if let u {
            file.prefix = saved + "up_down_"
            file.set("learning_rate", u.settings.learningRate)
            file.set("k", u.settings.k)
            file.set("batch_size", u.settings.batchSize)
            file.set("epochs", u.settings.epochs)
            file.set("seed", u.settings.seed)
            file.set("epochs_completed", u.completed)
            encodeHistory(u.history, into: file)
        }
    }

    private static func decodeDBNTrainers(_ file: ModelContainer, _ d: DeepBeliefNetwork) throws -> Trainer {
        let saved = file.prefix
        defer { file.prefix = saved }
        _ = try file.choice("trainer", "a DBN's trainers", ["dbn"])
        let input = try file.choice("greedy_input", "what the layers above the first are trained on", DBNLayerInput.allCases.map(\.rawValue))
        let inputSeed = try file.uint64("greedy_input_seed", "the seed of sampled layer inputs")
        let copies = try file.int("greedy_input_copies", "samples per row of sampled layer inputs", in: 1...1_000_000)
        var layers: [Int]?
        if file.has("greedy_layers") { layers = try file.ints("greedy_layers", "the layers greedy training trains", in: 1...d.depth) }
        let n = try file.int("greedy_options", "the number of per-layer option sets", in: 1...max(1, d.depth))
        var perLayer: [RBMTrainingOptions] = []
        for k in 1...n {
            file.prefix = saved + "greedy\(k)_"
            perLayer.append(try decodeRBMOptions(file))
        }
        file.prefix = saved + "greedy_"
        let history = try decodeHistory(file, unit: .epoch, columns: GreedyLayerwiseTrainer.historyColumns.map(\.name))
        var trainers: [Int: RBMTrainer] = [:], copied: [Int: Int] = [:]
        for l in 1...d.depth {
            file.prefix = saved + "layer\(l)_"
            guard file.has("trainer") else { continue }
            let t = try decodeTrainer(file, model: .rbm(d.layer(l), imageShape: nil))
            guard case .rbm(let trainer)? = t else { continue }
            trainers[l] = trainer
            copied[l] = try file.int("copied_rows", "rows of this layer's history in the greedy history", in: 0...trainer.history.count)
        }
        var upDown: UpDownFineTuning?
        file.prefix = saved + "up_down_"
        if file.has("epochs_completed") {
            let settings = UpDownSettings(learningRate: try file.float("learning_rate", "up-down's learning rate"),
                                          k: try file.int("k", "Gibbs steps in the top RBM", in: 1...10_000),
                                          batchSize: try file.count("batch_size", "the batch size", from: 1),
                                          epochs: try file.count("epochs", "epochs per train call"),
                                          seed: try file.uint64("seed", "the seed"))
            let completed = try file.count("epochs_completed", "epochs of up-down so far")
            let h = try decodeHistory(file, unit: .epoch, columns: UpDownFineTuning.historyColumns.map(\.name))
            upDown = UpDownFineTuning(settings: settings, completed: completed, history: h)
        }
        file.prefix = saved
        let greedy = GreedyLayerwiseTrainer(settings: GreedyLayerwiseSettings(perLayer: perLayer, layers: layers, input: DBNLayerInput(rawValue: input) ?? .probabilities,
                                                                              inputSeed: inputSeed, inputCopies: copies),
                                            trainers: trainers, history: history, copiedHistoryRows: copied)
        return .dbn(greedy, upDown)
    }

    /// A Gaussian–Bernoulli RBM's trainer: the sampler, learning rates (`sigma_learning_rate` 0:
    /// σ fixed), its stream `rng`, PCD's `chains` (rows × (D + H), float64) and PT's ladders
    /// (`pt_states` L × K × (D + H), `pt_replica_at`, `pt_rng`, `pt_rounds` with round trips,
    /// `pt_swaps` L × (K − 1) × 2, `pt_direction`, `pt_trip_start`).
    private static func encodeGaussianRBMTrainer(_ t: GaussianRBMTrainer, into file: ModelContainer) {
        let o = t.options, s = t.state
        encodeSampler(o.sampler, into: file)
        file.set("learning_rate", o.learningRate)
        if let c = o.visibleBiasLearningRate { file.set("visible_bias_learning_rate", c) }
        file.set("sigma_learning_rate", o.sigmaLearningRate)
        file.set("batch_size", o.batchSize)
        file.set("epochs", o.epochs)
        file.set("seed", o.seed)
        file.set("monitor_every", o.monitorEvery)
        file.set("monitor_rows", o.monitorRows)
        file.set("epochs_completed", s.epochsCompleted)
        if let g = s.generator { file.append("rng", g.stateWords, shape: [4]) }
        if let first = s.chains.first { file.append("chains", s.chains.flatMap { $0 }, shape: [s.chains.count, first.count]) }
        if let first = s.ladders.first {
            let (L, K, w) = (s.ladders.count, first.states.count, first.states.first?.count ?? 0)
            file.append("pt_states", s.ladders.flatMap { $0.states.flatMap { $0 } }, shape: [L, K, w])
            file.append("pt_replica_at", s.ladders.flatMap { $0.replicaAt.map { UInt64($0) } }, shape: [L, K])
            file.append("pt_rng", s.ladders.flatMap(\.generator.stateWords), shape: [L, 4])
            file.append("pt_rounds", s.ladders.flatMap { [UInt64($0.rounds), UInt64($0.roundTrips)] }, shape: [L, 2])
            file.append("pt_swaps", s.ladders.flatMap { l in zip(l.proposed, l.accepted).flatMap { [UInt64($0), UInt64($1)] } }, shape: [L, K - 1, 2])
            file.append("pt_direction", s.ladders.flatMap { $0.direction.map(Double.init) }, shape: [L, K])
            file.append("pt_trip_start", s.ladders.flatMap { $0.tripStart.map { UInt64($0) } }, shape: [L, K])
        }
        encodeHistory(s.history, into: file)
    }

    private static func decodeGaussianRBMTrainer(_ file: ModelContainer, _ m: GaussianBernoulliRBM) throws -> GaussianRBMTrainer {
        var o = GaussianRBMTrainingOptions()
        o.sampler = try decodeSampler(file, "a Gaussian–Bernoulli RBM's trainer")
        o.learningRate = try file.float("learning_rate", "the learning rate of W and b")
        o.visibleBiasLearningRate = try file.ifField("visible_bias_learning_rate") { try file.float($0, "the learning rate of c") }
        o.sigmaLearningRate = try file.float("sigma_learning_rate", "the learning rate of log σ² (0: σ fixed)")
        o.batchSize = try file.count("batch_size", "the batch size", from: 1)
        o.epochs = try file.count("epochs", "epochs per train call")
        o.seed = try file.uint64("seed", "the seed")
        o.monitorEvery = try file.count("monitor_every", "epochs between monitors", from: 1)
        o.monitorRows = try file.count("monitor_rows", "rows of the default monitor set", from: 1)
        let epochs = try file.completed(.epoch)
        let generator = file.hasArray("rng") ? try rngs(file, "rng", rows: 1)[0] : nil
        let w = m.visible + m.hidden
        var chains: [[Double]] = []
        if file.hasArray("chains") {
            let flat = try file.doubles("chains", shape: [nil, w], "PCD's chains, one row of x then h per chain")
            try file.requireFinite(flat, "chains", "the chains' states must be finite")
            chains = stride(from: 0, to: flat.count, by: w).map { Array(flat[$0..<($0 + w)]) }
        }
        var ladders: [GaussianRBMTrainer.Ladder] = []
        if file.hasArray("pt_states") {
            guard let pt = o.sampler as? ParallelTemperingSampler else {
                throw file.fail(at: file.line(of: "pt_states"), "PT ladders belong to a trainer with `trainer pt`")
            }
            let K = pt.betas.count
            let rng = try rngs(file, "pt_rng", rows: nil)
            let L = rng.count
            let states = try file.doubles("pt_states", shape: [L, K, w], "each ladder's replicas, x then h, coldest last")
            try file.requireFinite(states, "pt_states", "the replicas' states must be finite")
            let at = try file.uint64s("pt_replica_at", shape: [L, K], "the replica at each slot")
            let rounds = try file.uint64s("pt_rounds", shape: [L, 2], "rounds done and round trips, per ladder")
            let swaps = try file.uint64s("pt_swaps", shape: [L, K - 1, 2], "per gap, swaps proposed and accepted")
            let direction = try file.doubles("pt_direction", shape: [L, K], "each replica's last end of the ladder: 1 hottest, −1 coldest, 0 neither")
            let trip = try file.uint64s("pt_trip_start", shape: [L, K], "the round each replica's current trip started")
            let limit = UInt64(Int.max / 2)
            guard at.allSatisfy({ $0 < UInt64(K) }), rounds.allSatisfy({ $0 < limit }), swaps.allSatisfy({ $0 < limit }), trip.allSatisfy({ $0 < limit }),
                  direction.allSatisfy({ $0 == 1 || $0 == 0 || $0 == -1 }) else {
                throw file.fail(at: file.line(of: "pt_replica_at"), "the PT ladders' bookkeeping is out of range (is the file damaged?)")
            }
            for l in 0..<L where Set(at[(l * K)..<((l + 1) * K)]).count != K {
                throw file.fail(at: file.line(of: "pt_replica_at"), "ladder \(l) must hold each replica 0 … \(K - 1) once")
            }
            ladders = (0..<L).map { l in
                let counts = swapCounts(swaps[(l * (K - 1) * 2)..<((l + 1) * (K - 1) * 2)])
                return GaussianRBMTrainer.Ladder(
                    states: (0..<K).map { k in Array(states[((l * K + k) * w)..<((l * K + k + 1) * w)]) },
                    replicaAt: (0..<K).map { Int(at[l * K + $0]) }, generator: rng[l],
                    rounds: Int(rounds[2 * l]), proposed: counts.proposed,
                    accepted: counts.accepted, roundTrips: Int(rounds[2 * l + 1]),
                    direction: (0..<K).map { Int(direction[l * K + $0]) }, tripStart: (0..<K).map { Int(trip[l * K + $0]) })
            }
        }
        let history = try decodeHistory(file, unit: .epoch, columns: GaussianRBMTrainer().history.columnNames)
        do {
            return try GaussianRBMTrainer(options: o, state: GaussianRBMTrainer.State(epochsCompleted: epochs, history: history, generator: generator,
                                                                                      chains: chains, ladders: ladders), model: m)
        } catch {
            throw file.fail(at: file.line(ofField: "betas"), "the PT ladder is not usable for a Gaussian–Bernoulli RBM: \(error)")
        }
    }

    /// `trainer cd|pcd|pt`, `k`, and for PT the ladder `betas` (ascending, ending at 1).
    static func encodeSampler(_ sampler: any NegativePhaseSampler, into file: ModelContainer) {
        if let pt = sampler as? ParallelTemperingSampler {
            file.set("trainer", ["pt"])
            file.set("betas", pt.betas.map { "\($0)" })
        } else {
            file.set("trainer", [sampler.persistentChains ? "pcd" : "cd"])
        }
        file.set("k", sampler.k)
    }

    static func decodeSampler(_ file: ModelContainer, _ what: String) throws -> any NegativePhaseSampler {
        let kind = try file.choice("trainer", what, ["cd", "pcd", "pt"])
        let k = try file.int("k", "Gibbs steps per update", in: 1...10_000)
        switch kind {
        case "pcd": return PersistentContrastiveDivergence(k: k)
        case "pt":
            let (words, line) = try file.words("betas", "the PT ladder's inverse temperatures, ascending, ending at 1")
            let betas = try words.map { w -> Double in
                guard let b = Double(w), b.isFinite else { throw file.fail(at: line, "`\(w)` is not a number (betas are inverse temperatures from 0 to 1)") }
                return b
            }
            do { return try ParallelTemperingSampler(betas: betas, k: k) } catch {
                throw file.fail(at: line, "the PT ladder \(words.joined(separator: " ")) is not usable: \(error)")
            }
        default: return ContrastiveDivergence(k: k)
        }
    }

    /// `history_unit`, `history_columns` (names), `history_titles` (utf8, one per line),
    /// `history_digits`, `history_printed` (1/0), `history_error_bars` (the columns with them);
    /// arrays `history_steps` (uint64), `history` (float64 rows × columns, NaN where nil and in
    /// the wall-clock `seconds` column) and,
    /// with error bars, `history_lower` and `history_upper` (rows × those columns).
    private static func encodeHistory(_ h: TrainingHistory, into file: ModelContainer) {
        file.set("history_unit", [h.unit.rawValue])
        file.set("history_columns", h.columnNames)
        file.set("history_digits", h.columns.map { String($0.digits) })
        file.set("history_printed", h.columns.map { $0.printed ? "1" : "0" })
        file.append("history_titles", text: h.columns.map(\.title).joined(separator: "\n"))
        file.append("history_steps", h.steps.map { UInt64($0) }, shape: [h.count])
        // Wall-clock seconds are not kept (NaN: not recorded): a file written by the same
        // training is the same bytes, whenever and wherever it ran.
        file.append("history", (0..<h.count).flatMap { r in h.columns.map { $0.isWallClock ? .nan : $0.values[r] ?? .nan } },
                    shape: [h.count, h.columns.count])
        let bars = h.columns.filter(\.hasErrorBars)
        if !bars.isEmpty {
            file.set("history_error_bars", bars.map(\.name))
            file.append("history_lower", (0..<h.count).flatMap { r in bars.map { $0.lower?[r] ?? .nan } }, shape: [h.count, bars.count])
            file.append("history_upper", (0..<h.count).flatMap { r in bars.map { $0.upper?[r] ?? .nan } }, shape: [h.count, bars.count])
        }
    }

    private static func encodeAdam(_ adam: AdamOptimizer.Moments, _ generator: Xoshiro256StarStar, into file: ModelContainer) {
        file.set("adam_step", adam.step)
        if !adam.m.isEmpty {
            file.append("adam_m", adam.m, shape: [adam.m.count])
            file.append("adam_v", adam.v, shape: [adam.v.count])
        }
        file.append("rng", generator.stateWords, shape: [4])
    }

    // MARK: Decoding

    static func decodeTrainer(_ file: ModelContainer, model: Model) throws -> Trainer? {
        guard file.has("trainer") else { return nil }
        switch model {
        case .rbm(let m, _):
            let o = try decodeRBMOptions(file)
            let epochs = try file.completed(.epoch)
            let persistentRows = try file.count("persistent_rows", "rows of persistent chains")
            let P = m.parameterCount
            let velocities = try file.ifArray("velocities") { try file.floats($0, shape: [P], "the momentum of W, b and c") }
            var generators: [Xoshiro256StarStar] = []
            var hidden: [Float] = []
            if file.hasArray("chain_rng") {
                generators = try rngs(file, "chain_rng", rows: nil)
                if file.hasArray("persistent_hidden") {
                    hidden = try file.floats("persistent_hidden", shape: [generators.count, m.hidden], "the persistent chains' hidden states, one row per chain")
                }
            }
            guard persistentRows <= generators.count else {
                throw file.fail(at: file.line(ofField: "persistent_rows"), "\(persistentRows) persistent rows, but the file has \(generators.count) chains")
            }
            var tempered: RBMTrainer.TemperedReplicas?
            if file.hasArray("pt_x") {
                guard let pt = o.sampler as? ParallelTemperingSampler else {
                    throw file.fail(at: file.line(of: "pt_x"), "PT replicas belong to a trainer with `trainer pt`, not `trainer \(o.sampler.persistentChains ? "pcd" : "cd")`")
                }
                let betas = try file.doubles("pt_betas", shape: [pt.betas.count], "the ladder the replicas were run at")
                let rng = try rngs(file, "pt_rng", rows: nil)
                let R = rng.count * betas.count
                let x = try file.floats("pt_x", shape: [R, m.visible], "the replicas' visible states, row m·K + k = ladder m at βₖ")
                let h = try file.floats("pt_h", shape: [R, m.hidden], "the replicas' hidden states")
                try file.requireBinary(x, "pt_x", "the replicas' states must be 0s and 1s")
                try file.requireBinary(h, "pt_x", "the replicas' states must be 0s and 1s")
                let swaps = try file.uint64s("pt_swaps", shape: [betas.count - 1, 2], "per gap, swaps proposed and accepted")
                let rounds = try file.int("pt_rounds", "PT rounds done", in: 0...Int.max / 2)
                let counts = swapCounts(swaps[...])
                tempered = RBMTrainer.TemperedReplicas(betas: betas, ladders: rng.count, x: x, h: h, generators: rng, rounds: rounds,
                                                       proposed: counts.proposed, accepted: counts.accepted)
            }
            let history = try decodeHistory(file, unit: .epoch, columns: RBMTrainer.historyColumns.map(\.name))
            let state = RBMTrainer.State(epochsCompleted: epochs, history: history, velocities: velocities, persistentHidden: hidden,
                                         persistentRows: persistentRows, chainGenerators: generators, tempered: tempered)
            return .rbm(RBMTrainer(options: o, state: state))
        case .boltzmann(let m):
            let kind = try file.choice("trainer", "a Boltzmann machine's trainer", ["exact", "cd", "pcd"])
            var o = BoltzmannTrainingOptions()
            switch kind {
            case "exact": o.negativePhase = .exact
            case "cd": o.negativePhase = .contrastiveDivergence(sweeps: try file.int("k", "Gibbs sweeps per update", in: 1...10_000))
            default:
                o.negativePhase = .persistent(sweeps: try file.int("k", "Gibbs sweeps per update", in: 1...10_000),
                                              chains: try file.count("chains", "persistent chains", from: 1))
            }
            o.learningRate = try file.double("learning_rate", "the learning rate")
            o.finalLearningRate = try file.ifField("final_learning_rate") { try file.double($0, "the final learning rate") }
            o.momentum = try file.double("momentum", "the momentum")
            o.weightDecay = try file.double("weight_decay", "the weight decay")
            o.batchSize = try file.ifField("batch_size") { try file.count($0, "the batch size", from: 1) }
            o.epochs = try file.count("epochs", "epochs per train call")
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.count("monitor_every", "epochs between monitors", from: 1)
            let epochs = try file.completed(.epoch)
            var chains: BoltzmannGibbsChain.State?
            if file.has("chain_sweeps") || file.hasArray("chain_states") {
                let sweeps = try file.int("chain_sweeps", "sweeps the chains have taken", in: 0...Int.max / 2)
                let generators = try rngs(file, "chain_rng", rows: nil)
                let states = try file.doubles("chain_states", shape: [generators.count, m.units], "the chains' states, one row of 0/1 per chain")
                try file.requireBinary(states, "chain_states", "the chains' states must be at least one row of 0s and 1s", and: !generators.isEmpty)
                chains = BoltzmannGibbsChain.State(states: (0..<generators.count).map { Array(states[($0 * m.units)..<(($0 + 1) * m.units)]) },
                                                   sweeps: sweeps, generators: generators)
            }
            var order: [Int] = []
            if file.hasArray("shuffle_order") {
                let words = try file.uint64s("shuffle_order", shape: [nil], "the training rows' order after the last epoch")
                guard words.allSatisfy({ $0 < UInt64(words.count) }), Set(words).count == words.count else {
                    throw file.fail(at: file.line(of: "shuffle_order"), "shuffle_order must hold each of 0 … \(words.count - 1) once")
                }
                order = words.map { Int($0) }
            }
            let velocity = try file.ifArray("velocity") { try file.doubles($0, shape: [m.parameterCount], "the last update of every parameter (momentum)") }
            let history = try decodeHistory(file, unit: .epoch, columns: BoltzmannTrainer.historyColumns.map(\.name))
            return .boltzmann(BoltzmannTrainer(options: o, state: BoltzmannTrainer.State(epochsCompleted: epochs, history: history, chains: chains,
                                                                                                velocity: velocity, shuffleOrder: order),
                                               machine: m))
        case .mlpEnergy(let e):
            _ = try file.choice("trainer", "a neural energy's trainer", ["langevin-ml"])
            var o = LangevinMaximumLikelihoodOptions()
            o.iterations = try file.count("iterations", "iterations per train call")
            o.batchSize = try file.count("batch_size", "the batch size", from: 1)
            o.langevinSteps = try file.count("langevin_steps", "Langevin steps per update", from: 1)
            o.stepSize = try file.float("step_size", "the Langevin step size")
            o.noise = try file.float("noise", "the Langevin noise scale")
            o.reuse = try file.float("reuse", "the probability of starting from the buffer")
            o.bufferSize = try file.count("buffer_size", "the replay buffer's size", from: 1)
            o.energyPenalty = try file.float("energy_penalty", "α of the energy penalty")
            o.clip = try file.float("clip", "the gradient clip")
            o.learningRate = try file.float("learning_rate", "Adam's learning rate")
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.count("monitor_every", "iterations between history rows", from: 1)
            let iterations = try file.completed(.iteration)
            let (adam, generator) = try decodeAdam(file, parameters: e.network.parameterCount)
            let d = e.dimension
            var low: [Float] = [], high: [Float] = []
            if file.hasArray("box_low") || file.hasArray("box_high") {
                low = try file.floats("box_low", shape: [d], "the lower corner of the box chains start in")
                high = try file.floats("box_high", shape: [d], "the upper corner of that box")
            }
            let buffer = try file.ifArray("replay_buffer") { try file.floats($0, shape: [nil, d], "the replay buffer, one sample per row") }
            guard buffer.count <= o.bufferSize * d else {
                throw file.fail(at: file.line(of: "replay_buffer"), "the replay buffer holds \(buffer.count / d) samples, more than its size \(o.bufferSize)")
            }
            let history = try decodeHistory(file, unit: .iteration, columns: LangevinMaximumLikelihood.historyColumns.map(\.name))
            let state = LangevinMaximumLikelihood.State(iterationsCompleted: iterations, history: history, buffer: buffer, optimizer: adam,
                                                        generator: generator, low: low, high: high)
            return .langevin(LangevinMaximumLikelihood(options: o, state: state))
        case .scoreModel(let s):
            let kind = try file.choice("trainer", "a score model's trainer", ["dsm", "ism"])
            var o = ScoreMatchingOptions()
            o.objective = kind == "dsm" ? .denoising : .implicit
            o.iterations = try file.count("iterations", "iterations per train call")
            o.batchSize = try file.count("batch_size", "the batch size", from: 1)
            o.learningRate = try file.float("learning_rate", "Adam's learning rate")
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.count("monitor_every", "iterations between history rows", from: 1)
            o.traceStep = try file.float("trace_step", "the trace's finite-difference step")
            let iterations = try file.completed(.iteration)
            let (adam, generator) = try decodeAdam(file, parameters: s.network.parameterCount)
            let history = try decodeHistory(file, unit: .iteration, columns: ScoreMatchingTrainer(options: o).history.columnNames)
            return .scoreMatching(ScoreMatchingTrainer(options: o, state: ScoreMatchingTrainer.State(
                iterationsCompleted: iterations, history: history, optimizer: adam, generator: generator)))
        case .gaussianRBM(let m, _):
            return .gaussianRBM(try decodeGaussianRBMTrainer(file, m))
        case .dbn(let d, _):
            return try decodeDBNTrainers(file, d)
        case .gaussian, .mixture, .doubleWell:
            throw file.fail(at: file.line(ofField: "trainer"), "a closed-form energy has no parameters to train, so its file has no trainer")
        }
    }

    /// The history a trainer of this kind records: its unit and column names must be the
    /// trainer's; titles, digits and whether a column is printed come from the file.
    private static func decodeHistory(_ file: ModelContainer, unit: TrainingHistory.Unit, columns names: [String]) throws -> TrainingHistory {
        let unitName = try file.choice("history_unit", "the history's unit", [unit.rawValue])
        _ = unitName
        let (stored, line) = try file.words("history_columns", "the names of the history's columns")
        guard stored == names else {
            throw file.fail(at: line, "this trainer's history has the columns \(names.joined(separator: " ")), found \(stored.joined(separator: " "))")
        }
        let digits = try file.ints("history_digits", "each column's significant digits", in: 1...17)
        let printed = try file.ints("history_printed", "whether each column is printed (1 or 0)", in: 0...1)
        let titles = try file.text("history_titles", "each column's title, one per line").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard digits.count == names.count, printed.count == names.count, titles.count == names.count else {
            throw file.fail(at: file.line(ofField: "history_digits"), "history_digits, history_printed and history_titles need one entry per column (\(names.count))")
        }
        let steps = try file.uint64s("history_steps", shape: [nil], "the epoch or iteration of each row")
        let rows = steps.count
        guard steps.allSatisfy({ $0 >= 1 && $0 <= 1 << 53 }) else {
            throw file.fail(at: file.line(of: "history_steps"), "every step must be a whole number from 1 (the first epoch or iteration)")
        }
        let values = try file.doubles("history", shape: [rows, names.count], "one row per record, one column per monitor (NaN where none)")
        var bars: [String] = [], lower: [Double] = [], upper: [Double] = []
        if file.has("history_error_bars") {
            (bars, _) = try file.words("history_error_bars", "the columns with error bars")
            guard bars.allSatisfy(names.contains), Set(bars).count == bars.count else {
                throw file.fail(at: file.line(ofField: "history_error_bars"), "history_error_bars must name distinct columns of the history")
            }
            lower = try file.doubles("history_lower", shape: [rows, bars.count], "the lower ends of the error bars")
            upper = try file.doubles("history_upper", shape: [rows, bars.count], "the upper ends of the error bars")
        }
        func optional(_ x: Double) -> Double? { x.isNaN ? nil : x }
        let columns = names.enumerated().map { k, name -> TrainingHistory.Column in
            var c = TrainingHistory.Column(name: name, title: titles[k], digits: digits[k], printed: printed[k] == 1, errorBars: bars.contains(name))
            c.values = (0..<rows).map { optional(values[$0 * names.count + k]) }
            if let b = bars.firstIndex(of: name) {
                c.lower = (0..<rows).map { values[$0 * names.count + k].isNaN ? nil : optional(lower[$0 * bars.count + b]) }
                c.upper = (0..<rows).map { values[$0 * names.count + k].isNaN ? nil : optional(upper[$0 * bars.count + b]) }
            }
            return c
        }
        return TrainingHistory(unit: unit, steps: steps.map { Int($0) }, columns: columns)
    }

    private static func decodeAdam(_ file: ModelContainer, parameters: Int) throws -> (AdamOptimizer.Moments, Xoshiro256StarStar) {
        let step = try file.int("adam_step", "Adam's step count", in: 0...Int.max / 2)
        var m: [Float] = [], v: [Float] = []
        if file.hasArray("adam_m") || file.hasArray("adam_v") {
            m = try file.floats("adam_m", shape: [parameters], "Adam's first moments, one per parameter")
            v = try file.floats("adam_v", shape: [parameters], "Adam's second moments, one per parameter")
        }
        let generator = try rngs(file, "rng", rows: 1)[0]
        return (AdamOptimizer.Moments(m: m, v: v, step: step), generator)
    }

    /// Generators from `rows` × 4 words (a vector of 4 when `rows` is 1).
    private static func rngs(_ file: ModelContainer, _ name: String, rows: Int?) throws -> [Xoshiro256StarStar] {
        let words = try file.uint64s(name, shape: rows == 1 ? [4] : [rows, 4], "xoshiro256** states, four words each")
        return try (0..<(words.count / 4)).map { k in
            guard let g = Xoshiro256StarStar(stateWords: Array(words[(4 * k)..<(4 * k + 4)])) else {
                throw file.fail(at: file.line(of: name), "random stream \(k) is all zeros, which no xoshiro256** generator can be (is the file damaged?)")
            }
            return g
        }
    }

    /// Per gap, the swaps proposed and accepted, from (proposed, accepted) pairs of `pt_swaps`.
    private static func swapCounts(_ pairs: ArraySlice<UInt64>) -> (proposed: [Int], accepted: [Int]) {
        let words = Array(pairs)
        let gaps = words.count / 2
        return ((0..<gaps).map { Int(words[2 * $0]) }, (0..<gaps).map { Int(words[2 * $0 + 1]) })
    }
}

/// The reads and checks every trainer's fields share, so that each kind's file is checked the
/// same way and says the same things when it is damaged.
extension ModelContainer {
    /// The most epochs, iterations, rows or chains a trainer's file may hold.
    static let largestCount = 1_000_000_000

    /// A count (epochs, iterations, rows, chains, a batch size) from `minimum` to `largestCount`.
    fileprivate func count(_ key: String, _ meaning: String, from minimum: Int = 0) throws -> Int {
        try int(key, meaning, in: minimum...Self.largestCount)
    }

    /// `epochs_completed` or `iterations_completed`: how far the trainer has got over all calls.
    fileprivate func completed(_ unit: TrainingHistory.Unit) throws -> Int {
        try count("\(unit.rawValue)s_completed", "\(unit.rawValue)s trained so far")
    }

    /// An optional field: read by `read` when the file has it, nil when it does not.
    fileprivate func ifField<T>(_ key: String, _ read: (String) throws -> T) rethrows -> T? {
        has(key) ? try read(key) : nil
    }

    /// An optional array: read by `read` when the file has it, empty when it does not.
    fileprivate func ifArray<T>(_ name: String, _ read: (String) throws -> [T]) rethrows -> [T] {
        hasArray(name) ? try read(name) : []
    }

    /// Fails at array `name` with `message` unless every value is 0 or 1 and `condition` holds.
    fileprivate func requireBinary<F: BinaryFloatingPoint>(_ values: [F], _ name: String, _ message: String,
                                                           and condition: Bool = true) throws {
        guard condition, values.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw fail(at: line(of: name), message) }
    }

    /// Fails at array `name` with `message` unless every value is finite.
    fileprivate func requireFinite<F: BinaryFloatingPoint>(_ values: [F], _ name: String, _ message: String) throws {
        guard values.allSatisfy(\.isFinite) else { throw fail(at: line(of: name), message) }
    }
}
