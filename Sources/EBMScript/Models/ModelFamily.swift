import EBM

/// One model family's registration: its kind name, how messages name it, what it can do, and
/// how `train` trains it (its own parameters with their true defaults).
public struct ModelFamily: Sendable {
    /// The value's `kindName`: "rbm", "boltzmann", "energy", "score_model".
    public var kind: String
    /// "an RBM", "a fully visible Boltzmann machine".
    public var article: String
    /// The constructor commands, for help ("rbm(...)").
    public var constructors: [String]
    /// What its models can do (for help and error hints; a given model may lack one, e.g. a
    /// closed-form energy has nothing to train).
    public var capabilities: Set<ModelCapability>
    /// `train`'s keyword parameters for this family, each with its true default. `model` and
    /// `data` are common to all and not listed.
    public var trainParameters: [Parameter]
    /// One line on how it trains, for `help train`.
    public var trainSummary: String
    /// For a capability only some members have (a closed-form energy has an exact log Z, a
    /// neural one does not): those members, as error hints name them.
    public var members: [ModelCapability: String]

    public init(kind: String, article: String, constructors: [String], capabilities: Set<ModelCapability>,
                members: [ModelCapability: String] = [:], trainParameters: [Parameter] = [], trainSummary: String = "") {
        self.members = members
        self.kind = kind
        self.article = article
        self.constructors = constructors
        self.capabilities = capabilities
        self.trainParameters = trainParameters.map { $0.byNameOnly() }
        self.trainSummary = trainSummary
    }
}

/// The registration table: one line per model family. A new family is a model file in EBM, a
/// value file here that conforms to `ModelValue`, and one line below.
public enum ModelFamilies {
    public static let all: [ModelFamily] = [
        RBMValue.family,
        GaussianRBMValue.family,
        BoltzmannValue.family,
        EnergyValue.family,
        ScoreModelValue.family,
        DBNValue.family,
        UserEnergyValue.family,
    ]

    public static func family(_ kind: String) -> ModelFamily? { all.first { $0.kind == kind } }

    /// Every train parameter of every family, once per name (for binding; each family then
    /// checks its own).
    static var unionOfTrainParameters: [Parameter] {
        var seen = Set<String>()
        var out: [Parameter] = []
        for f in all {
            for p in f.trainParameters.sorted(by: { a, _ in a.name == "method" }) where !seen.contains(p.name) {
                seen.insert(p.name)
                var q = Parameter(p.name, .any, default: Value.none, p.help)
                // `method` stays the third positional argument, as it always was: train(m, d, "pcd").
                q.keywordOnly = p.name != "method"
                out.append(q)
            }
        }
        return out
    }
}

extension Arguments {
    /// These arguments re-bound to a family's own train parameters: a keyword the family does
    /// not take is an error naming the family and listing what it takes; defaults are the
    /// family's; each value is checked against the family's type.
    func rebound(to family: ModelFamily, keeping common: [String]) throws -> Arguments {
        let names = family.trainParameters.map(\.name)
        for (name, location) in locations where !common.contains(name) && !names.contains(name) {
            var hint = "\(family.kind) takes " + names.joined(separator: ", ")
            if let close = closestName(to: name, among: names) { hint = "did you mean '\(close)'? " + hint }
            throw ScriptError(.argument, "\(command.name): \(family.article) does not take '\(name)'", at: location,
                              hint: hint + "; see 'help \(command.name)'")
        }
        var values: [String: Value] = [:]
        var locs: [String: SourceLocation] = [:]
        for name in common { values[name] = self[name]; locs[name] = locations[name] }
        for p in family.trainParameters {
            guard let location = locations[p.name] else {
                values[p.name] = p.defaultValue ?? Value.none
                continue
            }
            guard let accepted = p.type.accept(self[p.name]) else {
                // A value another family takes (method: "exact" for an RBM) says which family that is.
                let others = ModelFamilies.all.filter { f in f.kind != family.kind
                    && f.trainParameters.contains { $0.name == p.name && $0.type.accept(self[p.name]) != nil } }
                let hint = others.isEmpty ? (p.help.isEmpty ? nil : "\(p.name): \(p.help)")
                    : "\(p.name): \(describe(self[p.name])) is for " + others.map(\.article).joined(separator: " or ")
                throw ScriptError(.argument, "\(command.name): argument '\(p.name)' of \(family.article) takes \(p.type.description), got \(describe(self[p.name]))",
                                  at: location, hint: hint)
            }
            values[p.name] = accepted
            locs[p.name] = location
        }
        return Arguments(command: command, values: values, locations: locs, rest: rest, callLocation: callLocation)
    }
}

/// Runs a trainer on a model with the continuation rule, progress display and the one outcome
/// handling of every family: same settings (compared as values) continue the trainer, other
/// settings start a fresh one; Ctrl-C keeps the model and its history; divergence restores the
/// last good parameters and the error names the setting to lower.
func runTraining<T: ModelTrainer>(_ existing: T?, settings: T.Settings, length: Int, make: (T.Settings) -> T,
                                  model: inout T.Model, data: Tensor, label: String,
                                  _ args: Arguments, _ context: CallContext) -> (trainer: T, outcome: TrainingOutcome) {
    var trainer: T
    var fresh = false
    var settings = settings
    if settings.given.isEmpty { settings.given = givenSettings(args) }
    if let existing, settings.continues(existing.settings), sameGiven(settings.given, existing.settings.given) {
        trainer = existing
    } else {
        trainer = make(settings)
        fresh = true
    }
    trainer.settings = settings
    trainer.length = length
    var begun = false
    let outcome = trainer.train(&model, on: data, shouldStop: { context.isInterrupted }) { p in
        if !begun { context.progress?.begin("train \(label)", total: p.total); begun = true }
        context.progress?.update(done: p.done, status: p.status ?? "")
    }
    if begun { context.progress?.end() }
    // A call with new settings whose trainer diverged before keeping any step changed nothing:
    // the model is back as the call got it, so the earlier trainer and its history still
    // describe it (a diverged call never throws away the history of the calls before it).
    if fresh, let existing, case .diverged(let d) = outcome, d.restoredStep == 0 { return (existing, outcome) }
    return (trainer, outcome)
}

/// The real-valued train settings as given (Double): trainers keep float32 values, which would
/// let lr 0.1 and 0.100000000001 continue one trainer.
func givenSettings(_ args: Arguments) -> [String: Double] {
    var given: [String: Double] = [:]
    for name in ["lr", "lr_end", "lr_c", "lr_sigma", "momentum", "weight_decay", "alpha", "noise", "clip", "reuse", "step_size"] {
        if case .number(let v) = args[name] { given[name] = v }
    }
    return given
}

/// The value `train` returns for an outcome: the history, after a note when stopped; an error
/// naming the setting to lower when diverged.
func trainingResult(_ outcome: TrainingOutcome, history: HistoryValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    switch outcome {
    case .completed:
        return .object(history)
    case .stopped(_, let unit, _, _):
        context.write("\(outcome); the model keeps what it learned, and its .history the \(unit.rawValue)s so far\n")
        return .object(history)
    case .diverged(let d):
        throw ScriptError(.numeric, "train: \(d)", at: args.location(of: d.setting),
                          hint: "the model is back in its last good state; " + historyNote(history.history))
    }
}

/// What `model.history` holds after a diverged call, in words: its rows end where the restored
/// parameters are from, or before.
func historyNote(_ h: TrainingHistory) -> String {
    h.isEmpty ? "model.history has no rows"
        : "model.history has \(h.count) row\(h.count == 1 ? "" : "s"), through \(h.unit.rawValue) \(h.lastStep)"
}

/// The data argument of `train` as an n × d matrix, checked against the model's units (the
/// states its family declares, as every command that reads rows as states checks them).
func trainingData(_ model: any ModelValue, _ args: Arguments, what: String, subject: String = "training data") throws -> Tensor {
    let x = try model.stateRows(args, "data", what: what, subject: subject)
    guard x.scalars.allSatisfy(\.isFinite) else {
        throw args.error("data", "training data contains NaN or infinite values")
    }
    return x
}
