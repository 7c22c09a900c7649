/// The one training history of every model family: a table with one row per recorded epoch or
/// iteration and one named column per monitor.
///
/// Every trainer (`RBMTrainer`, `BoltzmannTrainer`, `LangevinMaximumLikelihood`,
/// `ScoreMatchingTrainer`, and any later family's) records into this type, so that printing,
/// plotting, indexing and saving are written once. A column is a monitor's values in row order,
/// with `nil` where it was not computed at that row (e.g. an exact log-likelihood that was not
/// affordable, or an AIS estimate on an epoch without one); a column may carry error bars
/// (`lower`/`upper`, e.g. AIS's ±3σ bounds on log Z).
public struct TrainingHistory: Sendable, Equatable {
    /// What the x axis counts.
    public enum Unit: String, Sendable, Equatable, CaseIterable {
        /// Passes over the training data (RBMs, Boltzmann machines).
        case epoch
        /// Parameter updates on a sampled minibatch (Langevin maximum likelihood, score matching).
        case iteration
    }

    /// One monitor.
    public struct Column: Sendable, Equatable {
        /// The name users select it by: `plot h, y: "sample_energy"`, `h.recon`. Lower case, `_`.
        public var name: String
        /// The printed table's header: "recon. error", "log-likelihood (exact)".
        public var title: String
        /// Significant digits in the printed table.
        public var digits: Int
        /// False for columns kept for plotting and files but not printed (seconds, estimates
        /// shadowed by an exact column), so printed tables stay deterministic and narrow.
        public var printed: Bool
        /// One value per row; nil where the monitor was not computed.
        public var values: [Double?]
        /// Error bars, when the column carries them: the lower and upper ends per row (nil where
        /// the row has no value). Both nil for a column without error bars.
        public var lower: [Double?]?
        public var upper: [Double?]?

        public init(name: String, title: String, digits: Int = 6, printed: Bool = true, errorBars: Bool = false) {
            self.name = name
            self.title = title
            self.digits = digits
            self.printed = printed
            values = []
            lower = errorBars ? [] : nil
            upper = errorBars ? [] : nil
        }

        public var hasErrorBars: Bool { lower != nil }
        /// True for the column of wall-clock time an epoch took (`seconds`): it differs from run
        /// to run and machine to machine, so files leave its values out (a model file written by
        /// a notebook's replay is then the same bytes every time).
        public var isWallClock: Bool { name == TrainingHistory.wallClockColumn }
        /// The rows that have a value.
        public var presentCount: Int { values.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
    }

    /// The name of the wall-clock column trainers record (see `Column.isWallClock`).
    public static let wallClockColumn = "seconds"

    /// The declaration of a column, without values (what a trainer records).
    public typealias ColumnSpec = Column

    public private(set) var unit: Unit
    /// The epoch or iteration of each row (1-based, counted over every `train` call of one trainer).
    public private(set) var steps: [Int] = []
    public private(set) var columns: [Column]

    /// An empty history with these columns (names must be distinct).
    public init(unit: Unit, columns: [Column]) {
        precondition(Set(columns.map(\.name)).count == columns.count, "history column names must be distinct")
        self.unit = unit
        self.columns = columns.map { var c = $0; c.values = []; c.lower = c.hasErrorBars ? [] : nil; c.upper = c.hasErrorBars ? [] : nil; return c }
    }

    /// Rows recorded.
    public var count: Int { steps.count }
    public var isEmpty: Bool { steps.isEmpty }
    public var columnNames: [String] { columns.map(\.name) }
    /// The last row's step, or 0 when empty.
    public var lastStep: Int { steps.last ?? 0 }

    /// The column named `name`.
    public subscript(name: String) -> Column? { columns.first { $0.name == name } }

    /// The values of column `name` (nil where not computed); empty if there is no such column.
    public func values(_ name: String) -> [Double?] { self[name]?.values ?? [] }

    /// Appends a row at `step`. Columns not in `values` get nil; `bounds` gives error bars for
    /// columns that carry them. Names that are not columns are a programming error.
    public mutating func append(step: Int, _ values: [String: Double], bounds: [String: (lower: Double, upper: Double)] = [:]) {
        for name in values.keys { precondition(self[name] != nil, "history has no column \(name)") }
        steps.append(step)
        for k in columns.indices {
            let name = columns[k].name
            columns[k].values.append(values[name])
            if columns[k].hasErrorBars {
                columns[k].lower?.append(values[name] == nil ? nil : bounds[name]?.lower)
                columns[k].upper?.append(values[name] == nil ? nil : bounds[name]?.upper)
            }
        }
    }

    /// Replaces the last row's values for the given columns (a monitor that runs after the row
    /// was recorded, like AIS).
    public mutating func updateLast(_ values: [String: Double], bounds: [String: (lower: Double, upper: Double)] = [:]) {
        guard !steps.isEmpty else { return }
        let last = steps.count - 1
        for k in columns.indices {
            guard let v = values[columns[k].name] else { continue }
            columns[k].values[last] = v
            if columns[k].hasErrorBars, let b = bounds[columns[k].name] {
                columns[k].lower?[last] = b.lower
                columns[k].upper?[last] = b.upper
            }
        }
    }

    /// Sets whether column `name` is printed (e.g. an estimate is printed only when its exact
    /// counterpart is missing).
    public mutating func setPrinted(_ name: String, _ printed: Bool) {
        guard let k = columns.firstIndex(where: { $0.name == name }) else { return }
        columns[k].printed = printed
    }

    /// Renames a column's printed title.
    public mutating func setTitle(_ name: String, _ title: String) {
        guard let k = columns.firstIndex(where: { $0.name == name }) else { return }
        columns[k].title = title
    }

    /// The rows at `indices`, in that order, with the same columns.
    public func rows(_ indices: [Int]) -> TrainingHistory {
        var h = TrainingHistory(unit: unit, columns: columns)
        h.steps = indices.map { steps[$0] }
        for k in columns.indices {
            h.columns[k].values = indices.map { columns[k].values[$0] }
            if let lo = columns[k].lower, let hi = columns[k].upper {
                h.columns[k].lower = indices.map { lo[$0] }
                h.columns[k].upper = indices.map { hi[$0] }
            }
        }
        return h
    }

    /// The rows whose step is at most `step` (what a trainer keeps when it restores the
    /// parameters of that step).
    public func truncated(through step: Int) -> TrainingHistory {
        rows(steps.indices.filter { steps[$0] <= step })
    }

    /// A history built from stored columns (files); every column must have one value per step.
    public init(unit: Unit, steps: [Int], columns: [Column]) {
        precondition(columns.allSatisfy { $0.values.count == steps.count
                        && ($0.lower?.count ?? steps.count) == steps.count && ($0.upper?.count ?? steps.count) == steps.count },
                     "every history column needs one value per step")
        self.unit = unit
        self.steps = steps
        self.columns = columns
    }

    /// True if every value of the last row is finite (nil values are not checked).
    public var lastRowIsFinite: Bool {
        guard !steps.isEmpty else { return true }
        return columns.allSatisfy { $0.values[$0.values.count - 1]?.isFinite ?? true }
    }
}
