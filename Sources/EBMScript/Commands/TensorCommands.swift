import EBM
import Foundation

extension Command {
    static let tensor = Command(
        "tensor", category: .values,
        summary: "a tensor from a (nested) list of numbers",
        parameters: [Parameter("values", .tensor, "a number, a list of numbers, or a list of equal-length lists")],
        details: "Example:\n  W = tensor([[1, 2], [3, 4]])"
    ) { args, _ in .tensor(args.tensor("values")) }

    static let zeros = Command(
        "zeros", category: .values, summary: "a tensor of zeros with the given shape",
        parameters: [Parameter("shape", .oneOf([.integer(min: 0, max: nil), .list]), "a size, or a list of sizes: zeros([2, 3])")]
    ) { args, _ in .tensor(Tensor(shape: try newTensorShape(args, "shape"), repeating: 0)) }

    static let ones = Command(
        "ones", category: .values, summary: "a tensor of ones with the given shape",
        parameters: [Parameter("shape", .oneOf([.integer(min: 0, max: nil), .list]), "a size, or a list of sizes: ones([2, 3])")]
    ) { args, _ in .tensor(Tensor(shape: try newTensorShape(args, "shape"), repeating: 1)) }

    static let rand = Command(
        "rand", category: .values, summary: "uniform random numbers in [0, 1) with the given shape",
        parameters: [
            Parameter("shape", .oneOf([.integer(min: 0, max: nil), .list]), "a size, or a list of sizes"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed: the same seed gives the same numbers"),
        ]
    ) { args, _ in
        let shape = try newTensorShape(args, "shape")
        var rng = Xoshiro256StarStar(seed: UInt64(args.int("seed")))
        let n = shape.reduce(1, *)
        return .tensor(Tensor(shape: shape, scalars: (0..<n).map { _ in rng.nextUnitFloat() }))
    }

    static let randn = Command(
        "randn", category: .values, summary: "standard normal random numbers with the given shape",
        parameters: [
            Parameter("shape", .oneOf([.integer(min: 0, max: nil), .list]), "a size, or a list of sizes"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed: the same seed gives the same numbers"),
        ],
        details: "Drawn by the Box–Muller transform from the seeded xoshiro256** generator."
    ) { args, _ in
        let shape = try newTensorShape(args, "shape")
        var rng = Xoshiro256StarStar(seed: UInt64(args.int("seed")))
        let n = shape.reduce(1, *)
        return .tensor(Tensor(shape: shape, scalars: rng.standardNormals(n, complement: true)))
    }

    static let range = Command(
        "range", category: .values, summary: "the list start, start + step, … below stop",
        parameters: [
            Parameter("start", .number, "the first value (or the stop, when it is the only argument)"),
            Parameter("stop", .optional(.number), default: Value.none, "values stay below this"),
            Parameter("step", .number, default: .number(1), "the difference between neighbours"),
        ],
        details: "Examples:\n  range(4)         # [0, 1, 2, 3]\n  range(1, 2, 0.25)"
    ) { args, _ in
        var start = args.number("start"), stop: Double
        if case .number(let s) = args["stop"] { stop = s } else { stop = start; start = 0 }
        let step = args.number("step")
        guard step != 0 else { throw args.error("step", "step cannot be 0") }
        let n = Swift.max(0, Int(saturating: ((stop - start) / step).rounded(.up), nan: 0))
        guard n <= 10_000_000 else { throw args.error("stop", "that range has \(n) values; the limit is 10,000,000") }
        try args.reserveMemory(MemoryBudget.product(n, MemoryLayout<Value>.stride), for: "a list of \(n) numbers", lower: "the range or raise step")
        return .list((0..<n).map { .number(start + Double($0) * step) })
    }

    static let len = Command(
        "len", category: .values, summary: "the number of items: list items, tensor rows, examples",
        parameters: [Parameter("value", .any, "a list, string, tensor or data set")]
    ) { args, _ in
        switch args["value"] {
        case .list(let items): return .number(Double(items.count))
        case .string(let s): return .number(Double(s.count))
        case .tensor(let t): return .number(Double(t.rank == 0 ? 1 : t.shape[0]))
        case .object(let o):
            if let n = o.elementCount { return .number(Double(n)) }
            fallthrough
        default: throw args.error("value", "\(describe(args["value"])) has no length")
        }
    }

    static let reshape = Command(
        "reshape", category: .values, summary: "the same numbers with another shape",
        parameters: [
            Parameter("x", .tensor, "a tensor"),
            Parameter("shape", .list, "the new sizes; one of them may be -1 to be inferred"),
        ]
    ) { args, _ in
        let t = args.tensor("x")
        var shape = try shapeList(args, "shape", allowInferred: true)
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, t.count % known == 0 else {
                throw args.error("shape", "cannot infer -1: \(t.count) numbers do not divide by \(known)")
            }
            shape[i] = t.count / known
        }
        guard let r = t.reshaped(shape) else {
            throw args.error("shape", "cannot reshape \(t.count) numbers \(shapeText(t.shape)) to \(shapeText(shape)) (\(shape.reduce(1, *)) numbers)")
        }
        return .tensor(r)
    }

    static let transpose = Command(
        "transpose", category: .values, summary: "the transpose of a matrix (also x.T)",
        parameters: [Parameter("x", .tensor, "a matrix")]
    ) { args, _ in
        let t = args.tensor("x")
        guard t.rank == 2 else { throw args.error("x", "transpose takes a matrix, got a tensor \(shapeText(t.shape))") }
        return .tensor(t.transposed())
    }
}

/// The shape of a tensor a constructor is about to fill, checked against the memory budget.
func newTensorShape(_ args: Arguments, _ name: String) throws -> [Int] {
    let shape = try shapeArgument(args, name)
    try args.reserveMemory(floatBytes(MemoryBudget.product(shape)), for: "a tensor \(shapeText(shape))", lower: "its sizes")
    return shape
}

/// A shape given as one size or a list of sizes.
func shapeArgument(_ args: Arguments, _ name: String) throws -> [Int] {
    if case .number(let v) = args[name] {
        guard v <= Double(1 << 31) else { throw args.error(name, "[\(formatNumber(v))] is too large (over 2^31 numbers)") }
        return [Int(v)]
    }
    return try shapeList(args, name, allowInferred: false)
}

func shapeList(_ args: Arguments, _ name: String, allowInferred: Bool) throws -> [Int] {
    guard case .list(let items) = args[name] else { throw args.error(name, "expected a list of sizes") }
    var shape: [Int] = []
    for item in items {
        guard case .number(let v) = item, v == v.rounded(), v >= (allowInferred ? -1 : 0), v < 1e9 else {
            throw args.error(name, "sizes are whole numbers ≥ 0\(allowInferred ? " (or -1)" : ""), got \(describe(item))")
        }
        shape.append(Int(v))
    }
    guard shape.filter({ $0 == -1 }).count <= 1 else { throw args.error(name, "only one size can be -1") }
    let total = MemoryBudget.product(shape.map { max($0, 1) })
    guard total <= 1 << 31 else { throw args.error(name, "\(shapeText(shape)) is too large (over 2^31 numbers)") }
    return shape
}
