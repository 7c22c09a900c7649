import EBM

/// A fully visible Boltzmann machine as a language value; a reference, like an RBM, so that
/// `train(m, ...)` changes `m` in place.
public final class BoltzmannValue: ScriptObject {
    public var machine: FullyVisibleBoltzmannMachine
    /// The trainer of the last `train` call and its settings, so training again with the same
    /// settings continues it.
    var trainer: BoltzmannTrainer?
    var trainerSettings: String?

    public init(_ machine: FullyVisibleBoltzmannMachine) {
        self.machine = machine
    }

    public var kindName: String { "boltzmann" }

    public var summary: String {
        "\(machine.units) units, fully visible, \(machine.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "boltzmann: \(summary)"
        if let t = trainer, t.epochsCompleted > 0, let s = trainerSettings {
            out += "\ntrained \(t.epochsCompleted) epoch\(t.epochsCompleted == 1 ? "" : "s") with \(s)"
        }
        out += "\nenergy E(x) = -½xᵀWx - bᵀx = -Σ_{i<j} w_ij x_i x_j - Σ_i b_i x_i; W is \(machine.units) × \(machine.units), symmetric, zero diagonal"
        return out
    }

    public var propertyNames: [String] { ["W", "b", "units", "parameters", "history", "epochs"] }

    public func property(_ name: String) throws -> Value? {
        let n = machine.units
        switch name {
        case "W": return .tensor(Tensor(shape: [n, n], scalars: machine.W.map(Float.init)))
        case "b": return .tensor(Tensor(shape: [n], scalars: machine.b.map(Float.init)))
        case "units": return .number(Double(n))
        case "parameters": return .number(Double(machine.parameterCount))
        case "history": return .object(HistoryValue(history: trainer?.history ?? TrainingHistory(unit: .epoch, columns: BoltzmannTrainer.historyColumns), settings: trainerSettings ?? "no training yet"))
        case "epochs": return .number(Double(trainer?.epochsCompleted ?? 0))
        default: return nil
        }
    }
}
