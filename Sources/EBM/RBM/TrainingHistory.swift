/// The monitors at the end of one epoch, on the monitor set.
public struct RBMEpochRecord: Sendable, Equatable {
    /// 1-based, counted over all `train` calls of one trainer.
    public var epoch: Int
    /// Seconds spent on the epoch's updates (monitors excluded).
    public var seconds: Double
    /// `reconstructionError`: mean (p(x|h) − x)² with h ~ p(h|x).
    public var reconstructionError: Double
    /// `pseudoLogLikelihood`: scikit-learn's stochastic single-bit-flip estimate (mean per row).
    public var pseudoLogLikelihood: Double
    /// `exactPseudoLogLikelihood`: Σᵢ log p(xᵢ | x₋ᵢ) in full (mean per row), when D·H·rows is
    /// within the monitor budget; nil otherwise.
    public var exactPseudoLogLikelihood: Double?
    /// The exact mean log-likelihood F(x) − log Z, when enumeration is within the monitor budget.
    public var logLikelihood: Double?
    /// An AIS estimate of log Z (Salakhutdinov and Murray 2008), when the trainer runs AIS at this epoch.
    public var ais: AnnealedImportanceSampling.Result?
    /// mean F(x) − log Ẑ of the monitor set under that estimate.
    public var aisLogLikelihood: Double?

    public init(epoch: Int, seconds: Double, reconstructionError: Double, pseudoLogLikelihood: Double,
                exactPseudoLogLikelihood: Double?, logLikelihood: Double?,
                ais: AnnealedImportanceSampling.Result? = nil, aisLogLikelihood: Double? = nil) {
        self.epoch = epoch
        self.seconds = seconds
        self.reconstructionError = reconstructionError
        self.pseudoLogLikelihood = pseudoLogLikelihood
        self.exactPseudoLogLikelihood = exactPseudoLogLikelihood
        self.logLikelihood = logLikelihood
        self.ais = ais
        self.aisLogLikelihood = aisLogLikelihood
    }

    /// True if every monitor that was computed is a finite number.
    var isFinite: Bool {
        reconstructionError.isFinite && pseudoLogLikelihood.isFinite
            && (exactPseudoLogLikelihood?.isFinite ?? true) && (logLikelihood?.isFinite ?? true)
            && (ais?.logZ.isFinite ?? true)
    }
}

/// Per-epoch records of a trainer, oldest first.
public struct TrainingHistory: Sendable, Equatable {
    public var epochs: [RBMEpochRecord] = []
    public init() {}
}

/// How a `train` call ended.
public enum RBMTrainingOutcome: Sendable, Equatable, CustomStringConvertible {
    /// All requested epochs ran; `epoch` is the last one.
    case completed(epoch: Int)
    /// `shouldStop` returned true after `batch` of `epoch`; the parameters are those after that batch.
    case stopped(epoch: Int, batch: Int, batches: Int)
    /// A parameter (batch != nil) or a monitor (batch == nil) became NaN or infinite in `epoch`;
    /// the parameters were restored to the end of epoch `restoredEpoch` (0 = as given).
    case diverged(epoch: Int, batch: Int?, batches: Int, restoredEpoch: Int, learningRate: Float)

    public var description: String {
        switch self {
        case .completed(let epoch):
            return "trained through epoch \(epoch)"
        case .stopped(let epoch, let batch, let batches):
            return "stopped in epoch \(epoch) after batch \(batch) of \(batches)"
        case .diverged(let epoch, let batch, let batches, let restored, let rate):
            let place = batch.map { "in epoch \(epoch), batch \($0) of \(batches): a parameter became NaN or infinite" }
                ?? "in epoch \(epoch): a monitor became NaN or infinite"
            let back = restored == 0 ? "restored the parameters it started with" : "restored the parameters from the end of epoch \(restored)"
            return "training diverged \(place); \(back). Lower the learning rate (it was \(rate)) and train again."
        }
    }
}
