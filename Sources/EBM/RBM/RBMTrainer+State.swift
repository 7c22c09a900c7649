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

        public init(epochsCompleted: Int, history: TrainingHistory, velocities: [Float], persistentHidden: [Float],
                    persistentRows: Int, chainGenerators: [Xoshiro256StarStar]) {
            self.epochsCompleted = epochsCompleted
            self.history = history
            self.velocities = velocities
            self.persistentHidden = persistentHidden
            self.persistentRows = persistentRows
            self.chainGenerators = chainGenerators
        }

        public static func == (a: State, b: State) -> Bool {
            a.epochsCompleted == b.epochsCompleted && a.history == b.history
                && a.velocities.map(\.bitPattern) == b.velocities.map(\.bitPattern)
                && a.persistentHidden.map(\.bitPattern) == b.persistentHidden.map(\.bitPattern)
                && a.persistentRows == b.persistentRows
                && a.chainGenerators.map(\.stateWords) == b.chainGenerators.map(\.stateWords)
        }
    }

    /// The trainer's state now.
    public var state: State {
        State(epochsCompleted: epochsCompleted, history: history, velocities: velocities, persistentHidden: persistentHidden,
              persistentRows: persistentRows, chainGenerators: chainGenerators)
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
    }
}
