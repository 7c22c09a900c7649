import EBM

/// The restricted Boltzmann machine of 003 §13.2 and 001:
/// E(x, h) = −hᵀWx − cᵀx − bᵀh, W hidden × visible, b the hidden bias, c the visible bias.
extension Command {
    static let rbm = Command(
        "rbm", category: .models,
        summary: "a restricted Boltzmann machine with binary visible and hidden units",
        parameters: [
            Parameter("visible", .integer(min: 1, max: 1_000_000), "D, the number of visible units (pixels)"),
            Parameter("hidden", .integer(min: 1, max: 1_000_000), "H, the number of hidden units"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights"),
            Parameter("init", .number, default: .number(0.01), "the standard deviation σ of the initial weights, W ~ N(0, σ²); biases start at 0"),
            Parameter("height", .optional(.integer(min: 1, max: nil)), default: Value.none, "image height of the visible layer (for filters and samples)"),
            Parameter("width", .optional(.integer(min: 1, max: nil)), default: Value.none, "image width of the visible layer"),
            Parameter("visible_units", .choice(["binary", "gaussian"]), default: .string("binary"),
                      "\"gaussian\": real visible units with their own σ (a Gaussian–Bernoulli RBM, Cho, Ilin and Raiko 2011)"),
            Parameter("sigma", .positiveNumber, default: .number(1), "gaussian visible units: the initial σ of every unit"),
            Parameter("component_weight", .optional(.positiveNumber), default: Value.none,
                      "gaussian visible units: set b so each one-hidden-unit component weighs this times the h = 0 one (PyDeep uses 0.1); default b = 0"),
        ],
        details: """
        The energy (003, §13.2):  E(x, h) = -hᵀWx - cᵀx - bᵀh
        With visible_units: "gaussian":  E(x, h) = Σᵢ (xᵢ - cᵢ)²/(2σᵢ²) - bᵀh - Σᵢⱼ hⱼWⱼᵢxᵢ/σᵢ², a
        mixture of 2^H Gaussians N(c + Wᵀh, σ²) whose log Z is exact by enumerating h; m.sigma.
        Properties: m.W (hidden × visible), m.b (hidden bias), m.c (visible bias), m.history.
        Example:
          m = rbm(visible: 16, hidden: 8, seed: 1)
          log_z(m)
        """
    ) { args, _ in
        let (d, h) = (args.int("visible"), args.int("hidden"))
        guard d.multipliedReportingOverflow(by: h).partialValue <= 200_000_000 else {
            throw args.error("hidden", "\(d) × \(h) weights is too many (the limit is 200 million)")
        }
        let shape = try imageShape(args, count: d)
        // W, b, c with a trainer's gradient, momentum and working copy.
        try args.reserveMemory(floatBytes(MemoryBudget.sum(MemoryBudget.product(d, h), d, h), 4),
                               for: "an RBM of \(d) × \(h) weights", lower: "visible or hidden")
        guard Float(args.number("init")).isFinite else {
            throw args.error("init", "init must be a finite number (the standard deviation of the initial weights), got \(formatNumber(args.number("init")))",
                             hint: "0.01 is the usual start; 0.5 for small Gaussian–Bernoulli RBMs")
        }
        if args.string("visible_units") == "gaussian" {
            // σ is kept in float32: 1e-50 would become 0 and 1e39 infinity, an improper Gaussian.
            let sigma = Float(args.number("sigma"))
            guard GaussianUnits.isValid(sigma: [sigma]) else {
                throw args.error("sigma", "sigma \(formatNumber(args.number("sigma"))) is \(sigma.isInfinite ? "infinite" : "0 or too small to keep its digits") in float32, and σ must be a finite number above 0",
                                 hint: "σ between 1e-30 and 1e30; on standardised data 1 is the usual start")
            }
            var g = GaussianBernoulliRBM(visible: d, hidden: h, seed: UInt64(args.int("seed")),
                                         initScale: Float(args.number("init")), sigma: Float(args.number("sigma")))
            if !args["component_weight"].isNone { g.setHiddenBiases(componentWeight: args.number("component_weight")) }
            return .object(GaussianRBMValue(g, imageShape: shape))
        }
        for name in ["sigma", "component_weight"] where args.isGiven(name) {
            throw args.error(name, "\(name) is for gaussian visible units", hint: "add visible_units: \"gaussian\", or leave \(name) out")
        }
        let machine = RestrictedBoltzmannMachine(visible: d, hidden: h, seed: UInt64(args.int("seed")), initScale: Float(args.number("init")))
        return .object(RBMValue(machine, imageShape: shape))
    }

    static let energy = Command(
        "energy", category: .models,
        summary: "the energy of each row: E(x) of a Boltzmann machine, a neural or closed-form energy (any energy model); E(x, h) of an RBM",
        parameters: [anyModelParameter("any energy model: an RBM (with h), a Boltzmann machine, an energy from mlp_energy, gaussian, mixture or double_well"),
                     Parameter("x", .tensor, "the visible units or points: a vector of D, or an n × D matrix"),
                     Parameter("h", .optional(.tensor), default: Value.none, "an RBM's hidden units: a vector of H, or an n × H matrix")],
        details: """
        Lower energy is more probable: p(x) = e^(-E(x)) / Z, or p(x, h) = e^(-E(x, h)) / Z.
          Boltzmann machine:  E(x) = -½xᵀWx - bᵀx
          RBM:                E(x, h) = -hᵀWx - cᵀx - bᵀh (free_energy(m, x) sums h out)
          neural energy:      E(x) = f_θ(x);  closed forms: their E(x) (−log density up to log Z)
        """
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.energyModel, .energy, of: model, args)
        let single = args.tensor("x").rank == 1
        if let latent = model.latent {
            guard !args["h"].isNone else {
                throw args.error("h", "\(model.family.article)'s energy needs the hidden units too: energy(m, x, h)", hint: "free_energy(m, x) sums h out")
            }
            let x = try model.stateRows(args, "x", what: "visible units")
            let h = try model.latentRows(latent, args, "h")
            guard x.rows == h.rows else { throw args.error("h", "x has \(x.rows) rows but h has \(h.rows)") }
            return perRow(latent.jointEnergies(x: x, h: h), single: single)
        }
        guard args["h"].isNone else { throw args.error("h", "\(model.family.article) has no hidden units; leave out h") }
        let x = try model.stateRows(args, "x", what: model.binaryUnits ? "units" : "coordinates")
        return perRow(m.marginalEnergies(x), single: single)
    }

    static let freeEnergy = Command(
        "free_energy", category: .models,
        summary: "F(x) = log p̃(x), so that p(x) = e^F(x) / Z (003's sign): cᵀx + Σⱼ softplus(bⱼ + Wⱼx) for an RBM, -E(x) for other energy models",
        parameters: [anyModelParameter("any energy model: an RBM (h summed out), a Boltzmann machine, an energy on ℝᵈ"),
                     Parameter("x", .tensor, "a vector of D visible units, an n × D matrix, or a data set")],
        details: """
        Sign convention: this is 003's F, for which p(x) = exp(F(x)) / Z. It is the NEGATIVE of
        the usual free energy -log Σ_h e^(-E(x, h)): higher F means more probable x. For a model
        without hidden units it is -E(x).
        A vector gives a number; a matrix or data set gives one value per row.
        """
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.energyModel, .energy, of: model, args)
        let x = try model.stateRows(args, "x", what: model.binaryUnits ? "visible units" : "coordinates")
        return perRow(m.logUnnormalizedDensity(x), single: args.tensor("x").rank == 1)
    }

    static let pHGivenX = Command(
        "p_h_given_x", category: .models,
        summary: "p(h_j = 1 | x) = σ(b_j + W_j x) for every hidden unit (and every row of x): E[h | x] of a model with hidden units",
        parameters: [anyModelParameter("a model with hidden units: an RBM"),
                     Parameter("x", .tensor, "a vector of D visible units, an n × D matrix, or a data set")],
        details: "003 §13.2 writes sign(b + Wx); the conditional is the logistic sigmoid σ, as here."
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.latent, .hiddenUnits, of: model, args)
        let x = try model.stateRows(args, "x", what: "visible units")
        return vectorOrMatrix(m.hiddenMeans(x), single: args.tensor("x").rank == 1)
    }

    static let pXGivenH = Command(
        "p_x_given_h", category: .models,
        summary: "p(x_i = 1 | h) = σ(c_i + (Wᵀh)_i) for every visible unit (and every row of h): E[x | h]",
        parameters: [anyModelParameter("a model with hidden units: an RBM"),
                     Parameter("h", .tensor, "a vector of H hidden units, or an n × H matrix")]
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.latent, .hiddenUnits, of: model, args)
        let h = try model.latentRows(m, args, "h")
        return vectorOrMatrix(m.visibleMeans(h), single: args.tensor("h").rank == 1)
    }

    static let logZ = Command(
        "log_z", category: .models,
        summary: "log Z (the log partition function), exactly: by enumeration in log space (float64) for Boltzmann machines, in closed form for closed-form energies",
        parameters: [anyModelParameter("a model with an exact log Z: an RBM, a Boltzmann machine, or a closed-form energy"),
                     Parameter("over", .choice(["smaller", "visible", "hidden"]), default: .string("smaller"), "for an RBM, the layer to enumerate")],
        details: """
        RBM over h:  log Z = logsumexp_h [ bᵀh + Σᵢ softplus(cᵢ + (Wᵀh)ᵢ) ]
        RBM over x:  log Z = logsumexp_x F(x)
        Both give the same number; the smaller layer is cheaper. Refused above 2^25 terms.
        Boltzmann machine:  log Z = logsumexp_x -E(x) over all 2ⁿ states (Gray-code order, up to n = 24).
        Closed-form energy: its known normaliser.
        """
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.exactLikelihood, .exactLikelihood, of: model, args)
        if args.string("over") != "smaller" {
            guard let layer = RBMLayer(rawValue: args.string("over")), let layered = m as? any LayeredEnumeration else {
                throw args.error("over", "\(model.family.article) has one layer; leave out over:")
            }
            return .number(try exact(args) { try layered.logPartitionFunction(enumerating: layer) })
        }
        return .number(try exact(args) { try m.exactLogPartitionFunction() })
    }

    static let loglik = Command(
        "loglik", category: .models,
        summary: "the exact mean log-likelihood (1/n) Σ log p(x) of a data set: mean log p̃(x) - log Z (F(x) for an RBM, -E(x) otherwise)",
        parameters: [anyModelParameter("a model with an exact log Z: an RBM, a Boltzmann machine, or a closed-form energy"),
                     Parameter("data", .tensor, "a data set or an n × D matrix")]
    ) { args, _ in
        let model = try modelValue(args)
        if model.exactLikelihood == nil, let m = model.parameterized as? any ExactMarginalLikelihoodModel {
            return try marginalLogLikelihood(m, args)   // a DBN: sums over its hidden levels
        }
        let m = try require(model.exactLikelihood, .exactLikelihood, of: model, args)
        let x = try model.stateRows(args, "data", what: model.binaryUnits ? "visible units" : "coordinates")
        return .number(try exact(args) { try m.exactMeanLogLikelihood(x) })
    }

    static let grad = Command(
        "grad", category: .models,
        summary: "the exact gradient of the mean log-likelihood: E_data[∇θ log p̃] - E_model[∇θ log p̃], block by block; grad(f, x, …) differentiates a function",
        parameters: [anyModelParameter("an exactly enumerable model (an RBM or a fully visible Boltzmann machine), or a function defined with def: grad(f, x, …)"),
                     Parameter("data", .tensor, "a data set or an n × D matrix")],
        details: """
        RBM:
          ∂/∂W = E_data[p(h|x) xᵀ] - E_model[p(h|x) xᵀ]   (001: E_p(H|V)[v h] - E_p(V,H)[v h])
          ∂/∂b = E_data[p(h|x)]    - E_model[p(h|x)]
          ∂/∂c = E_data[x]         - E_model[x]
          The model expectations are exact sums over the smaller layer (float64).
        Boltzmann machine (000, eq 18.4 with 18.12):
          ∂/∂w_ij = E_data[x_i x_j] - E_model[x_i x_j],  ∂/∂b_i = E_data[x_i] - E_model[x_i]
          W of the gradient is symmetric: entry (i, j) is ∂/∂w_ij of the pair weight.
        A function defined with def (automatic differentiation, reverse mode):
          grad(f, x)        ∂f/∂x of a function returning a number, x a number or tensor
          grad(E, W, b, v: v)   one gradient per positional argument (a list); named ones are constants
        """
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.enumerable, .enumeration, of: model, args)
        let x = try model.stateRows(args, "data", what: "visible units")
        let g = try exact(args) { try m.exactMeanLogLikelihoodGradient(x) }
        return .object(GradientValue(g, of: m, what: "exact, of the mean log-likelihood"))
    }

    static let pll = Command(
        "pll", category: .models,
        summary: "the mean pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) of a data set: a cheap monitor",
        parameters: [anyModelParameter("a model with a pseudo-log-likelihood: an RBM or a fully visible Boltzmann machine"),
                     Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("exact", .bool, default: .bool(true), "sum all D terms (true) or scikit-learn's one-random-bit estimate D · log p(xᵢ | x₋ᵢ) (false; RBM only)"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "picks the bits of the estimate")]
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.pseudoLikelihood, .pseudoLikelihood, of: model, args)
        let x = try model.stateRows(args, "data", what: "visible units")
        if !args.bool("exact"), let estimate = m.estimatedPseudoLogLikelihood(x, seed: UInt64(args.int("seed"))) {
            return .number(estimate)
        }
        // The exact sum (each conditional of a fully visible machine is one logistic: cheap).
        return .number(m.meanPseudoLogLikelihood(x))
    }

    static let reconError = Command(
        "recon_error", category: .models,
        summary: "mean (p(x | h) - x)² with h ~ p(h | x): the reconstruction error monitor",
        parameters: [anyModelParameter("a model with hidden units: an RBM"), Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of h")]
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.latent, .hiddenUnits, of: model, args)
        let x = try model.stateRows(args, "data", what: "visible units")
        return .number(m.reconstructionError(x, seed: UInt64(args.int("seed"))))
    }

    static let reconstruct = Command(
        "reconstruct", category: .models,
        summary: "the reconstructions p(x | h), h ~ p(h | x), of a data set, as a data set: one chain step from each row",
        parameters: [anyModelParameter("a model with hidden units and a Markov chain: an RBM"), Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of h")],
        details: "003's debugging advice: reconstructions of training data should look like the data."
    ) { args, _ in
        let model = try modelValue(args)
        _ = try require(model.latent, .hiddenUnits, of: model, args)
        let m = try require(model.samplable, .markovChain, of: model, args)
        let x = try model.stateRows(args, "data", what: "visible units")
        var chain = m.makeChain(count: x.rows, seed: UInt64(args.int("seed")), start: .data(x))
        chain.advance()
        var shape = model.imageShape
        if case .object(let d as Dataset) = args["data"] { shape = d.imageShape ?? shape }
        return .object(Dataset(name: "reconstructions", examples: chain.snapshot.probabilities, imageShape: shape))
    }
}

let modelParameter = Parameter("model", .object(["rbm"]), "an RBM, from rbm(...)")

func model(_ args: Arguments) throws -> RBMValue {
    guard let m = args.object("model", as: RBMValue.self) else { throw args.error("model", "expected an RBM") }
    return m
}

func perRow(_ values: [Double], single: Bool) -> Value {
    if single { return .number(values[0]) }
    return .tensor(Tensor(shape: [values.count], scalars: values.map(Float.init)))
}

func vectorOrMatrix(_ t: Tensor, single: Bool) -> Value {
    single ? .tensor(t.row(0)) : .tensor(t)
}

/// Runs an exact computation, turning "too many terms" into a located error that points to the
/// estimators.
func exact<T>(_ args: Arguments, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as EnumerationTooLarge {
        throw ScriptError(.value, "\(args.command.name): \(e.description)", at: args.callLocation,
                          hint: "pll(model, data) is a cheap monitor; exact sums are for layers of at most \(e.limit) units")
    } catch let e as NonFiniteParameterError {
        throw ScriptError(.numeric, "\(args.command.name): \(e.description)", at: args.location(of: "model"),
                          hint: "load or train the model again: log Z is defined only for finite parameters")
    }
}

/// The image shape from `height:` and `width:`, checked against the number of units.
func imageShape(_ args: Arguments, count: Int) throws -> (height: Int, width: Int)? {
    switch (args.optionalInt("height"), args.optionalInt("width")) {
    case let (h?, w?):
        guard h * w == count else { throw args.error("height", "height × width = \(h * w), but there are \(count) units") }
        return (h, w)
    case (nil, nil): return nil
    default: throw args.error(args.isGiven("height") ? "height" : "width", "give both height and width, or neither")
    }
}
