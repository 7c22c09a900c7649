/// What a `LangevinMaximumLikelihood` trainer carries between `train` calls: iteration count,
/// history, Adam's moments, its random stream, the box of uniform starts and (optionally) the
/// replay buffer. With the buffer, a saved trainer resumes exactly; without it, the next
/// chains start from noise until the buffer fills again.
extension LangevinMaximumLikelihood {
    public struct State: Sendable, Equatable {
        public var iterationsCompleted: Int
        public var history: TrainingHistory
        /// The replay buffer, rows of d floats, oldest first.
        public var buffer: [Float]
        public var optimizer: AdamOptimizer.Moments
        public var generator: Xoshiro256StarStar
        /// The box uniform starts are drawn from (d each; empty before the first call).
        public var low: [Float]
        public var high: [Float]

        public init(iterationsCompleted: Int, history: TrainingHistory, buffer: [Float], optimizer: AdamOptimizer.Moments,
                    generator: Xoshiro256StarStar, low: [Float], high: [Float]) {
            self.iterationsCompleted = iterationsCompleted
            self.history = history
            self.buffer = buffer
            self.optimizer = optimizer
            self.generator = generator
            self.low = low
            self.high = high
        }

        public static func == (a: State, b: State) -> Bool {
            a.iterationsCompleted == b.iterationsCompleted && a.history == b.history
                && a.buffer.map(\.bitPattern) == b.buffer.map(\.bitPattern) && a.optimizer == b.optimizer
                && a.generator.stateWords == b.generator.stateWords
                && a.low.map(\.bitPattern) == b.low.map(\.bitPattern) && a.high.map(\.bitPattern) == b.high.map(\.bitPattern)
        }
    }

    public var state: State {
        State(iterationsCompleted: iterationsCompleted, history: history, buffer: buffer, optimizer: optimizer.moments,
              generator: generator, low: low, high: high)
    }

    public init(options: LangevinMaximumLikelihoodOptions, state: State) {
        self.init(options: options)
        iterationsCompleted = state.iterationsCompleted
        history = state.history
        buffer = state.buffer
        optimizer.moments = state.optimizer
        generator = state.generator
        low = state.low
        high = state.high
    }
}
