import Glibc

/// E(x) = h (x₁² − 1)² + ½ Σ_{i>1} xᵢ²: two wells at x₁ = ±1 separated by a barrier of height h
/// at 0 — the simplest energy on which a local sampler gets stuck in one mode. The other
/// coordinates are standard normal. Moments of x₁ are 1-D integrals, done by quadrature.
public struct DoubleWellEnergy: ClosedFormEnergy, Equatable {
    public let barrier: Double
    public let dimension: Int
    public let exactMean: [Double]
    public let exactStd: [Double]
    public let logPartitionFunction: Double

    public init(barrier: Double = 2, dimension: Int = 1) {
        precondition(barrier > 0 && dimension >= 1, "a positive barrier and at least one dimension")
        self.barrier = barrier
        self.dimension = dimension
        // ∫ e^(−h(t²−1)²) t^m dt on [−6, 6] by the midpoint rule with 200,000 cells: the
        // integrand is smooth and negligible beyond |t| = 3 for h ≥ 0.05.
        let cells = 200_000, a = -6.0, width = 12.0 / Double(cells)
        var z = 0.0, second = 0.0
        for c in 0..<cells {
            let t = a + (Double(c) + 0.5) * width
            let w = exp(-barrier * (t * t - 1) * (t * t - 1)) * width
            z += w
            second += w * t * t
        }
        exactMean = [Double](repeating: 0, count: dimension)   // symmetric in each coordinate
        exactStd = [(second / z).squareRoot()] + [Double](repeating: 1, count: dimension - 1)
        logPartitionFunction = log(z) + 0.5 * Double(dimension - 1) * log(2 * Double.pi)
    }

    public var description: String { "double well h(x₁² − 1)² + ½Σ_{i>1} xᵢ², barrier h = \(barrier), \(dimension) dimension\(dimension == 1 ? "" : "s")" }

    public func energies(_ X: [Float], rows n: Int) -> [Float] { energiesAndGradients(X, rows: n).energies }

    public func energiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        let d = dimension
        var E = [Float](repeating: 0, count: n), G = [Float](repeating: 0, count: n * d)
        let h = Float(barrier)
        for r in 0..<n {
            let x1 = X[r * d]
            var e = h * (x1 * x1 - 1) * (x1 * x1 - 1)
            G[r * d] = 4 * h * x1 * (x1 * x1 - 1)
            for i in 1..<max(1, d) {
                let x = X[r * d + i]
                e += 0.5 * x * x
                G[r * d + i] = x
            }
            E[r] = e
        }
        return (E, G)
    }
}
