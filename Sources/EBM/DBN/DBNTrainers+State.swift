/// What the DBN trainers carry from one `train` call to the next, so a saved network resumes
/// exactly (model files): the greedy trainer's per-layer RBM trainers, its one history and how
/// much of each layer's history it has copied; up-down's epoch count and history (its random
/// streams and its shuffles are derived from the seed and the epoch alone, so 2 + 2 epochs, in one
/// session or across a file, equal 4 in one call).
extension GreedyLayerwiseTrainer {
    /// Rows of layer l's own history already copied into `history`.
    public var copiedHistoryRows: [Int: Int] { copiedRows }

    /// A trainer that continues from the given state with `settings`.
    public init(settings: GreedyLayerwiseSettings, trainers: [Int: RBMTrainer], history: TrainingHistory, copiedHistoryRows: [Int: Int]) {
        self.init(settings: settings)
        self.trainers = trainers
        self.history = history
        self.copiedRows = copiedHistoryRows
    }
}

extension UpDownFineTuning {
    /// A trainer that continues after `completed` epochs with `history`.
    public init(settings: UpDownSettings, completed: Int, history: TrainingHistory) {
        self.init(settings: settings)
        self.completed = completed
        self.history = history
    }
}
