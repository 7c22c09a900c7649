extension MixtureEnergy {
    /// A mixture with weights that already sum to one, kept bit for bit (the public initialiser
    /// divides by their sum, which can move the last bit): for reading a saved mixture back.
    public init(means: [[Double]], stds: [Double], normalizedWeights: [Double]) {
        precondition(!means.isEmpty && means.count == stds.count && stds.count == normalizedWeights.count
                     && stds.allSatisfy { $0 > 0 } && normalizedWeights.allSatisfy { $0 > 0 },
                     "one mean, one positive std and one positive weight per component")
        precondition(means.allSatisfy { $0.count == means[0].count }, "every mean needs the same number of coordinates")
        self.means = means
        self.stds = stds
        self.weights = normalizedWeights
    }
}
