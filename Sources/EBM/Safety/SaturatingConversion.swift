/// Float → integer conversions that cannot trap.
///
/// `Int(x)` traps when x is NaN, ±inf or outside Int's range, and a chain that diverged (or a
/// weight read from a file) can hold any of those. Printing and drawing convert through these
/// instead, so a non-finite value becomes a defined integer rather than a signal.
extension FixedWidthInteger {
    /// `value` rounded toward zero, as `init(_:)` does, but saturating: values beyond the type's
    /// range (and ±inf) give `.min` or `.max`, and NaN gives `nan`.
    @inlinable
    public init<F: BinaryFloatingPoint>(saturating value: F, nan: Self = 0) {
        if value.isNaN { self = nan; return }
        if let exact = Self(exactly: value.rounded(.towardZero)) { self = exact; return }
        self = value < 0 ? .min : .max
    }

    /// `value` saturated (as `init(saturating:nan:)`) and then clamped to `range`.
    @inlinable
    public init<F: BinaryFloatingPoint>(saturating value: F, clampedTo range: ClosedRange<Self>, nan: Self) {
        let v = Self(saturating: value, nan: nan)
        self = Swift.min(Swift.max(v, range.lowerBound), range.upperBound)
    }
}

extension UInt8 {
    /// A unit value x ∈ [0, 1] as a grey level round(255 x): values outside clip to 0 or 255, NaN
    /// draws as `nan` (black unless told otherwise).
    @inlinable
    public init<F: BinaryFloatingPoint>(unitLevel x: F, nan: UInt8 = 0) {
        guard !x.isNaN else { self = nan; return }
        let clipped = Swift.min(Swift.max(x, 0), 1)
        self = UInt8(saturating: (clipped * 255).rounded(.toNearestOrAwayFromZero), nan: nan)
    }
}
