import EBM

/// The one training history value of every model family: one row per recorded epoch or
/// iteration, one named column per monitor, printed as the same table and plotted by name
/// (`plot h, y: "sample_energy"`).
public struct HistoryValue: ScriptObject {
    public var history: TrainingHistory
    public var settings: String
    /// The trainer's last update: its minibatch (`h.batch`) and negative samples (`h.negatives`),
    /// for trainers that sample them (`NegativeSampleRecording`).
    public var negativePhase: NegativePhaseSamples?

    public init(history: TrainingHistory, settings: String, negativePhase: NegativePhaseSamples? = nil) {
        self.history = history
        self.settings = settings
        self.negativePhase = negativePhase
    }

    public var kindName: String { "history" }

    private var unitName: String { history.unit.rawValue }

    public var summary: String {
        guard let first = history.steps.first, let last = history.steps.last else { return "no \(unitName)s yet, \(settings)" }
        let span = first == last ? "\(unitName) \(first)" : "\(unitName)s \(first)–\(last)"
        return "\(settings); \(history.count) record\(history.count == 1 ? "" : "s"), \(span)"
    }

    /// The columns the printed table shows: printed ones with at least one value.
    var shownColumns: [TrainingHistory.Column] {
        history.columns.filter { $0.printed && $0.values.contains { $0 != nil } }
    }

    public func render(_ format: ValueFormat) -> String {
        guard !history.isEmpty else { return "history: no \(unitName)s yet" }
        let columns = shownColumns
        let header = [unitName] + columns.map(\.title)
        let rows = history.steps.indices.map { r -> [String] in
            [String(history.steps[r])] + columns.map { c in
                guard let v = c.values[r] else { return "—" }
                var cell = formatNumber(v, digits: c.digits)
                if let lo = c.lower?[r], let hi = c.upper?[r] {
                    cell += " (" + formatNumber(lo, digits: c.digits) + " to " + formatNumber(hi, digits: c.digits) + ")"
                }
                return cell
            }
        }
        return "history: \(summary)\n" + Table(header: header, rows: rows).text.dropLast()
    }

    /// Every column by name, the steps as `epochs`/`iterations` (and `steps`), and `last`; with
    /// negative samples, `negatives` and `batch`.
    public var propertyNames: [String] {
        history.columnNames + ["steps", unitName + "s", "columns", "last"] + (negativePhase == nil ? [] : ["negatives", "batch"])
    }

    public func property(_ name: String) throws -> Value? {
        if let c = history[name] { return .list(c.values.map { $0.map(Value.number) ?? Value.none }) }
        switch name {
        case "steps", unitName + "s": return .list(history.steps.map { .number(Double($0)) })
        case "columns": return .list(history.columnNames.map(Value.string))
        case "last":
            guard history.count > 0 else { return Value.none }
            return .object(HistoryValue(history: history.rows([history.count - 1]), settings: settings, negativePhase: negativePhase))
        case "negatives", "batch":
            guard let p = negativePhase else {
                throw ScriptError(.value, "this history has no negative samples: " + (history.isEmpty ? "nothing has been trained yet" : "its trainer (\(settings)) keeps none: its negative phase is exact, its last call diverged, or the model was loaded from a file"),
                                  hint: "h.\(name) holds the last update's \(name == "batch" ? "minibatch" : "negative samples x̃") after a train call with method \"cd\", \"pcd\", \"pt\" or \"langevin-ml\" (not \"exact\")")
            }
            return .tensor(name == "batch" ? p.data : p.samples)
        default: return nil
        }
    }

    public func element(_ selection: RowSelection) throws -> Value? {
        switch selection {
        case .single(let i): return .object(HistoryValue(history: history.rows([i]), settings: settings))
        case .many(let idx): return .object(HistoryValue(history: history.rows(idx), settings: settings))
        }
    }

    public var elementCount: Int? { history.count }

    /// The column `plot` draws for `y`: `y` itself when the history has it; when `y` was not
    /// given and the history has no log-likelihood, its first printed column.
    func column(_ y: String, explicit: Bool) -> String? {
        if history[y] != nil { return y }
        guard !explicit else { return nil }
        return history.columns.first { $0.printed }?.name
    }

    /// Points (step, value) of column `name`, with error bars where the column has them.
    func series(_ name: String) -> (points: [(x: Double, y: Double)], errors: [Double]?)? {
        guard let c = history[name] else { return nil }
        var points: [(x: Double, y: Double)] = []
        var errors: [Double] = []
        for r in history.steps.indices {
            guard let v = c.values[r] else { continue }
            points.append((Double(history.steps[r]), v))
            if let lo = c.lower?[r], let hi = c.upper?[r] {
                // A symmetric bar that covers the interval (LineChart draws ±error).
                errors.append(Swift.max(hi - v, v - lo).isFinite ? Swift.max(hi - v, v - lo) : 0)
            } else {
                errors.append(0)
            }
        }
        return (points, c.hasErrorBars ? errors : nil)
    }
}
