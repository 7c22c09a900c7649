import Glibc

/// The 2-D toy problem of PyDeep's Gaussian–Bernoulli RBM example (Melchior, `GRBM_2D_example.py`,
/// after Melchior, Wang and Wiskott 2017): two independent Laplacian sources sⱼ ~ Laplace(1, 1)
/// mixed by a random matrix A with entries uniform in [−½, ½], x = As, then ZCA-whitened with
/// the sample mean and covariance, x_w = C^(−½)(x − x̄).
///
/// After whitening, the sources are an orthogonal rotation of the data, so any model's
/// log-likelihood does not depend on A: the ICA (true) model has per point
/// −2 (1 + log(2b)) with b = 1/√2 (unit-variance Laplacians), ≈ −2.693, and one Gaussian has
/// −log(2πe) ≈ −2.838; PyDeep reports ≈ −2.736 for a GB-RBM with 4 hidden units.
public enum LaplaceMixture2D {
    /// n whitened points (n × 2) and the mixing matrix (row-major 2 × 2).
    public static func sample(_ n: Int, seed: UInt64) -> (data: Tensor, mixing: [Double]) {
        precondition(n >= 3, "whitening needs at least 3 points")
        var g = Xoshiro256StarStar(seed: seed)
        let A = (0..<4).map { _ in g.nextUnitDouble() - 0.5 }
        func laplace() -> Double {
            let u = g.nextUnitDouble() - 0.5
            return 1 - (u < 0 ? -1 : 1) * Glibc.log(1 - 2 * Swift.abs(u))
        }
        var x = [Double](repeating: 0, count: 2 * n)
        for r in 0..<n {
            let s0 = laplace(), s1 = laplace()
            x[2 * r] = A[0] * s0 + A[1] * s1
            x[2 * r + 1] = A[2] * s0 + A[3] * s1
        }
        return (Tensor(shape: [n, 2], scalars: whitened(x, rows: n).map(Float.init)), A)
    }

    /// ZCA: C^(−½)(x − x̄) with C the sample covariance (2 × 2, by its eigendecomposition).
    static func whitened(_ x: [Double], rows n: Int) -> [Double] {
        var m0 = 0.0, m1 = 0.0
        for r in 0..<n { m0 += x[2 * r]; m1 += x[2 * r + 1] }
        m0 /= Double(n); m1 /= Double(n)
        var a = 0.0, b = 0.0, d = 0.0   // C = [[a, b], [b, d]]
        for r in 0..<n {
            let u = x[2 * r] - m0, v = x[2 * r + 1] - m1
            a += u * u; b += u * v; d += v * v
        }
        (a, b, d) = (a / Double(n - 1), b / Double(n - 1), d / Double(n - 1))
        // Eigenvalues λ± of C and C^(−½) = Σ λ^(−½) e eᵀ.
        let tr = a + d, det = a * d - b * b
        let disc = Swift.max(tr * tr / 4 - det, 0).squareRoot()
        let l1 = tr / 2 + disc, l2 = tr / 2 - disc
        var e1 = (b, l1 - a)
        if Swift.abs(b) < 1e-300 { e1 = a >= d ? (1, 0) : (0, 1) }
        let norm = (e1.0 * e1.0 + e1.1 * e1.1).squareRoot()
        e1 = (e1.0 / norm, e1.1 / norm)
        let e2 = (-e1.1, e1.0)
        let (s1, s2) = (1 / l1.squareRoot(), 1 / l2.squareRoot())
        let w00 = s1 * e1.0 * e1.0 + s2 * e2.0 * e2.0
        let w01 = s1 * e1.0 * e1.1 + s2 * e2.0 * e2.1
        let w11 = s1 * e1.1 * e1.1 + s2 * e2.1 * e2.1
        var out = x
        for r in 0..<n {
            let u = x[2 * r] - m0, v = x[2 * r + 1] - m1
            out[2 * r] = w00 * u + w01 * v
            out[2 * r + 1] = w01 * u + w11 * v
        }
        return out
    }

    /// The population mean log-likelihood of the true (ICA) model on the whitened data: two
    /// unit-variance Laplacians (b = 1/√2) in an orthogonal basis, −2(1 + log(2b)) ≈ −2.693.
    public static var icaLogLikelihood: Double { -2 * (1 + Glibc.log(2.0.squareRoot())) }
}
