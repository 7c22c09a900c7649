import Glibc

/// Simulated tempering (Marinari and Parisi 1992): one chain whose inverse temperature moves
/// too. The state is (s, k) with target
///
///     π(s, k) ∝ e^(−βₖ E(s) + gₖ)
///
/// so π(s | k) = p_{βₖ}(s) and π(k) ∝ Z(βₖ) e^(gₖ). A step moves s at βₖ, then proposes k' = k ± 1
/// (each with probability ½; off the ladder is rejected), accepted with
///
///     min(1, e^(−(βₖ' − βₖ) E(s) + gₖ' − gₖ))
///
/// The ideal weights are gₖ = −log Z(βₖ), which make every level equally visited. They are set
/// while the chain runs, Wang–Landau style (Wang and Landau 2001): each visit to level k lowers gₖ
/// by γ, γ halves whenever every level has been visited at least `flatness` times the mean
/// (a flat histogram), then falls as 1/t so the weights converge (`adaptWeights`); then the
/// weights are frozen for sampling, so the sampling phase is a
/// fixed Markov chain with π as its stationary distribution, and the visits at β = 1 are samples
/// of p whatever the weights (the weights only decide how often β = 1 is visited).
///
/// Several independent chains run side by side; each has its own stream and weights.
public struct SimulatedTempering<Model: TemperableModel>: Sendable {
    public let model: Model
    public let betas: [Double]
    /// g per chain and level.
    public private(set) var weights: [[Double]]
    public private(set) var states: [[Double]]
    public private(set) var levelOf: [Int]
    /// Level moves proposed / accepted (sampling phase).
    public private(set) var levelProposals = 0
    public private(set) var levelAcceptances = 0
    /// Steps after which a chain's energy was NaN or ±inf (its level moves are then all
    /// rejected, silently): counted so a run can say so.
    public private(set) var nonFiniteEnergies = 0
    private var generators: [Xoshiro256StarStar]

    public init(_ model: Model, betas: [Double], chains: Int = 1, seed: UInt64) throws {
        precondition(chains >= 1, "simulated tempering needs at least one chain")
        let b = try TemperatureLadder.betas(.list(betas), smallestBeta: model.smallestBeta)
        self.model = model
        self.betas = b
        var gens = (0..<chains).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        states = (0..<chains).map { model.initialState(&gens[$0]) }
        levelOf = [Int](repeating: 0, count: chains)
        weights = [[Double]](repeating: [Double](repeating: 0, count: b.count), count: chains)
        generators = gens
    }

    public var chains: Int { states.count }

    /// Sets every chain's weights to g (e.g. −log Z(β) from AIS), instead of adapting them.
    public mutating func setWeights(_ g: [Double]) {
        precondition(g.count == betas.count, "one weight per level")
        weights = weights.map { _ in g }
    }

    /// One step of chain c: the move of s at its β, then a level proposal.
    @discardableResult
    mutating func step(_ c: Int) -> Bool {
        model.temperedMove(&states[c], beta: betas[levelOf[c]], &generators[c])
        let k = levelOf[c]
        let up = generators[c].nextUnitDouble() < 0.5
        let k2 = up ? k + 1 : k - 1
        guard k2 >= 0 && k2 < betas.count else { return false }
        let e = model.temperedEnergy(states[c])
        if !e.isFinite { nonFiniteEnergies += 1 }
        let logA = -(betas[k2] - betas[k]) * e + weights[c][k2] - weights[c][k]
        if logA >= 0 || Glibc.log(1 - generators[c].nextUnitDouble()) < logA {
            levelOf[c] = k2
            return true
        }
        return false
    }

    /// Wang–Landau adaptation of the weights (Wang and Landau 2001), run for `steps` steps of
    /// every chain, so the weights keep improving as `steps` grows:
    ///
    /// - each step lowers every gₖ by γ·π(k | s), π(k | s) = e^(−βₖE(s) + gₖ) / Σₗ e^(−βₗE(s) + gₗ)
    ///   (the Rao-Blackwellised visit of Carlson, Stinson, Pakman and Paninski 2016: the expected
    ///   visit given s, not only the level the chain is at), whose fixed point is a flat π(k),
    ///   i.e. gₖ = −log Z(βₖ) + const;
    /// - γ starts at `initialGamma` and halves on a flat histogram (every level visited at least
    ///   `flatness` × the mean since the last halving), until γ ≤ K/n after n steps; from then on
    ///   γ = K/n (the 1/t schedule of Belardinelli and Pereyra 2007). Halving alone freezes the
    ///   weights with an error that never shrinks (their "saturation"); 1/t makes them converge
    ///   with errors O(1/√n).
    ///
    /// The chains' weights are then averaged (each chain's estimate is independent) and pinned
    /// to g = 0 at β = 1, and every chain samples with the same weights. Returns nil if
    /// `shouldStop` said so (polled every 1000 steps), leaving the weights as they were.
    @discardableResult
    public mutating func adaptWeights(steps: Int, initialGamma: Double = 1, flatness: Double = 0.8,
                                      shouldStop: () -> Bool = { false }) -> [Double]? {
        precondition(steps >= 1 && initialGamma > 0, "Wang–Landau needs steps ≥ 1 and γ > 0")
        let K = betas.count
        var adapted = weights
        let saved = (weights, states, levelOf, generators)
        for c in 0..<chains {
            var gamma = initialGamma
            var oneOverT = false
            var histogram = [Int](repeating: 0, count: K)
            var logPi = [Double](repeating: 0, count: K)
            for n in 1...steps {
                if n % 1000 == 0 && shouldStop() {
                    (weights, states, levelOf, generators) = saved
                    return nil
                }
                step(c)
                let e = model.temperedEnergy(states[c])
                for k in 0..<K { logPi[k] = -betas[k] * e + weights[c][k] }
                let top = logPi.max() ?? 0
                let norm = logPi.reduce(0) { $0 + Glibc.exp($1 - top) }
                for k in 0..<K { weights[c][k] -= gamma * Glibc.exp(logPi[k] - top) / norm }
                histogram[levelOf[c]] += 1
                if !oneOverT {
                    if n % 100 == 0 {
                        let mean = Double(histogram.reduce(0, +)) / Double(K)
                        if let m = histogram.min(), Double(m) >= flatness * mean {
                            gamma /= 2
                            histogram = histogram.map { _ in 0 }
                        }
                    }
                    if gamma <= Double(K) / Double(n) { oneOverT = true }
                }
                if oneOverT { gamma = Double(K) / Double(n + 1) }
            }
            // Only differences matter; pin g at β = 1 to 0.
            let top = weights[c][K - 1]
            adapted[c] = weights[c].map { $0 - top }
        }
        let mean = (0..<K).map { k in adapted.reduce(0) { $0 + $1[k] } / Double(chains) }
        setWeights(mean)
        return mean
    }

    /// What a sampling run collected.
    public struct Run: Sendable {
        /// x of every step a chain spent at β = 1 (thinned by `thin` steps), over all chains.
        public var samples: [[Double]]
        /// Steps spent at each level, over all chains.
        public var occupancy: [Int]
        /// Accepted / proposed level moves.
        public var levelAcceptance: Double
        /// Level of chain 0 at every step.
        public var trace: [Int]
        /// Steps (adaptation included) after which an energy was NaN or ±inf.
        public var nonFiniteEnergies = 0
        /// Set when `shouldStop` ended the run early: the steps done per chain.
        public var stoppedAfter: Int?
    }

    /// `steps` steps of every chain with the weights frozen, keeping x whenever a chain is at
    /// β = 1 on a step that is a multiple of `thin`. If `shouldStop` says so, the run so far, with
    /// `stoppedAfter` set. Never nil.
    public mutating func run(steps: Int, thin: Int = 1, shouldStop: () -> Bool = { false },
                             progress: (Int) -> Void = { _ in }) -> Run? {
        precondition(steps >= 0 && thin >= 1, "steps ≥ 0, thin ≥ 1")
        var samples: [[Double]] = []
        var occupancy = [Int](repeating: 0, count: betas.count)
        var trace: [Int] = []
        let top = betas.count - 1
        for t in 1...max(steps, 1) where steps > 0 {
            if t % 100 == 0 {
                if shouldStop() {
                    return Run(samples: samples, occupancy: occupancy,
                               levelAcceptance: Double(levelAcceptances) / Double(max(levelProposals, 1)), trace: trace,
                               nonFiniteEnergies: nonFiniteEnergies, stoppedAfter: t - 1)
                }
                progress(t)
            }
            for c in 0..<chains {
                if step(c) { levelAcceptances += 1 }
                levelProposals += 1   // proposals off the ladder count as rejected
                occupancy[levelOf[c]] += 1
                if c == 0 { trace.append(levelOf[c]) }
                if levelOf[c] == top && t % thin == 0 { samples.append(Array(states[c].prefix(model.visibleWidth))) }
            }
        }
        return Run(samples: samples, occupancy: occupancy,
                   levelAcceptance: Double(levelAcceptances) / Double(max(levelProposals, 1)), trace: trace,
                   nonFiniteEnergies: nonFiniteEnergies)
    }
}
