import EBM

/// A value of the ebm language.
///
/// Numbers are doubles (printed without a fraction when they are whole); tensors are float32.
/// Every richer kind (data sets, images, models, chains, histories) is an `object`: a type that
/// conforms to `ScriptObject`, so a later kind of value is one new conformance and nothing else.
public enum Value {
    case none
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([Value])
    case tensor(Tensor)
    case object(any ScriptObject)
    indirect case command(Command)

    /// The kind's name as users see it in messages and `:vars`.
    public var kindName: String {
        switch self {
        case .none: return "none"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .list: return "list"
        case .tensor: return "tensor"
        case .object(let o): return o.kindName
        case .command: return "command"
        }
    }

    /// The kind with an article, for messages: "a number", "an image".
    public var kindWithArticle: String { kindDescription(kindName) }

    public var isNone: Bool { if case .none = self { return true } else { return false } }
}

func withArticle(_ noun: String) -> String {
    guard let first = noun.first else { return noun }
    return ("aeiou".contains(first) ? "an " : "a ") + noun
}

/// A kind of value richer than numbers, strings and lists: a data set, an image, a model, …
public protocol ScriptObject {
    /// The kind's name in messages and `:vars` ("dataset", "image", "rbm").
    var kindName: String { get }
    /// The printed form: a header line naming the kind and its sizes, then (optionally) a view.
    func render(_ format: ValueFormat) -> String
    /// One line for `:vars`: sizes and parameter counts, no values.
    var summary: String { get }
    /// Property names, for `x.name`, completion and error suggestions.
    var propertyNames: [String] { get }
    /// The property `name`, or nil when the kind has none of that name.
    func property(_ name: String) throws -> Value?
    /// `x[i]` and `x[i:j]` on the first axis; nil when the kind cannot be indexed.
    func element(_ selection: RowSelection) throws -> Value?
    /// The value as a tensor, for arithmetic and for commands that take tensors; nil if none.
    var tensorView: Tensor? { get }
    /// How many elements `x[i]` ranges over; nil when the kind cannot be indexed.
    var elementCount: Int? { get }
    /// `x.name = value`: changes the property `name` (checking the value's kind and shape), or
    /// throws a `ScriptError` saying why it cannot. The default refuses every property.
    mutating func setProperty(_ name: String, to value: Value) throws
}

extension ScriptObject {
    public func element(_ selection: RowSelection) throws -> Value? { nil }
    public var tensorView: Tensor? { nil }
    public var elementCount: Int? { tensorView?.rows }

    public mutating func setProperty(_ name: String, to value: Value) throws {
        let known = propertyNames.contains(name)
        throw ScriptError(.type, known ? "\(kindDescription(kindName)) does not let '\(name)' be changed"
                                       : "\(kindDescription(kindName)) has no property '\(name)'",
                          hint: known ? "make a new value instead" : (propertyNames.isEmpty ? nil : "its properties: " + propertyNames.joined(separator: ", ")))
    }
}

/// A choice of rows along the first axis: one index (the row itself) or an ordered set.
public enum RowSelection {
    case single(Int)
    case many([Int])
}
