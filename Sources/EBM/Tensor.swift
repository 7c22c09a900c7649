import COpenBLAS

/// A dense, row-major tensor of `Float` (float32), the working precision of ebm.
///
/// Storage is a Swift array, so copies are cheap until one side writes (copy-on-write).
/// Products go through OpenBLAS (`cblas_sgemm`); element-wise work is written as plain loops
/// over contiguous buffers so the compiler can vectorise it.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) scalars")
        self.shape = shape
        self.scalars = scalars
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A 0-dimensional tensor holding one number.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }
    /// Rows of a matrix (the first axis); 1 for a scalar.
    public var rows: Int { shape.first ?? 1 }
    /// Elements per row (the product of all axes after the first).
    public var rowLength: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }

    /// The same scalars seen with another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor? {
        guard newShape.allSatisfy({ $0 >= 0 }), newShape.reduce(1, *) == count else { return nil }
        return Tensor(shape: newShape, scalars: scalars)
    }

    /// Sub-tensor `i` along the first axis.
    public func row(_ i: Int) -> Tensor {
        precondition(rank >= 1 && i >= 0 && i < shape[0])
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        return Tensor(shape: inner, scalars: Array(scalars[(i * n)..<((i + 1) * n)]))
    }

    /// Rows `indices` along the first axis, in that order.
    public func rows<S: Sequence>(_ indices: S) -> Tensor where S.Element == Int {
        precondition(rank >= 1)
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        var out: [Float] = []
        var k = 0
        for i in indices {
            precondition(i >= 0 && i < shape[0])
            out.append(contentsOf: scalars[(i * n)..<((i + 1) * n)])
            k += 1
        }
        return Tensor(shape: [k] + inner, scalars: out)
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transpose needs a matrix")
        let (r, c) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<r { for j in 0..<c { dst[j * r + i] = src[i * c + j] } }
            }
        }
        return Tensor(shape: [c, r], scalars: out)
    }

    public var sum: Double { scalars.reduce(0) { $0 + Double($1) } }
    public var mean: Double { count == 0 ? .nan : sum / Double(count) }
    public var min: Float? { scalars.min() }
    public var max: Float? { scalars.max() }
}

// MARK: - Element-wise arithmetic

extension Tensor {
    /// Applies `op` element by element; shapes must match, or one side is a scalar (rank 0).
    public static func elementwise(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor? {
        if a.shape == b.shape {
            var out = a.scalars
            out.withUnsafeMutableBufferPointer { o in
                b.scalars.withUnsafeBufferPointer { y in
                    for i in 0..<o.count { o[i] = op(o[i], y[i]) }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        if b.rank == 0 { return a.map { op($0, b.scalars[0]) } }
        if a.rank == 0 { return b.map { op(a.scalars[0], $0) } }
        // A row vector against every row of a matrix (bias addition).
        if a.rank == 2, b.rank == 1, b.shape[0] == a.shape[1] {
            var out = a.scalars
            let c = a.shape[1]
            out.withUnsafeMutableBufferPointer { o in
                b.scalars.withUnsafeBufferPointer { y in
                    for i in 0..<a.shape[0] { for j in 0..<c { o[i * c + j] = op(o[i * c + j], y[j]) } }
                }
            }
            return Tensor(shape: a.shape, scalars: out)
        }
        return nil
    }

    public func map(_ f: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(f))
    }
}

// MARK: - Products on OpenBLAS

extension Tensor {
    /// The matrix product A·B through `cblas_sgemm`. Vectors act as a row (on the left) or a
    /// column (on the right); returns nil when the inner dimensions differ.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor? {
        guard a.rank >= 1, a.rank <= 2, b.rank >= 1, b.rank <= 2 else { return nil }
        let m = a.rank == 2 ? a.shape[0] : 1
        let k = a.rank == 2 ? a.shape[1] : a.shape[0]
        let k2 = b.shape[0]
        let n = b.rank == 2 ? b.shape[1] : 1
        guard k == k2 else { return nil }
        var out = [Float](repeating: 0, count: m * n)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                blasint(m), blasint(n), blasint(k), 1,
                                pa.baseAddress, blasint(k), pb.baseAddress, blasint(n),
                                0, pc.baseAddress, blasint(n))
                }
            }
        }
        var shape: [Int] = []
        if a.rank == 2 { shape.append(m) }
        if b.rank == 2 { shape.append(n) }
        return Tensor(shape: shape, scalars: out)
    }
}
