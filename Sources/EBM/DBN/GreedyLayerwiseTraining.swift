/// Greedy layer-wise training of a DBN (003, §13.3; Hinton, Osindero and Teh 2006):
///
/// 1. learn an RBM W^(1) on the data x;
/// 2. freeze it and treat Q(h^(1) | x) as data for the second RBM (probabilities, or one sample
///    per row: `DBNLayerInput`);
/// 3. proceed to the next layer, recursively.
///
/// Each layer is trained by the RBM trainer itself (`RBMTrainer`, CD-k or PCD-k on OpenBLAS)
/// on the layer's input, computed once per call by the up pass of the frozen layers below, so an
/// epoch of layer l costs what an epoch of an RBM of that size costs. With a tied start (`stacking`)
/// the bound (13.3) starts tight, and training the new top layer maximises
/// Σ_x Σ_h q(h|x) log p(h), the only term of the bound that it changes.
public struct GreedyLayerwiseTrainer: ModelTrainer {
    public var settings: GreedyLayerwiseSettings
    /// The trainer of each layer (1-based), kept so that training a layer again with settings
    /// that continue its own goes on from its state (epoch count, chains, momentum), as
    /// `RBMTrainer` does.
    public internal(set) var trainers: [Int: RBMTrainer] = [:]
    /// One history for the whole network: the RBM trainer's columns plus `layer`, one row per
    /// monitored epoch of each layer, in the order they were trained.
    public internal(set) var history = TrainingHistory(unit: .epoch, columns: GreedyLayerwiseTrainer.historyColumns)
    /// Rows of each layer's own history already copied into `history`.
    var copiedRows: [Int: Int] = [:]

    public static let historyColumns: [TrainingHistory.Column] =
        [.init(name: "layer", title: "layer", digits: 3)] + RBMTrainer.historyColumns

    public init(settings: GreedyLayerwiseSettings = GreedyLayerwiseSettings()) {
        self.settings = settings
    }

    /// Epochs over all layers.
    public var completed: Int { trainers.values.reduce(0) { $0 + $1.epochsCompleted } }

    /// Epochs per call of every layer (reading gives the first layer's).
    public var length: Int {
        get { settings.perLayer.first?.epochs ?? 0 }
        set { for k in settings.perLayer.indices { settings.perLayer[k].epochs = newValue } }
    }

    /// Trains the layers `settings.layers` (default: the untrained ones) on `data`; the
    /// `ModelTrainer` form of `train(_:on:layers:...)`. Progress counts minibatches over all layers.
    public mutating func train(_ model: inout DeepBeliefNetwork, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let chosen = (settings.layers ?? model.untrainedLayers).sorted()
        let rows = (0..<model.depth).map { l -> Int in
            settings.input == .samples && l > 0 ? data.rows * settings.inputCopies : data.rows
        }
        let batchesPerEpoch = chosen.map { l -> Int in
            let b = Swift.max(1, Swift.min(settings.options(forLayer: l).batchSize, rows[l - 1]))
            return (rows[l - 1] + b - 1) / b
        }
        let total = zip(chosen, batchesPerEpoch).reduce(0) { $0 + settings.options(forLayer: $1.0).epochs * $1.1 }
        var doneBefore = 0
        var current = 0
        var firstEpoch = 0
        let s = settings
        let result = train(&model, on: data, layers: chosen, options: { s.options(forLayer: $0) }, input: s.input,
                           inputSeed: s.inputSeed, inputCopies: s.inputCopies, monitor: s.monitor,
                           shouldStop: shouldStop) { layer, epoch, batch, batches, record in
            if layer != current {
                if current != 0, let k = chosen.firstIndex(of: current) {
                    doneBefore += s.options(forLayer: current).epochs * batchesPerEpoch[k]
                }
                current = layer
                firstEpoch = epoch - 1
            }
            let status = record.map { r in
                "layer \(layer), epoch \(epoch): recon \(settingText(r.reconstructionError, digits: 4))"
                    + (r.logLikelihood.map { ", loglik \(settingText($0, digits: 5))" } ?? "")
            }
            progress(TrainingProgress(done: doneBefore + (epoch - firstEpoch - 1) * batches + batch, total: total,
                                      step: epoch, status: status))
        }
        if let (_, outcome) = result.interrupted { return outcome }
        return .completed(step: completed)
    }

    /// How one call ended: the layers that completed, and the first that did not (if any).
    public struct Outcome: Sendable, Equatable {
        public var completed: [Int]
        /// The layer that stopped or diverged, with what its trainer said.
        public var interrupted: (layer: Int, outcome: TrainingOutcome)?

        public static func == (a: Outcome, b: Outcome) -> Bool {
            a.completed == b.completed && a.interrupted?.layer == b.interrupted?.layer && a.interrupted?.outcome == b.interrupted?.outcome
        }
    }

    /// Trains `layers` of `dbn` (1-based, in increasing order; default: the untrained ones) on
    /// `data` (n × D, values in [0, 1]), layer l with `options(l)`. Layers above 1 train on the up
    /// pass of the frozen layers below (`input`, samples seeded from `inputSeed`, `inputCopies`
    /// samples of every row); the monitor set goes up the same way (as probabilities).
    /// `progress(layer, epoch, batch, batches, record)` follows each layer's trainer. Training
    /// stops at the first layer that is stopped or diverges (its trainer restores its last good
    /// parameters, as for an RBM: the divergence guard of `RBMTrainer`).
    public mutating func train(_ dbn: inout DeepBeliefNetwork, on data: Tensor, layers: [Int]? = nil,
                               options: (Int) -> RBMTrainingOptions, input: DBNLayerInput = .probabilities,
                               inputSeed: UInt64 = 0, inputCopies: Int = 1, monitor: Tensor? = nil,
                               shouldStop: () -> Bool = { false },
                               progress: (Int, Int, Int, Int, RBMEpochRecord?) -> Void = { _, _, _, _, _ in }) -> Outcome {
        precondition(data.rank == 2 && data.shape[1] == dbn.visible && data.rows > 0,
                     "training data must be n × \(dbn.visible), got \(data.shape)")
        let chosen = (layers ?? dbn.untrainedLayers).sorted()
        precondition(chosen.allSatisfy { $0 >= 1 && $0 <= dbn.depth }, "layers must be 1…\(dbn.depth)")
        var outcome = Outcome(completed: [], interrupted: nil)
        for l in chosen {
            let o = options(l)
            let x = dbn.layerInput(data, forLayer: l, input: input, seed: inputSeed, copies: inputCopies)
            let m = monitor.map { dbn.features($0, layer: l - 1) }
            var trainer: RBMTrainer
            if let previous = trainers[l], o.continues(previous.options) {
                trainer = previous
                trainer.options = o
            } else {
                trainer = RBMTrainer(options: o)
                copiedRows[l] = 0
            }
            var rbm = dbn.layer(l)
            let result = trainer.train(&rbm, on: x, monitor: m, shouldStop: shouldStop) { epoch, batch, batches, record in
                progress(l, epoch, batch, batches, record)
            }
            dbn.setLayer(l, rbm)
            trainers[l] = trainer
            copyHistory(layer: l)
            dbn.provenance[l - 1].epochs = trainer.epochsCompleted
            dbn.provenance[l - 1].settings = o.summary
            dbn.provenance[l - 1].input = l > 1 ? input : nil
            guard case .completed = result else {
                outcome.interrupted = (l, result)
                return outcome
            }
            outcome.completed.append(l)
        }
        return outcome
    }

    /// Appends layer l's new history rows, with its number in the `layer` column.
    private mutating func copyHistory(layer l: Int) {
        guard let h = trainers[l]?.history else { return }
        for row in (copiedRows[l] ?? 0)..<h.count {
            var values: [String: Double] = ["layer": Double(l)]
            var bounds: [String: (lower: Double, upper: Double)] = [:]
            for column in h.columns {
                guard let v = column.values[row] else { continue }
                values[column.name] = v
                if let lo = column.lower?[row], let hi = column.upper?[row] { bounds[column.name] = (lo, hi) }
            }
            history.append(step: h.steps[row], values, bounds: bounds)
        }
        copiedRows[l] = h.count
    }

    /// Forgets layer l's trainer (after its layer was replaced, e.g. by a file).
    public mutating func forget(layer l: Int) {
        trainers[l] = nil
        copiedRows[l] = nil
    }
}

/// The settings of greedy layer-wise training: per-layer RBM options (a list, the last one
/// repeated for higher layers, or one for all), which layers, and what the layers above the first see.
public struct GreedyLayerwiseSettings: TrainerSettings {
    /// The real-valued settings as given (lr, momentum…), compared exactly by `continues`.
    public var given: [String: Double] = [:]
    /// Options of layer l are `perLayer[min(l, count) − 1]`.
    public var perLayer: [RBMTrainingOptions]
    /// The layers to train (1-based); nil: the untrained ones.
    public var layers: [Int]?
    public var input: DBNLayerInput
    public var inputSeed: UInt64
    /// With `input == .samples`, samples of every row a layer sees.
    public var inputCopies: Int
    /// The monitor set (rows of the data); nil: each layer's trainer uses its first rows.
    public var monitor: Tensor?

    public init(perLayer: [RBMTrainingOptions] = [RBMTrainingOptions()], layers: [Int]? = nil,
                input: DBNLayerInput = .probabilities, inputSeed: UInt64 = 0, inputCopies: Int = 1, monitor: Tensor? = nil) {
        precondition(!perLayer.isEmpty && inputCopies >= 1, "greedy training needs options for at least one layer and copies ≥ 1")
        (self.perLayer, self.layers, self.input, self.inputSeed, self.inputCopies, self.monitor) =
            (perLayer, layers, input, inputSeed, inputCopies, monitor)
    }

    public func options(forLayer l: Int) -> RBMTrainingOptions { perLayer[Swift.min(l, perLayer.count) - 1] }

    /// Layer by layer, the same RBM settings, and the same input.
    public func continues(_ previous: GreedyLayerwiseSettings) -> Bool {
        input == previous.input && inputSeed == previous.inputSeed && inputCopies == previous.inputCopies
            && (1...Swift.max(perLayer.count, previous.perLayer.count)).allSatisfy { options(forLayer: $0).continues(previous.options(forLayer: $0)) }
    }

    /// "layer 1: CD-1, lr 0.1, batch 100, seed 0; layers 2+: …; input probabilities".
    public var summary: String {
        var parts: [String] = []
        for (k, o) in perLayer.enumerated() {
            let name = k == perLayer.count - 1 ? (k == 0 ? "every layer" : "layers \(k + 1)+") : "layer \(k + 1)"
            parts.append("\(name): \(o.summary)")
        }
        parts.append("input \(input.rawValue)" + (input == .samples && inputCopies > 1 ? " × \(inputCopies)" : ""))
        return parts.joined(separator: "; ")
    }
}
