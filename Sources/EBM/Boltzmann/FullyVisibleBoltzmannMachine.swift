import Glibc

/// The fully visible Boltzmann machine (the Ising form) of 000/002 and 003 §13.1: an energy-based
/// model with no latent variables over x ∈ {0,1}ⁿ,
///
///     E(x) = −½ xᵀWx − bᵀx = −Σ_{i<j} wᵢⱼ xᵢxⱼ − Σᵢ bᵢxᵢ,     p̃(x) = e^(−E(x)),  p(x) = p̃(x) / Z
///
/// with W symmetric and zero on the diagonal, so each pair (i, j) has one weight wᵢⱼ = wⱼᵢ. The
/// parameters are float64: the model exists to be enumerated exactly and checked line by line.
public struct FullyVisibleBoltzmannMachine: Sendable, Equatable {
    public let units: Int
    /// n × n row-major, symmetric, zero diagonal.
    public private(set) var W: [Double]
    /// n.
    public var b: [Double]

    /// Weights ~ N(0, σ²) (one draw per pair), biases 0.
    public init(units: Int, seed: UInt64, initScale: Double = 0.5) {
        precondition(units >= 1, "a Boltzmann machine needs at least one unit")
        self.units = units
        W = [Double](repeating: 0, count: units * units)
        b = [Double](repeating: 0, count: units)
        var g = Xoshiro256StarStar(seed: seed)
        for i in 0..<units {
            for j in (i + 1)..<max(i + 1, units) {
                setWeight(i, j, initScale * g.nextNormal())
            }
        }
    }

    /// A machine with the given parameters; `W` must be symmetric with a zero diagonal.
    public init(W: [Double], b: [Double]) {
        let n = b.count
        precondition(n >= 1 && W.count == n * n, "W must be \(n) × \(n)")
        for i in 0..<n {
            precondition(W[i * n + i] == 0, "W must have a zero diagonal (wᵢᵢ = \(W[i * n + i]) at i = \(i))")
            for j in 0..<i { precondition(W[i * n + j] == W[j * n + i], "W must be symmetric (w[\(i),\(j)] ≠ w[\(j),\(i)])") }
        }
        units = n
        self.W = W
        self.b = b
    }

    /// wᵢⱼ (= wⱼᵢ).
    public func weight(_ i: Int, _ j: Int) -> Double { W[i * units + j] }

    /// Sets wᵢⱼ and wⱼᵢ together (i ≠ j), keeping W symmetric.
    public mutating func setWeight(_ i: Int, _ j: Int, _ value: Double) {
        precondition(i != j, "the diagonal of W is zero: a unit has no weight to itself")
        W[i * units + j] = value
        W[j * units + i] = value
    }

    /// n(n − 1)/2 pair weights and n biases.
    public var parameterCount: Int { units * (units - 1) / 2 + units }

    /// E(x) = −Σ_{i<j} wᵢⱼ xᵢxⱼ − Σᵢ bᵢxᵢ.
    public func energy(_ x: [Double]) -> Double {
        precondition(x.count == units, "x must have \(units) units, got \(x.count)")
        var e = 0.0
        for i in 0..<units where x[i] != 0 {
            e -= b[i] * x[i]
            for j in (i + 1)..<max(i + 1, units) { e -= W[i * units + j] * x[i] * x[j] }
        }
        return e
    }

    /// aᵢ = bᵢ + Σⱼ wᵢⱼ xⱼ, the input of unit i; p(xᵢ = 1 | x₋ᵢ) = σ(aᵢ).
    public func input(_ i: Int, _ x: [Double]) -> Double {
        var a = b[i]
        for j in 0..<units { a += W[i * units + j] * x[j] }
        return a
    }

    /// log p(x) summed as Σᵢ log p(xᵢ | x₋ᵢ) = Σᵢ [xᵢ aᵢ − softplus(aᵢ)], the pseudo-log-likelihood
    /// of one state (exact: every conditional is one logistic).
    public func pseudoLogLikelihood(_ x: [Double]) -> Double {
        var s = 0.0
        for i in 0..<units {
            let a = input(i, x)
            s += x[i] * a - ElementwiseKernels.softplus(a)
        }
        return s
    }

    /// ∇θ log p̃(x) = −∇θ E(x): xᵢxⱼ for the weight wᵢⱼ and xᵢ for the bias bᵢ, laid out as
    /// `parameterVector`.
    public func gradientOfLogUnnormalized(_ x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: parameterCount)
        var k = 0
        for i in 0..<units {
            for j in (i + 1)..<max(i + 1, units) {
                g[k] = x[i] * x[j]
                k += 1
            }
        }
        for i in 0..<units { g[k + i] = x[i] }
        return g
    }

}
