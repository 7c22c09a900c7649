import EBM

/// What `for NAME in EXPR` walks: a list's items, a tensor's rows (numbers for a vector), a
/// string's characters, or an indexable object's elements (a data set's examples, a chain's
/// snapshots). Elements are made one at a time, so a loop over a large data set copies one
/// example per iteration.
struct LoopSequence {
    let count: Int
    private let elementAt: (Int) throws -> Value

    init(_ value: Value, at location: SourceLocation) throws {
        switch value {
        case .list(let items):
            count = items.count
            elementAt = { items[$0] }
        case .string(let s):
            let chars = Array(s)
            count = chars.count
            elementAt = { .string(String(chars[$0])) }
        case .tensor(let t):
            guard t.rank >= 1 else {
                throw ScriptError(.type, "a tensor of rank 0 cannot be looped over", at: location)
            }
            count = t.shape[0]
            elementAt = { try Subscripting.tensor(t, [.index($0, location)], at: location) }
        case .object(let t as TracedValue):
            guard t.value.rank >= 1 else {
                throw ScriptError(.type, "a number cannot be looped over", at: location)
            }
            count = t.value.shape[0]
            elementAt = { try Autodiff.subscripted(t, [.index($0, location)], at: location) }
        case .object(let o):
            if let n = o.elementCount, (try? o.element(.single(0))) != nil || n == 0 {
                count = n
                elementAt = { i in
                    guard let v = try o.element(.single(i)) else {
                        throw ScriptError(.type, "\(kindDescription(o.kindName)) cannot be looped over", at: location)
                    }
                    return v
                }
            } else if let t = o.tensorView, t.rank >= 1 {
                count = t.shape[0]
                elementAt = { try Subscripting.tensor(t, [.index($0, location)], at: location) }
            } else {
                throw ScriptError(.type, "\(describe(value)) cannot be looped over", at: location,
                                  hint: "loop over a list, a range(…), a tensor's rows or a data set's examples")
            }
        default:
            throw ScriptError(.type, "\(describe(value)) cannot be looped over", at: location,
                              hint: "loop over a list, a range(…), a tensor's rows or a data set's examples")
        }
    }

    func element(_ i: Int) throws -> Value { try elementAt(i) }
}
