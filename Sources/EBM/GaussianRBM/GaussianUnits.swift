import Glibc

/// Gaussian units x ∈ ℝ with their own standard deviations σᵢ, in the parameterisation of Cho,
/// Ilin and Raiko (2011), "Improved learning of Gaussian-Bernoulli restricted Boltzmann
/// machines" (RestrictedBoltzmannMachines.jl's `src/layers/gaussian.jl` is the same layer with
/// θ = c/σ², γ = 1/σ²). A unit with mean parameter c, input Iᵢ = (Wᵀh)ᵢ (in the units of x) has
///
///     p(xᵢ | h) = N(xᵢ; cᵢ + (Wᵀh)ᵢ, σᵢ²)
///
/// and, in natural form with a = (cᵢ + Iᵢ)/σᵢ², Γᵢ(a) = log ∫ e^(a x − x²/(2σᵢ²)) dx =
/// σᵢ² a²/2 + ½ log(2πσᵢ²): what summing x out of p(x, h) contributes (`GaussianBernoulliRBM`).
/// The other layer sees xᵢ/σᵢ² (the x/σ² coupling), which `GaussianBernoulliRBM` applies.
public struct GaussianUnits: UnitLayer, Equatable {
    /// σᵢ per unit, all > 0.
    public var sigma: [Float]

    /// Callers check `isValid(sigma:)` first (a trainer's step, a user's `g.sigma = …`): an
    /// invalid σ here is a programming error.
    public init(sigma: [Float]) {
        precondition(Self.isValid(sigma: sigma), "Gaussian units need σ > 0")
        self.sigma = sigma
    }

    /// Whether every σᵢ is a finite number above 0 (as float32), and not subnormal: below about
    /// 1.2e-38 float32 loses σ's digits (1e-45 prints as 0) and 1/σ² overflows.
    public static func isValid(sigma: [Float]) -> Bool { sigma.allSatisfy { $0 > 0 && $0.isNormal } }

    public var name: String { "gaussian" }

    /// Γ with σ = 1 (the protocol's unit-less form); `cumulantGenerating(_:unit:)` uses σᵢ.
    public func cumulantGenerating(_ a: Double) -> Double { a * a / 2 + 0.5 * Glibc.log(2 * Double.pi) }

    public func cumulantGenerating(_ a: Double, unit i: Int) -> Double {
        let v = Double(sigma[i]) * Double(sigma[i])
        return v * a * a / 2 + 0.5 * Glibc.log(2 * Double.pi * v)
    }

    /// a ← c + a: the conditional mean, with the input Wᵀh in the units of x and `bias` = c.
    public func meanFromInputs(_ a: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows { for i in 0..<columns { a[r * columns + i] += bias[i] } }
    }

    /// out = mean + σᵢ z, z ~ N(0, 1), row r from stream r.
    public func sampleFromMeans(_ means: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                generators: UnsafeMutablePointer<Xoshiro256StarStar>) {
        for r in 0..<rows {
            var i = 0
            while i < columns {
                let (z1, z2) = generators[r].nextNormalPair()
                out[r * columns + i] = means[r * columns + i] + sigma[i] * Float(z1)
                if i + 1 < columns { out[r * columns + i + 1] = means[r * columns + i + 1] + sigma[i + 1] * Float(z2) }
                i += 2
            }
        }
    }

    public var states: UnitStates { .real }
    public var supportDescription: String { "real (finite values; standardise or whiten them first)" }
}
