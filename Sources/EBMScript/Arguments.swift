import EBM

/// A call's arguments after binding to a command's parameters: every parameter has a value
/// (given or default) that its type has accepted, and the location it came from.
public struct Arguments {
    public let command: Command
    var values: [String: Value]
    var locations: [String: SourceLocation]
    /// Extra positional values of a variadic command.
    public var rest: [Value]
    public let callLocation: SourceLocation

    public subscript(name: String) -> Value { values[name] ?? .none }

    public func location(of name: String) -> SourceLocation { locations[name] ?? callLocation }

    public func isGiven(_ name: String) -> Bool { locations[name] != nil }

    public func number(_ name: String) -> Double {
        if case .number(let v) = self[name] { return v }
        return .nan
    }

    public func int(_ name: String) -> Int {
        if case .number(let v) = self[name], v.isFinite { return Int(saturating: v) }
        return 0
    }

    public func optionalInt(_ name: String) -> Int? {
        if case .number(let v) = self[name], v.isFinite { return Int(saturating: v) }
        return nil
    }

    public func string(_ name: String) -> String {
        if case .string(let s) = self[name] { return s }
        return ""
    }

    public func optionalString(_ name: String) -> String? {
        if case .string(let s) = self[name] { return s }
        return nil
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b) = self[name] { return b }
        return false
    }

    public func tensor(_ name: String) -> Tensor {
        tensorValue(self[name]) ?? Tensor(shape: [0], scalars: [])
    }

    /// The argument as a data set, when it is one (so its image shape and labels come along).
    public func dataset(_ name: String) -> Dataset? { object(name, as: Dataset.self) }

    public func object<T>(_ name: String, as type: T.Type) -> T? {
        if case .object(let o) = self[name] { return o as? T }
        return nil
    }

    /// An error about argument `name`, located where it was given.
    public func error(_ name: String, _ message: String, hint: String? = nil) -> ScriptError {
        ScriptError(.argument, naming(command.name, message), at: location(of: name), hint: hint)
    }
}

/// A value passed to a command together with where it was written.
struct PassedArgument {
    var label: String?
    var labelLocation: SourceLocation?
    var value: Value
    var location: SourceLocation
}

extension Command {
    /// Binds positional and keyword arguments to parameters, checking each against its type.
    func bind(_ passed: [PassedArgument], at callLocation: SourceLocation) throws -> Arguments {
        var values: [String: Value] = [:]
        var locations: [String: SourceLocation] = [:]
        var rest: [Value] = []
        let positionalParameters = parameters.filter { !$0.keywordOnly }
        var positional = 0
        for arg in passed {
            let parameter: Parameter
            if let label = arg.label {
                guard let p = parameters.first(where: { $0.name == label }) else {
                    let names = parameters.map(\.name)
                    var hint = names.isEmpty ? "\(name) takes no keyword arguments" : "it takes " + names.joined(separator: ", ")
                    if let close = closestName(to: label, among: names) { hint = "did you mean '\(close)'? " + hint }
                    throw ScriptError(.argument, "\(name) has no argument '\(label)'", at: arg.labelLocation ?? arg.location,
                                      hint: hint + "; see 'help \(name)'")
                }
                guard values[label] == nil else {
                    throw ScriptError(.argument, "\(name): argument '\(label)' is given twice", at: arg.labelLocation ?? arg.location)
                }
                parameter = p
            } else {
                guard positional < positionalParameters.count else {
                    if let v = variadic {
                        guard let accepted = v.type.accept(arg.value) else {
                            throw ScriptError(.argument, "\(name): each of '\(v.name)' takes \(v.type.description), got \(describe(arg.value))", at: arg.location)
                        }
                        rest.append(accepted)
                        continue
                    }
                    let count = positionalParameters.count
                    throw ScriptError(.argument, "\(name) takes at most \(count) positional argument\(count == 1 ? "" : "s"), got more",
                                      at: arg.location, hint: "usage: \(signature)")
                }
                parameter = positionalParameters[positional]
                positional += 1
                if values[parameter.name] != nil {
                    throw ScriptError(.argument, "\(name): argument '\(parameter.name)' is given twice", at: arg.location)
                }
            }
            guard let accepted = parameter.type.accept(arg.value) else {
                // Whole numbers are exact below 10¹⁵: an open upper bound still has that one.
                var takes = parameter.type.description
                if case .integer(_, nil) = parameter.type, case .number(let v) = arg.value, v == v.rounded(), Swift.abs(v) >= 1e15 {
                    takes += " below 10¹⁵"
                }
                throw ScriptError(.argument, "\(name): argument '\(parameter.name)' takes \(takes), got \(describe(arg.value))",
                                  at: arg.location, hint: parameter.help.isEmpty ? nil : "\(parameter.name): \(parameter.help)")
            }
            values[parameter.name] = accepted
            locations[parameter.name] = arg.location
        }
        for p in parameters where values[p.name] == nil {
            guard let d = p.defaultValue else {
                throw ScriptError(.argument, "\(name): missing argument '\(p.name)' (\(p.type.description))", at: callLocation,
                                  hint: "usage: \(signature)")
            }
            values[p.name] = d
        }
        return Arguments(command: self, values: values, locations: locations, rest: rest, callLocation: callLocation)
    }
}

/// "the string \"a\"", "the number 3", "a tensor [2, 3]": what a value was, for messages.
func describe(_ value: Value) -> String {
    let format = ValueFormat()
    switch value {
    case .number, .string, .bool: return "\(value.kindName) \(format.render(value))"
    case .none: return "none"
    case .tensor(let t): return "a tensor \(shapeText(t.shape))"
    case .list(let items): return "a list of \(items.count)"
    case .object(let o): return "\(kindDescription(o.kindName)) (\(o.summary))"
    case .command(let c): return "the command \(c.name)"
    }
}

/// "command: message", with the command named once: a message that already starts with the
/// command's name ("derive writes out …", "train: …") is left as it is, so that no layer that
/// adds the name can make "derive: derive: …".
func naming(_ command: String, _ message: String) -> String {
    message.hasPrefix(command + ":") || message.hasPrefix(command + " ") ? message : "\(command): \(message)"
}
