/// What a derivation is evaluated on, beyond the model and the data.
public struct DerivationSettings: Sendable {
    /// The parameter to follow, by name ("W[0,1]", "b[2]", "c[3]"); nil = all of θ when that is
    /// affordable, else the component with the largest exact gradient.
    public var parameter: String?
    /// Independent Gibbs chains for the Monte Carlo lines.
    public var chains = 20
    /// Samples per chain (after burn-in, two sweeps apart).
    public var samplesPerChain = 250
    public var seed: UInt64 = 0
    /// The data row the single-example lines use (003 §13.2's p(x)).
    public var row = 0
    /// Use, instead of `row`, the first data row where the text's slip changes the followed
    /// components (for W[j,i], a row with xᵢ = 1: on the all-zero image the slip and the right
    /// line agree, and the comparison would show nothing). When no row shows it, `row` stays.
    public var chooseRowWhereTextDiffers = false
    public init() {}
}

public enum DerivationError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownParameter(String, examples: [String])
    case tooLarge(String)
    case badRow(Int, rows: Int)

    public var description: String {
        switch self {
        case .unknownParameter(let name, let examples):
            return "the model has no parameter \"\(name)\"; its parameters are named like \(examples.joined(separator: ", "))"
        case .tooLarge(let why): return why
        case .badRow(let r, let rows): return "row \(r) is outside the data's \(rows) rows (0...\(rows - 1))"
        }
    }
}

/// Finite differences cost evaluations of every state for every component; above this many
/// elementary operations a derivation follows one component instead of all of θ.
let derivationBudget = 400_000_000

extension EnumeratedFamily {
    /// The components the vector lines hold, and a sentence saying which.
    func components(_ settings: DerivationSettings, exactGradient: [Double], costPerComponent: Int) throws -> ([Int], String) {
        try selectComponents(names: names, settings, exactGradient: exactGradient, costPerComponent: costPerComponent)
    }
}

/// The components the vector lines of a derivation hold: the one named in `settings`, all of θ
/// when finite differences of all are affordable, else the one with the largest gradient.
func selectComponents(names: [String], _ settings: DerivationSettings, exactGradient: [Double],
                      costPerComponent: Int) throws -> ([Int], String) {
    if let name = settings.parameter {
        guard let k = names.firstIndex(of: name.filter { !$0.isWhitespace }) else {
            let examples = [names.first, names.dropFirst().first, names.last].compactMap { $0 }
            throw DerivationError.unknownParameter(name, examples: examples)
        }
        return ([k], "θ = \(names[k]); each line shows that component")
    }
    if costPerComponent.multipliedReportingOverflow(by: names.count).partialValue <= derivationBudget {
        return (Array(names.indices), "θ = all \(names.count) parameters; each gradient line shows ‖·‖ of the whole vector, and is compared component by component")
    }
    let k = exactGradient.indices.max { Swift.abs(exactGradient[$0]) < Swift.abs(exactGradient[$1]) } ?? 0
    return ([k], "θ = \(names[k]), the component with the largest gradient (finite differences of all \(names.count) would take too long; pick another with parameter: \"...\")")
}
