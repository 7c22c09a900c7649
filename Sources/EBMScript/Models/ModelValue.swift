import EBM

/// A model as a language value, whatever its family: commands ask it for a capability (an
/// energy, exact enumeration, a Markov chain, a trainer…) and never for its concrete type, so a
/// new family is one value file that conforms and one line in `ModelFamilies.all`.
///
/// A model value is a reference: `train(m, ...)` changes `m` in place, as a fitted model does in
/// scikit-learn, and every name bound to it sees the change.
public protocol ModelValue: ScriptObject, AnyObject {
    /// The family's registration (kind name, description, train parameters, train).
    static var family: ModelFamily { get }
    /// "an RBM", "a neural energy on ℝᵈ": this value's own description, for errors (members of
    /// one family can differ in what they can do).
    var article: String { get }
    /// The model, through its parameters: every family has them.
    var parameterized: any ParameterizedModel { get }
    /// The image shape of x, when known, so samples and filters draw as pictures.
    var imageShape: (height: Int, width: Int)? { get set }
    /// The history of the current trainer (empty, with the family's columns, before training).
    var historyValue: HistoryValue { get }
    /// Epochs or iterations trained by the current trainer.
    var trained: Int { get }
    /// The first layer's weights as tiles over x (one per hidden unit), for `show`/`png`/`filters`;
    /// nil when the family has none.
    var filterTiles: [[Float]]? { get }
    /// The derivations `derive` can walk on this model, the default first.
    var derivations: [String] { get }
    /// What this model can do (the family's, unless its members differ, as an energy_fn's
    /// domain decides): `help m` lists the commands of these only.
    var capabilities: Set<ModelCapability> { get }
    /// The `method:` values `train` accepts for this model (for completion).
    var trainMethods: [String] { get }
    /// Walks derivation `which` (one of `derivations`) on `data`.
    func derive(_ which: String, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value
    /// `train(m, data, ...)` with arguments bound to the family's `trainParameters`.
    func train(_ args: Arguments, _ context: CallContext) throws -> Value
}

extension ModelValue {
    public var family: ModelFamily { Self.family }
    public var article: String { Self.family.article }

    /// Capabilities, asked for by commands.
    public var energyModel: (any EnergyModel)? { parameterized as? any EnergyModel }
    public var exactLikelihood: (any ExactLikelihoodModel)? { parameterized as? any ExactLikelihoodModel }
    public var enumerable: (any ExactlyEnumerable)? { parameterized as? any ExactlyEnumerable }
    public var pseudoLikelihood: (any PseudoLikelihoodModel)? { parameterized as? any PseudoLikelihoodModel }
    public var samplable: (any ChainSamplableModel)? { parameterized as? any ChainSamplableModel }
    public var latent: (any LatentVariableModel)? { parameterized as? any LatentVariableModel }
    public var differentiable: (any DifferentiableEnergyModel)? { parameterized as? any DifferentiableEnergyModel }
    public var scoreFunction: (any ScoreFunctionModel)? { parameterized as? any ScoreFunctionModel }
    /// True when the family's units are binary (data must be in [0, 1]).
    public var binaryUnits: Bool { parameterized is any BinaryUnitModel }

    /// Argument `name` as rows x of this model (n × d), each entry checked against the states
    /// the family declares (`EnergyModel.unitStates`: [0, 1] for an RBM's binary units, 0 or 1
    /// for a fully visible Boltzmann machine, anything for x ∈ ℝᵈ). The one place commands and
    /// trainers read data as a model's states.
    func stateRows(_ args: Arguments, _ name: String = "data", what: String, subject: String? = nil) throws -> Tensor {
        try EBMScript.stateRows(args, name, width: parameterized.dimension, what: what,
                                states: energyModel?.unitStates, subject: subject)
    }

    /// Argument `name` as rows h of the hidden units (n × latentDimension), checked against the
    /// hidden layer's states.
    func latentRows(_ latent: any LatentVariableModel, _ args: Arguments, _ name: String = "h") throws -> Tensor {
        try EBMScript.stateRows(args, name, width: latent.latentDimension, what: "hidden units", states: latent.latentUnitStates)
    }

    public var filterTiles: [[Float]]? { nil }
    public var derivations: [String] { [] }
    public var capabilities: Set<ModelCapability> { Self.family.capabilities }
    public var trainMethods: [String] { Self.family.trainParameters.first { $0.name == "method" }?.type.choices ?? [] }
    public func derive(_ which: String, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        throw args.error("model", "derive has no derivation for \(family.article)")
    }
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        _ = try require(nil as Int?, .training, of: self, args)   // throws: names the missing capability
        return .none
    }
}

/// The capabilities commands ask for, by the name their errors use.
public enum ModelCapability: String, CaseIterable, Sendable {
    case energy = "energy E(x)"
    case exactLikelihood = "exact log Z (by enumeration or in closed form)"
    case enumeration = "exact enumeration (log Z, expectations, exact gradient)"
    case pseudoLikelihood = "pseudo-log-likelihood"
    case markovChain = "Markov chain sampler (Gibbs)"
    case gradient = "gradient ∇ₓE for Langevin dynamics"
    case score = "score function s(x)"
    case training = "trainer"
    case filters = "first-layer filters to draw"
    case derivation = "derivation to walk"
    case hiddenUnits = "hidden units (E[h | x], E[x | h])"
    case ais = "annealed importance sampling of log Z"

    /// The kinds whose models have it, for error messages.
    func kinds() -> [String] {
        ModelFamilies.all.filter { $0.capabilities.contains(self) }.map(\.kind)
    }
}

/// The model argument of a command as a model value, or a located error that says what it was.
func modelValue(_ args: Arguments, _ name: String = "model") throws -> any ModelValue {
    guard case .object(let o) = args[name], let m = o as? any ModelValue else {
        throw args.error(name, "expected a model (\(ModelFamilies.all.map(\.kind).joined(separator: ", "))), got \(describe(args[name]))")
    }
    return m
}

/// The capability `what` of a model, or an error naming the model's family, the missing
/// capability, and the families that have it.
func require<T>(_ value: T?, _ capability: ModelCapability, of model: any ModelValue, _ args: Arguments, _ name: String = "model") throws -> T {
    if let value { return value }
    // Only what works: a family whose members differ is named by the members that have it.
    let others = ModelFamilies.all.filter { $0.capabilities.contains(capability) }.map { $0.members[capability] ?? $0.article }
    if capability == .enumeration, model.capabilities.contains(.exactLikelihood) {
        // Its log Z is exact (a mixture summed over h, say), but not by enumerating its states x.
        throw args.error(name, "\(args.command.name) needs exact expectations by enumerating the model's states, and \(model.article) has real-valued units, "
                               + "whose states cannot be enumerated; its log Z and log-likelihood are exact all the same (log_z, loglik)",
                         hint: others.isEmpty ? nil : "\(args.command.name) works on " + others.joined(separator: ", "))
    }
    throw args.error(name, "\(model.article) has no \(capability.rawValue)",
                     hint: others.isEmpty ? nil : "\(args.command.name) works on " + others.joined(separator: ", "))
}

/// A model parameter that accepts every registered family; the command checks the capability.
func anyModelParameter(_ help: String) -> Parameter {
    Parameter("model", .object(ModelFamilies.all.map(\.kind)), help)
}
