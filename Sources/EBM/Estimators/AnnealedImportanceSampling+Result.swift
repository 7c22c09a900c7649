extension AnnealedImportanceSampling.Result {
    /// A result from its parts, e.g. as a model file stores it in a training history.
    public init(logZ: Double, lower: Double, upper: Double, logZBase: Double, logWeights: [Double],
                baseVisibleBiases: [Float], runs: Int, temperatures: Int) {
        self.logZ = logZ
        self.lower = lower
        self.upper = upper
        self.logWeights = logWeights
        self.logZBase = logZBase
        self.baseVisibleBiases = baseVisibleBiases
        self.runs = runs
        self.temperatures = temperatures
    }
}
