/// What an `RBMTrainer` carries from one `train` call to the next, so a saved trainer resumes
/// exactly: training 2 epochs, saving, loading and training 2 more equals training 4 in one go.
extension RBMTrainer {
    public struct State: Sendable, Equatable {
        /// Epochs done over all `train` calls.
        public var epochsCompleted: Int
        public var history: TrainingHistory
        /// μ·v of W, b and c after the last update (H·D + H + D values), or empty before the first.
        public var velocities: [Float]
        /// The persistent chains' last hidden samples, one row of H per batch row (PCD), or empty.
        public var persistentHidden: [Float]
        /// Rows of `persistentHidden` that hold a chain state.
        public var persistentRows: Int
        /// One stream per batch row, where each chain's next draw comes from; empty before the first call.
        public var chainGenerators: [Xoshiro256StarStar]
        /// PT-k's persistent ladders (`train(rbm, d, method: "pt")`), or nil.
        public var tempered: TemperedReplicas?

        public init(epochsCompleted: Int, history: TrainingHistory, velocities: [Float], persistentHidden: [Float],
                    persistentRows: Int, chainGenerators: [Xoshiro256StarStar], tempered: TemperedReplicas? = nil) {
            self.epochsCompleted = epochsCompleted
            self.history = history
            self.velocities = velocities
            self.persistentHidden = persistentHidden
            self.persistentRows = persistentRows
            self.chainGenerators = chainGenerators
            self.tempered = tempered
        }

        public static func == (a: State, b: State) -> Bool {
            a.epochsCompleted == b.epochsCompleted && a.history == b.history
                && a.velocities.map(\.bitPattern) == b.velocities.map(\.bitPattern)
                && a.persistentHidden.map(\.bitPattern) == b.persistentHidden.map(\.bitPattern)
                && a.persistentRows == b.persistentRows
                && a.chainGenerators.map(\.stateWords) == b.chainGenerators.map(\.stateWords)
                && a.tempered == b.tempered
        }
    }

    /// The replicas of PT-k training: M ladders of K = betas.count replicas; row m·K + k of `x`
    /// (M·K × D, 0/1) and `h` (M·K × H, 0/1) is ladder m at βₖ; one random stream per ladder; the
    /// rounds done (their parity picks the even or odd swaps next) and per gap the swaps proposed
    /// and accepted.
    public struct TemperedReplicas: Sendable, Equatable {
        public var betas: [Double]
        public var ladders: Int
        public var x: [Float]
        public var h: [Float]
        public var generators: [Xoshiro256StarStar]
        public var rounds: Int
        public var proposed: [Int]
        public var accepted: [Int]

        public init(betas: [Double], ladders: Int, x: [Float], h: [Float], generators: [Xoshiro256StarStar],
                    rounds: Int, proposed: [Int], accepted: [Int]) {
            (self.betas, self.ladders, self.x, self.h, self.generators) = (betas, ladders, x, h, generators)
            (self.rounds, self.proposed, self.accepted) = (rounds, proposed, accepted)
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.betas.map(\.bitPattern) == b.betas.map(\.bitPattern) && a.ladders == b.ladders
                && a.x.map(\.bitPattern) == b.x.map(\.bitPattern) && a.h.map(\.bitPattern) == b.h.map(\.bitPattern)
                && a.generators.map(\.stateWords) == b.generators.map(\.stateWords)
                && a.rounds == b.rounds && a.proposed == b.proposed && a.accepted == b.accepted
        }
    }

    /// The trainer's state now.
    public var state: State {
        State(epochsCompleted: epochsCompleted, history: history, velocities: velocities, persistentHidden: persistentHidden,
              persistentRows: persistentRows, chainGenerators: chainGenerators,
              tempered: temperedReplicas.map { r in
                  TemperedReplicas(betas: r.betas, ladders: r.M, x: r.x, h: r.h, generators: r.generators,
                                   rounds: r.rounds, proposed: r.proposed, accepted: r.accepted)
              })
    }

    /// A trainer that continues from `state` with `options`. The state must come from a trainer
    /// of a machine of the same shape (a file reader checks the sizes before calling this).
    public init(options: RBMTrainingOptions, state: State) {
        self.init(options: options)
        epochsCompleted = state.epochsCompleted
        history = state.history
        // The pseudo-LL column is titled "exact" only while every row had the exact value.
        exactPLLEverywhere = state.history["pll"]?.title != "pseudo-LL (1-bit estimate)"
        velocities = state.velocities
        persistentHidden = state.persistentHidden
        persistentRows = state.persistentRows
        chainGenerators = state.chainGenerators
        temperedReplicas = state.tempered.map { t in
            let H = t.h.count / Swift.max(1, t.ladders * t.betas.count)
            let D = t.x.count / Swift.max(1, t.ladders * t.betas.count)
            var r = TemperedRBMReplicas(visible: D, hidden: H, ladders: t.ladders, betas: t.betas, seed: 0)
            (r.x, r.h, r.generators, r.rounds, r.proposed, r.accepted) = (t.x, t.h, t.generators, t.rounds, t.proposed, t.accepted)
            return r
        }
    }
}
