/// An energy over x ∈ ℝᵈ, p(x) = e^(−E(x))/Z (003 §13.1), as Langevin dynamics needs it: the
/// energies and their gradients ∇ₓE for a batch of points (n × d, row-major).
public protocol ContinuousEnergy: Sendable {
    var dimension: Int { get }
    /// E(x) for each row.
    func energies(_ X: [Float], rows: Int) -> [Float]
    /// E(x) and ∇ₓE(x) for each row.
    func energiesAndGradients(_ X: [Float], rows: Int) -> (energies: [Float], gradients: [Float])
    /// One line for printing: what the energy is.
    var description: String { get }
    /// Floats of working memory per row that ∇ₓE needs beyond the row itself (a network's
    /// activations; 0 for closed forms), so samplers can check the memory budget first.
    var workingFloatsPerRow: Int { get }
}

extension ContinuousEnergy {
    public var workingFloatsPerRow: Int { 0 }
}

/// An energy whose normalised density is known, so chains can be checked against it.
public protocol ClosedFormEnergy: ContinuousEnergy {
    /// E_p[x], per dimension.
    var exactMean: [Double] { get }
    /// √Var_p[x], per dimension.
    var exactStd: [Double] { get }
    /// log Z, so that log p(x) = −E(x) − log Z.
    var logPartitionFunction: Double { get }
}

extension ClosedFormEnergy {
    /// The score ∇ₓ log p(x) = −∇ₓE(x), exactly.
    public func score(_ X: [Float], rows: Int) -> [Float] {
        energiesAndGradients(X, rows: rows).gradients.map { -$0 }
    }
}
