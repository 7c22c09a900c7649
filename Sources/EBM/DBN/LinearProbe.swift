import COpenBLAS
import Glibc

/// A linear probe: multinomial logistic regression p(y = k | f) = softmax(V f + a)_k on fixed
/// features f (raw pixels, or a DBN layer's q(h | x)), fitted by minibatch gradient descent with
/// momentum on the mean cross-entropy plus ½λ‖V‖². Its test accuracy measures how linearly
/// separable the classes are in those features: 003's "better features", as a number.
public struct LinearProbe: Sendable, Equatable {
    public let classes: Int
    public let inputs: Int
    /// V, classes × inputs, row-major.
    public private(set) var V: [Float]
    /// a, classes.
    public private(set) var a: [Float]
    /// Mean cross-entropy on the training features after each epoch.
    public private(set) var trainingLoss: [Double] = []

    /// Settings of the fit.
    public struct Options: Sendable {
        public var epochs = 20
        public var learningRate: Float = 0.1
        public var momentum: Float = 0.9
        /// λ of the L2 penalty on V.
        public var l2: Float = 1e-4
        public var batchSize = 100
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Fits the probe to `features` (n × d) and `labels` (n, each in 0..<classes; `classes`
    /// defaults to the largest label + 1). Deterministic for a seed.
    public init(fitting features: Tensor, labels: [Int], classes: Int? = nil, options: Options = Options()) {
        precondition(features.rank == 2 && features.rows == labels.count && features.rows > 0,
                     "a probe needs n × d features and n labels, got \(features.shape) and \(labels.count)")
        let K = classes ?? ((labels.max() ?? 0) + 1)
        precondition(K >= 2 && labels.allSatisfy { $0 >= 0 && $0 < K }, "labels must be 0…\(K - 1) with at least two classes")
        let (n, d) = (features.rows, features.shape[1])
        self.classes = K
        self.inputs = d
        V = [Float](repeating: 0, count: K * d)
        a = [Float](repeating: 0, count: K)
        var velocityV = V, velocityA = a
        var order = Array(0..<n)
        var g = Xoshiro256StarStar(seed: options.seed)
        for _ in 0..<options.epochs {
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &g)) }
            var loss = 0.0
            var start = 0
            while start < n {
                let rows = Array(order[start..<Swift.min(n, start + options.batchSize)])
                let X = features.rows(rows)
                var P = probabilities(X)
                let B = rows.count
                for (r, row) in rows.enumerated() {
                    loss -= log(Swift.max(Double(P[r * K + labels[row]]), 1e-30))
                    P[r * K + labels[row]] -= 1   // ∂(cross-entropy)/∂logits = p − onehot(y)
                }
                // grad V = (P − Y)ᵀ X / B + λV.
                var gradV = V.map { $0 * options.l2 }
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(K), blasint(d), blasint(B),
                            1 / Float(B), P, blasint(K), X.scalars, blasint(d), 1, &gradV, blasint(d))
                for k in 0..<K * d {
                    velocityV[k] = options.momentum * velocityV[k] - options.learningRate * gradV[k]
                    V[k] += velocityV[k]
                }
                for c in 0..<K {
                    var s: Float = 0
                    for r in 0..<B { s += P[r * K + c] }
                    velocityA[c] = options.momentum * velocityA[c] - options.learningRate * s / Float(B)
                    a[c] += velocityA[c]
                }
                start += options.batchSize
            }
            trainingLoss.append(loss / Double(n))
        }
    }

    /// softmax(X Vᵀ + a), n × classes.
    public func probabilities(_ X: Tensor) -> [Float] {
        precondition(X.rank == 2 && X.shape[1] == inputs, "the probe takes n × \(inputs) features, got \(X.shape)")
        let (n, K) = (X.rows, classes)
        var Z = [Float](repeating: 0, count: n * K)
        for r in 0..<n { for c in 0..<K { Z[r * K + c] = a[c] } }
        if n > 0 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(K), blasint(inputs),
                        1, X.scalars, blasint(inputs), V, blasint(inputs), 1, &Z, blasint(K))
        }
        for r in 0..<n {
            var m = -Float.infinity
            for c in 0..<K { m = Swift.max(m, Z[r * K + c]) }
            var s: Float = 0
            for c in 0..<K { Z[r * K + c] = Glibc.expf(Z[r * K + c] - m); s += Z[r * K + c] }
            for c in 0..<K { Z[r * K + c] /= s }
        }
        return Z
    }

    /// The most probable class of every row.
    public func predict(_ X: Tensor) -> [Int] {
        let P = probabilities(X)
        return (0..<X.rows).map { r in
            var best = 0
            for c in 1..<classes where P[r * classes + c] > P[r * classes + best] { best = c }
            return best
        }
    }

    /// The fraction of rows whose predicted class is the label.
    public func accuracy(_ X: Tensor, labels: [Int]) -> Double {
        precondition(X.rows == labels.count, "\(X.rows) rows but \(labels.count) labels")
        let predicted = predict(X)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
    }
}
