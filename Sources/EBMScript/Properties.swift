import EBM

/// `x.name`: the properties of built-in kinds, and those an object declares.
enum Properties {
    static let tensorProperties = ["shape", "rank", "count", "T", "sum", "mean", "min", "max"]

    static func get(_ value: Value, _ name: String, at location: SourceLocation) throws -> Value {
        switch value {
        case .tensor(let t):
            if let v = tensorProperty(t, name) { return v }
            throw missing(value, name, tensorProperties, at: location)
        case .object(let t as TracedValue):
            if let v = try t.property(name) { return v }
            if tensorProperties.contains(name) {
                // .min and .max pick an entry: grad does not follow them.
                throw ScriptError(.value, "grad: automatic differentiation does not follow '.\(name)'", at: location,
                                  hint: "supported: " + Autodiff.supportedList)
            }
            throw missing(value, name, t.propertyNames, at: location)
        case .object(let o):
            do {
                if let v = try o.property(name) { return v }
            } catch let e as ScriptError {
                throw e.located(at: location)
            }
            throw missing(value, name, o.propertyNames, at: location)
        case .list(let items) where name == "count":
            return .number(Double(items.count))
        case .command(let c) where name == "name":
            return .string(c.name)
        default:
            throw ScriptError(.type, "\(describe(value)) has no properties", at: location)
        }
    }

    static func names(of value: Value) -> [String] {
        switch value {
        case .tensor: return tensorProperties
        case .object(let o): return o.propertyNames
        case .list: return ["count"]
        default: return []
        }
    }

    static func tensorProperty(_ t: Tensor, _ name: String) -> Value? {
        switch name {
        case "shape": return .list(t.shape.map { .number(Double($0)) })
        case "rank": return .number(Double(t.rank))
        case "count": return .number(Double(t.count))
        case "T": return t.rank == 2 ? .tensor(t.transposed()) : (t.rank < 2 ? .tensor(t) : nil)
        case "sum": return .number(t.sum)
        case "mean": return .number(t.mean)
        case "min": return t.min.map { .number(Double($0)) } ?? Value.none
        case "max": return t.max.map { .number(Double($0)) } ?? Value.none
        default: return nil
        }
    }

    private static func missing(_ value: Value, _ name: String, _ known: [String], at location: SourceLocation) -> ScriptError {
        var hint = known.isEmpty ? nil : "its properties: " + known.joined(separator: ", ")
        if let close = closestName(to: name, among: known) { hint = "did you mean '\(close)'? " + (hint ?? "") }
        return ScriptError(.name, "\(value.kindWithArticle) has no property '\(name)'", at: location, hint: hint)
    }
}
