import EBM
import EBMIO

/// Continuous energies (003 §13.1) and the 2-D data sets they are trained on.
extension Command {
    static let mlpEnergy = Command(
        "mlp_energy", category: .continuous,
        summary: "a neural energy E_θ(x): a multilayer perceptron with one output, with exact ∇ₓE and ∇θE",
        parameters: [
            Parameter("dims", .list, default: .list([.number(2), .number(128), .number(128), .number(1)]), "widths from input to output; the last must be 1"),
            Parameter("activation", .choice(Activation.allCases.map(\.rawValue)), default: .string("swish"), "the non-linearity between layers"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights"),
        ].map { $0.byNameOnly() },
        details: """
        E_θ(x) = W_L φ(⋯ φ(W_1 x + b_1) ⋯) + b_L, weights N(0, 1/fan-in), biases 0. Reverse-mode
        differentiation gives ∇ₓE (for Langevin dynamics) and ∇θE (for maximum likelihood).
        Example:
          e = mlp_energy(dims: [2, 128, 128, 1], activation: "swish", seed: 1)
          train(e, plane_data("ring", n: 2000), method: "langevin-ml", iterations: 500)
        """
    ) { args, _ in
        guard case .list(let items) = args["dims"], items.count >= 2 else {
            throw args.error("dims", "dims is a list of at least two widths, e.g. [2, 128, 128, 1]")
        }
        let dims = try items.map { item -> Int in
            guard case .number(let v) = item, v >= 1, v <= 100_000, v == v.rounded() else {
                throw args.error("dims", "every width must be a whole number from 1 to 100000")
            }
            return Int(v)
        }
        guard dims.last == 1 else { throw args.error("dims", "an energy has one output: end dims with 1, e.g. [2, 128, 128, 1]") }
        try reserveNetworkMemory(args, dims: dims)
        let activation = Activation(rawValue: args.string("activation")) ?? .swish
        return .object(EnergyValue(.neural(NeuralEnergy(dims: dims, activation: activation, seed: UInt64(args.int("seed"))))))
    }

    static let gaussian = Command(
        "gaussian", category: .continuous,
        summary: "the energy ½(x − μ)ᵀΣ⁻¹(x − μ) of a Gaussian, diagonal (std:) or full (cov:)",
        parameters: [
            Parameter("mean", .tensor, "μ, a vector of d"),
            Parameter("std", .optional(.tensor), default: Value.none, "standard deviations (d), for a diagonal Σ"),
            Parameter("cov", .optional(.tensor), default: Value.none, "a full d × d covariance Σ (symmetric, positive definite)"),
        ],
        details: """
        The exact mean, standard deviations, log Z and score −Σ⁻¹(x − μ) are known, so chains and
        score models can be checked against them (compare(chain, e)).
        Example:
          g = gaussian(mean: [1, -1], cov: [[1, 0.8], [0.8, 1]])
        """
    ) { args, _ in
        let mean = args.tensor("mean").scalars.map(Double.init)
        guard !mean.isEmpty else { throw args.error("mean", "the mean needs at least one coordinate") }
        switch (args["std"].isNone, args["cov"].isNone) {
        case (false, true):
            let std = args.tensor("std").scalars.map(Double.init)
            guard std.count == mean.count, std.allSatisfy({ $0 > 0 }) else {
                throw args.error("std", "give \(mean.count) positive standard deviations")
            }
            return .object(EnergyValue(.closedForm(GaussianEnergy(mean: mean, std: std))))
        case (true, false):
            let cov = args.tensor("cov")
            guard cov.shape == [mean.count, mean.count] else { throw args.error("cov", "cov must be \(mean.count) × \(mean.count)") }
            do {
                return .object(EnergyValue(.closedForm(try GaussianEnergy(mean: mean, covariance: cov.scalars.map(Double.init)))))
            } catch {
                throw args.error("cov", "cov must be symmetric and positive definite", hint: "e.g. [[1, 0.5], [0.5, 1]]")
            }
        case (true, true):
            return .object(EnergyValue(.closedForm(GaussianEnergy(mean: mean, std: [Double](repeating: 1, count: mean.count)))))
        case (false, false):
            throw args.error("cov", "give std: or cov:, not both")
        }
    }

    static let mixture = Command(
        "mixture", category: .continuous,
        summary: "the energy −log Σₖ πₖ N(x; μₖ, σₖ²I) of a mixture of Gaussians (default: the ring of 8)",
        parameters: [
            Parameter("means", .optional(.tensor), default: Value.none, "K × d component means; default the ring of 8 on a circle of radius 2"),
            Parameter("stds", .optional(.tensor), default: Value.none, "K standard deviations (default 0.1 each)"),
            Parameter("weights", .optional(.tensor), default: Value.none, "K mixing weights (normalised; default equal)"),
        ].map { $0.byNameOnly() },
        details: """
        p(x) = e^(−E(x)) exactly (log Z = 0); the mean and standard deviation per dimension are known.
        Example:
          ring = mixture()
          m = mixture(means: [[-2, 0], [2, 0]], stds: [0.5, 0.5])
        """
    ) { args, _ in
        guard !args["means"].isNone else {
            return .object(EnergyValue(.closedForm(MixtureEnergy.ring())))
        }
        let means = args.tensor("means")
        guard means.rank == 2, means.rows >= 1 else { throw args.error("means", "means is a K × d matrix") }
        let (K, d) = (means.shape[0], means.shape[1])
        let stds = args["stds"].isNone ? [Double](repeating: 0.1, count: K) : args.tensor("stds").scalars.map(Double.init)
        guard stds.count == K, stds.allSatisfy({ $0 > 0 }) else { throw args.error("stds", "give \(K) positive standard deviations") }
        var weights: [Double]?
        if !args["weights"].isNone {
            let w = args.tensor("weights").scalars.map(Double.init)
            guard w.count == K, w.allSatisfy({ $0 > 0 }) else { throw args.error("weights", "give \(K) positive weights") }
            weights = w
        }
        let rows = (0..<K).map { k in (0..<d).map { Double(means.scalars[k * d + $0]) } }
        return .object(EnergyValue(.closedForm(MixtureEnergy(means: rows, stds: stds, weights: weights))))
    }

    static let doubleWell = Command(
        "double_well", category: .continuous,
        summary: "the energy h(x₁² − 1)² + ½Σ_{i>1} xᵢ²: two modes at x₁ = ±1 behind a barrier of height h",
        parameters: [
            Parameter("barrier", .positiveNumber, default: .number(2), "h, the height of the barrier at x₁ = 0"),
            Parameter("dims", .integer(min: 1, max: 1000), default: .number(1), "d; coordinates after the first are standard normal"),
        ].map { $0.byNameOnly() },
        details: "The exact std of x₁ is a 1-D integral, computed by quadrature; a high barrier traps local samplers in one well."
    ) { args, _ in
        .object(EnergyValue(.closedForm(DoubleWellEnergy(barrier: args.number("barrier"), dimension: args.int("dims")))))
    }

    static let planeData = Command(
        "plane_data", category: .continuous,
        summary: "a 2-D data set: \"ring\" (8 Gaussians), \"moons\", \"checkerboard\" or \"spiral\"",
        parameters: [
            Parameter("name", .choice(PlaneData.allCases.map(\.rawValue)), "which data set"),
            Parameter("n", .integer(min: 1, max: 10_000_000), default: .number(2000), "how many points"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed"),
        ],
        details: """
        ring: 8 Gaussians (σ = 0.1) on a circle of radius 2 — the density of mixture();
        moons: two interleaved half circles; checkerboard: uniform on the dark squares of a
        4 × 4 board over [−2, 2]²; spiral: two noisy arms.
        Example:
          d = plane_data("ring", n: 2000, seed: 1)
          show d
        """
    ) { args, _ in
        let name = args.string("name"), n = args.int("n")
        try args.reserveMemory(floatBytes(n, 2, 2), for: "\(n) points", lower: "n")
        let points = (PlaneData(rawValue: name) ?? .ring).sample(n, seed: UInt64(args.int("seed")))
        return .object(Dataset(name: "\(name) (2-D)", examples: Tensor(shape: [n, 2], scalars: points)))
    }
}
