import EBM
import EBMIO

/// A model value that `save` and `export_npy` can write. What goes in the file is asked of the
/// value; `loadedValue(from:)` is the one place that turns a file's contents back into a value.
/// (A new family adds a case to `ModelFile.Model` with its codec in EBMIO, a conformance here,
/// and a line in `loadedValue`.)
protocol StorableModel: ModelValue {
    /// The model and, once trained, its trainer (whose settings `train` compares to continue).
    var fileContents: ModelFile.Contents { get }
}

extension RBMValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .rbm(machine, imageShape: imageShape), trainer: trainer.map { .rbm($0) })
    }
}

extension GaussianRBMValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .gaussianRBM(machine, imageShape: imageShape), trainer: trainer.map { .gaussianRBM($0) })
    }
}

extension DBNValue: StorableModel {
    /// Every layer, how each was trained, untied recognition weights, and the greedy and
    /// up-down trainers (written once anything has been trained).
    var fileContents: ModelFile.Contents {
        let trained = !greedy.trainers.isEmpty || upDown != nil
        return ModelFile.Contents(model: .dbn(network, imageShape: imageShape), trainer: trained ? .dbn(greedy, upDown) : nil)
    }
}

extension BoltzmannValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .boltzmann(machine), trainer: trainer.map { .boltzmann($0) })
    }
}

extension ScoreModelValue: StorableModel {
    var fileContents: ModelFile.Contents {
        ModelFile.Contents(model: .scoreModel(model), trainer: trainer.map { .scoreMatching($0) })
    }
}

extension EnergyValue: StorableModel {
    /// A neural energy with its Langevin trainer; a closed-form energy by its kind (the three the
    /// language makes: Gaussian, mixture, double well).
    var fileContents: ModelFile.Contents {
        switch kind {
        case .neural(let e):
            return ModelFile.Contents(model: .mlpEnergy(e), trainer: trainer.map { .langevin($0) })
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
func loadedValue(from contents: ModelFile.Contents) -> Value {
    switch contents.model {
    case .rbm(let m, let shape):
        let v = RBMValue(m, imageShape: shape)
        if case .rbm(let t)? = contents.trainer { v.trainer = t }
        return .object(v)
    case .gaussianRBM(let m, let shape):
        let v = GaussianRBMValue(m, imageShape: shape)
        if case .gaussianRBM(let t)? = contents.trainer { v.trainer = t }
        return .object(v)
    case .dbn(let d, let shape):
        let v = DBNValue(d, imageShape: shape)
        if case .dbn(let g, let u)? = contents.trainer { (v.greedy, v.upDown) = (g, u) }
        return .object(v)
    case .boltzmann(let m):
        let v = BoltzmannValue(m)
        if case .boltzmann(let t)? = contents.trainer { v.trainer = t }
        return .object(v)
    case .mlpEnergy(let e):
        let v = EnergyValue(.neural(e))
        if case .langevin(let t)? = contents.trainer { v.trainer = t }
        return .object(v)
    case .scoreModel(let s):
        let v = ScoreModelValue(s)
        if case .scoreMatching(let t)? = contents.trainer { v.trainer = t }
        return .object(v)
    case .gaussian(let g): return .object(EnergyValue(.closedForm(g)))
    case .mixture(let m): return .object(EnergyValue(.closedForm(m)))
    case .doubleWell(let w): return .object(EnergyValue(.closedForm(w)))
    }
}

/// The model argument of save and export_npy: any model value with a file format.
/// The model kinds save writes (an energy_fn's Python-like code has no file format), for its
/// parameter's type, so that help lists only those.
let storableKinds = ModelFamilies.all.map(\.kind).filter { $0 != UserEnergyValue.family.kind }

func storableModel(_ args: Arguments) throws -> any StorableModel {
    let m = try modelValue(args)
    guard let s = m as? any StorableModel else {
        throw args.error("model", "\(m.family.article) has no file format yet", hint: "docs/model-format.md lists the kinds save writes")
    }
    return s
}
