import Glibc

/// log Z(βₖ) − log Z(β₀) at every level of a tempering ladder, by annealed importance sampling
/// along the ladder itself (Neal 2001), for any `TemperableModel`: what simulated tempering's
/// weights gₖ = −log Z(βₖ) should be (Marinari and Parisi 1992), estimated instead of adapted.
///
/// Each run starts at s ~ p_{β₀}: on finite state spaces with β₀ = 0 the model's `initialState`
/// is an exact draw from the uniform p₀; when β₀ > 0 (always on ℝᵈ) give `burnIn` moves at β₀,
/// and the start is only as good as they make it. The β path refines every gap (βₖ, βₖ₊₁) linearly
/// into `steps` sub-steps t₀ = β₀ < t₁ < … ; at each sub-step
///
///     log w ← log w − (tₘ − tₘ₋₁) E(s),   then s ~ T_{tₘ}(s, ·)   (the model's move at tₘ)
///
/// since p*_t(s) = e^(−t E(s)). The running weight at a level βₖ is an importance weight of
/// Z(βₖ)/Z(β₀): E[w at βₖ] = Z(βₖ)/Z(β₀) exactly when the start is exact, so
///
///     log Ẑ(βₖ) − log Z(β₀) = log mean_r w_r(βₖ)
///
/// which, like all AIS, underestimates in expectation (Jensen) and converges as `steps` grows.
public struct LadderAnnealedImportanceSampling: Sendable {
    public var runs: Int
    /// Sub-steps per gap of the ladder (≥ 1).
    public var steps: Int
    /// Moves at β₀ before the annealing starts (for ℝᵈ, where the start is not exact).
    public var burnIn: Int
    public var seed: UInt64

    public init(runs: Int = 100, steps: Int = 100, burnIn: Int = 0, seed: UInt64 = 0) {
        precondition(runs >= 1 && steps >= 1 && burnIn >= 0, "ladder AIS needs runs ≥ 1, steps ≥ 1 and burnIn ≥ 0")
        (self.runs, self.steps, self.burnIn, self.seed) = (runs, steps, burnIn, seed)
    }

    /// log Ẑ(βₖ) − log Z(β₀) for every k (the first is 0). Nil if `shouldStop` said so (polled
    /// every gap).
    public func logPartitionRatios<M: TemperableModel>(_ model: M, betas: [Double],
                                                       shouldStop: () -> Bool = { false }) -> [Double]? {
        precondition(betas.count >= 1, "a ladder has at least one level")
        var generators = (0..<runs).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        var states = (0..<runs).map { model.initialState(&generators[$0]) }
        for r in 0..<runs { for _ in 0..<burnIn { model.temperedMove(&states[r], beta: betas[0], &generators[r]) } }
        var logW = [Double](repeating: 0, count: runs)
        var ratios = [0.0]
        for k in 1..<max(betas.count, 1) where betas.count > 1 {
            if shouldStop() { return nil }
            let (from, to) = (betas[k - 1], betas[k])
            for r in 0..<runs {
                var previous = from
                for m in 1...steps {
                    let t = m == steps ? to : from + (to - from) * Double(m) / Double(steps)
                    logW[r] -= (t - previous) * model.temperedEnergy(states[r])
                    model.temperedMove(&states[r], beta: t, &generators[r])
                    previous = t
                }
            }
            let top = logW.max() ?? 0
            let mean = logW.reduce(0) { $0 + Glibc.exp($1 - top) } / Double(runs)
            ratios.append(top + Glibc.log(mean))
        }
        return ratios
    }

    /// Simulated tempering's weights gₖ = −(log Ẑ(βₖ) − log Ẑ(1)): pinned to 0 at the top level, as
    /// `SimulatedTempering.adaptWeights` pins them. Nil if stopped.
    public func temperingWeights<M: TemperableModel>(_ model: M, betas: [Double],
                                                     shouldStop: () -> Bool = { false }) -> [Double]? {
        guard let ratios = logPartitionRatios(model, betas: betas, shouldStop: shouldStop), let last = ratios.last else { return nil }
        return ratios.map { last - $0 }
    }
}

extension SimulatedTempering {
    /// Sets every chain's weights from AIS estimates of log Z(βₖ) along the ladder (instead of
    /// adapting them Wang–Landau style): gₖ = −log Ẑ(βₖ) + log Ẑ(1). Returns the weights; nil if
    /// stopped (the weights are then unchanged).
    @discardableResult
    public mutating func setWeightsByAIS(_ ais: LadderAnnealedImportanceSampling,
                                         shouldStop: () -> Bool = { false }) -> [Double]? {
        guard let g = ais.temperingWeights(model, betas: betas, shouldStop: shouldStop) else { return nil }
        setWeights(g)
        return g
    }
}
