import Glibc

/// How a `train` call of any trainer ended. `step` counts epochs or iterations (the trainer's
/// `TrainingHistory.Unit`), over every call of one trainer.
public enum TrainingOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Every requested epoch or iteration ran; `step` is the last one.
    case completed(step: Int)
    /// `shouldStop` returned true (Ctrl-C). The model keeps the parameters after the last update
    /// (`step` is the epoch or iteration it was in; `batch`/`batches` place it inside an epoch),
    /// and the history includes the work done.
    case stopped(step: Int, unit: TrainingHistory.Unit, batch: Int?, batches: Int?)
    /// A parameter, the loss or a monitor became NaN or infinite: training stopped and the model
    /// is back at its last good parameters.
    case diverged(TrainingDivergence)

    /// The epoch or iteration the call ended at.
    public var step: Int {
        switch self {
        case .completed(let s), .stopped(let s, _, _, _): return s
        case .diverged(let d): return d.step
        }
    }

    public var description: String {
        switch self {
        case .completed(let step):
            return "trained through \(step)"
        case .stopped(let step, let unit, let batch?, let batches?):
            return "stopped in \(unit.rawValue) \(step) after batch \(batch) of \(batches)"
        case .stopped(let step, let unit, _, _):
            return "stopped after \(unit.rawValue) \(step)"
        case .diverged(let d):
            return d.description
        }
    }
}

/// What the divergence guard saw and did: where the first non-finite number appeared, which
/// parameters the model got back, and which setting to lower.
public struct TrainingDivergence: Sendable, Equatable, CustomStringConvertible {
    public var unit: TrainingHistory.Unit
    /// The epoch or iteration in which it happened.
    public var step: Int
    /// The minibatch inside an epoch, when known.
    public var batch: Int?
    public var batches: Int?
    /// What became NaN or infinite: "a parameter", "the loss", "a monitor", "an energy".
    public var what: String
    /// The epoch or iteration whose parameters the model has again (0 = as given to `train`
    /// before any update of this trainer).
    public var restoredStep: Int
    /// The setting to lower, by its name in the language ("lr", "step_size"), and its value.
    public var setting: String
    public var value: Double

    public init(unit: TrainingHistory.Unit, step: Int, batch: Int? = nil, batches: Int? = nil, what: String,
                restoredStep: Int, setting: String, value: Double) {
        (self.unit, self.step, self.batch, self.batches, self.what) = (unit, step, batch, batches, what)
        (self.restoredStep, self.setting, self.value) = (restoredStep, setting, value)
    }

    public var description: String {
        let place: String
        if let batch, let batches {
            place = "in \(unit.rawValue) \(step), batch \(batch) of \(batches)"
        } else {
            place = "in \(unit.rawValue) \(step)"
        }
        let back = restoredStep == 0 ? "restored the parameters it started with"
            : "restored the parameters from the end of \(unit.rawValue) \(restoredStep)"
        return "training diverged \(place): \(what) became NaN or infinite; \(back). "
            + "Lower \(setting) (it was \(Self.format(value))) and train again."
    }

    /// Shortest round-trip form ("0.1", "1e+30").
    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(Float(v))"
    }
}

/// What a trainer reports while it runs: done out of total (in the call's own units: minibatches
/// or iterations), and a status line when a history row was just recorded.
public struct TrainingProgress: Sendable, Equatable {
    public var done: Int
    public var total: Int
    /// The epoch or iteration it is in.
    public var step: Int
    /// "epoch 3: recon 0.12, pll -7.1" when a row was just recorded; nil otherwise.
    public var status: String?

    public init(done: Int, total: Int, step: Int, status: String? = nil) {
        (self.done, self.total, self.step, self.status) = (done, total, step, status)
    }
}

/// The settings of a trainer: the values that decide its trajectory (learning rate, sampler,
/// batch size, seed…), as opposed to how long a call runs or how often it records.
///
/// The continuation rule: training a model again with settings that `continues(_:)` the
/// trainer's goes on from the trainer's state (epoch count, momentum, persistent chains, Adam
/// moments, replay buffer, random streams); other settings start a fresh trainer and history.
/// The comparison is of values, never of printed strings.
public protocol TrainerSettings: Sendable {
    /// True when a trainer with settings `self` may continue one that ran with `previous`.
    func continues(_ previous: Self) -> Bool
    /// One line for printing: "PCD-1, lr 0.05, batch 10, seed 1".
    var summary: String { get }
    /// The real-valued settings as the user gave them (name → value), before any rounding to
    /// float32: a learning rate differing in its twelfth digit starts a new trainer in every family.
    var given: [String: Double] { get set }
}

/// True when two trainers' settings as given agree; an empty record (a trainer read back from a
/// model file, which keeps the float32 values only) agrees with any.
public func sameGiven(_ a: [String: Double], _ b: [String: Double]) -> Bool {
    a.isEmpty || b.isEmpty || a == b
}

/// A trainer: holds everything that outlives one `train` call (history, counts, momentum,
/// persistent chains, Adam moments, replay buffer, random streams), so that training in several
/// calls with the same settings equals training in one.
///
/// Every trainer records into the one `TrainingHistory`, ends with a `TrainingOutcome`, and has
/// the same divergence guard: a non-finite parameter, loss or monitor restores the last good
/// parameters and names the setting to lower (`TrainingDivergence`).
public protocol ModelTrainer: Sendable {
    associatedtype Model
    associatedtype Settings: TrainerSettings

    var settings: Settings { get set }
    var history: TrainingHistory { get }
    /// Epochs or iterations done over all calls.
    var completed: Int { get }
    /// How many epochs or iterations one call runs (the settings' `epochs` or `iterations`).
    var length: Int { get set }

    /// Trains `model` on the rows of `data` (n × d) for `length` more epochs or iterations.
    /// Polls `shouldStop` at least once per minibatch or iteration; on stop the model keeps what
    /// it learned and the history includes the work done.
    mutating func train(_ model: inout Model, on data: Tensor, shouldStop: () -> Bool,
                        progress: (TrainingProgress) -> Void) -> TrainingOutcome
}

/// Settings whose `train` call runs a number of epochs (passes over the data).
public protocol EpochSettings: TrainerSettings {
    var epochs: Int { get set }
}

/// Settings whose `train` call runs a number of iterations (minibatch updates).
public protocol IterationSettings: TrainerSettings {
    var iterations: Int { get set }
}

/// A trainer that keeps its settings as `options` and counts epochs: `settings`, `completed`
/// and `length` (`options.epochs`) follow from those, the same way for every family.
public protocol EpochTrainer: ModelTrainer where Settings: EpochSettings {
    var options: Settings { get set }
    /// Epochs done over all calls.
    var epochsCompleted: Int { get }
}

extension EpochTrainer {
    public var settings: Settings {
        get { options }
        set { options = newValue }
    }
    public var completed: Int { epochsCompleted }
    public var length: Int {
        get { options.epochs }
        set { options.epochs = newValue }
    }
}

/// A trainer that keeps its settings as `options` and counts iterations: `settings`, `completed`
/// and `length` (`options.iterations`) follow from those.
public protocol IterationTrainer: ModelTrainer where Settings: IterationSettings {
    var options: Settings { get set }
    /// Iterations done over all calls.
    var iterationsCompleted: Int { get }
}

extension IterationTrainer {
    public var settings: Settings {
        get { options }
        set { options = newValue }
    }
    public var completed: Int { iterationsCompleted }
    public var length: Int {
        get { options.iterations }
        set { options.iterations = newValue }
    }
}

/// The divergence guard every trainer uses: it keeps the last parameters that were all finite
/// and hands them back when something is not.
///
/// A checkpoint is taken only when the parameter vector itself is all finite (`commit` checks it,
/// for every trainer). Finite parameters can still be useless: after a huge step (lr 1e30) the
/// weights are finite but ~1e30, and every energy or score computed with them overflows. So a
/// trainer whose next loss is computed at the committed parameters commits with
/// `awaitingEvaluation: true`, and the checkpoint becomes the restore point only when
/// `evaluated(finite: true)` says a loss at those parameters was finite.
public struct DivergenceGuard<Model> {
    public private(set) var lastGood: Model
    /// The epoch or iteration `lastGood` is from.
    public private(set) var lastGoodStep: Int
    private var candidate: (model: Model, step: Int)?

    /// `model` is the restore point until the first commit (the parameters a call started with).
    public init(_ model: Model, step: Int) {
        lastGood = model
        lastGoodStep = step
    }

    /// Records `model` as good at `step` when every number of `parameters` (its parameter vector)
    /// is finite; returns false, keeping the previous restore point, when one is not. With
    /// `awaitingEvaluation`, the model becomes the restore point at the next `evaluated(finite: true)`.
    @discardableResult
    public mutating func commit<C: Collection>(_ model: Model, step: Int, parameters: C,
                                               awaitingEvaluation: Bool = false) -> Bool
    where C.Element: BinaryFloatingPoint {
        guard Self.allFinite(parameters) else { return false }
        if awaitingEvaluation {
            candidate = (model, step)
        } else {
            lastGood = model
            lastGoodStep = step
            candidate = nil
        }
        return true
    }

    /// Reports that a loss or energy computed at the parameters of the pending commit was finite
    /// (`finite: true`: the pending commit becomes the restore point) or not (it is dropped).
    public mutating func evaluated(finite: Bool) {
        guard let c = candidate else { return }
        candidate = nil
        if finite {
            lastGood = c.model
            lastGoodStep = c.step
        }
    }

    /// True when every number is finite.
    public static func allFinite<C: Collection>(_ values: C) -> Bool where C.Element: BinaryFloatingPoint {
        values.allSatisfy { $0.isFinite }
    }
}

extension DivergenceGuard: Sendable where Model: Sendable {}

/// A setting's value as settings summaries print it: whole numbers without a fraction, others
/// in their shortest round-trip form ("0.05", "1e-05"), so a float32 learning rate prints as the
/// number that was typed.
public func settingText(_ v: Float) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

public func settingText(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

/// A monitor's value with `digits` significant digits, for progress lines.
public func settingText(_ v: Double, digits: Int) -> String {
    if !v.isFinite { return v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf") }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    let e = Glibc.floor(Glibc.log10(Swift.abs(v)))
    let scale = Glibc.pow(10, Double(digits - 1) - e)
    return "\(Float((v * scale).rounded() / scale))"
}
