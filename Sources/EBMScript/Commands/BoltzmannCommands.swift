import EBM

/// The fully visible Boltzmann machine of 000/002 and 003 §13.1.
extension Command {
    static let boltzmann = Command(
        "boltzmann", category: .models,
        summary: "a fully visible Boltzmann machine E(x) = -½xᵀWx - bᵀx over x ∈ {0,1}ⁿ (no hidden units)",
        parameters: [
            Parameter("units", .integer(min: 1, max: 10_000), "n, the number of (visible) units"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights"),
            Parameter("init", .number, default: .number(0.5), "the standard deviation σ of the initial pair weights, wᵢⱼ ~ N(0, σ²); biases start at 0"),
        ],
        details: """
        The model of 000 §18.1 and 003 §13.1 with no latent variables:
          E(x) = -½ xᵀWx - bᵀx = -Σ_{i<j} w_ij x_i x_j - Σ_i b_i x_i,   p(x) = e^(-E(x)) / Z
        W is symmetric with a zero diagonal: one weight per pair, named W[i,j] with i < j.
        Exact log Z, log-likelihood and gradient enumerate all 2ⁿ states (up to n = 24);
        single-site Gibbs sampling draws x_i ~ σ(b_i + Σ_j w_ij x_j) unit by unit.
        Properties: m.W, m.b, m.units, m.parameters, m.history.
        Example:
          m = boltzmann(units: 8, seed: 1)
          log_z(m)
          derive(m, d)
        """
    ) { args, _ in
        let n = args.int("units")
        // W (n × n, float64) with a trainer's gradient and expectations.
        try args.reserveMemory(MemoryBudget.product(n, n, MemoryLayout<Double>.stride, 4),
                               for: "a Boltzmann machine of \(n) units (\(n) × \(n) weights)", lower: "units")
        let machine = FullyVisibleBoltzmannMachine(units: args.int("units"), seed: UInt64(args.int("seed")),
                                                   initScale: args.number("init"))
        return .object(BoltzmannValue(machine))
    }
}
