/// 003 §13.1 for an energy on ℝᵈ: ∇θ (1/n) Σ log p_θ(xᵢ) = E_data[−∇θE] − E_{p_θ}[−∇θE], the
/// positive phase from the data, the negative phase from Langevin samples with a standard error
/// (003: "produce estimates … by sampling approximately from p_θ using Langevin dynamics"), and,
/// for a Gaussian energy with θ = μ, the exact negative phase beside it.
public enum ContinuousGradientDerivation {
    public struct Sampling: Sendable {
        public var chains = 500
        public var steps = 1000
        public var stepSize: Float = 0.01
        public var seed: UInt64 = 0
        public init() {}
    }

    /// A neural energy: θ = all of its weights and biases (shown as ‖·‖).
    public static func derive(_ energy: NeuralEnergy, data: [Float], rows n: Int, sampling: Sampling) -> Derivation {
        let d = energy.dimension
        let positive = energy.parameterGradient(data, rows: n, weights: [Float](repeating: -1 / Float(n), count: n)).gradient.map(Double.init)
        let samples = langevinSamples(energy, d: d, sampling: sampling)
        // One −∇θE per chain's final state: independent samples, so SE = s/√chains per component.
        var perChain: [[Double]] = []
        for c in 0..<sampling.chains {
            let x = Array(samples[(c * d)..<((c + 1) * d)])
            perChain.append(energy.parameterGradient(x, rows: 1, weights: [-1]).gradient.map(Double.init))
        }
        let (negative, se) = chainMeans(perChain)
        let gradient = zip(positive, negative).map { $0 - $1 }
        let lines = [
            Derivation.Line("(13.1)", "max_θ Σᵢ log p_θ(xᵢ) = −Σᵢ E_θ(xᵢ) − n log Z_θ",
                            "Z_θ = ∫ e^(−E_θ(x)) dx has no closed form for a neural energy: its gradient is what must be sampled", .none,
                            note: "003 writes −Σᵢ log(E_θ(xᵢ)) − log(Z_θ); log p_θ(x) = −E_θ(x) − log Z_θ, and log Z_θ counts once per example."),
            Derivation.Line("", "  positive phase  (1/n) Σᵢ −∇θE_θ(xᵢ)", "reverse mode through the network, over the \(n) data points", .vector(positive)),
            Derivation.Line("", "  negative phase  ∇θ log Z_θ = E_{p_θ}[−∇θE_θ(x)]",
                            "\(sampling.chains) Langevin chains, \(sampling.steps) steps of ε = \(short(Double(sampling.stepSize))) from N(0, I); ‖·‖ of the estimate, ± per component",
                            .estimate(negative, standardErrors: se, samples: sampling.chains)),
            Derivation.Line("", "∇θ (1/n) Σᵢ log p_θ(xᵢ) ≈ E_data[−∇θE] − E_{p_θ}[−∇θE]", "the two phases above: the direction maximum likelihood climbs", .vector(gradient)),
            Derivation.Line("", "  its noise √Σ SE²", "the negative phase's standard error, summed over all \(positive.count) components", .scalar(se.reduce(0) { $0 + $1 * $1 }.squareRoot())),
        ]
        return Derivation(title: "The maximum-likelihood gradient of an energy on ℝᵈ (003 §13.1)",
                          preamble: ["model: \(energy.description)", "data: \(n) points; θ = all \(positive.count) parameters, shown as ‖·‖"],
                          sections: [Derivation.Section("Positive and negative phase", lines)],
                          components: (0..<positive.count).map { "θ[\($0)]" })
    }

    /// A Gaussian energy ½(x − μ)ᵀΣ⁻¹(x − μ) with θ = μ: −∇_μE = Σ⁻¹(x − μ) = ∇ₓE(x), and
    /// log Z does not depend on μ, so the exact negative phase is 0.
    public static func derive(_ energy: GaussianEnergy, data: [Float], rows n: Int, sampling: Sampling) -> Derivation {
        let d = energy.dimension
        let (_, gx) = energy.energiesAndGradients(data, rows: n)
        var positive = [Double](repeating: 0, count: d)
        for r in 0..<n { for i in 0..<d { positive[i] += Double(gx[r * d + i]) / Double(n) } }
        let samples = langevinSamples(energy, d: d, sampling: sampling)
        let (_, gs) = energy.energiesAndGradients(samples, rows: sampling.chains)
        let perChain = (0..<sampling.chains).map { c in (0..<d).map { Double(gs[c * d + $0]) } }
        let (negative, se) = chainMeans(perChain)
        let exactNegative = [Double](repeating: 0, count: d)
        let fdLogZ = centralDifferences(at: energy.mean, components: Array(0..<d), step: 1e-4) { mu in
            (try? GaussianEnergy(mean: mu, covariance: energy.covariance).logPartitionFunction) ?? .nan
        }
        let exactGradient = positive
        let lines = [
            Derivation.Line("", "  positive phase  (1/n) Σᵢ −∇_μE(xᵢ) = Σ⁻¹(x̄ − μ)", "over the \(n) data points", .vector(positive)),
            Derivation.line("", "  ∇_μ log Z", "central finite differences of log Z = (d/2) log 2π + ½ log|Σ|, which does not depend on μ",
                            .vector(fdLogZ), equals: .vector(exactNegative), named: "0"),
            Derivation.estimateLine("", "  negative phase  E_p[−∇_μE(x)] = E_p[Σ⁻¹(x − μ)]",
                                    "\(sampling.chains) Langevin chains, \(sampling.steps) steps of ε = \(short(Double(sampling.stepSize))); exact value 0",
                                    negative, standardErrors: se, samples: sampling.chains, exact: exactNegative, exactName: "the exact 0"),
            Derivation.Line("", "∇_μ (1/n) Σᵢ log p(xᵢ) = Σ⁻¹(x̄ − μ)", "positive minus the exact negative phase: μ climbs towards the data's mean", .vector(exactGradient)),
        ]
        return Derivation(title: "The maximum-likelihood gradient of a Gaussian energy in its mean (003 §13.1)",
                          preamble: ["model: \(energy.description), θ = μ", "data: \(n) points"],
                          sections: [Derivation.Section("Positive and negative phase", lines)],
                          components: (0..<d).map { "μ[\($0)]" })
    }

    static func langevinSamples(_ energy: any ContinuousEnergy, d: Int, sampling: Sampling) -> [Float] {
        var g = Xoshiro256StarStar(seed: sampling.seed ^ 0x13)
        let start = (0..<(sampling.chains * d)).map { _ in Float(g.nextNormal()) }
        var settings = LangevinSettings()
        settings.steps = sampling.steps
        settings.stepSize = sampling.stepSize
        settings.every = Swift.max(1, sampling.steps)
        settings.seed = sampling.seed
        return LangevinDynamics.run(energy, start: start, chains: sampling.chains, settings: settings).final
    }
}
