/// Samples of a DBN (003, §13.3; Hinton, Osindero and Teh 2006): alternating Gibbs sampling in
/// the top RBM p(h^(L−1), h^(L)), then one pass down the sigmoid belief net,
///
///     h^(l−1) ~ P(h^(l−1) | h^(l)) = σ(b^(l−1) + W^(l)ᵀ h^(l)),   l = L−1, …, 1.
///
/// With tied weights this is the second of the two walks 003 sketches: for a 2-layer DBN whose
/// top RBM has W^(2) = W^(1)ᵀ, a step h^(1) → h^(2) → h^(1) of the top chain is a step
/// h → x → h of the RBM's chain, so the final x ~ P(x | h^(1)) is distributed as the RBM's x.
public struct DBNSampler: Sendable {
    /// Samples drawn together.
    public var count: Int
    /// Gibbs steps in the top RBM before the down pass.
    public var steps: Int
    /// Chain i of the top RBM uses stream i of `seed`; the down pass its own streams.
    public var seed: UInt64

    public init(count: Int, steps: Int, seed: UInt64 = 0) {
        precondition(count >= 1 && steps >= 0, "sampling needs count ≥ 1 and steps ≥ 0")
        (self.count, self.steps, self.seed) = (count, steps, seed)
    }

    /// What a sampling run gives.
    public struct Samples: Sendable, Equatable {
        /// x, count × D, sampled.
        public var visible: Tensor
        /// P(x = 1 | h^(1)) that x was drawn from, count × D (smoother to look at). For a 1-layer
        /// DBN, the top chain's p(x = 1 | h).
        public var probabilities: Tensor
        /// The top chain's lower units h^(L−1) after the Gibbs steps, count × n_(L−1).
        public var topStates: Tensor
    }

    /// Runs the top chains from random states (each unit on with probability 1/2) or from `start`
    /// (rows of h^(L−1), chain i at row i mod n), then the down pass. `shouldStop` is polled every
    /// 100 steps; when it returns true, sampling goes down from where the chains are.
    public func sample(_ dbn: DeepBeliefNetwork, start: Tensor? = nil, shouldStop: () -> Bool = { false },
                       progress: (Int) -> Void = { _ in }) -> Samples {
        var chain = DBNChain(dbn, count: count, seed: seed, start: start.map { .data($0) } ?? .random)
        for s in stride(from: 1, through: steps, by: 1) {
            chain.advance()
            if s % 100 == 0 {
                progress(s)
                if shouldStop() { break }
            }
        }
        let down = chain.snapshot
        return Samples(visible: down.samples, probabilities: down.probabilities, topStates: chain.top.samples)
    }
}
