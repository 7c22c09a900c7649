import EBM

/// A score model s_θ(x, σ) as a language value (a reference: training changes it in place).
public final class ScoreModelValue: ScriptObject {
    public var model: ScoreModel
    var trainer: ScoreMatchingTrainer?
    var trainerSettings: String?

    public init(_ model: ScoreModel) { self.model = model }

    public var kindName: String { "score_model" }
    public var summary: String {
        "score model for \(model.dimension)-D data, widths \(model.network.dims.map(String.init).joined(separator: " → ")), "
            + (model.conditional ? "\(model.sigmas.count) noise level\(model.sigmas.count == 1 ? "" : "s")" : "unconditional")
            + ", \(model.network.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "score_model: \(summary)"
        if model.conditional {
            out += "\nσ: " + model.sigmas.map { formatNumber($0, digits: 4) }.joined(separator: ", ") + "; s(x, σ) = f([x, log σ]) / σ"
        } else {
            out += "\ns(x) = f(x)"
        }
        if let t = trainer, t.iterationsCompleted > 0, let s = trainerSettings { out += "\ntrained \(t.iterationsCompleted) iterations with \(s)" }
        return out
    }

    public var propertyNames: [String] { ["sigmas", "history", "parameters", "W", "b"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "sigmas": return .list(model.sigmas.map(Value.number))
        case "parameters": return .number(Double(model.network.parameterCount))
        case "history":
            return .object(HistoryValue(history: (trainer ?? ScoreMatchingTrainer()).history, settings: trainerSettings ?? "no training yet"))
        case "W":   // the first layer's weights: for a linear model (no hidden layer), s(x) = Wx + b
            let n = model.network
            return .tensor(Tensor(shape: [n.dims[1], n.dims[0]], scalars: n.weights[0]))
        case "b": return .tensor(Tensor(shape: [model.network.dims[1]], scalars: model.network.biases[0]))
        default: return nil
        }
    }
}
