import EBM

/// A command of the language: its name, signature, help text and implementation.
///
/// Every command is one entry in `CommandTable.standard`; `help`, completion, argument checking
/// and error messages all read the same entry, so they cannot drift apart.
public struct Command: Sendable {
    public var name: String
    /// The section of `help` it is listed under.
    public var category: Category
    /// One line for the `help` listing.
    public var summary: String
    public var parameters: [Parameter]
    /// Set when the command also takes any number of extra positional values (`print a, b, c`).
    public var variadic: Parameter?
    /// Longer help: what it computes (with the equation), and an example or two.
    public var details: String
    /// Keyword parameters that apply to one kind of argument each (`train`'s per-family
    /// parameters): `help` lists them under their group's title, with the group's defaults.
    public var parameterGroups: [ParameterGroup] = []
    public var run: @Sendable (Arguments, CallContext) throws -> Value

    public enum Category: String, CaseIterable, Sendable {
        case session = "Session and help"
        case values = "Numbers, tensors and lists"
        case data = "Data sets"
        case models = "Boltzmann machines (restricted and fully visible)"
        case sampling = "Sampling and training"
        case estimators = "Estimating the partition function"
        case derivations = "Derivations, every line evaluated"
        case continuous = "Continuous energies, Langevin dynamics and score matching"
        case images = "Images"
        case files = "Model files"
    }

    public init(_ name: String, category: Category, summary: String, parameters: [Parameter] = [],
                variadic: Parameter? = nil, parameterGroups: [ParameterGroup] = [], details: String = "",
                run: @escaping @Sendable (Arguments, CallContext) throws -> Value) {
        self.parameterGroups = parameterGroups
        self.name = name
        self.category = category
        self.summary = summary
        self.parameters = parameters
        self.variadic = variadic
        self.details = details
        self.run = run
    }

    /// `rbm(visible, hidden, seed: 1)`: required parameters by name, optional ones with defaults.
    public var signature: String {
        let grouped = groupedParameterNames
        func text(_ p: Parameter) -> String {
            // A grouped parameter's default is its group's own (train's method: each family's).
            if grouped.contains(p.name) { return "\(p.name): …" }
            // A random command's seed comes from the session's generator when omitted.
            if p.name == "seed" && name != "train" && p.defaultValue != nil { return "seed: session" }
            guard let d = p.defaultValue else { return p.name }
            return "\(p.name): \(ValueFormat().render(d))"
        }
        var parts = parameters.filter { !$0.keywordOnly }.map(text)
        if let v = variadic { parts.append("\(v.name)…") }
        parts += parameters.filter { $0.keywordOnly && !grouped.contains($0.name) }.map(text)
        if !parameterGroups.isEmpty { parts.append("…") }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }
}

/// Parameters that belong together under a title in `help` (one model family's for `train`).
public struct ParameterGroup: Sendable {
    public var title: String
    public var parameters: [Parameter]
    public init(title: String, parameters: [Parameter]) {
        self.title = title
        self.parameters = parameters
    }
}

extension Command {
    /// The names of parameters listed in a group rather than on their own.
    var groupedParameterNames: Set<String> { Set(parameterGroups.flatMap { $0.parameters.map(\.name) }) }
}

/// One parameter of a command.
public struct Parameter: Sendable {
    public var name: String
    public var type: ParameterType
    /// nil when the argument is required.
    public var defaultValue: Value?
    public var help: String
    /// Set for a parameter that can only be given by name (`y:` of `plot`, whose positional
    /// arguments are all series).
    public var keywordOnly = false

    public init(_ name: String, _ type: ParameterType, default defaultValue: Value? = nil, _ help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The same parameter, given only by name.
    public func byNameOnly() -> Parameter {
        var p = self
        p.keywordOnly = true
        return p
    }
}

extension Value: @unchecked Sendable {}

/// What a parameter accepts. `accept` converts where that is natural (a whole number to an
/// integer, a data set to a tensor) and returns nil when the value does not fit.
public indirect enum ParameterType: Sendable {
    case any
    case number
    case positiveNumber
    /// A finite number ≥ 0 (a decay, a penalty, a noise scale).
    case nonNegativeNumber
    case integer(min: Int?, max: Int?)
    case probability
    case string
    case path
    case bool
    case tensor
    case list
    case choice([String])
    /// A `ScriptObject` whose `kindName` is one of these.
    case object([String])
    case oneOf([ParameterType])
    case optional(ParameterType)

    public var description: String {
        switch self {
        case .any: return "any value"
        case .number: return "a number"
        case .positiveNumber: return "a number > 0"
        case .nonNegativeNumber: return "a number ≥ 0"
        case .integer(let lo, let hi):
            switch (lo, hi) {
            case let (lo?, hi?): return "a whole number from \(lo) to \(hi)"
            case let (lo?, nil): return "a whole number ≥ \(lo)"
            case let (nil, hi?): return "a whole number ≤ \(hi)"
            default: return "a whole number"
            }
        case .probability: return "a number from 0 to 1"
        case .string: return "a string"
        case .path: return "a file path (a string)"
        case .bool: return "true or false"
        case .tensor: return "a tensor (or a data set, a list of numbers)"
        case .list: return "a list"
        case .choice(let options): return "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        case .object(let kinds):
            // "an RBM", "an RBM or a DBN", "an RBM, a DBN or a score model"
            let names = kinds.map(kindDescription)
            guard names.count > 2, let last = names.last else { return names.joined(separator: " or ") }
            return names.dropLast().joined(separator: ", ") + " or " + last
        case .oneOf(let types): return types.map(\.description).joined(separator: " or ")
        case .optional(let t): return t.description + " or none"
        }
    }

    func accept(_ value: Value) -> Value? {
        switch (self, value) {
        case (.any, _): return value
        case (.number, .number): return value
        case (.positiveNumber, .number(let v)): return v > 0 && v.isFinite ? value : nil
        case (.nonNegativeNumber, .number(let v)): return v >= 0 && v.isFinite ? value : nil
        case (.integer(let lo, let hi), .number(let v)):
            guard v == v.rounded(), abs(v) < 1e15 else { return nil }
            if let lo, v < Double(lo) { return nil }
            if let hi, v > Double(hi) { return nil }
            return value
        case (.probability, .number(let v)): return v >= 0 && v <= 1 ? value : nil
        case (.string, .string), (.path, .string), (.bool, .bool), (.list, .list): return value
        // Kept as given (a data set stays a data set, with its image shape); `Arguments.tensor`
        // converts.
        case (.tensor, _): return tensorValue(value) == nil ? nil : value
        case (.choice(let options), .string(let s)): return options.contains(s) ? value : nil
        case (.object(let kinds), .object(let o)): return kinds.contains(o.kindName) ? value : nil
        case (.oneOf(let types), _):
            for t in types { if let v = t.accept(value) { return v } }
            return nil
        case (.optional, .none): return value
        case (.optional(let t), _): return t.accept(value)
        default: return nil
        }
    }
}

/// A value seen as a tensor: tensors themselves, objects with a tensor view (data sets), numbers
/// (rank 0), and rectangular nested lists of numbers.
func tensorValue(_ value: Value) -> Tensor? {
    switch value {
    case .tensor(let t): return t
    case .object(let o): return o.tensorView
    case .number(let v): return Tensor(scalar: Float(v))
    case .list(let items): return tensorFromList(items)
    default: return nil
    }
}

func tensorFromList(_ items: [Value]) -> Tensor? {
    if items.isEmpty { return Tensor(shape: [0], scalars: []) }
    if items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
        return Tensor(shape: [items.count], scalars: items.map { if case .number(let v) = $0 { return Float(v) } else { return 0 } })
    }
    var rows: [Tensor] = []
    for item in items {
        guard case .list(let inner) = item, let t = tensorFromList(inner) else { return nil }
        rows.append(t)
    }
    guard let first = rows.first, rows.allSatisfy({ $0.shape == first.shape }) else { return nil }
    return Tensor(shape: [rows.count] + first.shape, scalars: rows.flatMap(\.scalars))
}

/// A kind of object as help text names it: a model family by its registration ("an RBM", "a
/// fully visible Boltzmann machine"), any other kind with an article ("a dataset").
func kindDescription(_ kind: String) -> String {
    ModelFamilies.family(kind)?.article ?? withArticle(kind)
}
