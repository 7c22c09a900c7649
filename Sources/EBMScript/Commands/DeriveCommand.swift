import EBM
import EBMIO

extension Command {
    static let derive = Command(
        "derive", category: .derivations,
        summary: "walk a derivation of the source texts line by line, every line evaluated and checked on a model",
        parameters: [
            anyModelParameter("a model with a derivation: an RBM, a fully visible Boltzmann machine, or an energy on ℝᵈ (neural or Gaussian)"),
            Parameter("data", .tensor, "a data set or an N × D matrix (of 0/1 rows for the Boltzmann machines)"),
            Parameter("derivation", .optional(.choice(["log-likelihood", "rbm", "free-energy", "estimators"])), default: Value.none,
                      "which: log-likelihood (000/002), rbm (001), free-energy (003 §13.2), estimators (CD-k and PCD against the exact gradient); default log-likelihood for a Boltzmann machine, rbm for an RBM"),
            Parameter("parameter", .optional(.string), default: Value.none,
                      "follow one parameter, e.g. \"W[0,1]\", \"b[2]\", \"c[3]\"; default: all of θ (shown as ‖·‖) when affordable"),
            Parameter("chains", .integer(min: 2, max: 10_000), default: .number(20), "independent Gibbs chains for the Monte Carlo lines"),
            Parameter("samples", .integer(min: 1, max: 1_000_000), default: .number(250), "samples per chain (after 200 sweeps of burn-in, 2 sweeps apart)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the chains"),
            Parameter("row", .integer(min: 0, max: nil), default: .number(0), "free-energy: the data row x of p(x) and ∇F(x) (not given: the first row where the text's slip shows in the followed components)"),
            Parameter("ks", .optional(.list), default: Value.none, "estimators: the k of CD-k, default [1, 2, 5, 10, 20, 50]"),
            Parameter("repeats", .integer(min: 2, max: 100_000), default: .number(1000), "estimators: estimates per estimator"),
            Parameter("burn_in", .integer(min: 0, max: 10_000_000), default: .number(1000), "estimators: Gibbs steps before PCD's first estimate"),
            Parameter("file", .optional(.path), default: Value.none, "estimators: also draw bias and standard deviation against k as a PNG"),
            Parameter("steps", .integer(min: 1, max: 10_000_000), default: .number(1000), "energy on ℝᵈ: Langevin steps per chain"),
            Parameter("step_size", .positiveNumber, default: .number(0.01), "energy on ℝᵈ: ε of the Langevin steps"),
        ].enumerated().map { $0.offset < 2 ? $0.element : $0.element.byNameOnly() },
        details: """
        Each line shows what the text writes, its value (‖·‖ of the gradient vector, or the one
        parameter picked with parameter:), ✓ when it equals the line it claims to equal
        (to 1e-6 relative, over every component), and below it how ebm evaluates it: ∇ of a sum by
        finite differences of the sum, a sum of ∇ by finite differences of each term, analytic
        gradients by their formula, expectations by enumeration or by Gibbs sampling with a
        standard error. Where a text has a slip, the correct line is evaluated and the text's
        version is shown beside it, marked ✗.
          log-likelihood  000 eqs 18.4–18.12 and 002 to 18.15: ∇log p = ∇log p̃ − ∇log Z,
                          ∇log Z = E_p[∇log p̃]; on a Boltzmann machine also 003's eq 13.1
          rbm             001: ln L = ln Σ_H e^(−E) − ln Σ_{V,H} e^(−E) down to
                          ∂ln L/∂w_ij = E_p(H|V)[h_i v_j] − E_p(V,H)[h_i v_j], and the count of terms
          free-energy     003 §13.2: p(x) = e^F(x)/Z as a product over hidden units, ∇F, eq 13.2
          estimators      CD-k for each k and PCD: bias ‖E[ĝ] − ∇‖ and spread over repeats
        For an energy on ℝᵈ: 003 §13.1, the positive phase from the data and the negative phase
        from Langevin chains (chains:, steps:, step_size:) with its standard error; for a
        Gaussian energy, θ = μ and the exact negative phase (0) beside the estimate; for a
        real-domain energy_fn, 000 eqs 18.4–18.15 with the positive phase checked by finite
        differences and the chains by E_p[xᵀ∇ₓE] = d (chains: default 200).
        Every line enumerates: x of at most 16 units (and D + H ≤ 20 for rbm).
        Properties: d.ok (true when every check passes), d.lines.
        Examples:
          m = boltzmann(units: 6, seed: 1)
          derive(m, d)
          derive(r, d, derivation: "rbm", parameter: "W[0,1]")
          derive(r, d, derivation: "estimators", ks: [1, 5, 25], file: "images/cd-bias.png")
        """
    ) { args, context in
        let model = try modelValue(args)
        let available = model.derivations
        guard let first = available.first else {
            _ = try require(nil as Int?, .derivation, of: model, args)
            return .none
        }
        let which = args.optionalString("derivation") ?? first
        guard available.contains(which) || (first == "langevin" && args["derivation"].isNone) else {
            throw args.error("derivation", "\(model.article) has no \(which) derivation",
                             hint: "for it derive walks " + available.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        if model.binaryUnits {
            // Every line's sums run over x ∈ {0, 1}ᴰ: a grey level, which an RBM reads as a
            // probability elsewhere, is no term of them, so derive asks for 0 or 1 of every family.
            let data = try stateRows(args, "data", width: model.parameterized.dimension, what: "visible units", states: .binary)
            do {
                return try model.derive(which, data: data, args, context)
            } catch let e as DerivationError {
                let name: String
                switch e {
                case .unknownParameter: name = "parameter"
                case .badRow: name = "row"
                case .tooLarge: name = "model"
                }
                throw args.error(name, e.description)
            } catch let e as EnumerationTooLarge {
                throw args.error("model", e.description)
            }
        }
        let x = try rows(args, "data", width: model.parameterized.dimension, what: "coordinates")
        return try model.derive(which, data: x, args, context)
    }
}

/// The settings of the enumerated derivations, from derive's arguments.
func derivationSettings(_ args: Arguments) -> DerivationSettings {
    var settings = DerivationSettings()
    settings.parameter = args.optionalString("parameter")
    settings.chains = args.int("chains")
    settings.samplesPerChain = args.int("samples")
    settings.seed = UInt64(args.int("seed"))
    settings.row = args.int("row")
    settings.chooseRowWhereTextDiffers = !args.isGiven("row")
    return settings
}

/// derive(..., derivation: "estimators"): the table, and the PNG when `file:` is given.
func estimatorComparison(_ rbm: RestrictedBoltzmannMachine, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
    var ks = [1, 2, 5, 10, 20, 50]
    if case .list(let items) = args["ks"] {
        ks = try items.map { item in
            guard case .number(let v) = item, v >= 1, v <= 100_000, v == v.rounded() else {
                throw args.error("ks", "ks must be whole numbers from 1 to 100000, e.g. [1, 2, 5, 10]")
            }
            return Int(v)
        }
        guard !ks.isEmpty else { throw args.error("ks", "give at least one k, e.g. [1, 2, 5, 10]") }
    }
    let (repeats, burnIn) = (args.int("repeats"), args.int("burn_in"))
    context.progress?.begin("derive estimators", total: GradientEstimatorComparison.progressTotal(repeats: repeats, persistentBurnIn: burnIn))
    defer { context.progress?.end() }
    guard let comparison = try GradientEstimatorComparison.compare(
        rbm, data: data, ks: ks, repeats: repeats, persistentBurnIn: burnIn,
        seed: UInt64(args.int("seed")), shouldStop: { context.isInterrupted },
        progress: { context.progress?.update(done: $0, status: "") })
    else {
        throw ScriptError(.interrupted, "interrupted: the estimator comparison stopped before it finished", at: args.callLocation)
    }
    let value = EstimatorComparisonValue(comparison: comparison)
    if let path = args.optionalString("file") {
        guard path.lowercased().hasSuffix(".png") else {
            throw args.error("file", "the file name should end in .png, got \"\(path)\"", hint: "e.g. \"images/cd-bias.png\"")
        }
        let picture = value.chart.image()
        let resolved = context.resolve(path)
        try fileErrors(args, "file") { try PNG.write(picture, to: resolved) }
        context.didWrite(resolved)
        context.write("wrote \(context.shownPath(path)) (\(picture.width)×\(picture.height) RGB)\n")
    }
    return .object(value)
}

extension Command {
    static let gradcheck = Command(
        "gradcheck", category: .derivations,
        summary: "check the analytic log-likelihood gradient against finite differences of the log-likelihood; gradcheck(f, x, …) checks grad of a function",
        parameters: [
            anyModelParameter("an exactly enumerable model (an RBM or a fully visible Boltzmann machine), or a function defined with def: gradcheck(f, x, …)"),
            Parameter("data", .tensor, "a data set or an N × D matrix"),
            Parameter("count", .integer(min: 1, max: 1_000_000), default: .number(20), "how many parameters to check, chosen at random (all when the model has no more)"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "picks the parameters"),
        ],
        details: """
        For each parameter θ_k picked: the exact gradient of the mean log-likelihood (as grad computes
        it), and (L(θ + h e_k) − L(θ − h e_k)) / 2h with h = 1e-5, both in float64 with exact log Z.
        A component passes when they agree to 1e-6 · max(1, |finite difference|).
        A function defined with def: gradcheck(f, x, …) compares grad(f, x, …) with central
        differences of f (float64) for up to 20 entries; f must be finite at x.
        Example:
          gradcheck(m, d, count: 10)
          gradcheck(f, tensor([0.5, 1]))
        """
    ) { args, _ in
        let model = try modelValue(args)
        let m = try require(model.enumerable, .enumeration, of: model, args)
        let data = try model.stateRows(args, "data", what: "visible units")
        let check = try exact(args) { try m.finiteDifferenceCheck(data, count: args.int("count"), seed: UInt64(args.int("seed"))) }
        return .object(GradientCheckValue(check: check))
    }
}
