/// What a `ScoreMatchingTrainer` carries between `train` calls (iteration count, history, Adam's
/// moments, its random stream), so a saved trainer resumes exactly.
extension ScoreMatchingTrainer {
    public struct State: Sendable, Equatable {
        public var iterationsCompleted: Int
        public var history: TrainingHistory
        public var optimizer: AdamOptimizer.Moments
        public var generator: Xoshiro256StarStar

        public init(iterationsCompleted: Int, history: TrainingHistory, optimizer: AdamOptimizer.Moments, generator: Xoshiro256StarStar) {
            self.iterationsCompleted = iterationsCompleted
            self.history = history
            self.optimizer = optimizer
            self.generator = generator
        }

        public static func == (a: State, b: State) -> Bool {
            a.iterationsCompleted == b.iterationsCompleted && a.history == b.history && a.optimizer == b.optimizer
                && a.generator.stateWords == b.generator.stateWords
        }
    }

    public var state: State {
        State(iterationsCompleted: iterationsCompleted, history: history, optimizer: optimizer.moments, generator: generator)
    }

    public init(options: ScoreMatchingOptions, state: State) {
        self.init(options: options)
        iterationsCompleted = state.iterationsCompleted
        history = state.history
        optimizer.moments = state.optimizer
        generator = state.generator
    }
}
