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
        case "history": return .object(BoltzmannHistoryValue(records: trainer?.history ?? [], settings: trainerSettings ?? "no training yet"))
        case "epochs": return .number(Double(trainer?.epochsCompleted ?? 0))
        default: return nil
        }
    }

    /// `m.W = W2` (n × n, symmetric, zero diagonal) and `m.b = …` (n): replaces a parameter,
    /// checked; the other properties are computed.
    public func setProperty(_ name: String, to value: Value) throws {
        let n = machine.units
        guard name == "W" || name == "b" else {
            throw ScriptError(.type, propertyNames.contains(name) ? "a Boltzmann machine's '\(name)' is computed and cannot be set"
                                                                  : "a Boltzmann machine has no property '\(name)'",
                              hint: "W and b can be set")
        }
        let shape = name == "W" ? [n, n] : [n]
        guard let t = tensorValue(value), t.shape == shape else {
            throw ScriptError(.value, "m.\(name) must be a tensor \(shapeText(shape)), got \(describe(value))")
        }
        let v = t.scalars.map(Double.init)
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw ScriptError(.numeric, "m.\(name) would hold \(v[bad]) at flat index \(bad)", hint: "parameters must be finite numbers")
        }
        if name == "b" {
            machine.b = v
            return
        }
        for i in 0..<n {
            guard v[i * n + i] == 0 else {
                throw ScriptError(.value, "m.W must have a zero diagonal, got w[\(i), \(i)] = \(formatNumber(v[i * n + i]))",
                                  hint: "a unit has no weight to itself")
            }
            for j in 0..<i where v[i * n + j] != v[j * n + i] {
                throw ScriptError(.value, "m.W must be symmetric, got w[\(i), \(j)] = \(formatNumber(v[i * n + j])) but w[\(j), \(i)] = \(formatNumber(v[j * n + i]))",
                                  hint: "each pair has one weight: set both entries, e.g. W = (W + W.T) / 2")
            }
        }
        machine = FullyVisibleBoltzmannMachine(W: v, b: machine.b)
    }
}

/// The training history of a Boltzmann machine: exact log-likelihood, pseudo-log-likelihood and
/// the norm of the exact gradient, per recorded epoch.
public struct BoltzmannHistoryValue: ScriptObject {
    public var records: [BoltzmannEpochRecord]
    public var settings: String

    public var kindName: String { "history" }
    public var summary: String { "\(settings); \(records.count) record\(records.count == 1 ? "" : "s")" }

    public func render(_ format: ValueFormat) -> String {
        guard !records.isEmpty else { return "history: no epochs yet" }
        let header = ["epoch", "log-likelihood (exact)", "pseudo-LL (exact)", "‖∇‖ (exact)"]
        let rows = records.map { r in
            [String(r.epoch), r.logLikelihood.map { formatNumber($0, digits: 6) } ?? "—",
             formatNumber(r.pseudoLogLikelihood, digits: 6), r.exactGradientNorm.map { formatNumber($0, digits: 4) } ?? "—"]
        }
        return "history: \(summary)\n" + Table(header: header, rows: rows).text.dropLast()
    }

    public var propertyNames: [String] { ["epochs", "loglik", "pll", "grad_norm"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "epochs": return .number(Double(records.count))
        case "loglik": return .list(records.map { $0.logLikelihood.map(Value.number) ?? Value.none })
        case "pll": return .list(records.map { .number($0.pseudoLogLikelihood) })
        case "grad_norm": return .list(records.map { $0.exactGradientNorm.map(Value.number) ?? Value.none })
        default: return nil
        }
    }

    public var elementCount: Int? { records.count }
}
