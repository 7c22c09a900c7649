import EBM
import Glibc

/// A Gaussian–Bernoulli RBM as a language value (`rbm(..., visible_units: "gaussian")`); a
/// reference, like an RBM, so `train(m, ...)` changes `m` in place.
public final class GaussianRBMValue: ModelValue {
    public var machine: GaussianBernoulliRBM
    public var trainer: GaussianRBMTrainer?
    public var imageShape: (height: Int, width: Int)?

    public init(_ machine: GaussianBernoulliRBM, imageShape: (height: Int, width: Int)? = nil) {
        self.machine = machine
        self.imageShape = imageShape
    }

    public var kindName: String { "gaussian_rbm" }

    public var summary: String {
        "\(machine.visible) gaussian visible × \(machine.hidden) binary hidden, \(machine.parameterVector.count) parameters (σ included)"
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "gaussian_rbm: \(summary)"
        if let t = trainer, t.epochsCompleted > 0 {
            out += "\ntrained \(t.epochsCompleted) epoch\(t.epochsCompleted == 1 ? "" : "s") with \(t.options.summary)"
        }
        out += "\nenergy E(x, h) = Σᵢ (xᵢ - cᵢ)²/(2σᵢ²) - bᵀh - Σᵢⱼ hⱼWⱼᵢxᵢ/σᵢ² (Cho, Ilin and Raiko 2011); W is \(machine.hidden) × \(machine.visible)"
        return out
    }

    public var propertyNames: [String] { ["W", "b", "c", "sigma", "visible", "hidden", "parameters", "history", "epochs", "components"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "W": return .tensor(Tensor(shape: [machine.hidden, machine.visible], scalars: machine.W))
        case "b": return .tensor(Tensor(shape: [machine.hidden], scalars: machine.b))
        case "c": return .tensor(Tensor(shape: [machine.visible], scalars: machine.c))
        case "sigma": return .tensor(Tensor(shape: [machine.visible], scalars: machine.sigma))
        case "visible": return .number(Double(machine.visible))
        case "hidden": return .number(Double(machine.hidden))
        case "parameters": return .number(Double(machine.parameterVector.count))
        case "history": return .object(historyValue)
        case "epochs": return .number(Double(trained))
        case "components":
            // The mixture: one row per hidden state, [p(h), mean₁, …, mean_D].
            let (logW, means) = try machine.mixtureComponents()
            let logZ = try machine.logPartitionFunction()
            let D = machine.visible
            return .tensor(Tensor(shape: [logW.count, D + 1],
                                  scalars: zip(logW, means).flatMap { [Float(Glibc.exp($0 - logZ))] + $1.map(Float.init) }))
        default: return nil
        }
    }

    /// `g.W = W2`, `g.b = …`, `g.c = …`, `g.sigma = …`: replaces a parameter with a tensor of the
    /// same shape (W is hidden × visible, b one entry per hidden unit, c and σ one per visible
    /// unit), finite, and σ above 0. The other properties are computed and cannot be set.
    public func setProperty(_ name: String, to value: Value) throws {
        let shape: [Int]
        switch name {
        case "W": shape = [machine.hidden, machine.visible]
        case "b": shape = [machine.hidden]
        case "c", "sigma": shape = [machine.visible]
        default:
            throw ScriptError(.type, propertyNames.contains(name) ? "a Gaussian–Bernoulli RBM's '\(name)' is computed and cannot be set"
                                                                  : "a Gaussian–Bernoulli RBM has no property '\(name)'",
                              hint: "W, b, c and sigma can be set")
        }
        guard let t = tensorValue(value) else {
            throw ScriptError(.type, "\(name) takes a tensor \(shapeText(shape)), got \(describe(value))")
        }
        // A number sets every σᵢ (or cᵢ, bⱼ) at once, as rbm(..., sigma:) would.
        let scalars = t.shape.isEmpty && name != "W" ? [Float](repeating: t.scalars[0], count: shape[0]) : t.scalars
        guard t.shape == shape || (t.shape.isEmpty && name != "W") else {
            let what = name == "W" ? "hidden × visible" : name == "b" ? "one per hidden unit" : "one per visible unit"
            throw ScriptError(.value, "\(name) must be a tensor \(shapeText(shape)) (\(what)), got \(shapeText(t.shape))",
                              hint: name == "W" && t.shape == shape.reversed() ? "transpose it with .T" : nil)
        }
        if let bad = scalars.firstIndex(where: { !$0.isFinite }) {
            throw ScriptError(.numeric, "\(name) would hold \(scalars[bad].isNaN ? "NaN" : formatNumber(Double(scalars[bad]))) at \(name)[\(Autodiff.indexText(bad, shape: shape))]",
                              hint: "parameters must be finite numbers")
        }
        switch name {
        case "W": machine.W = scalars
        case "b": machine.b = scalars
        case "c": machine.c = scalars
        default:
            if let bad = scalars.firstIndex(where: { !GaussianUnits.isValid(sigma: [$0]) }) {
                throw ScriptError(.value, "sigma must be above 0 (a standard deviation, at least 1.2e-38 in float32), got \(formatNumber(Double(scalars[bad]))) at sigma[\(bad)]",
                                  hint: "σᵢ is the standard deviation of visible unit i given h")
            }
            machine.sigma = scalars
        }
    }

    public var parameterized: any ParameterizedModel { machine }
    public var historyValue: HistoryValue {
        HistoryValue(history: trainer?.history ?? GaussianRBMTrainer().history, settings: trainer?.options.summary ?? "no training yet")
    }
    public var trained: Int { trainer?.epochsCompleted ?? 0 }

    public var filterTiles: [[Float]]? {
        (0..<machine.hidden).map { j in Array(machine.W[(j * machine.visible)..<((j + 1) * machine.visible)]) }
    }

    public static let family = ModelFamily(
        kind: "gaussian_rbm", article: "a Gaussian–Bernoulli RBM", constructors: ["rbm"],
        capabilities: [.energy, .exactLikelihood, .markovChain, .gradient, .training, .filters],
        trainParameters: [
            Parameter("method", .choice(["cd", "pcd", "pt"]), default: .string("cd"),
                      "\"cd\", \"pcd\", or \"pt\": persistent parallel-tempering ladders (β above 0: the Gaussian layer is improper at 0)"),
            Parameter("k", .integer(min: 1, max: 10_000), default: .number(1), "Gibbs steps per update"),
            Parameter("lr", .positiveNumber, default: .number(0.01), "the learning rate ε of W and b"),
            Parameter("lr_c", .optional(.nonNegativeNumber), default: Value.none, "the learning rate of c (default lr; 0 keeps c fixed)"),
            Parameter("lr_sigma", .nonNegativeNumber, default: .number(0), "the learning rate of log σ² (Cho et al. 2011); 0 keeps σ fixed"),
            Parameter("betas", .oneOf([.integer(min: 2, max: 1000), .tensor]), default: .number(10),
                      "method \"pt\": a number of levels (geometric from 0.01 to 1) or the inverse temperatures, increasing to 1"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "examples per minibatch"),
            Parameter("epochs", .integer(min: 1, max: 1_000_000), default: .number(10), "passes over the data"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles and the chains"),
            Parameter("monitor_every", .integer(min: 1, max: nil), default: .number(1), "record the monitors every this many epochs"),
        ],
        trainSummary: "CD-k, PCD-k or PT-k on ⟨hⱼxᵢ/σᵢ²⟩, ⟨hⱼ⟩, ⟨(xᵢ − cᵢ)/σᵢ²⟩ and (with lr_sigma) log σ²; history per epoch: recon, loglik and log_z (exact, enumerating h)"
    )

    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        let x = try trainingData(self, args, what: "visible units")
        var o = GaussianRBMTrainingOptions()
        // method, k, betas, lr, batch, epochs, seed, monitor_every: as every RBM trainer takes them.
        try setMinibatchOptions(&o, args, rows: x.rows, smallestBeta: machine.smallestBeta, stateWidth: machine.visible + machine.hidden)
        if !args["lr_c"].isNone { o.visibleBiasLearningRate = Float(args.number("lr_c")) }
        o.sigmaLearningRate = Float(args.number("lr_sigma"))
        guard o.sigmaLearningRate >= 0 else { throw args.error("lr_sigma", "lr_sigma must be ≥ 0") }
        let run = runTraining(trainer, settings: o, length: o.epochs, make: { GaussianRBMTrainer(options: $0) },
                              model: &machine, data: x, label: "\(o.sampler)", args, context)
        trainer = run.trainer
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }
}
