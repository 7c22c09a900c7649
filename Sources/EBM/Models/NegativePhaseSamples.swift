/// The two halves of a trainer's last minibatch update (003 §13.2, eq 13.2): the data rows x of
/// its positive phase and the negative samples x̃ its negative phase averaged ∇θE over, so that
/// a user can recompute that update by hand — 003 Algorithm 1 written out — and compare it with
/// the trainer's.
///
/// Row r of `samples` is chain r's state; for CD-k chain r started at row r of `data`. For PCD
/// and PT the chains carry over between updates, so a sample is paired with its data row only by
/// position. Both are n × d, with n the last minibatch's size (the last batch of an epoch may be
/// smaller than the others).
public struct NegativePhaseSamples: Sendable, Equatable {
    /// The minibatch rows of the positive phase, in the order the update visited them (n × d).
    public var data: Tensor
    /// The negative samples x̃ (n × d): the chains' visible states after their k steps.
    public var samples: Tensor
    /// The epoch or iteration the update belongs to.
    public var step: Int

    public init(data: Tensor, samples: Tensor, step: Int) {
        precondition(data.shape == samples.shape && data.rank == 2, "data and samples must both be n × d")
        self.data = data
        self.samples = samples
        self.step = step
    }
}

/// A trainer whose updates use negative samples and that keeps the last update's
/// (`NegativePhaseSamples`). Adopted by the RBM trainer (CD-k, PCD-k, PT-k) and the user-energy
/// trainer (CD-k, PCD-k, Langevin maximum likelihood).
public protocol NegativeSampleRecording {
    /// The last update's data rows and negative samples; nil before the first update, after a
    /// call that diverged (its samples ran under bad parameters), and when the negative phase is
    /// exact (a sum over all states, with no samples).
    var lastNegativePhase: NegativePhaseSamples? { get }
}
