/// What a `GaussianRBMTrainer` carries from one `train` call to the next, so a saved trainer
/// resumes exactly: training 2 epochs, saving, loading and training 2 more equals training 4.
extension GaussianRBMTrainer {
    public struct State: Sendable, Equatable {
        /// Epochs done over all `train` calls.
        public var epochsCompleted: Int
        public var history: TrainingHistory
        /// The stream of shuffles and CD/PCD draws, or nil before the first call.
        public var generator: Xoshiro256StarStar?
        /// PCD's persistent chains, one state (x then h, D + H values) per batch row, or empty.
        public var chains: [[Double]]
        /// PT-k's ladders, one per batch row, or empty.
        public var ladders: [Ladder]

        public init(epochsCompleted: Int, history: TrainingHistory, generator: Xoshiro256StarStar?, chains: [[Double]], ladders: [Ladder]) {
            (self.epochsCompleted, self.history, self.generator, self.chains, self.ladders) = (epochsCompleted, history, generator, chains, ladders)
        }

        public static func == (a: State, b: State) -> Bool {
            a.epochsCompleted == b.epochsCompleted && a.history == b.history
                && a.generator?.stateWords == b.generator?.stateWords
                && a.chains.map { $0.map(\.bitPattern) } == b.chains.map { $0.map(\.bitPattern) } && a.ladders == b.ladders
        }
    }

    /// One PT ladder's replicas: the state at each slot (x then h), which replica is there, its
    /// stream, rounds done (their parity picks the even or odd swaps next), per gap the swaps
    /// proposed and accepted, and the round-trip bookkeeping.
    public struct Ladder: Sendable, Equatable {
        public var states: [[Double]]
        public var replicaAt: [Int]
        public var generator: Xoshiro256StarStar
        public var rounds: Int
        public var proposed: [Int]
        public var accepted: [Int]
        public var roundTrips: Int
        public var direction: [Int]
        public var tripStart: [Int]

        public init(states: [[Double]], replicaAt: [Int], generator: Xoshiro256StarStar, rounds: Int, proposed: [Int], accepted: [Int],
                    roundTrips: Int, direction: [Int], tripStart: [Int]) {
            (self.states, self.replicaAt, self.generator, self.rounds) = (states, replicaAt, generator, rounds)
            (self.proposed, self.accepted, self.roundTrips, self.direction, self.tripStart) = (proposed, accepted, roundTrips, direction, tripStart)
        }

        public static func == (a: Ladder, b: Ladder) -> Bool {
            a.states.map { $0.map(\.bitPattern) } == b.states.map { $0.map(\.bitPattern) } && a.replicaAt == b.replicaAt
                && a.generator.stateWords == b.generator.stateWords && a.rounds == b.rounds && a.proposed == b.proposed
                && a.accepted == b.accepted && a.roundTrips == b.roundTrips && a.direction == b.direction && a.tripStart == b.tripStart
        }
    }

    /// The trainer's state now.
    public var state: State {
        State(epochsCompleted: epochsCompleted, history: history, generator: generator, chains: chains,
              ladders: ladders.map { p in
                  Ladder(states: p.states, replicaAt: p.replicaAt, generator: p.generator, rounds: p.rounds, proposed: p.proposed,
                         accepted: p.accepted, roundTrips: p.roundTrips, direction: p.direction, tripStart: p.tripStart)
              })
    }

    /// A trainer that continues from `state` with `options`, for `model` (whose shape the state's
    /// arrays must have: a file reader checks the sizes first). Throws if a ladder's β are not a
    /// valid ladder for the options' PT sampler.
    public init(options: GaussianRBMTrainingOptions, state: State, model: GaussianBernoulliRBM) throws {
        self.init(options: options)
        epochsCompleted = state.epochsCompleted
        history = state.history
        generator = state.generator
        chains = state.chains
        if let pt = options.sampler as? ParallelTemperingSampler {
            ladders = try state.ladders.map { l in
                var p = try ParallelTempering(model, betas: pt.betas, seed: 0)
                (p.states, p.replicaAt, p.generator, p.rounds) = (l.states, l.replicaAt, l.generator, l.rounds)
                (p.proposed, p.accepted, p.roundTrips, p.direction, p.tripStart) = (l.proposed, l.accepted, l.roundTrips, l.direction, l.tripStart)
                p.setModel(model)
                return p
            }
        }
    }
}
