/// Persistent contrastive divergence, PCD-k (Tieleman 2008; 003, §13.2 after Algorithm 1): like
/// CD-k, but the negative chains are not restarted at the data. There is one chain per batch row;
/// each update continues it for k more block Gibbs steps under the current parameters, so the
/// chains follow the slowly changing model and x̃ approaches a sample of p(x) instead of a
/// perturbed data point.
///
/// The state carried between updates is the chain's last hidden sample h ~ p(h | x̃) (as
/// scikit-learn's BernoulliRBM does), so PCD-1 costs the same five products as CD-1. The chains
/// start at the data: the first update samples them from p(h | x) of its minibatch. The update
/// itself is CD's (probabilities for the hidden statistics, sampled x̃).
public struct PersistentContrastiveDivergence: NegativePhaseSampler, Equatable {
    public var k: Int
    public init(k: Int = 1) {
        precondition(k >= 1, "PCD-k needs k ≥ 1")
        self.k = k
    }
    public var persistentChains: Bool { true }
    public var description: String { "PCD-\(k)" }
}
