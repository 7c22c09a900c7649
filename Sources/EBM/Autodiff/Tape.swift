import COpenBLAS
import Foundation

/// Reverse-mode automatic differentiation: a tape of the operations a computation performed,
/// played backwards to get the gradient of its scalar result (Griewank & Walther, *Evaluating
/// Derivatives*, ch. 3; the "Wengert list").
///
/// Values are kept in double precision, so that gradients can be checked against central
/// finite differences to about 1e-7. Each operation appends a node holding its value and a
/// closure that, given the node's adjoint ∂L/∂node, adds each parent's share to the parent's
/// adjoint. Shapes follow `Tensor.elementwise`: equal shapes, a scalar on either side, or a
/// vector against every row of a matrix.
public final class Tape {
    /// A value on the tape: its shape (row-major) and entries.
    public struct Value: Equatable, Sendable {
        public var shape: [Int]
        public var entries: [Double]

        public init(shape: [Int], entries: [Double]) {
            self.shape = shape
            self.entries = entries
        }

        public init(_ tensor: Tensor) {
            self.init(shape: tensor.shape, entries: tensor.scalars.map(Double.init))
        }

        public var tensor: Tensor { Tensor(shape: shape, scalars: entries.map(Float.init)) }
        public var count: Int { entries.count }
        public var rank: Int { shape.count }
    }

    /// An operation the tape cannot differentiate, or operands whose shapes do not fit.
    public struct Failure: Error, Equatable, Sendable {
        public var message: String
    }

    private struct Node {
        var value: Value
        /// The operation that made it ("log", "+", "indexing"), for messages.
        var op: String
        /// Adds the parents' shares of the adjoint `g` of this node into `adjoints`.
        var backward: ((_ g: [Double], _ adjoints: inout [[Double]?]) -> Void)?
    }

    private var nodes: [Node] = []

    public init() {}

    /// The value of node `id`.
    public func value(_ id: Int) -> Value { nodes[id].value }

    /// A variable to differentiate with respect to.
    public func variable(_ value: Value) -> Int { append(value, "variable", nil) }

    /// A constant: it takes part in the computation, and gets no gradient.
    public func constant(_ value: Value) -> Int { append(value, "constant", nil) }

    private func append(_ value: Value, _ op: String, _ backward: ((_ g: [Double], _ adjoints: inout [[Double]?]) -> Void)?) -> Int {
        nodes.append(Node(value: value, op: op, backward: backward))
        return nodes.count - 1
    }

    /// The operation that first gave a NaN or infinite entry up to node `id` (in the order the
    /// computation ran), or nil when every value so far is finite: where f stopped being finite.
    public func firstNonFinite(through id: Int) -> String? {
        for node in nodes[0...id] where node.value.entries.contains(where: { !$0.isFinite }) { return node.op }
        return nil
    }

    /// Adds `g` into node `id`'s adjoint in place (copying the array out and back would cost a
    /// full copy per add, quadratic for a loop over a tensor's rows).
    private static func accumulate(_ adjoints: inout [[Double]?], _ id: Int, _ g: [Double]) {
        if adjoints[id] != nil {
            adjoints[id]!.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] += g[i] }
            }
        } else {
            adjoints[id] = g
        }
    }

    /// Adds `g[k]` at entry `indices[k]` of node `id`'s adjoint (of `count` entries): the cost
    /// is the selection's size, not the whole tensor's, so `for r in x` stays linear.
    private static func accumulate(_ adjoints: inout [[Double]?], _ id: Int, count: Int, at indices: [Int], _ g: [Double]) {
        if adjoints[id] == nil { adjoints[id] = [Double](repeating: 0, count: count) }
        adjoints[id]!.withUnsafeMutableBufferPointer { a in
            for (k, i) in indices.enumerated() { a[i] += g[k] }
        }
    }

    // MARK: Element-wise operations

    /// How `b` lines up against `a` (or `a` against `b`) element-wise.
    private enum Broadcast { case same, scalarRight, scalarLeft, rowRight, rowLeft }

    private func broadcast(_ a: Value, _ b: Value, _ op: String) throws -> (Broadcast, [Int]) {
        if a.shape == b.shape { return (.same, a.shape) }
        if b.rank == 0 { return (.scalarRight, a.shape) }
        if a.rank == 0 { return (.scalarLeft, b.shape) }
        if a.rank == 2, b.rank == 1, b.shape[0] == a.shape[1] { return (.rowRight, a.shape) }
        if b.rank == 2, a.rank == 1, a.shape[0] == b.shape[1] { return (.rowLeft, b.shape) }
        throw Failure(message: "shapes \(a.shape) and \(b.shape) do not match for '\(op)'")
    }

    /// Sums `g` (shaped like the result) down to an operand's shape: over the rows for a
    /// vector broadcast against a matrix, over everything for a broadcast scalar.
    private static func reduce(_ g: [Double], to operand: Value, resultShape: [Int]) -> [Double] {
        if operand.shape == resultShape { return g }
        if operand.rank == 0 { return [g.reduce(0, +)] }
        let c = operand.count
        var out = [Double](repeating: 0, count: c)
        for i in 0..<g.count { out[i % c] += g[i] }
        return out
    }

    /// c = f(a, b) element-wise, with ∂c/∂a = da(a, b, c) and ∂c/∂b = db(a, b, c).
    private func binary(_ x: Int, _ y: Int, _ op: String,
                        _ f: (Double, Double) -> Double,
                        _ da: @escaping (Double, Double, Double) -> Double,
                        _ db: @escaping (Double, Double, Double) -> Double) throws -> Int {
        let a = nodes[x].value, b = nodes[y].value
        let (mode, shape) = try broadcast(a, b, op)
        let n = shape.reduce(1, *)
        // Index of each operand's entry for result entry i.
        let ai: (Int) -> Int, bi: (Int) -> Int
        switch mode {
        case .same: ai = { $0 }; bi = { $0 }
        case .scalarRight: ai = { $0 }; bi = { _ in 0 }
        case .scalarLeft: ai = { _ in 0 }; bi = { $0 }
        case .rowRight: ai = { $0 }; let c = b.count; bi = { $0 % c }
        case .rowLeft: let c = a.count; ai = { $0 % c }; bi = { $0 }
        }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = f(a.entries[ai(i)], b.entries[bi(i)]) }
        let result = out
        return append(Value(shape: shape, entries: out), op) { g, adjoints in
            var ga = [Double](repeating: 0, count: a.count)
            var gb = [Double](repeating: 0, count: b.count)
            for i in 0..<n {
                let (p, q) = (ai(i), bi(i))
                ga[p] += g[i] * da(a.entries[p], b.entries[q], result[i])
                gb[q] += g[i] * db(a.entries[p], b.entries[q], result[i])
            }
            Tape.accumulate(&adjoints, x, ga)
            Tape.accumulate(&adjoints, y, gb)
        }
    }

    public func add(_ a: Int, _ b: Int) throws -> Int { try binary(a, b, "+", +, { _, _, _ in 1 }, { _, _, _ in 1 }) }
    public func subtract(_ a: Int, _ b: Int) throws -> Int { try binary(a, b, "-", -, { _, _, _ in 1 }, { _, _, _ in -1 }) }
    public func multiply(_ a: Int, _ b: Int) throws -> Int { try binary(a, b, "*", *, { _, y, _ in y }, { x, _, _ in x }) }
    public func divide(_ a: Int, _ b: Int) throws -> Int {
        try binary(a, b, "/", /, { _, y, _ in 1 / y }, { x, y, _ in -x / (y * y) })
    }
    /// aᵇ; ∂/∂a = b aᵇ⁻¹, ∂/∂b = aᵇ log a (taken as 0 where a = 0, so constant exponents work at 0).
    public func power(_ a: Int, _ b: Int) throws -> Int {
        try binary(a, b, "**", { Foundation.pow($0, $1) },
                   { x, y, _ in y == 0 ? 0 : y * Foundation.pow(x, y - 1) },
                   { x, _, r in x == 0 ? 0 : r * Foundation.log(x) })
    }

    /// f applied to every entry, with derivative df(x, f(x)).
    private func unary(_ x: Int, _ op: String, _ f: (Double) -> Double, _ df: @escaping (Double, Double) -> Double) -> Int {
        let a = nodes[x].value
        let out = a.entries.map(f)
        return append(Value(shape: a.shape, entries: out), op) { g, adjoints in
            var ga = [Double](repeating: 0, count: a.count)
            for i in 0..<a.count { ga[i] = g[i] * df(a.entries[i], out[i]) }
            Tape.accumulate(&adjoints, x, ga)
        }
    }

    public func negate(_ a: Int) -> Int { unary(a, "unary -", { -$0 }, { _, _ in -1 }) }
    public func exp(_ a: Int) -> Int { unary(a, "exp", Foundation.exp, { _, y in y }) }
    public func log(_ a: Int) -> Int { unary(a, "log", Foundation.log, { x, _ in 1 / x }) }
    public func sqrt(_ a: Int) -> Int { unary(a, "sqrt", { $0.squareRoot() }, { _, y in 0.5 / y }) }
    /// |x|, with derivative sign(x) (0 at 0).
    public func abs(_ a: Int) -> Int { unary(a, "abs", Swift.abs, { x, _ in x > 0 ? 1 : x < 0 ? -1 : 0 }) }
    /// σ(x) = 1 / (1 + e⁻ˣ); σ' = σ(1 − σ).
    public func sigmoid(_ a: Int) -> Int {
        unary(a, "sigmoid", { x in x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) },
              { _, s in s * (1 - s) })
    }
    /// softplus(x) = log(1 + eˣ); softplus' = σ(x).
    public func softplus(_ a: Int) -> Int {
        unary(a, "softplus", { x in Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) },
              { x, _ in x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) })
    }
    /// tanh(x); tanh' = 1 − tanh².
    public func tanh(_ a: Int) -> Int { unary(a, "tanh", Foundation.tanh, { _, y in 1 - y * y }) }

    // MARK: Matrix product, reductions, transposition, selection

    /// The matrix product with `Tensor.matmul`'s shapes: a vector on the left is a row, on the
    /// right a column; vector @ vector is their dot product (a scalar). Adjoints: for C = AB,
    /// ∂L/∂A = ∂L/∂C Bᵀ and ∂L/∂B = Aᵀ ∂L/∂C.
    public func matmul(_ x: Int, _ y: Int) throws -> Int {
        let a = nodes[x].value, b = nodes[y].value
        guard (1...2).contains(a.rank), (1...2).contains(b.rank) else {
            throw Failure(message: "'@' needs vectors or matrices, got shapes \(a.shape) and \(b.shape)")
        }
        let m = a.rank == 2 ? a.shape[0] : 1, k = a.rank == 2 ? a.shape[1] : a.shape[0]
        let n = b.rank == 2 ? b.shape[1] : 1
        guard b.shape[0] == k else {
            throw Failure(message: "'@' needs matrices whose inner sizes agree, got \(a.shape) @ \(b.shape)")
        }
        let c = Tape.gemm(a.entries, b.entries, m, k, n, transposeA: false, transposeB: false)
        var shape: [Int] = []
        if a.rank == 2 { shape.append(m) }
        if b.rank == 2 { shape.append(n) }
        return append(Value(shape: shape, entries: c), "@") { g, adjoints in
            // g is m × n; dA = g Bᵀ (m × k), dB = Aᵀ g (k × n).
            Tape.accumulate(&adjoints, x, Tape.gemm(g, b.entries, m, n, k, transposeA: false, transposeB: true))
            Tape.accumulate(&adjoints, y, Tape.gemm(a.entries, g, k, m, n, transposeA: true, transposeB: false))
        }
    }

    /// (m × k) · (k × n) in double precision; `transposeA` reads `a` as stored k × m, and
    /// `transposeB` reads `b` as stored n × k.
    private static func gemm(_ a: [Double], _ b: [Double], _ m: Int, _ k: Int, _ n: Int,
                             transposeA: Bool, transposeB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        if m == 0 || n == 0 || k == 0 { return c }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                blasint(m), blasint(n), blasint(k), 1,
                                pa.baseAddress, blasint(transposeA ? m : k), pb.baseAddress, blasint(transposeB ? k : n),
                                0, pc.baseAddress, blasint(n))
                }
            }
        }
        return c
    }

    /// The sum of all entries (a scalar), or of a matrix along `axis` (0: one per column,
    /// 1: one per row); `mean` divides by the count summed.
    public func sum(_ x: Int, axis: Int? = nil, mean: Bool = false) throws -> Int {
        let a = nodes[x].value
        guard let axis else {
            let scale = mean ? 1 / Double(a.count) : 1
            return append(Value(shape: [], entries: [a.entries.reduce(0, +) * scale]), mean ? "mean" : "sum") { g, adjoints in
                Tape.accumulate(&adjoints, x, [Double](repeating: g[0] * scale, count: a.count))
            }
        }
        guard a.rank == 2, axis == 0 || axis == 1 else {
            throw Failure(message: "axis needs a matrix, got shape \(a.shape)")
        }
        let (r, c) = (a.shape[0], a.shape[1])
        let scale = mean ? 1 / Double(axis == 0 ? r : c) : 1
        var out = [Double](repeating: 0, count: axis == 0 ? c : r)
        for i in 0..<r { for j in 0..<c { out[axis == 0 ? j : i] += a.entries[i * c + j] * scale } }
        return append(Value(shape: [out.count], entries: out), mean ? "mean" : "sum") { g, adjoints in
            var ga = [Double](repeating: 0, count: a.count)
            for i in 0..<r { for j in 0..<c { ga[i * c + j] = g[axis == 0 ? j : i] * scale } }
            Tape.accumulate(&adjoints, x, ga)
        }
    }

    /// The transpose of a matrix (a vector or scalar is its own).
    public func transpose(_ x: Int) -> Int {
        let a = nodes[x].value
        guard a.rank == 2 else { return x }
        let (r, c) = (a.shape[0], a.shape[1])
        var out = [Double](repeating: 0, count: a.count)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = a.entries[i * c + j] } }
        return append(Value(shape: [c, r], entries: out), "transpose") { g, adjoints in
            var ga = [Double](repeating: 0, count: a.count)
            for i in 0..<r { for j in 0..<c { ga[i * c + j] = g[j * r + i] } }
            Tape.accumulate(&adjoints, x, ga)
        }
    }

    /// Entries picked by flat index into a new shape (indexing and slicing); the adjoint adds
    /// back into the picked places.
    public func select(_ x: Int, indices: [Int], shape: [Int]) -> Int {
        let a = nodes[x].value
        let count = a.count
        return append(Value(shape: shape, entries: indices.map { a.entries[$0] }), "indexing") { g, adjoints in
            Tape.accumulate(&adjoints, x, count: count, at: indices, g)
        }
    }

    /// Values of one shape stacked along a new first axis (`tensor([a, b])` of numbers gives a
    /// vector, of vectors a matrix); the adjoint splits back into the parts.
    public func stack(_ ids: [Int]) throws -> Int {
        guard let first = ids.first else { throw Failure(message: "an empty list has nothing to follow") }
        let shape = nodes[first].value.shape
        var entries: [Double] = []
        for id in ids {
            guard nodes[id].value.shape == shape else {
                throw Failure(message: "the items must have one shape, got \(shape) and \(nodes[id].value.shape)")
            }
            entries += nodes[id].value.entries
        }
        let block = shape.reduce(1, *)
        return append(Value(shape: [ids.count] + shape, entries: entries), "tensor") { g, adjoints in
            for (k, id) in ids.enumerated() {
                Tape.accumulate(&adjoints, id, Array(g[(k * block)..<((k + 1) * block)]))
            }
        }
    }

    // MARK: The backward pass

    /// ∂output/∂input for each input, by one backward sweep; `output` must hold one entry.
    public func gradient(of output: Int, withRespectTo inputs: [Int]) throws -> [Value] {
        guard nodes[output].value.count == 1 else {
            throw Failure(message: "the result must be a single number, got shape \(nodes[output].value.shape)")
        }
        var adjoints = [[Double]?](repeating: nil, count: nodes.count)
        adjoints[output] = [1]
        for id in stride(from: output, through: 0, by: -1) {
            guard let g = adjoints[id], let backward = nodes[id].backward else { continue }
            backward(g, &adjoints)
        }
        return inputs.map { id in
            let v = nodes[id].value
            return Value(shape: v.shape, entries: adjoints[id] ?? [Double](repeating: 0, count: v.count))
        }
    }
}
