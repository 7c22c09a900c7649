/// How the trainer gets the negative samples x̃ of an update (003, eq 13.2: the model expectation
/// E_p[∇F(x)] is replaced by an average over x̃). Implemented by `ContrastiveDivergence` and
/// `PersistentContrastiveDivergence`.
public protocol NegativePhaseSampler: Sendable, CustomStringConvertible {
    /// Block Gibbs steps x → h → x per update.
    var k: Int { get }
    /// Whether chains carry over from one update to the next (PCD) or restart at the data (CD).
    var persistentChains: Bool { get }
}

/// CD-k (Hinton 2002; 003, Algorithm 1): the negative chains start at the minibatch itself and
/// run k block Gibbs steps,
///
///     h⁰ ~ p(h | x)  (sampled),   x̃ ~ p(x | h)  (sampled),   h ~ p(h | x̃)  (sampled, between steps)
///
/// and the update uses probabilities for the hidden statistics of both phases:
///
///     W ← W + ε (p(h|x) xᵀ − p(h|x̃) x̃ᵀ),   b ← b + ε (p(h|x) − p(h|x̃)),   c ← c + ε (x − x̃)
///
/// where p(h|x) is the vector of p(h_j = 1 | x) = σ(b_j + W_j x) and x̃ is the sampled k-th visible
/// state (Hinton, "A practical guide to training RBMs", §3: sampled h drives the chain, the last
/// hidden update uses probabilities). 003 writes h(x) for p(h|x) with `sign` for σ: a slip.
public struct ContrastiveDivergence: NegativePhaseSampler, Equatable {
    public var k: Int
    public init(k: Int = 1) {
        precondition(k >= 1, "CD-k needs k ≥ 1")
        self.k = k
    }
    public var persistentChains: Bool { false }
    public var description: String { "CD-\(k)" }
}
