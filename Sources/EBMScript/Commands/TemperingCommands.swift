import EBM
import Glibc

extension Command {
    static let tempered = Command(
        "tempered", category: .sampling,
        summary: "parallel tempering (replica exchange) or simulated tempering of a model, against multimodality",
        parameters: [
            // Only the kinds it tempers, so help's list is true (a score model has no energy, a
            // DBN no move at β); an energy_fn must be on ℝᵈ (checked below).
            Parameter("model", .object(["rbm", "gaussian_rbm", "boltzmann", "energy", "energy_fn"]),
                      "an RBM, a fully visible Boltzmann machine, a Gaussian–Bernoulli RBM, a continuous energy, or an energy_fn with domain: \"real\""),
            Parameter("betas", .oneOf([.integer(min: 2, max: 1000), .tensor]), default: .number(10),
                      "the ladder: a number of levels K, or the inverse temperatures themselves, increasing to 1. K levels with smallest 0 are β = 0 followed by K − 1 levels geometric from 1/K to 1 (K = 10: 0, 0.1, 0.1334, …, 0.7499, 1); with smallest > 0, K levels geometric from it to 1"),
            Parameter("smallest", .optional(.probability), default: Value.none,
                      "the hottest β of a geometric ladder (default 0 on binary models, 0.01 on ℝᵈ, where β must be above 0)"),
            Parameter("method", .choice(["pt", "st"]), default: .string("pt"),
                      "\"pt\": parallel tempering (Geyer 1991); \"st\": simulated tempering (Marinari and Parisi 1992), weights by Wang–Landau"),
            Parameter("rounds", .integer(min: 1, max: 100_000_000), default: .number(10_000), "PT rounds (a move of every replica, then swaps), or ST steps per chain (Wang–Landau adapts the weights for as many steps first)"),
            Parameter("burn_in", .integer(min: 0, max: 100_000_000), default: .number(1000),
                      "PT rounds run and forgotten before sampling; ST with weights: \"ais\" and a hottest β above 0 (ℝᵈ): moves there before annealing"),
            Parameter("thin", .integer(min: 1, max: 1_000_000), default: .number(1), "keep the β = 1 state every this many rounds"),
            Parameter("chains", .integer(min: 1, max: 10_000), default: .number(1), "ST: independent chains, each with its own weights"),
            Parameter("weights", .choice(["wang-landau", "ais"]), default: .string("wang-landau"),
                      "ST: how the weights g ≈ −log Z(β) are set: adapted as the chain runs (\"wang-landau\") or estimated first by AIS along the ladder (\"ais\")"),
            Parameter("ais_runs", .integer(min: 1, max: 1_000_000), default: .number(100), "ST with weights: \"ais\": AIS runs"),
            Parameter("ais_steps", .integer(min: 1, max: 1_000_000), default: .number(100),
                      "ST with weights: \"ais\": annealing steps between neighbouring β of the ladder"),
            Parameter("adapt", .optional(.probability), default: Value.none,
                      "PT: before sampling, place the β (and choose how many, at most 100) for this swap acceptance on every gap, strictly between 0 and 1 (e.g. 0.4)"),
            Parameter("step_size", .positiveNumber, default: .number(0.01), "continuous energies: the MALA step ε at β = 1 (ε/β at β)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed"),
        ],
        details: """
        Parallel tempering runs one replica per β and, after every round of moves, proposes to swap
        neighbouring replicas (pairs (0,1), (2,3)… then (1,2), (3,4)…), accepting with
        min(1, exp((β_i − β_j)(E_i − E_j))); the β = 1 replica samples the model. Simulated
        tempering moves one chain's β up or down, accepted with min(1, e^(−(β' − β)E + g' − g)),
        with weights g ≈ −log Z(β) learned first (Wang–Landau, for `rounds` steps per chain with
        γ falling as 1/t, so more rounds give better weights; the chains' weights are averaged),
        or, with weights: "ais", set from
        AIS estimates of log Z(β) − log Z(β₀) along the ladder (ais_runs runs, ais_steps annealing
        steps per gap; exact in expectation from the uniform start at β₀ = 0 of a binary model, after
        burn_in moves at β₀ when β₀ > 0, as on ℝᵈ); its visits to β = 1 are the samples.
        RBMs are tempered in their joint states (x, h), where block Gibbs at β is exact. Prints per
        level β, the swap acceptance (PT) or the share of steps (ST, with a warning when it is far
        from flat), the round trips of each replica (PT; replica r started at level r), and on
        enumerable binary models a χ² test of the samples against the exact p(x). png(t, "file.png")
        draws the replica-index traces (PT: replicas 0 and 1; ST: chain 0). For plain Gibbs on
        the same model, compare(gibbs(...), model) gives the same χ² test.
        Example:
          t = tempered(m, betas: 10, rounds: 20000, thin: 10, seed: 1)
          t.p_value
          png(t, "images/replicas.png")
          s = tempered(m, method: "st", weights: "ais", betas: 12, rounds: 50000, thin: 10)
          s.weights
        """
    ) { args, context in
        let model = try modelValue(args)
        if args.isGiven("weights") || args.isGiven("ais_runs") || args.isGiven("ais_steps"), args.string("method") != "st" {
            throw args.error(args.isGiven("weights") ? "weights" : (args.isGiven("ais_runs") ? "ais_runs" : "ais_steps"),
                             "weights belong to simulated tempering; parallel tempering has none",
                             hint: "add method: \"st\"")
        }
        if !args["adapt"].isNone, !(args.number("adapt") > 0 && args.number("adapt") < 1) {
            throw args.error("adapt", "a target swap acceptance must lie strictly between 0 and 1, got \(formatNumber(args.number("adapt"), digits: 4))",
                             hint: "0 would need infinitely wide gaps and 1 infinitely many levels; 0.2 to 0.5 is usual")
        }
        if args.isGiven("ais_runs") || args.isGiven("ais_steps"), args.string("weights") != "ais" {
            throw args.error(args.isGiven("ais_runs") ? "ais_runs" : "ais_steps", "AIS settings belong to weights: \"ais\"",
                             hint: "add weights: \"ais\", or leave them out for Wang–Landau weights")
        }
        let temperable: any TemperableModel
        if let t = model.parameterized as? any TemperableModel {
            temperable = t
        } else if let d = model.differentiable {
            temperable = TemperedLangevin(d.continuousEnergy, stepSize: args.number("step_size"))
        } else {
            throw args.error("model", "\(model.family.article) cannot be tempered: it has no energy of states with a move at β",
                             hint: "tempered works on RBMs, Boltzmann machines, Gaussian–Bernoulli RBMs and continuous energies")
        }
        try refuseIgnoredTemperingOptions(args, continuous: !(model.parameterized is any TemperableModel))
        let betas = try ladderBetas(args, smallest: args["smallest"].isNone ? nil : args.number("smallest"), smallestName: "smallest",
                                    smallestBeta: temperable.smallestBeta)
        try reserveTemperingMemory(args, levels: betas.count, stateWidth: temperable.stateWidth, visibleWidth: temperable.visibleWidth)
        guard var value = temper(temperable, betas: betas, args, context) else {
            throw ScriptError(.interrupted, "interrupted: tempering stopped while setting its weights, before its first sample, so there are no samples", at: args.callLocation)
        }
        value.visibleWidth = temperable.visibleWidth
        if let stopped = value.stopped { context.write("interrupted \(stopped); the result keeps the samples drawn so far\n") }
        (value.chiSquared, value.chiSquaredNote) = exactChiSquared(model, value.samples)
        return .object(value)
    }
}

/// Runs PT or ST on a concrete model type (the existential opened here).
private func temper<M: TemperableModel>(_ m: M, betas: [Double], _ args: Arguments, _ context: CallContext) -> TemperedValue? {
    let seed = UInt64(args.int("seed"))
    let (rounds, thin) = (args.int("rounds"), args.int("thin"))
    if args.string("method") == "st" {
        guard var st = try? SimulatedTempering(m, betas: betas, chains: args.int("chains"), seed: seed) else { return nil }
        if args.string("weights") == "ais" {
            let ais = LadderAnnealedImportanceSampling(runs: args.int("ais_runs"), steps: args.int("ais_steps"),
                                                       burnIn: betas[0] > 0 ? args.int("burn_in") : 0, seed: seed ^ 0xA15)
            guard st.setWeightsByAIS(ais, shouldStop: { context.isInterrupted }) != nil else { return nil }
        } else {
            guard st.adaptWeights(steps: rounds, shouldStop: { context.isInterrupted }) != nil else { return nil }
        }
        context.progress?.begin("simulated tempering", total: rounds)
        defer { context.progress?.end() }
        guard let run = st.run(steps: rounds, thin: thin, shouldStop: { context.isInterrupted },
                               progress: { context.progress?.update(done: $0, status: "") }) else { return nil }
        var value = TemperedValue(method: "simulated tempering", weightsMethod: args.string("weights") == "ais" ? "AIS along the ladder" : "Wang–Landau",
                                  moveDescription: m.temperedMoveDescription, betas: betas,
                                  occupancy: run.occupancy, weights: st.weights[0], levelAcceptance: run.levelAcceptance,
                                  samples: run.samples, traces: [run.trace], rounds: rounds)
        value.stopped = run.stoppedAfter.map { "after step \($0) of \(rounds)" }
        value.nonFiniteEnergies = run.nonFiniteEnergies
        return value
    }
    guard var pt = try? ParallelTempering(m, betas: betas, seed: seed) else { return nil }
    var adaptation: String? = nil
    if !args["adapt"].isNone {
        let (target, asked) = (args.number("adapt"), betas.count)
        let reachable = pt.adaptLadder(target: target, steps: 20, roundsPerStep: Swift.max(100, args.int("burn_in") / 20),
                                       maxLevels: maxAdaptedLevels)
        adaptation = "ladder adapted to swap acceptance \(formatNumber(target, digits: 3)) on every gap: \(pt.levels) levels (from \(asked))"
            + (reachable ? "" : pt.levels <= 2 ? "; even 2 levels swap more often than that, so the target is not met"
                                               : "; the target needs more than \(maxAdaptedLevels) levels, so it is not met")
    }
    let burnIn = args.int("burn_in")
    context.progress?.begin("parallel tempering", total: burnIn + rounds)
    defer { context.progress?.end() }
    guard let run = pt.run(rounds: rounds, burnIn: burnIn, thin: thin, shouldStop: { context.isInterrupted },
                           progress: { context.progress?.update(done: $0, status: "") }) else { return nil }
    var value = TemperedValue(method: "parallel tempering", moveDescription: m.temperedMoveDescription, betas: run.betas,
                              swapAcceptance: run.swapAcceptance, roundTrips: run.roundTrips,
                              meanRoundTrip: run.meanRoundTripRounds, replicaRoundTrips: run.replicaRoundTrips,
                              replicaMeanRoundTrip: run.replicaMeanRoundTripRounds, adaptation: adaptation,
                              samples: run.samples, traces: run.traces, rounds: rounds)
    if let s = run.stopped {
        value.stopped = s.rounds == 0 && s.burnIn < burnIn ? "during burn-in, after \(s.burnIn) of \(burnIn) rounds (no samples yet)"
                                                            : "after round \(s.rounds) of \(rounds)"
    }
    value.nonFiniteEnergies = run.nonFiniteEnergies
    if let f = run.firstNonFinite { value.firstNonFinite = "round \(f.round), level \(f.slot) (β = \(formatNumber(run.betas[f.slot], digits: 4)))" }
    // MALA moves are accepted or not: the share that moved is the acceptance per rung. A Gibbs
    // move has no rejection, so nothing is shown for it.
    if m is TemperedLangevin { value.moveAcceptance = run.moveAcceptance }
    return value
}

/// The most levels `adapt:` may give a ladder.
let maxAdaptedLevels = 100

/// Options that mean nothing for the method or model at hand are refused, not ignored: `chains`
/// (ST only), `adapt` (PT only), `burn_in` with Wang–Landau weights (they adapt first; no
/// burn-in), `step_size` (MALA on continuous energies only), `smallest` with a list of β.
private func refuseIgnoredTemperingOptions(_ args: Arguments, continuous: Bool) throws {
    let st = args.string("method") == "st"
    if !st, args.isGiven("chains") {
        throw args.error("chains", "parallel tempering runs one replica per β, not several chains; chains belongs to simulated tempering",
                         hint: "add method: \"st\", or leave chains out (more rounds give more samples)")
    }
    if st, args.isGiven("adapt") {
        throw args.error("adapt", "adapt moves the β of parallel tempering towards a swap acceptance; simulated tempering has no swaps",
                         hint: "leave adapt out, or use method: \"pt\"")
    }
    if st, args.isGiven("burn_in"), args.string("weights") != "ais" {
        throw args.error("burn_in", "with Wang–Landau weights simulated tempering adapts its weights first and keeps no burn-in; burn_in belongs to weights: \"ais\" (moves at the hottest β before annealing) and to parallel tempering",
                         hint: "leave burn_in out, or add weights: \"ais\"")
    }
    if !continuous, args.isGiven("step_size") {
        throw args.error("step_size", "step_size is the MALA step of continuous energies; this model moves by Gibbs steps, which have none",
                         hint: "leave step_size out")
    }
    var ladderIsNumber = false
    if case .number = args["betas"] { ladderIsNumber = true }
    if args.isGiven("smallest"), !ladderIsNumber {
        throw args.error("smallest", "smallest is the hottest β of a geometric ladder; with the β given as a list, the list's first β is the hottest",
                         hint: "leave smallest out, or give betas as a number of levels")
    }
    if args.int("thin") > args.int("rounds") {
        throw args.error("thin", "thin: \(args.int("thin")) keeps one state every \(args.int("thin")) rounds, but there are only \(args.int("rounds")), so there would be no samples",
                         hint: "lower thin or raise rounds")
    }
}

/// The memory a run keeps: the replicas' states, and per kept round the β = 1 x and (PT) each
/// replica's level, or (ST) every chain's x and chain 0's level per step.
private func reserveTemperingMemory(_ args: Arguments, levels: Int, stateWidth: Int, visibleWidth: Int) throws {
    let (rounds, thin) = (args.int("rounds"), Swift.max(args.int("thin"), 1))
    let bytes: Int
    if args.string("method") == "st" {
        let chains = args.int("chains")
        bytes = MemoryBudget.sum(MemoryBudget.product(chains, MemoryBudget.sum(stateWidth, levels), 8),
                                 MemoryBudget.product(chains, rounds / thin, visibleWidth, 8), MemoryBudget.product(rounds, 8))
    } else {
        bytes = MemoryBudget.sum(MemoryBudget.product(levels, stateWidth, 8),
                                 MemoryBudget.product(rounds / thin, MemoryBudget.sum(visibleWidth, levels), 8))
    }
    try args.reserveMemory(bytes, for: "\(levels) levels (betas) × \(rounds / thin) kept rounds × \(visibleWidth) units",
                           lower: "betas or rounds, or raise thin")
}

/// χ² of binary samples against the exact p(x) (tempered's samples, and compare's for a gibbs
/// chain), when the model enumerates and x has ≤ 16 units,
/// and the samples are enough for the test: at least two cells (states, or the pool of the rare
/// ones) with an expected count of 5. Otherwise nil, and a note saying why when it was refused.
func exactChiSquared(_ model: any ModelValue, _ samples: [[Double]]) -> (ChiSquaredTest?, String?) {
    guard let e = model.enumerable, model.binaryUnits, e.dimension <= 16, !samples.isEmpty,
          let logZ = try? e.exactLogPartitionFunction() else { return (nil, nil) }
    let D = e.dimension
    let all = Tensor(shape: [1 << D, D], scalars: (0..<(1 << D)).flatMap { s in (0..<D).map { Float((s >> $0) & 1) } })
    let p = e.logUnnormalizedDensity(all).map { Glibc.exp($0 - logZ) }
    let n = Double(samples.count)
    let rare = p.filter { $0 * n < 5 }.reduce(0, +) * n
    let cells = p.filter { $0 * n >= 5 }.count + (rare >= 5 ? 1 : 0)
    guard cells >= 2 else {
        return (nil, "no χ² test: \(samples.count) sample\(samples.count == 1 ? "" : "s") over \(p.count) states leave fewer than 2 cells with an expected count of 5, "
                     + "which the χ² approximation needs (its p-value would mean nothing); raise rounds or lower thin")
    }
    return (ChiSquaredTest(binaryRows: samples, probabilities: p), nil)
}

extension Command {
    static let laplaceMixture = Command(
        "laplace_mixture", category: .continuous,
        summary: "PyDeep's 2-D toy data: two independent Laplacian sources, randomly mixed, then whitened",
        parameters: [
            Parameter("n", .integer(min: 3, max: 10_000_000), default: .number(100_000), "how many points"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed (sources and mixing matrix)"),
        ],
        details: """
        x = A s with s₁, s₂ ~ Laplace(1, 1) and A uniform in [−½, ½]², then ZCA-whitened, as in
        PyDeep's GRBM_2D_example.py. After whitening the sources are a rotation of the data, so
        the true (ICA) model's log-likelihood is −2(1 + log √2) ≈ −2.693 per point whatever A is,
        one Gaussian's is −log(2πe) ≈ −2.838; PyDeep reports −2.736 for a GB-RBM with 4 hidden units.
        Example:
          d = laplace_mixture(n: 100000, seed: 42)
          g = rbm(visible: 2, hidden: 4, visible_units: "gaussian", init: 0.5, seed: 42)
        """
    ) { args, _ in
        let n = args.int("n")
        let sample = LaplaceMixture2D.sample(n, seed: UInt64(args.int("seed")))
        return .object(Dataset(name: "Laplacian mixture (2-D, whitened)", examples: sample.data))
    }
}
