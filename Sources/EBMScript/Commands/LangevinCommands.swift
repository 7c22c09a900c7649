import EBM
import EBMIO
import Foundation

extension Command {
    static let langevin = Command(
        "langevin", category: .continuous,
        summary: "Langevin dynamics on an energy, many chains at once: x ← x − (ε/2)∇ₓE(x) + √ε·z, or MALA",
        parameters: [
            Parameter("energy", .object(ModelFamilies.all.map(\.kind)), "an energy with ∇ₓE: gaussian, mixture, double_well or mlp_energy"),
            Parameter("chains", .integer(min: 1, max: 1_000_000), default: .number(1000), "chains run side by side"),
            Parameter("steps", .integer(min: 0, max: 100_000_000), default: .number(1000), "steps per chain"),
            Parameter("step_size", .positiveNumber, default: .number(0.01), "ε"),
            Parameter("noise", .nonNegativeNumber, default: .number(1), "scale of the injected noise (1 samples p; less, as in Du and Mordatch, does not)"),
            Parameter("mala", .bool, default: .bool(false), "Metropolis-adjusted (MALA): accept or reject each move, and report the acceptance rate"),
            Parameter("init", .oneOf([.choice(["normal"]), .tensor]), default: .string("normal"), "\"normal\": x ~ N(0, I); or data: chain i starts at row i mod n"),
            Parameter("every", .integer(min: 1, max: nil), default: .number(100), "keep the states every this many steps"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed; chain i uses its own stream"),
        ].enumerated().map { $0.offset == 0 ? $0.element : $0.element.byNameOnly() },
        details: """
        Unadjusted (ULA):  x ← x − (ε/2)∇ₓE(x) + √ε·noise·z,  z ~ N(0, I)   (biased by O(ε))
        MALA: the same move as a proposal, accepted with probability
              min(1, e^(−E(y)+E(x)) q(x|y)/q(y|x)),  q(y|x) = N(y; x − (ε/2)∇E(x), εI)
        mean(c) and std(c) give the per-dimension moments of the final states; compare(c, e) puts
        them beside the exact ones of a closed-form energy. A 2-D chain prints a density map.
        Example:
          g = gaussian(mean: [1, -1], std: [0.5, 2])
          c = langevin(g, chains: 1000, steps: 2000, step_size: 0.05, seed: 1)
          compare(c, g)
        """
    ) { args, context in
        let model = try modelValue(args, "energy")
        let energy = try require(model.differentiable, .gradient, of: model, args, "energy").continuousEnergy
        let d = energy.dimension
        let chains = args.int("chains")
        try reserveChainMemory(args, chains: chains, units: d, steps: args.int("steps"), every: args.int("every"),
                               copies: 1, working: MemoryBudget.sum(8 * d, energy.workingFloatsPerRow))
        let start: [Float]
        if case .string = args["init"] {
            start = ChainInitialization.standardNormal(chains: chains, dimension: d, seed: UInt64(args.int("seed")) ^ 0x1A17)
        } else {
            start = ChainInitialization.fromRows(try rows(args, "init", width: d, what: "coordinates"), chains: chains)
        }
        var settings = LangevinSettings()
        settings.steps = args.int("steps")
        settings.stepSize = Float(args.number("step_size"))
        settings.noise = Float(args.number("noise"))
        settings.adjusted = args.bool("mala")
        settings.every = args.int("every")
        settings.seed = UInt64(args.int("seed"))
        context.progress?.begin("langevin", total: settings.steps)
        defer { context.progress?.end() }
        let run = LangevinDynamics.run(energy, start: start, chains: chains, settings: settings,
                                       shouldStop: { context.isInterrupted },
                                       progress: { context.progress?.update(done: $0, status: "") })
        if !run.finished {
            context.progress?.end()   // the note goes on a clean line, not after the bar
            context.write("interrupted after step \(run.snapshots.last?.step ?? 0) of \(settings.steps); the chain keeps the states drawn so far\n")
        }
        let description = (settings.adjusted ? "MALA" : "ULA") + ", ε = \(formatNumber(Double(settings.stepSize), digits: 6))"
            + (settings.noise != 1 && !settings.adjusted ? ", noise \(formatNumber(Double(settings.noise), digits: 6))" : "")
        var value = LangevinChainValue(run: run, settings: description)
        value.stepSize = Double(settings.stepSize)
        if case .object(let start as Dataset) = args["init"], let shape = start.imageShape, shape.height * shape.width == d { value.imageShape = shape }
        return .object(value)
    }

    static let compare = Command(
        "compare", category: .continuous,
        summary: "a chain against the exact distribution: a Langevin chain's moments beside a closed-form energy's; a Gibbs chain's states by χ² against an enumerable model's p(x)",
        parameters: [
            Parameter("chain", .object(["langevin", "chain"]), "a chain from langevin(...), or from gibbs(...)"),
            Parameter("energy", .object(ModelFamilies.all.map(\.kind)),
                      "a closed-form energy (gaussian, mixture or double_well) for a Langevin chain; the RBM or Boltzmann machine a gibbs chain ran on"),
            Parameter("burn_in", .integer(min: 0, max: nil), default: .number(0),
                      "gibbs chains: snapshots up to this step are left out (the start, step 0, always is)").byNameOnly(),
        ],
        details: """
        The chains are independent, so over their final states SE(mean) = s/√n and
        SE(std) ≈ s/√(2(n−1)); a column "z" gives (chain − exact)/SE, which should mostly lie
        within ±3 when the chain samples the energy (ULA adds an O(ε) bias that shows up here).
        Returns true when every moment is within 3 standard errors.
        A gibbs chain of an RBM or Boltzmann machine with at most 16 visible units: every snapshot
        of every chain after burn_in is one sample, and Pearson's χ² test (cells of expected count
        below 5 pooled) compares their counts with the exact p(x), as tempered(...) does for its
        β = 1 samples; the result has .chi2, .p_value and .dof. The test assumes independent
        draws: snapshots closer together than the chain's autocorrelation time inflate χ².
        Examples:
          compare(langevin(e, chains: 500, steps: 2000, seed: 1), e)
          g = gibbs(m, chains: 1, steps: 41000, every: 10, seed: 1)
          compare(g, m, burn_in: 1000).p_value
        """
    ) { args, context in
        if let gibbsChain = args.object("chain", as: ChainValue.self) { return try compareGibbsChain(gibbsChain, args) }
        if args.isGiven("burn_in") { throw args.error("burn_in", "burn_in belongs to gibbs chains: a Langevin chain is compared by its final states") }
        guard let chain = args.object("chain", as: LangevinChainValue.self) else { throw args.error("chain", "expected a chain") }
        let model = try modelValue(args, "energy")
        guard let exact = model.parameterized as? any ClosedFormEnergy else {
            throw args.error("energy", "\(model.article) has no exact moments: compare needs a closed-form energy (gaussian, mixture, double_well)")
        }
        let run = chain.run
        guard exact.dimension == run.dimension else {
            throw args.error("energy", "the chain has \(run.dimension) dimensions, the energy \(exact.dimension)")
        }
        try chain.requireFiniteStates(args, "chain", because: "their moments are NaN and compare with nothing")
        let comparison = MomentComparison(states: run.final, chains: run.chains, dimension: run.dimension, exact: exact)
        let worst = comparison.worst
        let rowsOut = comparison.rows.enumerated().map { i, m in
            ["x\(i + 1)", formatNumber(m.mean, digits: 4) + " ± " + formatNumber(m.meanSE, digits: 2),
             formatNumber(zeroingNoise([m.exactMean], scale: Swift.max(Swift.abs(m.exactMean), m.exactStd))[0], digits: 4), formatNumber(m.zMean, digits: 2),
             formatNumber(m.std, digits: 4) + " ± " + formatNumber(m.stdSE, digits: 2),
             formatNumber(m.exactStd, digits: 4), formatNumber(m.zStd, digits: 2)]
        }
        var out = "\(run.chains) chains after \(run.snapshots.last?.step ?? 0) steps (\(chain.settings)) against \(exact.description)\n"
        out += Table(header: ["", "chain mean", "exact", "z", "chain std", "exact", "z"], rows: rowsOut).text
        out += worst <= 3 ? "every moment within 3 standard errors of the exact value\n"
                          : "a moment is \(formatNumber(worst, digits: 2)) standard errors from the exact value: a smaller step"
                            + (chain.settings.hasPrefix("MALA") ? " or more steps\n" : ", more steps, or MALA\n")
        context.write(out)
        context.resultIsShown()
        return .bool(worst <= 3)
    }

    static let energyMap = Command(
        "energy_map", category: .continuous,
        summary: "a 2-D energy as a PNG: the density e^(−E)/Z (or E itself) with axes and a colour bar, samples drawn over it",
        parameters: [
            Parameter("energy", .object(ModelFamilies.all.map(\.kind)), "a 2-D energy"),
            Parameter("path", .path, "where to write the PNG"),
            Parameter("samples", .optional(.any), default: Value.none, "points to draw: a chain, a data set or an n × 2 matrix"),
            Parameter("paths", .optional(.object(["langevin"])), default: Value.none, "a chain whose first chains' trajectories are drawn (every snapshot)"),
            Parameter("range", .number, default: .number(3), "the square [−range, range]² shown"),
            Parameter("size", .integer(min: 32, max: 2048), default: .number(256), "pixels per side of the map"),
            Parameter("show", .choice(["density", "energy"]), default: .string("density"),
                      "what the shades show: the density e^(−E)/Z over the box, or the energy E"),
        ].enumerated().map { $0.offset < 2 ? $0.element : $0.element.byNameOnly() },
        details: """
        Dark is probable. By default the shades are the density p(x) = e^(−E(x))/Z, with Z summed
        over the box's grid, linear from 0 (white) to the peak (dark blue): a mode holding four
        times the mass of another as wide is four times as dark. show: "energy" shades E instead,
        from its minimum (dark) to its 75th percentile over the box (white): the landscape's
        shape whatever its scale, but not how mass splits between wells. Axes are in x's units;
        the colour bar gives the shaded quantity's. Samples are red dots, paths orange; cells
        where E is NaN are grey.
        Examples:
          energy_map(e, "images/density.png", samples: c, range: 3)
          energy_map(e, "images/energy.png", range: 3, show: "energy")
        """
    ) { args, context in
        let model = try modelValue(args, "energy")
        let energy = try require(model.differentiable, .gradient, of: model, args, "energy").continuousEnergy
        guard energy.dimension == 2 else { throw args.error("energy", "energy_map draws 2-D energies") }
        let path = args.string("path")
        guard path.lowercased().hasSuffix(".png") else { throw args.error("path", "the file name should end in .png, got \"\(path)\"") }
        var points: [Float] = []
        if !args["samples"].isNone {
            guard let t = tensorValue(args["samples"]), t.rank == 2, t.shape[1] == 2 else {
                throw args.error("samples", "samples must be n × 2: a chain, a 2-D data set or a matrix")
            }
            points = t.scalars
        }
        var trajectories: [[Float]] = []
        if let c = args.object("paths", as: LangevinChainValue.self) {
            let run = c.run
            trajectories = (0..<Swift.min(run.chains, 16)).map { k in run.snapshots.flatMap { Array($0.states[(k * 2)..<(k * 2 + 2)]) } }
        }
        let r = Float(args.number("range"))
        guard r > 0, r.isFinite else { throw args.error("range", "range must be a finite number > 0") }
        let quantity = EnergyMapPicture.Quantity(rawValue: args.string("show")) ?? .density
        let picture = EnergyMapPicture(quantity: quantity, points: points, trajectories: trajectories)
            .image(energy, lo: -r, hi: r, size: args.int("size"))
        let resolved = context.resolve(path)
        try fileErrors(args, "path") { try PNG.write(picture, to: resolved) }
        context.didWrite(resolved)
        context.write("wrote \(context.shownPath(path)) (\(picture.width)×\(picture.height) RGB)\n")
        return .none
    }
}

extension Command {
    static let modes = Command(
        "modes", category: .continuous,
        summary: "how samples spread over the components of a mixture: count and fraction near each mean, against its weight",
        parameters: [
            Parameter("samples", .any, "a chain, a data set or an n × d matrix"),
            Parameter("mixture", .object(ModelFamilies.all.map(\.kind)), "a mixture energy from mixture(...)"),
        ],
        details: """
        A sample counts for component k when it lies within 3σₖ of μₖ; the rest are "between".
        A sampler that has found every mode in the right proportions gives fractions near the
        weights; one stuck in a mode, or a model that missed one, shows it at once.
        Example:
          modes(s, mixture())
        """
    ) { args, context in
        guard let mix = (try modelValue(args, "mixture")).parameterized as? MixtureEnergy else {
            throw args.error("mixture", "modes needs a mixture energy from mixture(...)")
        }
        guard let t = tensorValue(args["samples"]), t.rank == 2, t.shape[1] == mix.dimension else {
            throw args.error("samples", "samples must be n × \(mix.dimension): a chain, a data set or a matrix")
        }
        if case .object(let chain as any ChainStatesValue) = args["samples"] {
            try chain.requireFiniteStates(args, "samples", because: "they lie near no mode")
        }
        let bad = NonFiniteStates.rows(t)
        guard bad == 0 else {
            throw ScriptError(.numeric, "modes: \(bad) of \(t.shape[0]) samples hold NaN or ±inf, so they lie near no mode",
                              at: args.location(of: "samples"), hint: "the sampler diverged: lower its step_size")
        }
        let n = t.shape[0]
        let occupancy = mix.modeOccupancy(t.scalars, rows: n)
        let counts = occupancy.counts
        let rowsOut = mix.means.indices.map { k in
            ["\(k + 1)", "(" + zeroingNoise(mix.means[k]).map { formatNumber($0, digits: 3) }.joined(separator: ", ") + ")",
             String(counts[k]), formatNumber(Double(counts[k]) / Double(n), digits: 3), formatNumber(mix.weights[k], digits: 3)]
        }
        let between = occupancy.between
        var out = Table(header: ["mode", "mean", "samples within 3σ", "fraction", "weight"], rows: rowsOut).text
        let found = occupancy.found
        out += "between modes: \(between) (\(formatNumber(Double(between) / Double(n), digits: 3))); "
            + "\(found) of \(mix.means.count) modes hold at least a fifth of their share\n"
        context.write(out)
        context.resultIsShown()
        return .number(Double(found))
    }
}
