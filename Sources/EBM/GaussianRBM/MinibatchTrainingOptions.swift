/// The settings every minibatch RBM trainer shares, whatever its visible units: the negative
/// phase (CD-k, PCD-k or PT-k), the learning rate of W and b, the batch size, epochs per call,
/// the seed and the monitors. `RBMTrainingOptions` (binary units) and
/// `GaussianRBMTrainingOptions` (Gaussian visible units) each add only what their units need
/// (momentum and weight decay; the learning rates of c and log σ²), and compare the shared part
/// with one rule, `continuesMinibatchSettings(_:)`.
public protocol MinibatchTrainingOptions: TrainerSettings {
    /// CD-k, PCD-k or PT-k.
    var sampler: any NegativePhaseSampler { get set }
    /// ε of W and b.
    var learningRate: Float { get set }
    var batchSize: Int { get set }
    /// Epochs per `train` call (not a setting that decides the trajectory).
    var epochs: Int { get set }
    /// Seeds the shuffles and the chains.
    var seed: UInt64 { get set }
    /// Monitors run after every this many epochs.
    var monitorEvery: Int { get set }
    /// Rows of the training data used as monitor set when none is given.
    var monitorRows: Int { get set }
    /// The monitor set; nil = the first `monitorRows` rows of the training data.
    var monitorSet: Tensor? { get set }
}

extension MinibatchTrainingOptions {
    /// The shared part of the continuation rule: the same negative phase (k, persistence and, for
    /// PT, the same ladder), learning rate, batch size and seed.
    public func continuesMinibatchSettings(_ previous: Self) -> Bool {
        sampler.k == previous.sampler.k && sampler.persistentChains == previous.sampler.persistentChains
            && (sampler as? ParallelTemperingSampler) == (previous.sampler as? ParallelTemperingSampler)
            && learningRate == previous.learningRate && batchSize == previous.batchSize && seed == previous.seed
    }
}

extension RBMTrainingOptions: MinibatchTrainingOptions {}
extension GaussianRBMTrainingOptions: MinibatchTrainingOptions {}
