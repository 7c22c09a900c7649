/// Working memory of the networks, per row, for the memory budget: samplers and trainers check
/// chains × this before they allocate.
extension MultilayerPerceptron {
    /// Floats per row of a forward and backward pass: activations, pre-activations and their
    /// gradients, 3 Σ widths (saturating).
    public var workingFloatsPerRow: Int {
        MemoryBudget.product(3, dims.reduce(0) { MemoryBudget.sum($0, $1) })
    }
}

extension NeuralEnergy {
    public var workingFloatsPerRow: Int { network.workingFloatsPerRow }
}

extension ScoreModel {
    public var workingFloatsPerRow: Int { network.workingFloatsPerRow }
}
