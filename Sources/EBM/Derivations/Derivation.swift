/// A derivation from one of the source texts, every line evaluated on a model: what the text
/// writes, how ebm computes it, the value, and whether it equals the line it claims to equal.
///
/// Lines whose value is a gradient hold it for a set of parameter components (all of θ, or the
/// one the user picked); the printer shows ‖·‖ over the set, or the one component.
public struct Derivation: Sendable {
    public var title: String
    /// Lines of context printed under the title (model, data, tolerance).
    public var preamble: [String]
    public var sections: [Section]
    /// The names of the components the vector lines hold, in order.
    public var components: [String]

    public struct Section: Sendable {
        public var heading: String
        public var lines: [Line]
        public init(_ heading: String, _ lines: [Line]) {
            self.heading = heading
            self.lines = lines
        }
    }

    public struct Line: Sendable {
        /// The equation number in the text, e.g. "(18.6)", or "".
        public var label: String
        /// The line as the text writes it (Unicode), starting with "=" when it continues the previous line.
        public var formula: String
        /// How ebm evaluates it.
        public var method: String
        public var value: Quantity
        public var check: Check
        /// What the text got wrong here and what it wrote, or a remark the text makes at this line.
        public var note: String?

        public init(_ label: String, _ formula: String, _ method: String, _ value: Quantity,
                    check: Check = .none, note: String? = nil) {
            self.label = label
            self.formula = formula
            self.method = method
            self.value = value
            self.check = check
            self.note = note
        }
    }

    public enum Quantity: Sendable {
        case scalar(Double)
        /// One entry per component.
        case vector([Double])
        /// A Monte Carlo estimate with its standard errors, one per component.
        case estimate([Double], standardErrors: [Double], samples: Int)
        /// A statement checked over many terms, no single value to show.
        case none
    }

    public enum Check: Sendable {
        case none
        /// Agrees with the line named by `with` to the relative tolerance.
        case equal(with: String, passed: Bool, largestDifference: Double)
        /// A Monte Carlo estimate against the exact value: within three standard errors (each
        /// component; for a vector, ‖estimate − exact‖ within 3·√Σ SE²).
        case withinErrorBars(of: String, passed: Bool, distance: Double, expected: Double)
        /// The text's version of the line, evaluated, and what it is off by.
        case textDiffers(largestDifference: Double)
    }

    /// True when every check of every line passed (`textDiffers` lines are expected to differ).
    public var allChecksPass: Bool {
        sections.allSatisfy { $0.lines.allSatisfy { line in
            switch line.check {
            case .equal(_, let passed, _), .withinErrorBars(_, let passed, _, _): return passed
            case .none, .textDiffers: return true
            }
        } }
    }

    /// Lines agree when max|a − b| ≤ tolerance · max(1, max|b|).
    public static let tolerance = 1e-6

    static func compare(_ a: Quantity, _ b: Quantity) -> (passed: Bool, difference: Double) {
        let (x, y) = (a.values, b.values)
        precondition(x.count == y.count, "comparing lines of different sizes")
        let difference = zip(x, y).reduce(0.0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
        let scale = Swift.max(1, y.reduce(0.0) { Swift.max($0, Swift.abs($1)) })
        return (difference <= tolerance * scale, difference)
    }

    /// A line checked against `reference` (named `name` in the output).
    static func line(_ label: String, _ formula: String, _ method: String, _ value: Quantity,
                     equals reference: Quantity, named name: String = "the line above", note: String? = nil) -> Line {
        let (passed, difference) = compare(value, reference)
        return Line(label, formula, method, value, check: .equal(with: name, passed: passed, largestDifference: difference), note: note)
    }

    /// A Monte Carlo line checked against the exact value.
    static func estimateLine(_ label: String, _ formula: String, _ method: String,
                             _ estimate: [Double], standardErrors: [Double], samples: Int,
                             exact: [Double], exactName: String) -> Line {
        let distance = zip(estimate, exact).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let expected = standardErrors.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        let passed = distance <= 3 * expected
        return Line(label, formula, method, .estimate(estimate, standardErrors: standardErrors, samples: samples),
                    check: .withinErrorBars(of: exactName, passed: passed, distance: distance, expected: expected))
    }
}

extension Derivation.Quantity {
    public var values: [Double] {
        switch self {
        case .scalar(let v): return [v]
        case .vector(let v), .estimate(let v, _, _): return v
        case .none: return []
        }
    }
}

/// Central finite differences (f(θ + h eₖ) − f(θ − h eₖ)) / 2h for the components `k`: the check
/// that needs no calculus. h = 1e-5 balances truncation (O(h²)) against rounding (O(ε|f|/h)),
/// about 1e-10 in float64 for the O(10) values here.
func centralDifferences(at θ: [Double], components: [Int], step h: Double = 1e-5,
                        _ f: ([Double]) -> Double) -> [Double] {
    components.map { k in
        var plus = θ, minus = θ
        plus[k] += h
        minus[k] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

/// Per-component mean and standard error from independent chains: the mean over chains of each
/// chain's average, and SE = (standard deviation of the chain averages) / √chains, which stays
/// honest when successive samples within a chain are correlated (batch means).
func chainMeans(_ perChain: [[Double]]) -> (mean: [Double], standardError: [Double]) {
    let c = Double(perChain.count)
    let P = perChain.first?.count ?? 0
    var mean = [Double](repeating: 0, count: P)
    for m in perChain { for k in 0..<P { mean[k] += m[k] / c } }
    var se = [Double](repeating: 0, count: P)
    guard perChain.count > 1 else { return (mean, se) }
    for k in 0..<P {
        let v = perChain.reduce(0.0) { $0 + ($1[k] - mean[k]) * ($1[k] - mean[k]) } / (c - 1)
        se[k] = (v / c).squareRoot()
    }
    return (mean, se)
}
