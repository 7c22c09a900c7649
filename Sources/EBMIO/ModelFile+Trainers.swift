import EBM

/// The training state in a version 2 file: the trainer's settings (`trainer`, then one field per
/// option), its counters, its history as a float64 table (`history_columns` names the columns;
/// NaN marks a value that was not recorded), and its arrays: momentum or Adam's moments,
/// persistent chains, random streams (four uint64 words of xoshiro256** each), and a Langevin
/// trainer's replay buffer when asked for. docs/model-format.md lists them per kind.
extension ModelFile {
    // MARK: Encoding

    static func encodeTrainer(_ trainer: Trainer, model: Model, buffer: Bool, into file: ModelContainer) {
        switch trainer {
        case .rbm(let t):
            let o = t.options, s = t.state
            file.set("trainer", [o.sampler.persistentChains ? "pcd" : "cd"])
            file.set("k", o.sampler.k)
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
            file.set("epochs_completed", s.epochsCompleted)
            file.set("persistent_rows", s.persistentRows)
            if !s.velocities.isEmpty { file.append("velocities", s.velocities, shape: [s.velocities.count]) }
            let rows = s.chainGenerators.count
            if rows > 0 {
                file.append("chain_rng", s.chainGenerators.flatMap(\.stateWords), shape: [rows, 4])
                if !s.persistentHidden.isEmpty { file.append("persistent_hidden", s.persistentHidden, shape: [rows, s.persistentHidden.count / rows]) }
            }
            let records = s.history.epochs
            encodeHistory(file, rbmColumns, records.map { r in
                [Double(r.epoch), r.seconds, r.reconstructionError, r.pseudoLogLikelihood, r.exactPseudoLogLikelihood ?? .nan,
                 r.logLikelihood ?? .nan, r.aisLogLikelihood ?? .nan]
            })
            let ais = records.enumerated().compactMap { k, r in r.ais.map { (k, $0) } }
            if !ais.isEmpty {
                file.set("history_ais_columns", rbmAISColumns)
                file.append("history_ais", ais.flatMap { k, a in
                    [Double(k), a.logZ, a.lower, a.upper, a.logZBase, Double(a.runs), Double(a.temperatures), Double(a.logWeights.count)]
                }, shape: [ais.count, rbmAISColumns.count])
                let weights = ais.flatMap { $0.1.logWeights }
                file.append("history_ais_log_weights", weights, shape: [weights.count])
                let biases = ais.flatMap { $0.1.baseVisibleBiases }
                file.append("history_ais_base_biases", biases, shape: [ais.count, biases.count / ais.count])
            }
        case .boltzmann(let t):
            let o = t.options, s = t.state
            switch o.negativePhase {
            case .exact: file.set("trainer", ["exact"])
            case .contrastiveDivergence(let k): file.set("trainer", ["cd"]); file.set("k", k)
            case .persistent(let k, let chains): file.set("trainer", ["pcd"]); file.set("k", k); file.set("chains", chains)
            }
            file.set("learning_rate", o.learningRate)
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
            if !s.shuffleOrder.isEmpty { file.append("shuffle_order", s.shuffleOrder.map { UInt64($0) }, shape: [s.shuffleOrder.count]) }
            encodeHistory(file, boltzmannColumns, s.history.map { r in
                [Double(r.epoch), r.pseudoLogLikelihood, r.logLikelihood ?? .nan, r.exactGradientNorm ?? .nan]
            })
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
            encodeHistory(file, langevinColumns, s.history.map { r in
                [Double(r.iteration), r.dataEnergy, r.sampleEnergy, r.loss, r.gradientNorm, r.sampleTravel, r.bufferFraction]
            })
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
            encodeHistory(file, scoreColumns, s.history.map { [Double($0.iteration), $0.loss] })
        }
    }

    static let rbmColumns = ["epoch", "seconds", "reconstruction_error", "pseudo_log_likelihood", "exact_pseudo_log_likelihood",
                             "log_likelihood", "ais_log_likelihood"]
    static let rbmAISColumns = ["record", "log_z", "lower", "upper", "log_z_base", "runs", "temperatures", "log_weights"]
    static let boltzmannColumns = ["epoch", "pseudo_log_likelihood", "log_likelihood", "exact_gradient_norm"]
    static let langevinColumns = ["iteration", "data_energy", "sample_energy", "loss", "gradient_norm", "sample_travel", "buffer_fraction"]
    static let scoreColumns = ["iteration", "loss"]

    private static func encodeHistory(_ file: ModelContainer, _ columns: [String], _ rows: [[Double]]) {
        guard !rows.isEmpty else { return }
        file.set("history_columns", columns)
        file.append("history", rows.flatMap { $0 }, shape: [rows.count, columns.count])
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
        let count = 0...1_000_000_000
        switch model {
        case .rbm(let m, _):
            let kind = try file.choice("trainer", "an RBM's trainer", ["cd", "pcd"])
            var o = RBMTrainingOptions()
            let k = try file.int("k", "Gibbs steps per update", in: 1...10_000)
            o.sampler = kind == "pcd" ? PersistentContrastiveDivergence(k: k) : ContrastiveDivergence(k: k)
            o.learningRate = try file.float("learning_rate", "the learning rate")
            if file.has("final_learning_rate") { o.finalLearningRate = try file.float("final_learning_rate", "the final learning rate") }
            o.momentum = try file.float("momentum", "the momentum")
            o.weightDecay = try file.float("weight_decay", "the weight decay")
            o.batchSize = try file.int("batch_size", "the batch size", in: 1...count.upperBound)
            o.epochs = try file.int("epochs", "epochs per train call", in: count)
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.int("monitor_every", "epochs between monitors", in: 1...count.upperBound)
            o.monitorRows = try file.int("monitor_rows", "rows of the default monitor set", in: 1...count.upperBound)
            o.exactLikelihoodBudget = try file.int("exact_likelihood_budget", "the exact log-likelihood's budget", in: 0...Int.max / 2)
            o.exactPseudoLikelihoodBudget = try file.int("exact_pseudo_likelihood_budget", "the exact pseudo-log-likelihood's budget", in: 0...Int.max / 2)
            if file.has("ais_every") { o.aisEvery = try file.int("ais_every", "epochs between AIS estimates", in: 1...count.upperBound) }
            o.aisRuns = try file.int("ais_runs", "AIS runs", in: 2...1_000_000)
            o.aisTemperatures = try file.int("ais_temperatures", "AIS temperatures", in: 2...100_000_000)
            let epochs = try file.int("epochs_completed", "epochs trained so far", in: count)
            let persistentRows = try file.int("persistent_rows", "rows of persistent chains", in: 0...count.upperBound)
            let P = m.parameterCount
            let velocities = file.hasArray("velocities") ? try file.floats("velocities", shape: [P], "the momentum of W, b and c") : []
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
            var history = TrainingHistory()
            let table = try decodeHistory(file, rbmColumns)
            history.epochs = try table.enumerated().map { k, r in
                RBMEpochRecord(epoch: try whole(file, r[0], row: k), seconds: r[1], reconstructionError: r[2], pseudoLogLikelihood: r[3],
                               exactPseudoLogLikelihood: optional(r[4]), logLikelihood: optional(r[5]), aisLogLikelihood: optional(r[6]))
            }
            if file.has("history_ais_columns") || file.hasArray("history_ais") {
                let (columns, line) = try file.words("history_ais_columns", "the names of the AIS table's columns")
                guard columns == rbmAISColumns else { throw file.fail(at: line, "the AIS columns must be \(rbmAISColumns.joined(separator: " "))") }
                let rows = try file.doubles("history_ais", shape: [nil, rbmAISColumns.count], "one row per AIS estimate")
                let n = rows.count / rbmAISColumns.count
                let weights = try file.doubles("history_ais_log_weights", shape: [nil], "log w of every run of every estimate")
                let biases = try file.floats("history_ais_base_biases", shape: [n, m.visible], "each estimate's base-rate visible biases")
                var offset = 0
                for a in 0..<n {
                    let r = Array(rows[(a * 8)..<(a * 8 + 8)])
                    let record = try whole(file, r[0], row: a), runs = try whole(file, r[5], row: a)
                    let temperatures = try whole(file, r[6], row: a), count = try whole(file, r[7], row: a)
                    guard record < history.epochs.count, offset + count <= weights.count else {
                        throw file.fail(at: file.line(of: "history_ais"), "row \(a) of history_ais points outside the history or the log weights")
                    }
                    history.epochs[record].ais = AnnealedImportanceSampling.Result(
                        logZ: r[1], lower: r[2], upper: r[3], logZBase: r[4], logWeights: Array(weights[offset..<(offset + count)]),
                        baseVisibleBiases: Array(biases[(a * m.visible)..<((a + 1) * m.visible)]), runs: runs, temperatures: temperatures)
                    offset += count
                }
            }
            let state = RBMTrainer.State(epochsCompleted: epochs, history: history, velocities: velocities, persistentHidden: hidden,
                                         persistentRows: persistentRows, chainGenerators: generators)
            return .rbm(RBMTrainer(options: o, state: state))
        case .boltzmann(let m):
            let kind = try file.choice("trainer", "a Boltzmann machine's trainer", ["exact", "cd", "pcd"])
            var o = BoltzmannTrainingOptions()
            switch kind {
            case "exact": o.negativePhase = .exact
            case "cd": o.negativePhase = .contrastiveDivergence(sweeps: try file.int("k", "Gibbs sweeps per update", in: 1...10_000))
            default:
                o.negativePhase = .persistent(sweeps: try file.int("k", "Gibbs sweeps per update", in: 1...10_000),
                                              chains: try file.int("chains", "persistent chains", in: 1...count.upperBound))
            }
            o.learningRate = try file.double("learning_rate", "the learning rate")
            if file.has("batch_size") { o.batchSize = try file.int("batch_size", "the batch size", in: 1...count.upperBound) }
            o.epochs = try file.int("epochs", "epochs per train call", in: count)
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.int("monitor_every", "epochs between monitors", in: 1...count.upperBound)
            let epochs = try file.int("epochs_completed", "epochs trained so far", in: count)
            var chains: BoltzmannGibbsChain.State?
            if file.has("chain_sweeps") || file.hasArray("chain_states") {
                let sweeps = try file.int("chain_sweeps", "sweeps the chains have taken", in: 0...Int.max / 2)
                let generators = try rngs(file, "chain_rng", rows: nil)
                let states = try file.doubles("chain_states", shape: [generators.count, m.units], "the chains' states, one row of 0/1 per chain")
                guard !generators.isEmpty, states.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                    throw file.fail(at: file.line(of: "chain_states"), "the chains' states must be at least one row of 0s and 1s")
                }
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
            let history = try decodeHistory(file, boltzmannColumns).enumerated().map { k, r in
                BoltzmannEpochRecord.restored(epoch: try whole(file, r[0], row: k), pseudoLogLikelihood: r[1], logLikelihood: optional(r[2]),
                                     exactGradientNorm: optional(r[3]))
            }
            return .boltzmann(BoltzmannTrainer(options: o, state: BoltzmannTrainer.State(epochsCompleted: epochs, history: history, chains: chains, shuffleOrder: order),
                                               machine: m))
        case .mlpEnergy(let e):
            _ = try file.choice("trainer", "a neural energy's trainer", ["langevin-ml"])
            var o = LangevinMaximumLikelihoodOptions()
            o.iterations = try file.int("iterations", "iterations per train call", in: count)
            o.batchSize = try file.int("batch_size", "the batch size", in: 1...count.upperBound)
            o.langevinSteps = try file.int("langevin_steps", "Langevin steps per update", in: 1...count.upperBound)
            o.stepSize = try file.float("step_size", "the Langevin step size")
            o.noise = try file.float("noise", "the Langevin noise scale")
            o.reuse = try file.float("reuse", "the probability of starting from the buffer")
            o.bufferSize = try file.int("buffer_size", "the replay buffer's size", in: 1...count.upperBound)
            o.energyPenalty = try file.float("energy_penalty", "α of the energy penalty")
            o.clip = try file.float("clip", "the gradient clip")
            o.learningRate = try file.float("learning_rate", "Adam's learning rate")
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.int("monitor_every", "iterations between history rows", in: 1...count.upperBound)
            let iterations = try file.int("iterations_completed", "iterations trained so far", in: count)
            let (adam, generator) = try decodeAdam(file, parameters: e.network.parameterCount)
            let d = e.dimension
            var low: [Float] = [], high: [Float] = []
            if file.hasArray("box_low") || file.hasArray("box_high") {
                low = try file.floats("box_low", shape: [d], "the lower corner of the box chains start in")
                high = try file.floats("box_high", shape: [d], "the upper corner of that box")
            }
            let buffer = file.hasArray("replay_buffer") ? try file.floats("replay_buffer", shape: [nil, d], "the replay buffer, one sample per row") : []
            guard buffer.count <= o.bufferSize * d else {
                throw file.fail(at: file.line(of: "replay_buffer"), "the replay buffer holds \(buffer.count / d) samples, more than its size \(o.bufferSize)")
            }
            let history = try decodeHistory(file, langevinColumns).enumerated().map { k, r in
                LangevinTrainingRecord.restored(iteration: try whole(file, r[0], row: k), dataEnergy: r[1], sampleEnergy: r[2], loss: r[3],
                                       gradientNorm: r[4], sampleTravel: r[5], bufferFraction: r[6])
            }
            let state = LangevinMaximumLikelihood.State(iterationsCompleted: iterations, history: history, buffer: buffer, optimizer: adam,
                                                        generator: generator, low: low, high: high)
            return .langevin(LangevinMaximumLikelihood(options: o, state: state))
        case .scoreModel(let s):
            let kind = try file.choice("trainer", "a score model's trainer", ["dsm", "ism"])
            var o = ScoreMatchingOptions()
            o.objective = kind == "dsm" ? .denoising : .implicit
            o.iterations = try file.int("iterations", "iterations per train call", in: count)
            o.batchSize = try file.int("batch_size", "the batch size", in: 1...count.upperBound)
            o.learningRate = try file.float("learning_rate", "Adam's learning rate")
            o.seed = try file.uint64("seed", "the seed")
            o.monitorEvery = try file.int("monitor_every", "iterations between history rows", in: 1...count.upperBound)
            o.traceStep = try file.float("trace_step", "the trace's finite-difference step")
            let iterations = try file.int("iterations_completed", "iterations trained so far", in: count)
            let (adam, generator) = try decodeAdam(file, parameters: s.network.parameterCount)
            let history = try decodeHistory(file, scoreColumns).enumerated().map { k, r in
                ScoreMatchingRecord.restored(iteration: try whole(file, r[0], row: k), loss: r[1])
            }
            return .scoreMatching(ScoreMatchingTrainer(options: o, state: ScoreMatchingTrainer.State(
                iterationsCompleted: iterations, history: history, optimizer: adam, generator: generator)))
        case .gaussian, .mixture, .doubleWell:
            throw file.fail(at: file.line(ofField: "trainer"), "a closed-form energy has no parameters to train, so its file has no trainer")
        }
    }

    /// The history table, one row of `columns` per record (none when the file has no history).
    private static func decodeHistory(_ file: ModelContainer, _ columns: [String]) throws -> [[Double]] {
        guard file.has("history_columns") || file.hasArray("history") else { return [] }
        let (names, line) = try file.words("history_columns", "the names of the history's columns")
        guard names == columns else {
            throw file.fail(at: line, "this trainer's history has the columns \(columns.joined(separator: " ")), found \(names.joined(separator: " "))")
        }
        let values = try file.doubles("history", shape: [nil, columns.count], "one row per record")
        return (0..<(values.count / columns.count)).map { Array(values[($0 * columns.count)..<(($0 + 1) * columns.count)]) }
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

    private static func whole(_ file: ModelContainer, _ x: Double, row: Int) throws -> Int {
        guard x.isFinite, x >= 0, x <= 1e15, x == x.rounded() else {
            throw file.fail(at: file.line(of: "history"), "row \(row): an epoch, iteration or count must be a whole number, found \(x)")
        }
        return Int(x)
    }

    private static func optional(_ x: Double) -> Double? { x.isNaN ? nil : x }
}
