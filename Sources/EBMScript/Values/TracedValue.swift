import EBM

/// A number or tensor that `grad(f, x)` is following through a user function: a node of the
/// function's tape. The operators, `.T`, `.sum`, `.mean`, indexing and the differentiable
/// commands record onto the tape; anything else on it is an error naming the operation, so a
/// gradient is never silently wrong.
public final class TracedValue: ScriptObject {
    let tape: Tape
    let node: Int

    init(tape: Tape, node: Int) {
        self.tape = tape
        self.node = node
    }

    var value: Tape.Value { tape.value(node) }

    /// The plain value: a number for rank 0, else a tensor.
    var plain: Value {
        let v = value
        return v.rank == 0 ? .number(v.entries[0]) : .tensor(v.tensor)
    }

    public var kindName: String { "traced" }
    public var summary: String { "\(shapeText(value.shape)), followed by grad" }

    public func render(_ format: ValueFormat) -> String { format.render(plain) }

    public var propertyNames: [String] { ["shape", "rank", "count", "T", "sum", "mean"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "T": return .object(TracedValue(tape: tape, node: tape.transpose(node)))
        case "sum", "mean":
            return .object(TracedValue(tape: tape, node: try Autodiff.run { try tape.sum(node, mean: name == "mean") }))
        case "shape", "rank", "count":
            return Properties.tensorProperty(value.tensor, name)
        default:
            return nil
        }
    }
}
