/// A function defined with `def`, as a language value: its definition and the values of its
/// parameters' defaults (evaluated once, where the `def` ran, as in Python).
///
/// It is called like a command, with positional arguments first and then keyword arguments
/// (`f(x, k: 2)` or `f(x, k=2)`); `help f` shows its signature and first comment line.
public final class UserFunction: ScriptObject {
    let definition: FunctionDefinition
    let defaults: [Value?]

    init(_ definition: FunctionDefinition, defaults: [Value?]) {
        self.definition = definition
        self.defaults = defaults
    }

    public var name: String { definition.name }
    public var kindName: String { "function" }

    /// `f(x, k: 1)`: the parameters, with their defaults.
    public var signature: String {
        let format = ValueFormat()
        let parts = zip(definition.parameters, defaults).map { p, d in
            d.map { "\(p.name): \(format.render($0))" } ?? p.name
        }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }

    /// The first comment line of its body, if any.
    public var documentation: String? { definition.doc }

    public var summary: String { signature }

    public func render(_ format: ValueFormat) -> String {
        "function \(signature)" + (documentation.map { " — \($0)" } ?? "")
    }

    /// What `help NAME` shows for it.
    public var helpText: String {
        var out = "\(signature)\n"
        if let doc = documentation { out += "    \(doc)\n" }
        let at = definition.location
        out += "    defined with def at \(at.source):\(at.line)\n"
        return out
    }

    public var propertyNames: [String] { ["name"] }

    public func property(_ name: String) throws -> Value? {
        name == "name" ? .string(self.name) : nil
    }

    /// Binds positional and keyword arguments to the parameters, as `Command.bind` does for
    /// commands: the locals the body starts with.
    func bind(_ passed: [PassedArgument], at callLocation: SourceLocation) throws -> [String: Value] {
        let parameters = definition.parameters
        var locals: [String: Value] = [:]
        locals.reserveCapacity(parameters.count)
        var positional = 0
        for arg in passed {
            let parameterName: String
            if let label = arg.label {
                guard parameters.contains(where: { $0.name == label }) else {
                    let names = parameters.map(\.name)
                    var hint = names.isEmpty ? "\(name) takes no arguments" : "it takes " + names.joined(separator: ", ")
                    if let close = closestName(to: label, among: names) { hint = "did you mean '\(close)'? " + hint }
                    throw ScriptError(.argument, "\(name) has no parameter '\(label)'", at: arg.labelLocation ?? arg.location,
                                      hint: hint)
                }
                parameterName = label
            } else {
                guard positional < parameters.count else {
                    let n = parameters.count
                    throw ScriptError(.argument, "\(name) takes \(n) argument\(n == 1 ? "" : "s"), got more", at: arg.location,
                                      hint: "usage: \(signature)")
                }
                parameterName = parameters[positional].name
                positional += 1
            }
            guard locals[parameterName] == nil else {
                throw ScriptError(.argument, "\(name): argument '\(parameterName)' is given twice", at: arg.labelLocation ?? arg.location)
            }
            locals[parameterName] = arg.value
        }
        for (p, d) in zip(parameters, defaults) where locals[p.name] == nil {
            guard let d else {
                throw ScriptError(.argument, "\(name): missing argument '\(p.name)'", at: callLocation,
                                  hint: "usage: \(signature)")
            }
            locals[p.name] = d
        }
        return locals
    }
}
