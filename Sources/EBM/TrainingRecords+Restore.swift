/// History records from their parts, e.g. as a model file stores them (the memberwise
/// initialisers are internal).
extension BoltzmannEpochRecord {
    public static func restored(epoch: Int, pseudoLogLikelihood: Double, logLikelihood: Double?, exactGradientNorm: Double?) -> Self {
        Self(epoch: epoch, pseudoLogLikelihood: pseudoLogLikelihood, logLikelihood: logLikelihood, exactGradientNorm: exactGradientNorm)
    }
}

extension LangevinTrainingRecord {
    public static func restored(iteration: Int, dataEnergy: Double, sampleEnergy: Double, loss: Double, gradientNorm: Double,
                                sampleTravel: Double, bufferFraction: Double) -> Self {
        Self(iteration: iteration, dataEnergy: dataEnergy, sampleEnergy: sampleEnergy, loss: loss, gradientNorm: gradientNorm,
             sampleTravel: sampleTravel, bufferFraction: bufferFraction)
    }
}

extension ScoreMatchingRecord {
    public static func restored(iteration: Int, loss: Double) -> Self { Self(iteration: iteration, loss: loss) }
}
