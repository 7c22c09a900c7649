/// What a `BoltzmannTrainer` carries from one `train` call to the next (epoch count, history,
/// persistent chains), so a saved trainer resumes exactly.
extension BoltzmannTrainer {
    public struct State: Sendable, Equatable {
        public var epochsCompleted: Int
        public var history: TrainingHistory
        /// The persistent chains of PCD (nil before the first PCD update, and for exact or CD).
        public var chains: BoltzmannGibbsChain.State?
        /// The last update v of every parameter (momentum), empty before the first update.
        public var velocity: [Double]
        /// The order of the training rows after the last epoch (each epoch shuffles it further),
        /// empty before the first minibatch epoch.
        public var shuffleOrder: [Int]

        public init(epochsCompleted: Int, history: TrainingHistory, chains: BoltzmannGibbsChain.State?, velocity: [Double] = [],
                    shuffleOrder: [Int] = []) {
            self.epochsCompleted = epochsCompleted
            self.velocity = velocity
            self.history = history
            self.chains = chains
            self.shuffleOrder = shuffleOrder
        }
    }

    public var state: State {
        State(epochsCompleted: epochsCompleted, history: history, chains: persistentChains?.state, velocity: velocity, shuffleOrder: shuffleOrder)
    }

    /// A trainer that continues from `state`; the chains get their inputs from `machine`.
    public init(options: BoltzmannTrainingOptions, state: State, machine: FullyVisibleBoltzmannMachine) {
        self.init(options: options)
        epochsCompleted = state.epochsCompleted
        history = state.history
        persistentChains = state.chains.map { BoltzmannGibbsChain(restoring: $0, machine: machine) }
        velocity = state.velocity
        shuffleOrder = state.shuffleOrder
    }
}

extension BoltzmannGibbsChain {
    /// The chains' states, sweep count and streams: enough to continue them exactly (the inputs
    /// aᵢ follow from the states and the machine).
    public struct State: Sendable, Equatable {
        /// chains × n, 0/1.
        public var states: [[Double]]
        public var sweeps: Int
        public var generators: [Xoshiro256StarStar]

        public init(states: [[Double]], sweeps: Int, generators: [Xoshiro256StarStar]) {
            self.states = states
            self.sweeps = sweeps
            self.generators = generators
        }

        public static func == (a: State, b: State) -> Bool {
            a.states == b.states && a.sweeps == b.sweeps && a.generators.map(\.stateWords) == b.generators.map(\.stateWords)
        }
    }

    public var state: State { State(states: states, sweeps: sweeps, generators: generators) }

    /// Chains that continue from `state` under `machine` (one generator and n units per chain).
    public init(restoring state: State, machine: FullyVisibleBoltzmannMachine) {
        precondition(!state.states.isEmpty && state.states.count == state.generators.count
                     && state.states.allSatisfy { $0.count == machine.units }, "the chain state does not fit the machine")
        self.init(machine, count: 1, seed: 0)
        states = state.states
        sweeps = state.sweeps
        generators = state.generators
        refresh(machine)
    }
}
