import EBM

/// A training history: one row of monitors per epoch, printed as a table.
public struct HistoryValue: ScriptObject {
    public var history: TrainingHistory
    public var settings: String

    public var kindName: String { "history" }
    public var summary: String {
        let e = history.epochs
        guard let first = e.first, let last = e.last else { return "no epochs yet, \(settings)" }
        let span = first.epoch == last.epoch ? "epoch \(first.epoch)" : "epochs \(first.epoch)–\(last.epoch)"
        return "\(settings); \(e.count) record\(e.count == 1 ? "" : "s"), \(span)"
    }

    public func render(_ format: ValueFormat) -> String {
        let epochs = history.epochs
        guard !epochs.isEmpty else { return "history: no epochs yet" }
        let exactPLL = epochs.allSatisfy { $0.exactPseudoLogLikelihood != nil }
        let exactLL = epochs.contains { $0.logLikelihood != nil }
        var header = ["epoch", "recon. error", exactPLL ? "pseudo-LL (exact)" : "pseudo-LL (1-bit estimate)"]
        if exactLL { header.append("log-likelihood (exact)") }
        let withAIS = epochs.contains { $0.ais != nil }
        if withAIS { header += ["log Z (AIS, ±3σ)", "log-likelihood (AIS)"] }
        let rows = epochs.map { e -> [String] in
            var row = [String(e.epoch), formatNumber(e.reconstructionError, digits: 5),
                       formatNumber(exactPLL ? (e.exactPseudoLogLikelihood ?? .nan) : e.pseudoLogLikelihood, digits: 6)]
            if exactLL { row.append(e.logLikelihood.map { formatNumber($0, digits: 6) } ?? "—") }
            if withAIS {
                row.append(e.ais.map { formatNumber($0.logZ, digits: 6) + " (" + formatNumber($0.lower, digits: 6) + " to " + formatNumber($0.upper, digits: 6) + ")" } ?? "—")
                row.append(e.aisLogLikelihood.map { formatNumber($0, digits: 6) } ?? "—")
            }
            return row
        }
        return "history: \(summary)\n" + Table(header: header, rows: rows).text.dropLast()
    }

    public var propertyNames: [String] { ["epochs", "recon", "pll", "loglik", "ais_log_z", "ais_loglik", "last"] }

    public func property(_ name: String) throws -> Value? {
        let e = history.epochs
        switch name {
        case "epochs": return .number(Double(e.count))
        case "recon": return .list(e.map { .number($0.reconstructionError) })
        case "pll": return .list(e.map { .number($0.exactPseudoLogLikelihood ?? $0.pseudoLogLikelihood) })
        case "loglik": return .list(e.map { $0.logLikelihood.map(Value.number) ?? Value.none })
        case "ais_log_z": return .list(e.map { $0.ais.map { Value.number($0.logZ) } ?? Value.none })
        case "ais_loglik": return .list(e.map { $0.aisLogLikelihood.map(Value.number) ?? Value.none })
        case "last":
            guard let last = e.last else { return Value.none }
            return .object(HistoryValue(history: history(of: [last]), settings: settings))
        default: return nil
        }
    }

    public func element(_ selection: RowSelection) throws -> Value? {
        switch selection {
        case .single(let i): return .object(HistoryValue(history: history(of: [history.epochs[i]]), settings: settings))
        case .many(let idx): return .object(HistoryValue(history: history(of: idx.map { history.epochs[$0] }), settings: settings))
        }
    }

    public var elementCount: Int? { history.epochs.count }

    private func history(of epochs: [RBMEpochRecord]) -> TrainingHistory {
        var h = TrainingHistory()
        h.epochs = epochs
        return h
    }
}
