import EBM

/// An RBM as a language value. It is a reference: `train(m, ...)` changes `m` in place, as a
/// fitted model does in scikit-learn, and every name bound to it sees the change.
public final class RBMValue: ScriptObject {
    public var machine: RestrictedBoltzmannMachine
    /// The image shape of the visible layer, once known (from `rbm(...)`, training data or a
    /// file), so filters and samples draw as pictures.
    public var imageShape: (height: Int, width: Int)?
    /// The trainer of the last `train` call, kept so that training again with the same settings
    /// continues it (epoch count, persistent chains, momentum).
    var trainer: RBMTrainer?
    var trainerSettings: String?
    /// The training history so far (all epochs of the current trainer).
    var history: TrainingHistory { trainer?.history ?? TrainingHistory(unit: .epoch, columns: RBMTrainer.historyColumns) }

    public init(_ machine: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)? = nil) {
        self.machine = machine
        self.imageShape = imageShape
    }

    public var kindName: String { "rbm" }

    public var summary: String {
        "\(machine.visible) visible × \(machine.hidden) hidden, \(machine.parameterCount) parameters"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "rbm: \(summary)"
        if let t = trainer, t.epochsCompleted > 0, let s = trainerSettings {
            out += "\ntrained \(t.epochsCompleted) epoch\(t.epochsCompleted == 1 ? "" : "s") with \(s)"
        }
        out += "\nenergy E(x, h) = -hᵀWx - cᵀx - bᵀh; W is \(machine.hidden) × \(machine.visible)"
        return out
    }

    public var propertyNames: [String] { ["W", "b", "c", "visible", "hidden", "parameters", "history", "epochs"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "W": return .tensor(machine.weightMatrix)
        case "b": return .tensor(Tensor(shape: [machine.hidden], scalars: machine.b))
        case "c": return .tensor(Tensor(shape: [machine.visible], scalars: machine.c))
        case "visible": return .number(Double(machine.visible))
        case "hidden": return .number(Double(machine.hidden))
        case "parameters": return .number(Double(machine.parameterCount))
        case "history": return .object(HistoryValue(history: history, settings: trainerSettings ?? "no training yet"))
        case "epochs": return .number(Double(trainer?.epochsCompleted ?? 0))
        default: return nil
        }
    }
}

/// The gradient of the mean log-likelihood with respect to W, b and c.
public struct GradientValue: ScriptObject {
    public var W: Tensor
    public var b: Tensor
    /// nil for a fully visible Boltzmann machine, which has no second bias.
    public var c: Tensor?
    public var what: String

    public var kindName: String { "gradient" }
    public var summary: String {
        "∂/∂W \(shapeText(W.shape)), ∂/∂b \(shapeText(b.shape))" + (c.map { ", ∂/∂c \(shapeText($0.shape))" } ?? "")
    }

    /// ‖∇‖ over all parameters together.
    public var norm: Double {
        // A symmetric W holds each pair weight's component twice.
        let weights = W.scalars.reduce(0) { $0 + Double($1) * Double($1) } / (c == nil ? 2 : 1)
        return (weights + (b.scalars + (c?.scalars ?? [])).reduce(0) { $0 + Double($1) * Double($1) }).squareRoot()
    }

    public func render(_ format: ValueFormat) -> String {
        "gradient (\(what)): ‖∇‖ = \(formatNumber(norm, digits: 6))\n"
            + "  ∂/∂W " + format.render(W).replacingOccurrences(of: "\n", with: "\n  ") + "\n"
            + "  ∂/∂b " + format.render(b).replacingOccurrences(of: "\n", with: "\n  ")
            + (c.map { "\n  ∂/∂c " + format.render($0).replacingOccurrences(of: "\n", with: "\n  ") } ?? "")
    }

    public var propertyNames: [String] { c == nil ? ["W", "b", "norm"] : ["W", "b", "c", "norm"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "W": return .tensor(W)
        case "b": return .tensor(b)
        case "c": return c.map(Value.tensor)
        case "norm": return .number(norm)
        default: return nil
        }
    }
}
