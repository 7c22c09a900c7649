/// The values a row of data may hold when it is read as the states of a model's units.
///
/// An RBM's sums (free energy, p(h | x), the log-likelihood under an enumerated Z) are written
/// for x ∈ {0, 1}ᴰ; they extend linearly to x ∈ [0, 1]ᴰ (grey levels read as probabilities, as
/// training does), but a row like [2, 0, 1] is no state at all and its "log-likelihood" is a
/// number about nothing. Every command that reads rows as states checks them here, the same way.
public enum UnitStates: Sendable, Equatable {
    /// Every entry 0 or 1 (a fully visible Boltzmann machine: sums over x ∈ {0, 1}ⁿ).
    case binary
    /// Every entry in [0, 1] (an RBM's visible layer: binary states, or their probabilities).
    case unitInterval
    /// Every entry a whole number (a discrete state, for counting identical rows).
    case integer
    /// Every entry a finite real number (Gaussian units: x ∈ ℝᴰ).
    case real

    /// "0 or 1", "in [0, 1]", "whole numbers": what every entry must be.
    public var requirement: String {
        switch self {
        case .binary: return "0 or 1"
        case .unitInterval: return "in [0, 1]"
        case .integer: return "whole numbers"
        case .real: return "finite numbers"
        }
    }

    /// True when `v` is allowed (NaN and ±inf never are).
    @inlinable
    public func allows(_ v: Float) -> Bool {
        switch self {
        case .binary: return v == 0 || v == 1
        case .unitInterval: return v >= 0 && v <= 1
        case .integer: return v.isFinite && v == v.rounded()
        case .real: return v.isFinite
        }
    }

    /// Throws for the first entry of `x` (a vector or a row-major matrix) that is not allowed,
    /// naming its row and column (from 0, as indexing counts).
    public func check(_ x: Tensor) throws(UnitStateError) {
        let width = x.rank >= 2 ? x.shape[x.rank - 1] : Swift.max(x.count, 1)
        let bad: Int? = x.scalars.withUnsafeBufferPointer { buffer in
            for k in 0..<buffer.count where !allows(buffer[k]) { return k }
            return nil
        }
        if let k = bad {
            throw UnitStateError(states: self, row: k / width, column: k % width, value: x.scalars[k])
        }
    }
}

/// An entry of data that is not a state of the model's units.
public struct UnitStateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var states: UnitStates
    /// Where, counted from 0.
    public var row: Int
    public var column: Int
    public var value: Float

    public init(states: UnitStates, row: Int, column: Int, value: Float) {
        (self.states, self.row, self.column, self.value) = (states, row, column, value)
    }

    /// "row 0, column 2 is 2".
    public var entry: String {
        let v = value.isNaN ? "nan" : value.isInfinite ? (value < 0 ? "-inf" : "inf")
            : value == value.rounded() && Swift.abs(value) < 1e9 ? String(Int(saturating: value)) : "\(value)"
        return "row \(row), column \(column) is \(v)"
    }

    public var description: String { "entries must be \(states.requirement); \(entry)" }
}
