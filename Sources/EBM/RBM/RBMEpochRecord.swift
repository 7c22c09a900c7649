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
