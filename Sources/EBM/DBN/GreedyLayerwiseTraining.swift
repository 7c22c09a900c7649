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
public struct GreedyLayerwiseTrainer: Sendable {
    /// The trainer of each layer (1-based), kept so that training a layer again with the same
    /// settings continues it (its epoch count, chains and momentum), as `RBMTrainer` does.
    public private(set) var trainers: [Int: RBMTrainer] = [:]
    private var trainerSettings: [Int: String] = [:]

    public init() {}

    /// How one call ended: the layers that completed, and the first that did not (if any).
    public struct Outcome: Sendable, Equatable {
        public var completed: [Int]
        /// The layer that stopped or diverged, with what its trainer said.
        public var interrupted: (layer: Int, outcome: RBMTrainingOutcome)?

        public static func == (a: Outcome, b: Outcome) -> Bool {
            a.completed == b.completed && a.interrupted?.layer == b.interrupted?.layer && a.interrupted?.outcome == b.interrupted?.outcome
        }
    }

    /// The settings of one layer as printed: "CD-1, lr 0.1, batch 100, seed 0".
    public static func describe(_ o: RBMTrainingOptions) -> String {
        var s = "\(o.sampler), lr \(shortNumber(Double(o.learningRate)))"
        if let end = o.finalLearningRate { s += " → \(shortNumber(Double(end)))" }
        s += ", batch \(o.batchSize)"
        if o.momentum > 0 { s += ", momentum \(shortNumber(Double(o.momentum)))" }
        if o.weightDecay != 0 { s += ", weight decay \(shortNumber(Double(o.weightDecay)))" }
        return s + ", seed \(o.seed)"
    }

    /// Trains `layers` of `dbn` (1-based, in increasing order; default: the untrained ones) on
    /// `data` (n × D, values in [0, 1]), layer l with `options(l)`. Layers above 1 train on the up
    /// pass of the frozen layers below (`input`, samples seeded from `inputSeed`, `inputCopies`
    /// samples of every row); the monitor
    /// set goes up the same way (as probabilities). `progress(layer, epoch, batch, batches,
    /// record)` follows each layer's trainer. Training stops at the first layer that is stopped or
    /// diverges (its trainer restores its last good parameters, as for an RBM).
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
            let settings = Self.describe(o)
            var trainer = trainerSettings[l] == settings ? (trainers[l] ?? RBMTrainer(options: o)) : RBMTrainer(options: o)
            trainer.options = o
            var rbm = dbn.layer(l)
            let result = trainer.train(&rbm, on: x, monitor: m, shouldStop: shouldStop) { epoch, batch, batches, record in
                progress(l, epoch, batch, batches, record)
            }
            dbn.setLayer(l, rbm)
            trainers[l] = trainer
            trainerSettings[l] = settings
            dbn.provenance[l - 1].epochs = trainer.epochsCompleted
            dbn.provenance[l - 1].settings = settings
            dbn.provenance[l - 1].input = l > 1 ? input : nil
            guard case .completed = result else {
                outcome.interrupted = (l, result)
                return outcome
            }
            outcome.completed.append(l)
        }
        return outcome
    }

    /// Forgets layer l's trainer (after its layer was replaced, e.g. by `stack` or a file).
    public mutating func forget(layer l: Int) {
        trainers[l] = nil
        trainerSettings[l] = nil
    }
}

/// A number in a settings line without trailing zeros: 0.1, 0.05, 1.
func shortNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    return "\(Float(v))"   // the shortest text that reads back as the same float
}
