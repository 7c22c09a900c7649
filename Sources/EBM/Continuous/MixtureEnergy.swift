import Glibc

/// E(x) = −log Σₖ πₖ N(x; μₖ, σₖ² I): a mixture of isotropic Gaussians as an energy, so that
/// p(x) = e^(−E(x)) exactly (log Z = 0). Its moments are known in closed form:
/// E[x] = Σₖ πₖ μₖ and E[x²] = Σₖ πₖ (σₖ² + μₖ²) per dimension.
public struct MixtureEnergy: ClosedFormEnergy, Equatable {
    public let means: [[Double]]
    public let stds: [Double]
    public let weights: [Double]

    public init(means: [[Double]], stds: [Double], weights: [Double]? = nil) {
        precondition(!means.isEmpty && means.count == stds.count && stds.allSatisfy { $0 > 0 }, "one mean and one positive std per component")
        let d = means[0].count
        precondition(means.allSatisfy { $0.count == d }, "every mean needs \(d) coordinates")
        let w = weights ?? [Double](repeating: 1, count: means.count)
        precondition(w.count == means.count && w.allSatisfy { $0 > 0 }, "one positive weight per component")
        let total = w.reduce(0, +)
        self.means = means
        self.stds = stds
        self.weights = w.map { $0 / total }
    }

    public var dimension: Int { means[0].count }
    public var logPartitionFunction: Double { 0 }
    public var exactMean: [Double] {
        var m = [Double](repeating: 0, count: dimension)
        for (w, mu) in zip(weights, means) { for i in 0..<dimension { m[i] += w * mu[i] } }
        return m
    }
    public var exactStd: [Double] {
        let m = exactMean
        var second = [Double](repeating: 0, count: dimension)
        for k in 0..<means.count {
            for i in 0..<dimension { second[i] += weights[k] * (stds[k] * stds[k] + means[k][i] * means[k][i]) }
        }
        return (0..<dimension).map { (second[$0] - m[$0] * m[$0]).squareRoot() }
    }
    public var description: String { "mixture of \(means.count) Gaussians in \(dimension) dimensions, E(x) = −log Σₖ πₖ N(x; μₖ, σₖ²I)" }

    public func energies(_ X: [Float], rows n: Int) -> [Float] { energiesAndGradients(X, rows: n).energies }

    /// ∇ₓE = Σₖ rₖ(x) (x − μₖ)/σₖ², rₖ the responsibilities.
    public func energiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        let d = dimension, K = means.count
        var E = [Float](repeating: 0, count: n), G = [Float](repeating: 0, count: n * d)
        var logTerms = [Double](repeating: 0, count: K)
        for r in 0..<n {
            for k in 0..<K {
                var sq = 0.0
                for i in 0..<d { let u = Double(X[r * d + i]) - means[k][i]; sq += u * u }
                let v = stds[k] * stds[k]
                logTerms[k] = log(weights[k]) - 0.5 * sq / v - 0.5 * Double(d) * log(2 * Double.pi * v)
            }
            let m = logTerms.max()!
            let lse = m + log(logTerms.reduce(0) { $0 + exp($1 - m) })
            E[r] = Float(-lse)
            for k in 0..<K {
                let resp = exp(logTerms[k] - lse)
                let v = stds[k] * stds[k]
                for i in 0..<d { G[r * d + i] += Float(resp * (Double(X[r * d + i]) - means[k][i]) / v) }
            }
        }
        return (E, G)
    }

    /// The ring of 8 Gaussians: means on a circle of `radius`, each with standard deviation `std`.
    public static func ring(components: Int = 8, radius: Double = 2, std: Double = 0.1) -> MixtureEnergy {
        MixtureEnergy(means: (0..<components).map { k in
            let a = 2 * Double.pi * Double(k) / Double(components)
            return [radius * cos(a), radius * sin(a)]
        }, stds: [Double](repeating: std, count: components))
    }
}
