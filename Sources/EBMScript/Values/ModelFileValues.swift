import EBM
import EBMIO

/// A model value that `save` and `export_npy` can write: what goes in the file is asked of the
/// value, and `modelValue(from:)` is the one place that turns a file's contents back into a value.
protocol StorableModel: ScriptObject {
    /// The model and, once trained, its trainer with the settings `train` compares to continue.
    var fileContents: ModelFile.Contents { get }
}

extension RBMValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .rbm(machine, imageShape: imageShape), trainer: trainer.map { .rbm($0) }, settings: trainerSettings)
    }
}

extension BoltzmannValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .boltzmann(machine), trainer: trainer.map { .boltzmann($0) }, settings: trainerSettings)
    }
}

extension ScoreModelValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .scoreModel(model), trainer: trainer.map { .scoreMatching($0) }, settings: trainerSettings)
    }
}

extension EnergyValue: StorableModel {
    /// A neural energy with its Langevin trainer; a closed-form energy by its kind (the three the
    /// language makes: Gaussian, mixture, double well).
    var fileContents: ModelFile.Contents {
        switch kind {
        case .neural(let e):
            return ModelFile.Contents(model: .mlpEnergy(e), trainer: trainer.map { .langevin($0) }, settings: trainerSettings)
        case .closedForm(let e):
            if let g = e as? GaussianEnergy { return ModelFile.Contents(model: .gaussian(g)) }
            if let m = e as? MixtureEnergy { return ModelFile.Contents(model: .mixture(m)) }
            if let w = e as? DoubleWellEnergy { return ModelFile.Contents(model: .doubleWell(w)) }
            preconditionFailure("a closed-form energy the model files do not know: \(e.description)")
        }
    }
}

/// The language value of a file's contents, with its trainer attached so that `.history` shows
/// the epochs so far and `train` with the same settings continues where the saved model stopped.
func modelValue(from contents: ModelFile.Contents) -> Value {
    switch contents.model {
    case .rbm(let m, let shape):
        let v = RBMValue(m, imageShape: shape)
        if case .rbm(let t)? = contents.trainer { v.trainer = t; v.trainerSettings = contents.settings }
        return .object(v)
    case .boltzmann(let m):
        let v = BoltzmannValue(m)
        if case .boltzmann(let t)? = contents.trainer { v.trainer = t; v.trainerSettings = contents.settings }
        return .object(v)
    case .mlpEnergy(let e):
        let v = EnergyValue(.neural(e))
        if case .langevin(let t)? = contents.trainer { v.trainer = t; v.trainerSettings = contents.settings }
        return .object(v)
    case .scoreModel(let s):
        let v = ScoreModelValue(s)
        if case .scoreMatching(let t)? = contents.trainer { v.trainer = t; v.trainerSettings = contents.settings }
        return .object(v)
    case .gaussian(let g): return .object(EnergyValue(.closedForm(g)))
    case .mixture(let m): return .object(EnergyValue(.closedForm(m)))
    case .doubleWell(let w): return .object(EnergyValue(.closedForm(w)))
    }
}

/// The `model` argument of save and export_npy.
let storableModelParameter = Parameter("model", .object(["rbm", "boltzmann", "energy", "score_model"]),
                                       "an RBM, a Boltzmann machine, an energy (mlp_energy, gaussian, mixture, double_well) or a score model")

func storableModel(_ args: Arguments) throws -> StorableModel {
    guard case .object(let o) = args["model"], let m = o as? StorableModel else {
        throw args.error("model", "expected a model: an RBM, a Boltzmann machine, an energy or a score model")
    }
    return m
}
