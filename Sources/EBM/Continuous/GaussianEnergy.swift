import Glibc

/// E(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ): a Gaussian N(μ, Σ) as an energy, with Σ diagonal (from
/// standard deviations) or full. Its moments, log Z and score are known exactly, which makes it
/// the check for samplers and for score matching.
public struct GaussianEnergy: ClosedFormEnergy, Equatable {
    public let mean: [Double]
    /// Σ, d × d row-major.
    public let covariance: [Double]
    /// Σ⁻¹.
    let precision: [Double]
    public let logPartitionFunction: Double

    public var dimension: Int { mean.count }

    /// Diagonal: Σ = diag(std²).
    public init(mean: [Double], std: [Double]) {
        precondition(mean.count == std.count && std.allSatisfy { $0 > 0 }, "one positive standard deviation per dimension")
        let d = mean.count
        var sigma = [Double](repeating: 0, count: d * d)
        for i in 0..<d { sigma[i * d + i] = std[i] * std[i] }
        try! self.init(mean: mean, covariance: sigma)
    }

    /// Full covariance; throws when Σ is not symmetric positive definite.
    public init(mean: [Double], covariance: [Double]) throws {
        let d = mean.count
        precondition(covariance.count == d * d, "Σ must be \(d) × \(d)")
        guard let L = Self.cholesky(covariance, d) else { throw NotPositiveDefinite() }
        self.mean = mean
        self.covariance = covariance
        precision = Self.inverse(fromCholesky: L, d)
        var logDet = 0.0
        for i in 0..<d { logDet += 2 * log(L[i * d + i]) }
        // Z = (2π)^(d/2) |Σ|^(1/2)
        logPartitionFunction = 0.5 * Double(d) * log(2 * Double.pi) + 0.5 * logDet
    }

    public struct NotPositiveDefinite: Error, CustomStringConvertible {
        public var description: String { "the covariance must be symmetric and positive definite" }
    }

    public var exactMean: [Double] { mean }
    public var exactStd: [Double] { (0..<dimension).map { covariance[$0 * dimension + $0].squareRoot() } }
    public var description: String {
        "Gaussian energy ½(x − μ)ᵀΣ⁻¹(x − μ) in \(dimension) dimension\(dimension == 1 ? "" : "s")"
    }

    public func energies(_ X: [Float], rows n: Int) -> [Float] { energiesAndGradients(X, rows: n).energies }

    public func energiesAndGradients(_ X: [Float], rows n: Int) -> (energies: [Float], gradients: [Float]) {
        let d = dimension
        var E = [Float](repeating: 0, count: n), G = [Float](repeating: 0, count: n * d)
        var u = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for i in 0..<d { u[i] = Double(X[r * d + i]) - mean[i] }
            var e = 0.0
            for i in 0..<d {
                var g = 0.0   // (Σ⁻¹(x − μ))ᵢ
                for j in 0..<d { g += precision[i * d + j] * u[j] }
                G[r * d + i] = Float(g)
                e += 0.5 * u[i] * g
            }
            E[r] = Float(e)
        }
        return (E, G)
    }

    /// Lower-triangular L with L Lᵀ = A, or nil when A is not positive definite.
    static func cholesky(_ A: [Double], _ d: Int) -> [Double]? {
        var L = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                guard A[i * d + j] == A[j * d + i] else { return nil }
                var s = A[i * d + j]
                for k in 0..<j { s -= L[i * d + k] * L[j * d + k] }
                if i == j {
                    guard s > 0 else { return nil }
                    L[i * d + i] = s.squareRoot()
                } else {
                    L[i * d + j] = s / L[j * d + j]
                }
            }
        }
        return L
    }

    /// A⁻¹ from A = L Lᵀ, column by column (d is small: these are teaching energies).
    static func inverse(fromCholesky L: [Double], _ d: Int) -> [Double] {
        var inv = [Double](repeating: 0, count: d * d)
        for c in 0..<d {
            var y = [Double](repeating: 0, count: d)   // L y = e_c
            for i in 0..<d {
                var s = i == c ? 1.0 : 0
                for k in 0..<i { s -= L[i * d + k] * y[k] }
                y[i] = s / L[i * d + i]
            }
            var x = [Double](repeating: 0, count: d)   // Lᵀ x = y
            for i in stride(from: d - 1, through: 0, by: -1) {
                var s = y[i]
                for k in (i + 1)..<max(i + 1, d) { s -= L[k * d + i] * x[k] }
                x[i] = s / L[i * d + i]
            }
            for i in 0..<d { inv[i * d + c] = x[i] }
        }
        return inv
    }
}
