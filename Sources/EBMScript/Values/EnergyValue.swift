import EBM

/// A continuous energy E(x) over ℝᵈ as a language value: a neural energy (trainable) or a
/// closed-form one (Gaussian, mixture, double well) whose moments and score are known. A
/// reference, so `train(e, ...)` changes `e` in place.
public final class EnergyValue: ScriptObject {
    public enum Kind {
        case neural(NeuralEnergy)
        case closedForm(any ClosedFormEnergy)
    }

    public var kind: Kind
    var trainer: LangevinMaximumLikelihood?
    var trainerSettings: String?

    public init(_ kind: Kind) { self.kind = kind }

    public var energy: any ContinuousEnergy {
        switch kind {
        case .neural(let e): return e
        case .closedForm(let e): return e
        }
    }

    public var closedForm: (any ClosedFormEnergy)? {
        if case .closedForm(let e) = kind { return e }
        return nil
    }

    public var kindName: String { "energy" }
    public var summary: String { energy.description }

    public func render(_ format: ValueFormat) -> String {
        var out = "energy: \(energy.description)"
        if let c = closedForm {
            out += "\nexact mean \(list(c.exactMean)), exact std \(list(c.exactStd)), log Z = \(formatNumber(c.logPartitionFunction, digits: 6))"
        }
        if let t = trainer, t.iterationsCompleted > 0, let s = trainerSettings {
            out += "\ntrained \(t.iterationsCompleted) iterations with \(s)"
        }
        return out
    }

    private func list(_ v: [Double]) -> String { "[" + v.map { formatNumber($0, digits: 5) }.joined(separator: ", ") + "]" }

    public var propertyNames: [String] { ["dimension", "parameters", "exact_mean", "exact_std", "log_z", "history", "buffer"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "dimension": return .number(Double(energy.dimension))
        case "parameters":
            if case .neural(let e) = kind { return .number(Double(e.network.parameterCount)) }
            return .number(0)
        case "exact_mean": return closedForm.map { .tensor(Tensor(shape: [$0.dimension], scalars: $0.exactMean.map(Float.init))) } ?? Value.none
        case "exact_std": return closedForm.map { .tensor(Tensor(shape: [$0.dimension], scalars: $0.exactStd.map(Float.init))) } ?? Value.none
        case "log_z": return closedForm.map { .number($0.logPartitionFunction) } ?? Value.none
        case "history": return .object(HistoryValue(history: trainer?.history ?? TrainingHistory(unit: .iteration, columns: LangevinMaximumLikelihood.historyColumns), settings: trainerSettings ?? "no training yet"))
        case "buffer":
            guard let b = trainer?.buffer, !b.isEmpty else { return Value.none }
            let d = energy.dimension
            return .object(Dataset(name: "replay buffer", examples: Tensor(shape: [b.count / d, d], scalars: b)))
        default: return nil
        }
    }
}
