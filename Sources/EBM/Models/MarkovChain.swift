/// The states of a set of chains at one step: what `gibbs` keeps and draws.
public struct ChainSnapshot: Sendable, Equatable {
    /// Steps taken when the snapshot was made (0 = the start).
    public var step: Int
    /// The sampled states, chains × d.
    public var samples: Tensor
    /// What the states were drawn from, chains × d (p(x = 1 | h) for an RBM: smoother to look
    /// at); equal to `samples` when the sampler has nothing smoother.
    public var probabilities: Tensor

    public init(step: Int, samples: Tensor, probabilities: Tensor) {
        (self.step, self.samples, self.probabilities) = (step, samples, probabilities)
    }
}

/// Where chains start.
public enum ChainStart: Sendable {
    /// Chain i starts at row i mod n of the data (n × d).
    case data(Tensor)
    /// Every binary unit on with probability 1/2 (continuous models: their own default).
    case random
}

/// Many Markov chains advanced together, bound to the model they sample: one step, snapshots.
/// Gibbs chains of RBMs and Boltzmann machines conform; a later sampler (tempering, a Gaussian
/// RBM's chains) is a new conformance.
public protocol MarkovChain: Sendable {
    /// Steps taken so far.
    var stepsTaken: Int { get }
    /// One step of every chain.
    mutating func advance()
    /// The chains' states now.
    var snapshot: ChainSnapshot { get }
}

/// The result of `run`: the snapshots and whether it ran to the end.
public struct ChainRun: Sendable {
    public var snapshots: [ChainSnapshot]
    /// False when `shouldStop` ended it early: the snapshots are those taken so far, and the
    /// last of them is the chains' state when they stopped (an interrupted chain keeps its draws).
    public var finished: Bool
}

extension MarkovChain {
    /// The snapshot loop, written once: `steps` steps, a snapshot of the start (when
    /// `includeStart`), every `every` steps and of the last step (when `includeLast`). Polls
    /// `shouldStop` before each step and reports `progress(done)` every `progressEvery` steps.
    /// Stopped early, it returns what it drew: the snapshots so far and the state it stopped at.
    public mutating func run(steps: Int, every: Int, includeStart: Bool = true, includeLast: Bool = true, progressEvery: Int = 100,
                             shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> ChainRun {
        precondition(steps >= 0 && every >= 1, "a chain runs steps ≥ 0 with snapshots every ≥ 1 steps")
        var snapshots: [ChainSnapshot] = includeStart ? [snapshot] : []
        for s in stride(from: 1, through: steps, by: 1) {
            if shouldStop() {
                let now = snapshot
                if snapshots.last?.step != now.step { snapshots.append(now) }
                return ChainRun(snapshots: snapshots, finished: false)
            }
            advance()
            if s % every == 0 || (includeLast && s == steps) { snapshots.append(snapshot) }
            if s % progressEvery == 0 { progress(s) }
        }
        return ChainRun(snapshots: snapshots, finished: true)
    }
}

/// A model whose samples of x come from Markov chains: `gibbs` runs them. It need not have an
/// energy: a DBN's chains run in its top RBM and send each snapshot down the belief net.
public protocol ChainSamplableModel: ParameterizedModel {
    /// `count` chains seeded from `seed` (chain i draws only from its own stream).
    func makeChain(count: Int, seed: UInt64, start: ChainStart) -> any MarkovChain
    /// What one step is, for help and printing ("block Gibbs step x → h → x").
    var chainStepDescription: String { get }
}

/// A model with an energy that can make Markov chains whose stationary distribution is its own p(x).
public protocol SamplableModel: EnergyModel, ChainSamplableModel {}
