import EBM
import Foundation

/// Arithmetic and comparison on values: numbers with numbers, tensors element-wise (a number
/// on either side is broadcast, a vector is added to every row of a matrix), `@` for the matrix
/// product, `+` to join strings and lists.
enum Operators {
    static func unary(_ op: String, _ v: Value, at location: SourceLocation) throws -> Value {
        switch (op, v) {
        case ("-", .number(let x)): return .number(-x)
        case ("+", .number): return v
        case ("-", _) where tensorOperand(v) != nil: return .tensor(tensorOperand(v)!.map { -$0 })
        case ("+", _) where tensorOperand(v) != nil: return .tensor(tensorOperand(v)!)
        case ("not", .bool(let b)): return .bool(!b)
        default:
            throw ScriptError(.type, "'\(op)' does not apply to \(describe(v))", at: location)
        }
    }

    static func binary(_ op: String, _ a: Value, _ b: Value, at location: SourceLocation) throws -> Value {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return try numbers(op, x, y, at: location)
        case (.string(let x), .string(let y)):
            switch op {
            case "+":
                // Joining doubles a string in one statement: `s = s + s` forty times is a terabyte.
                try reserveMemory(MemoryBudget.sum(x.utf8.count, y.utf8.count), for: "joining two strings", lower: "the strings' lengths", at: location)
                return .string(x + y)
            case "==": return .bool(x == y)
            case "!=": return .bool(x != y)
            case "<": return .bool(x < y)
            case "<=": return .bool(x <= y)
            case ">": return .bool(x > y)
            case ">=": return .bool(x >= y)
            default: break
            }
        case (.list(let x), .list(let y)) where op == "+":
            try reserveMemory(MemoryBudget.product(MemoryBudget.sum(x.count, y.count), MemoryLayout<Value>.stride),
                              for: "a list of \(x.count) + \(y.count) items", lower: "the lists' lengths", at: location)
            return .list(x + y)
        case (.bool(let x), .bool(let y)) where op == "==" || op == "!=":
            return .bool((x == y) == (op == "=="))
        default:
            break
        }
        if let x = tensorOperand(a), let y = tensorOperand(b), isTensorish(a) || isTensorish(b) {
            return try tensors(op, x, y, at: location)
        }
        if op == "==" || op == "!=" {
            // Values of different kinds are never equal; say so rather than fail.
            return .bool((op == "!=") != sameScalar(a, b))
        }
        throw ScriptError(.type, "'\(op)' does not apply to \(describe(a)) and \(describe(b))", at: location,
                          hint: hintFor(op, a, b))
    }

    private static func numbers(_ op: String, _ x: Double, _ y: Double, at location: SourceLocation) throws -> Value {
        switch op {
        case "+": return .number(x + y)
        case "-": return .number(x - y)
        case "*": return .number(x * y)
        case "/": return .number(x / y)
        case "%": return .number(x - y * (x / y).rounded(.down))
        case "**": return .number(pow(x, y))
        case "==": return .bool(x == y)
        case "!=": return .bool(x != y)
        case "<": return .bool(x < y)
        case "<=": return .bool(x <= y)
        case ">": return .bool(x > y)
        case ">=": return .bool(x >= y)
        case "@":
            throw ScriptError(.type, "'@' is the matrix product; for numbers use '*'", at: location)
        default:
            throw ScriptError(.type, "'\(op)' does not apply to numbers", at: location)
        }
    }

    private static func tensors(_ op: String, _ x: Tensor, _ y: Tensor, at location: SourceLocation) throws -> Value {
        if op == "@" {
            // The product is m × n whatever the inner size: check it before BLAS allocates it.
            if x.rank == 2, y.rank == 2, x.shape[1] == y.shape[0] {
                try reserveMemory(floatBytes(x.shape[0], y.shape[1]),
                                  for: "the product \(shapeText(x.shape)) @ \(shapeText(y.shape)) (\(x.shape[0]) × \(y.shape[1]) numbers)",
                                  lower: "the outer sizes", at: location)
            }
            guard let r = Tensor.matmul(x, y) else {
                throw ScriptError(.value, "'@' needs matrices whose inner sizes agree, got \(shapeText(x.shape)) @ \(shapeText(y.shape))",
                                  at: location, hint: "the columns of the left must equal the rows of the right; transpose with .T")
            }
            // A vector times a vector is their dot product: a number.
            return r.rank == 0 ? .number(Double(r.scalars[0])) : .tensor(r)
        }
        let f: (Float, Float) -> Float
        switch op {
        case "+": f = { $0 + $1 }
        case "-": f = { $0 - $1 }
        case "*": f = { $0 * $1 }
        case "/": f = { $0 / $1 }
        case "**": f = { powf($0, $1) }
        case "%": f = { $0 - $1 * ($0 / $1).rounded(.down) }
        case "==": f = { $0 == $1 ? 1 : 0 }
        case "!=": f = { $0 != $1 ? 1 : 0 }
        case "<": f = { $0 < $1 ? 1 : 0 }
        case "<=": f = { $0 <= $1 ? 1 : 0 }
        case ">": f = { $0 > $1 ? 1 : 0 }
        case ">=": f = { $0 >= $1 ? 1 : 0 }
        default:
            throw ScriptError(.type, "'\(op)' does not apply to tensors", at: location)
        }
        guard let r = Tensor.elementwise(x, y, f) else {
            throw ScriptError(.value, "shapes \(shapeText(x.shape)) and \(shapeText(y.shape)) do not match for '\(op)'", at: location,
                              hint: "element-wise operations need equal shapes, a number on one side, or a vector as long as each row")
        }
        return .tensor(r)
    }

    private static func tensorOperand(_ v: Value) -> Tensor? {
        switch v {
        case .number, .tensor, .object: return tensorValue(v)
        default: return nil
        }
    }

    private static func isTensorish(_ v: Value) -> Bool {
        switch v {
        case .tensor: return true
        case .object(let o): return o.tensorView != nil
        default: return false
        }
    }

    private static func sameScalar(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        default: return false
        }
    }

    private static func hintFor(_ op: String, _ a: Value, _ b: Value) -> String? {
        if case .list = a { return "turn the list into a tensor first: tensor([...])" }
        if case .list = b { return "turn the list into a tensor first: tensor([...])" }
        if case .string = a, op == "+" { return "join strings to strings only; a number prints with str(x)" }
        return nil
    }
}
