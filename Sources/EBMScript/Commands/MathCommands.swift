import EBM
import Foundation

/// Element-wise functions and reductions, on numbers and tensors alike.
extension Command {
    static let exp = elementwise("exp", "eˣ, element-wise") { Foundation.exp($0) }
    static let log = elementwise("log", "the natural logarithm, element-wise") { Foundation.log($0) }
    static let sqrt = elementwise("sqrt", "the square root, element-wise") { $0.squareRoot() }
    static let abs = elementwise("abs", "the absolute value, element-wise") { Swift.abs($0) }
    /// σ(x) = 1 / (1 + e⁻ˣ), written to stay finite for large |x|.
    static let sigmoid = elementwise("sigmoid", "the logistic function σ(x) = 1 / (1 + e^-x), element-wise") { x in
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }
    /// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^-|x|), stable for large |x|.
    static let softplus = elementwise("softplus", "log(1 + e^x), element-wise (computed stably)") { x in
        Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }

    static let sum = reduction("sum", "the sum of all entries (or along an axis)") { $0.reduce(0, +) }
    static let mean = reduction("mean", "the mean of all entries (or along an axis)") { $0.isEmpty ? .nan : $0.reduce(0, +) / Double($0.count) }
    /// The sample standard deviation, √(Σ(x − x̄)² / (n − 1)).
    static let std = reduction("std", "the standard deviation of all entries (or along an axis), with n − 1") { v in
        guard v.count > 1 else { return .nan }
        let m = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }
    static let min = reduction("min", "the smallest entry (or along an axis)") { $0.min() ?? .nan }
    static let max = reduction("max", "the largest entry (or along an axis)") { $0.max() ?? .nan }

    private static func elementwise(_ name: String, _ summary: String, _ f: @escaping @Sendable (Double) -> Double) -> Command {
        Command(name, category: .values, summary: summary,
                parameters: [Parameter("x", .oneOf([.number, .tensor]), "a number or a tensor")]) { args, _ in
            if case .number(let v) = args["x"] { return .number(f(v)) }
            return .tensor(args.tensor("x").map { Float(f(Double($0))) })
        }
    }

    private static func reduction(_ name: String, _ summary: String, _ f: @escaping @Sendable ([Double]) -> Double) -> Command {
        Command(name, category: .values, summary: summary,
                parameters: [
                    Parameter("x", .tensor, "a tensor, a data set, or a list of numbers"),
                    Parameter("axis", .optional(.integer(min: 0, max: 1)), default: Value.none,
                              "0 reduces over rows (one result per column), 1 over columns (one per row)"),
                ],
                details: "Example:\n  mean(d.x, axis: 0)   # the mean image of a data set\n  mean(chain)          # per dimension, for a Langevin chain") { args, _ in
            let t = args.tensor("x")
            // A Langevin chain's moments are per dimension: mean(chain) is one value per coordinate.
            var axisArgument = args.optionalInt("axis")
            if case .object(_ as LangevinChainValue) = args["x"], axisArgument == nil { axisArgument = 0 }
            guard let axis = axisArgument else {
                return .number(f(t.scalars.map(Double.init)))
            }
            guard t.rank == 2 else { throw args.error("axis", "axis needs a matrix, got a tensor \(shapeText(t.shape))") }
            let (r, c) = (t.shape[0], t.shape[1])
            let out: [Float] = axis == 0
                ? (0..<c).map { j in Float(f((0..<r).map { Double(t.scalars[$0 * c + j]) })) }
                : (0..<r).map { i in Float(f((0..<c).map { Double(t.scalars[i * c + $0]) })) }
            return .tensor(Tensor(shape: [out.count], scalars: out))
        }
    }
}
