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
        ],
        details: """
        The energy (003, §13.2):  E(x, h) = -hᵀWx - cᵀx - bᵀh
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
        let machine = RestrictedBoltzmannMachine(visible: d, hidden: h, seed: UInt64(args.int("seed")), initScale: Float(args.number("init")))
        return .object(RBMValue(machine, imageShape: shape))
    }

    static let energy = Command(
        "energy", category: .models,
        summary: "E(x, h) = -hᵀWx - cᵀx - bᵀh of an RBM configuration, or E(x) = -½xᵀWx - bᵀx of a Boltzmann machine (or of each row)",
        parameters: [boltzmannOrRBMParameter,
                     Parameter("x", .tensor, "the visible units: a vector of D, or an n × D matrix"),
                     Parameter("h", .optional(.tensor), default: Value.none, "an RBM's hidden units: a vector of H, or an n × H matrix")],
        details: "Lower energy is more probable: p(x, h) = e^(-E(x, h)) / Z, or p(x) = e^(-E(x)) / Z."
    ) { args, _ in
        switch try BoltzmannModel(args) {
        case .fullyVisible(let bm):
            guard args["h"].isNone else { throw args.error("h", "a fully visible Boltzmann machine has no hidden units; leave out h") }
            let m = bm.machine
            let x = try stateRows(args, "x", width: m.units, what: "units", states: .binary)
            let values = (0..<x.rows).map { r in m.energy(x.row(r).scalars.map(Double.init)) }
            return perRow(values, single: args.tensor("x").rank == 1)
        case .rbm(let model):
            let m = model.machine
            guard !args["h"].isNone else {
                throw args.error("h", "an RBM's energy needs the hidden units too: energy(m, x, h)", hint: "free_energy(m, x) sums h out")
            }
            let x = try stateRows(args, "x", width: m.visible, what: "visible units", states: .unitInterval)
            let h = try stateRows(args, "h", width: m.hidden, what: "hidden units", states: .unitInterval)
            guard x.rows == h.rows else {
                throw args.error("h", "x has \(x.rows) rows but h has \(h.rows)")
            }
            let values = (0..<x.rows).map { r in m.energy(x: x.row(r).scalars, h: h.row(r).scalars) }
            return perRow(values, single: args.tensor("x").rank == 1)
        }
    }

    static let freeEnergy = Command(
        "free_energy", category: .models,
        summary: "F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx), so that p(x) = e^F(x) / Z (003's sign)",
        parameters: [modelParameter, Parameter("x", .tensor, "a vector of D visible units, an n × D matrix, or a data set")],
        details: """
        Sign convention: this is 003's F, for which p(x) = exp(F(x)) / Z. It is the NEGATIVE of
        the usual free energy -log Σ_h e^(-E(x, h)): higher F means more probable x.
        A vector gives a number; a matrix or data set gives one value per row.
        """
    ) { args, _ in
        let m = try model(args).machine
        let x = try stateRows(args, "x", width: m.visible, what: "visible units", states: .unitInterval)
        return perRow(m.freeEnergy(x), single: args.tensor("x").rank == 1)
    }

    static let pHGivenX = Command(
        "p_h_given_x", category: .models,
        summary: "p(h_j = 1 | x) = σ(b_j + W_j x) for every hidden unit (and every row of x)",
        parameters: [modelParameter, Parameter("x", .tensor, "a vector of D visible units, an n × D matrix, or a data set")],
        details: "003 §13.2 writes sign(b + Wx); the conditional is the logistic sigmoid σ, as here."
    ) { args, _ in
        let m = try model(args).machine
        let x = try stateRows(args, "x", width: m.visible, what: "visible units", states: .unitInterval)
        return vectorOrMatrix(m.hiddenProbabilities(x), single: args.tensor("x").rank == 1)
    }

    static let pXGivenH = Command(
        "p_x_given_h", category: .models,
        summary: "p(x_i = 1 | h) = σ(c_i + (Wᵀh)_i) for every visible unit (and every row of h)",
        parameters: [modelParameter, Parameter("h", .tensor, "a vector of H hidden units, or an n × H matrix")]
    ) { args, _ in
        let m = try model(args).machine
        let h = try stateRows(args, "h", width: m.hidden, what: "hidden units", states: .unitInterval)
        return vectorOrMatrix(m.visibleProbabilities(h), single: args.tensor("h").rank == 1)
    }

    static let logZ = Command(
        "log_z", category: .models,
        summary: "log Z, exactly, by enumeration in log space (float64)",
        parameters: [boltzmannOrRBMParameter,
                     Parameter("over", .choice(["smaller", "visible", "hidden"]), default: .string("smaller"), "for an RBM, the layer to enumerate")],
        details: """
        RBM over h:  log Z = logsumexp_h [ bᵀh + Σᵢ softplus(cᵢ + (Wᵀh)ᵢ) ]
        RBM over x:  log Z = logsumexp_x F(x)
        Both give the same number; the smaller layer is cheaper. Refused above 2^25 terms.
        Boltzmann machine:  log Z = logsumexp_x -E(x) over all 2ⁿ states (Gray-code order, up to n = 24).
        """
    ) { args, _ in
        switch try BoltzmannModel(args) {
        case .rbm(let model):
            let m = model.machine
            let layer: RBMLayer? = args.string("over") == "smaller" ? nil : RBMLayer(rawValue: args.string("over"))
            return .number(try exact(args) { try m.logPartitionFunction(enumerating: layer) })
        case .fullyVisible(let model):
            guard args.string("over") == "smaller" else {
                throw args.error("over", "a fully visible Boltzmann machine has one layer; leave out over:")
            }
            return .number(try exact(args) { try model.machine.logPartitionFunction() })
        }
    }

    static let loglik = Command(
        "loglik", category: .models,
        summary: "the exact mean log-likelihood (1/n) Σ log p(x) of a data set: mean F(x) - log Z (RBM) or mean -E(x) - log Z",
        parameters: [boltzmannOrRBMParameter, Parameter("data", .tensor, "a data set or an n × D matrix")]
    ) { args, _ in
        let model = try BoltzmannModel(args)
        let x = try stateRows(args, "data", width: model.visible, what: "visible units", states: model.states)
        switch model {
        case .rbm(let m): return .number(try exact(args) { try m.machine.exactLogLikelihood(x) })
        case .fullyVisible(let m): return .number(try exact(args) { try m.machine.exactLogLikelihood(x) })
        }
    }

    static let grad = Command(
        "grad", category: .models,
        summary: "the exact gradient of the mean log-likelihood: E_data[·] - E_model[·]",
        parameters: [boltzmannOrRBMParameter, Parameter("data", .tensor, "a data set or an n × D matrix")],
        details: """
        RBM:
          ∂/∂W = E_data[p(h|x) xᵀ] - E_model[p(h|x) xᵀ]   (001: E_p(H|V)[v h] - E_p(V,H)[v h])
          ∂/∂b = E_data[p(h|x)]    - E_model[p(h|x)]
          ∂/∂c = E_data[x]         - E_model[x]
          The model expectations are exact sums over the smaller layer (float64).
        Boltzmann machine (000, eq 18.4 with 18.12):
          ∂/∂w_ij = E_data[x_i x_j] - E_model[x_i x_j],  ∂/∂b_i = E_data[x_i] - E_model[x_i]
          W of the gradient is symmetric: entry (i, j) is ∂/∂w_ij of the pair weight.
        """
    ) { args, _ in
        let model = try BoltzmannModel(args)
        let x = try stateRows(args, "data", width: model.visible, what: "visible units", states: model.states)
        switch model {
        case .rbm(let rbm):
            let m = rbm.machine
            let g = try exact(args) { try m.exactGradient(x) }
            return .object(GradientValue(W: Tensor(shape: [m.hidden, m.visible], scalars: g.W.map(Float.init)),
                                         b: Tensor(shape: [m.hidden], scalars: g.b.map(Float.init)),
                                         c: Tensor(shape: [m.visible], scalars: g.c.map(Float.init)),
                                         what: "exact, of the mean log-likelihood"))
        case .fullyVisible(let bm):
            let m = bm.machine
            let g = try exact(args) { try m.exactGradient(x) }
            let n = m.units
            var W = [Float](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n where i != j { W[i * n + j] = Float(g[m.weightIndex(i, j)]) } }
            return .object(GradientValue(W: Tensor(shape: [n, n], scalars: W),
                                         b: Tensor(shape: [n], scalars: (0..<n).map { Float(g[m.biasIndex($0)]) }),
                                         c: nil, what: "exact, of the mean log-likelihood"))
        }
    }

    static let pll = Command(
        "pll", category: .models,
        summary: "the mean pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) of a data set: a cheap monitor",
        parameters: [boltzmannOrRBMParameter, Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("exact", .bool, default: .bool(true), "sum all D terms (true) or scikit-learn's one-random-bit estimate D · log p(xᵢ | x₋ᵢ) (false; RBM only)"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "picks the bits of the estimate")]
    ) { args, _ in
        let model = try BoltzmannModel(args)
        let x = try stateRows(args, "data", width: model.visible, what: "visible units", states: model.states)
        switch model {
        case .rbm(let rbm):
            let m = rbm.machine
            return .number(args.bool("exact") ? m.exactPseudoLogLikelihood(x) : m.pseudoLogLikelihood(x, seed: UInt64(args.int("seed"))))
        case .fullyVisible(let bm):
            // Each conditional of a fully visible machine is one logistic: the exact sum is cheap.
            return .number(bm.machine.meanPseudoLogLikelihood(x))
        }
    }

    static let reconError = Command(
        "recon_error", category: .models,
        summary: "mean (p(x | h) - x)² with h ~ p(h | x): the reconstruction error monitor",
        parameters: [modelParameter, Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of h")]
    ) { args, _ in
        let m = try model(args).machine
        let x = try stateRows(args, "data", width: m.visible, what: "visible units", states: .unitInterval)
        return .number(m.reconstructionError(x, seed: UInt64(args.int("seed"))))
    }

    static let reconstruct = Command(
        "reconstruct", category: .models,
        summary: "the reconstructions p(x | h), h ~ p(h | x), of a data set, as a data set",
        parameters: [modelParameter, Parameter("data", .tensor, "a data set or an n × D matrix"),
                     Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of h")],
        details: "003's debugging advice: reconstructions of training data should look like the data."
    ) { args, _ in
        let model = try model(args)
        let m = model.machine
        let x = try stateRows(args, "data", width: m.visible, what: "visible units", states: .unitInterval)
        var chain = GibbsChain(m, count: x.rows, seed: UInt64(args.int("seed")), start: .data(x))
        chain.advance(m)
        var shape = model.imageShape
        if case .object(let d as Dataset) = args["data"] { shape = d.imageShape ?? shape }
        return .object(Dataset(name: "reconstructions", examples: chain.probabilities, imageShape: shape))
    }
}

let modelParameter = Parameter("model", .object(["rbm"]), "an RBM, from rbm(...)")

func model(_ args: Arguments) throws -> RBMValue {
    guard let m = args.object("model", as: RBMValue.self) else { throw args.error("model", "expected an RBM") }
    return m
}

/// An argument as an n × width matrix: a vector becomes one row.
func rows(_ args: Arguments, _ name: String, width: Int, what: String) throws -> Tensor {
    let t = args.tensor(name)
    let matrix: Tensor
    switch t.rank {
    case 1: matrix = Tensor(shape: [1, t.count], scalars: t.scalars)
    case 2: matrix = t
    default: throw args.error(name, "\(name) must be a vector or a matrix of \(what), got a tensor \(shapeText(t.shape))")
    }
    guard matrix.shape[1] == width else {
        throw args.error(name, "\(name) must have \(width) \(what) per row, got \(matrix.shape[1])")
    }
    guard matrix.rows > 0 else { throw args.error(name, "\(name) has no rows") }
    return matrix
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

/// An argument as an n × width matrix whose entries are states of the model's units, checked by
/// `UnitStates` the same way for every command that reads rows as states.
func stateRows(_ args: Arguments, _ name: String, width: Int, what: String, states: UnitStates,
               subject: String? = nil) throws -> Tensor {
    let x = try rows(args, name, width: width, what: what)
    try checkStates(x, states, args, name, subject: subject)
    return x
}

/// A located error when `x` holds an entry that is no state: "data must be in [0, 1] (states of
/// binary units): row 0, column 0 is 2".
func checkStates(_ x: Tensor, _ states: UnitStates, _ args: Arguments, _ name: String, subject: String? = nil) throws {
    do { try states.check(x) } catch {
        let what = states == .integer ? "discrete states" : "states of binary units"
        throw args.error(name, "\(subject ?? name) must be \(states.requirement) (\(what)): \(error.entry)",
                         hint: states == .integer ? "count discrete rows: binarize grey levels first, e.g. d.x > 0.5"
                                                  : "binarize it, e.g. d.x > 0.5")
    }
}
