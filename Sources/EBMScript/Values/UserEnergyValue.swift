import EBM

/// Runs a user's `def E(x, W, b)` for EBM's `UserEnergy`: each evaluation records E on a tape
/// (float64), so energies, ∇θE and ∇ₓE come from the same code path the user's `grad(E, …)` uses.
///
/// When E computes one energy per row of an n × d matrix (checked once, at `energy_fn`), a whole
/// batch is one call and one tape; otherwise E runs once per row on a shared tape.
final class ScriptEnergyEvaluator: UserEnergyEvaluator, @unchecked Sendable {
    let function: UserFunction
    weak var session: Session?
    /// E's parameters after x, bound by name to the blocks of θ.
    let parameterNames: [String]
    let shapes: [[Int]]
    let dimension: Int
    /// Where `energy_fn` was called: errors about what E returned point here.
    let location: SourceLocation
    var batched = false
    private var pending: (any Error)?
    /// The command running E now and its source: E's tracebacks say "called at" this line.
    var callSite: (location: SourceLocation, source: SourceText)?

    init(function: UserFunction, session: Session, parameterNames: [String], shapes: [[Int]], dimension: Int, location: SourceLocation) {
        self.function = function
        self.session = session
        self.parameterNames = parameterNames
        self.shapes = shapes
        self.dimension = dimension
        self.location = location
    }

    func takeError() -> (any Error)? {
        defer { pending = nil }
        return pending
    }

    func record(_ error: any Error) {
        if pending == nil { pending = error }
    }

    /// E recorded on `tape` for the rows of X: one output node per row (or one n-vector when
    /// batched), with the nodes of x and of the θ blocks.
    private func record(_ X: [Double], rows n: Int, θ: [Double], on tape: Tape, followX: Bool, followθ: Bool)
        throws -> (outputs: [Int], batchOutput: Int?, xNodes: [Int], θNodes: [Int]) {
        guard let session else {
            throw ScriptError(.value, "\(function.name): the session that defined this energy has ended", at: location)
        }
        let interpreter = Interpreter(session: session, source: callSite?.source ?? function.definition.source)
        let callLocation = callSite?.location ?? location
        var θNodes: [Int] = []
        var blocks: [PassedArgument] = []
        var offset = 0
        for (name, shape) in zip(parameterNames, shapes) {
            let count = shape.reduce(1, *)
            let v = Tape.Value(shape: shape, entries: Array(θ[offset..<(offset + count)]))
            offset += count
            let node = followθ ? tape.variable(v) : tape.constant(v)
            θNodes.append(node)
            blocks.append(PassedArgument(label: name, labelLocation: nil, value: .object(TracedValue(tape: tape, node: node)), location: location))
        }
        func call(_ x: Tape.Value) throws -> (Int, Int) {
            let xNode = followX ? tape.variable(x) : tape.constant(x)
            let passed = [PassedArgument(label: nil, labelLocation: nil, value: .object(TracedValue(tape: tape, node: xNode)), location: location)] + blocks
            let result = try interpreter.call(function, arguments: passed, at: callLocation)
            if let t = Autodiff.traced(result), t.tape === tape { return (t.node, xNode) }
            if case .number(let e) = result { return (tape.constant(Tape.Value(shape: [], entries: [e])), xNode) }
            if case .tensor(let t) = result { return (tape.constant(Tape.Value(t)), xNode) }
            throw ScriptError(.type, "energy_fn: \(function.name)(x) must return a number (the energy of x), got \(describe(Autodiff.plainValue(result)))",
                              at: location, hint: "return one number, e.g. -sum(x * c) - sum(softplus(b + W @ x))")
        }
        let d = dimension
        if batched {
            let (out, xNode) = try call(Tape.Value(shape: [n, d], entries: X))
            return ([], out, [xNode], θNodes)
        }
        var outputs: [Int] = [], xNodes: [Int] = []
        outputs.reserveCapacity(n)
        for r in 0..<n {
            let (out, xNode) = try call(Tape.Value(shape: [d], entries: Array(X[(r * d)..<((r + 1) * d)])))
            guard tape.value(out).count == 1 else {
                throw ScriptError(.type, "energy_fn: \(function.name)(x) must return a number (the energy of x), got a tensor \(shapeText(tape.value(out).shape))",
                                  at: location, hint: "sum it to one number, e.g. sum(...)")
            }
            outputs.append(out)
            xNodes.append(xNode)
        }
        return (outputs, nil, xNodes, θNodes)
    }

    /// The per-row energies of a recording.
    private func energies(_ tape: Tape, _ r: (outputs: [Int], batchOutput: Int?, xNodes: [Int], θNodes: [Int]), rows n: Int) throws -> [Double] {
        if let b = r.batchOutput {
            let v = tape.value(b)
            guard v.count == n else {
                throw ScriptError(.type, "energy_fn: \(function.name) gave \(v.count) energies for \(n) rows", at: location)
            }
            return v.entries
        }
        return r.outputs.map { tape.value($0).entries[0] }
    }

    /// Σᵢ wᵢ Eᵢ as one node.
    private func weightedSum(_ tape: Tape, _ r: (outputs: [Int], batchOutput: Int?, xNodes: [Int], θNodes: [Int]), weights: [Double]) throws -> Int {
        if let b = r.batchOutput {
            let shape = tape.value(b).shape
            let w = tape.constant(Tape.Value(shape: shape, entries: weights))
            return try tape.sum(try tape.multiply(b, w))
        }
        var acc = tape.constant(Tape.Value(shape: [], entries: [0]))
        for (o, w) in zip(r.outputs, weights) {
            acc = try tape.add(acc, try tape.multiply(o, tape.constant(Tape.Value(shape: [], entries: [w]))))
        }
        return acc
    }

    private func failing<T>(_ body: () throws -> T) throws -> T {
        guard batched else { return try failingOnce(body) }
        do { return try failingOnce(body) } catch let e as ScriptError where e.kind == .interrupted { throw e } catch let matrixError {
            // The matrix form failed on rows the probe did not cover: row by row is the
            // definition of E, so it decides (and, when it works, E is not batched after all).
            // When both fail, the matrix form's error is the one E was written for.
            batched = false
            do { return try failingOnce(body) } catch {
                batched = true
                throw matrixError
            }
        }
    }

    private func failingOnce<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let f as Tape.Failure {
            throw ScriptError(.value, "energy_fn: \(function.name): " + f.message, at: location)
        }
    }

    func energies(_ X: [Double], rows n: Int, θ: [Double]) throws -> [Double] {
        try failing {
            let tape = Tape()
            let r = try record(X, rows: n, θ: θ, on: tape, followX: false, followθ: false)
            return try energies(tape, r, rows: n)
        }
    }

    func parameterGradient(_ X: [Double], rows n: Int, weights: [Double], θ: [Double]) throws -> [Double] {
        try failing {
            let tape = Tape()
            let r = try record(X, rows: n, θ: θ, on: tape, followX: false, followθ: true)
            let out = try weightedSum(tape, r, weights: weights)
            return try tape.gradient(of: out, withRespectTo: r.θNodes).flatMap(\.entries)
        }
    }

    func inputGradients(_ X: [Double], rows n: Int, θ: [Double]) throws -> (energies: [Double], gradients: [Double]) {
        try failing {
            let tape = Tape()
            let r = try record(X, rows: n, θ: θ, on: tape, followX: true, followθ: false)
            let e = try energies(tape, r, rows: n)
            let out = try weightedSum(tape, r, weights: [Double](repeating: 1, count: n))
            let g = try tape.gradient(of: out, withRespectTo: r.xNodes).flatMap(\.entries)
            return (e, g)
        }
    }

    /// Uses one call per batch when E gives one energy per row of an n × d matrix: the same
    /// energies as row by row, on probe rows that are not symmetric and whose count is not d
    /// (so a sum over the wrong axis, which gives d numbers, cannot pass for n energies). A
    /// batch that later fails is retried row by row (see `failing`).
    func detectBatching(probe X: [Double], rows n: Int, θ: [Double]) {
        batched = false
        let single = try? energies(X, rows: n, θ: θ)
        batched = true
        guard let together = try? failingOnce({ () throws -> [Double] in
            let tape = Tape()
            let r = try record(X, rows: n, θ: θ, on: tape, followX: false, followθ: false)
            return try energies(tape, r, rows: n)
        }), together.count == n else {
            batched = false
            return
        }
        // Written only for matrices (a sum over axis 1): the matrix form is E.
        if let single { batched = zip(single, together).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($0)) } }
    }

    /// Rows to run E on at `energy_fn`: n ≠ d rows with no symmetry between rows and columns.
    static func probeRows(dimension d: Int, domain: UserEnergyDomain) -> (values: [Double], rows: Int) {
        let n = d == 3 ? 4 : 3
        var g = Xoshiro256StarStar(seed: 0x5eed)
        let values = (0..<(n * d)).map { _ in domain == .binary ? (g.nextUnitDouble() < 0.5 ? 0.0 : 1.0) : 0.5 * g.nextNormal() }
        return (values, n)
    }
}

/// An energy written by the user as a model: `energy_fn(E, params: [W, b], domain:, dim:)`.
/// A reference like every model value; training changes its θ, which `m.W`, `m.b` (E's parameter
/// names) show. The tensors passed in `params` are the starting values and stay as they were.
public final class UserEnergyValue: ModelValue, RunsUserCode {
    public var energy: UserEnergy
    let evaluator: ScriptEnergyEvaluator
    public var trainer: UserEnergyTrainer?
    public var imageShape: (height: Int, width: Int)?

    init(_ energy: UserEnergy, evaluator: ScriptEnergyEvaluator) {
        self.energy = energy
        self.evaluator = evaluator
    }

    public var kindName: String { "energy_fn" }

    /// The domain decides what the model can do: sums and Gibbs over {0,1}ᵈ, Langevin over ℝᵈ.
    public var article: String { "a \(energy.domain.rawValue)-domain energy_fn" }

    public var capabilities: Set<ModelCapability> {
        energy.domain == .binary ? [.energy, .exactLikelihood, .enumeration, .markovChain, .training, .derivation]
                                 : [.energy, .gradient, .training, .derivation]
    }

    public var trainMethods: [String] { energy.domain == .binary ? ["cd", "pcd", "exact"] : ["langevin-ml"] }

    public var summary: String { energy.modelDescription }

    public func render(_ format: ValueFormat) -> String {
        var out = "energy_fn: \(summary)"
        out += "\nE = \(evaluator.function.signature); parameters " + energy.parameterBlocks.map { "\($0.name) \(shapeText($0.shape))" }.joined(separator: ", ")
        if let t = trainer, t.completed > 0 { out += "\ntrained \(t.completed) epoch\(t.completed == 1 ? "" : "s") with \(t.settings.summary)" }
        return out
    }

    public var propertyNames: [String] { energy.parameterBlocks.map(\.name) + ["E", "dim", "domain", "parameters", "history", "epochs", "batched"] }

    public func property(_ name: String) throws -> Value? {
        if let b = energy.parameterBlocks.first(where: { $0.name == name }) {
            return b.shape.isEmpty ? .number(energy.θ[b.offset]) : .tensor(b.tensor(from: energy.θ))
        }
        switch name {
        case "E": return .object(evaluator.function)
        case "dim": return .number(Double(energy.dimension))
        case "domain": return .string(energy.domain.rawValue)
        case "parameters": return .number(Double(energy.θ.count))
        case "history": return .object(historyValue)
        case "epochs": return .number(Double(trained))
        case "batched": return .bool(evaluator.batched)
        default: return nil
        }
    }

    /// `m.W = W2`: replaces a parameter block, shape-checked.
    public func setProperty(_ name: String, to value: Value) throws {
        guard let b = energy.parameterBlocks.first(where: { $0.name == name }) else {
            throw ScriptError(.type, propertyNames.contains(name) ? "an energy_fn model's '\(name)' is computed and cannot be set"
                                                                  : "this energy_fn model has no property '\(name)'",
                              hint: energy.parameterBlocks.map(\.name).joined(separator: ", ") + " can be set")
        }
        let entries: [Double]
        if case .number(let v) = value, b.shape.isEmpty { entries = [v] } else {
            guard let t = tensorValue(value), t.shape == b.shape else {
                throw ScriptError(.value, "m.\(name) must be \(b.shape.isEmpty ? "a number" : "a tensor \(shapeText(b.shape))"), got \(describe(value))")
            }
            entries = t.scalars.map(Double.init)
        }
        guard entries.allSatisfy(\.isFinite) else {
            throw ScriptError(.numeric, "m.\(name) would hold a NaN or infinite value", hint: "parameters must be finite numbers")
        }
        energy.θ.replaceSubrange(b.range, with: entries)
    }

    // MARK: RunsUserCode

    func beginCommand(at location: SourceLocation, source: SourceText) {
        evaluator.callSite = (location, source)
        _ = evaluator.takeError()
    }

    func takeUserCodeError() -> (any Error)? { evaluator.takeError() }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel {
        energy.domain == .binary ? BinaryUserEnergyModel(energy) : RealUserEnergyModel(energy)
    }

    public var historyValue: HistoryValue {
        HistoryValue(history: trainer?.history ?? TrainingHistory(unit: .epoch, columns: UserEnergyTrainer.historyColumns),
                     settings: trainer?.settings.summary ?? "no training yet", negativePhase: trainer?.lastNegativePhase)
    }
    public var trained: Int { trainer?.completed ?? 0 }
    public var derivations: [String] { energy.domain == .binary ? ["log-likelihood"] : ["langevin"] }

    /// Binary: 000/002 eqs 18.4–18.15 by enumeration. Real: the same lines with the negative
    /// phase from Langevin chains (chains: default 200, steps:, step_size:).
    public func derive(_ which: String, data: Tensor, _ args: Arguments, _ context: CallContext) throws -> Value {
        guard energy.domain == .binary else {
            var sampling = ContinuousGradientDerivation.Sampling()
            sampling.chains = args.isGiven("chains") ? args.int("chains") : 200
            sampling.steps = args.int("steps")
            sampling.stepSize = Float(args.number("step_size"))
            sampling.seed = UInt64(args.int("seed"))
            do {
                return .object(DerivationValue(derivation: try ContinuousGradientDerivation.derive(
                    RealUserEnergyModel(energy), data: data, parameter: args.optionalString("parameter"), sampling: sampling)))
            } catch let e as DerivationError {
                throw args.error("parameter", e.description)
            }
        }
        return .object(DerivationValue(derivation: try LogLikelihoodGradientDerivation.derive(BinaryUserEnergyModel(energy), data: data,
                                                                                               settings: derivationSettings(args))))
    }

    public static let family = ModelFamily(
        kind: "energy_fn", article: "an energy written with def (energy_fn)", constructors: ["energy_fn"],
        capabilities: [.energy, .exactLikelihood, .enumeration, .markovChain, .gradient, .training, .derivation],
        members: [.exactLikelihood: "a binary-domain energy_fn", .enumeration: "a binary-domain energy_fn",
                  .markovChain: "a binary-domain energy_fn", .gradient: "a real-domain energy_fn"],
        trainParameters: [
            Parameter("method", .choice(["cd", "pcd", "exact", "langevin-ml"]), default: .string("cd"),
                      "\"exact\": negative phase Σₓ p(x)∇θE over all 2ᵈ states; \"cd\"/\"pcd\": k single-site Gibbs sweeps (binary); \"langevin-ml\": k Langevin steps of persistent chains (real). The default follows the domain: \"cd\" for binary, \"langevin-ml\" for real"),
            Parameter("k", .integer(min: 1, max: 10_000), default: .number(1), "Gibbs sweeps or Langevin steps per update"),
            Parameter("lr", .positiveNumber, default: .number(0.1), "the learning rate ε"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "examples per minibatch (at most the number of rows)"),
            Parameter("epochs", .integer(min: 1, max: 1_000_000), default: .number(10), "passes over the data"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles and the chains"),
            Parameter("step_size", .positiveNumber, default: .number(0.01), "ε of the Langevin steps (langevin-ml)"),
            Parameter("noise", .number, default: .number(1), "scale of the Langevin noise (langevin-ml)"),
        ],
        trainSummary: "θ ← θ + ε(−E_data[∇θE] + E_p[∇θE]) (000, eq 18.4) with ∇θE from the tape, negative phase exact, from Gibbs chains or from Langevin chains; history per epoch: loglik (exact, binary d ≤ 16), energy_gap, grad_norm"
    )

    /// `train(m, data, method: "exact" | "cd" | "pcd" | "langevin-ml", ...)`.
    public func train(_ args: Arguments, _ context: CallContext) throws -> Value {
        // Binary data is checked by trainingData against the model's states (0 or 1).
        let x = try trainingData(self, args, what: energy.domain == .binary ? "units" : "coordinates")
        // The default method follows the domain: CD-1 on {0,1}ᵈ, Langevin ML on ℝᵈ.
        let method = args.isGiven("method") ? args.string("method") : (energy.domain == .binary ? "cd" : "langevin-ml")
        if energy.domain == .binary {
            guard method != "langevin-ml" else {
                throw args.error("method", "langevin-ml needs domain: \"real\"; this energy is binary", hint: "use \"exact\", \"cd\" or \"pcd\"")
            }
        } else if method != "langevin-ml" {
            throw args.error("method", "\"\(method)\" needs domain: \"binary\"; this energy is over ℝ^\(energy.dimension)", hint: "use method: \"langevin-ml\" (the default for a real domain)")
        }
        // An energy that is NaN or infinite before any step is a fault of E, not of a setting.
        _ = evaluator.takeError()
        let start = energy.energies(x.scalars.map(Double.init), rows: x.rows)
        if let e = evaluator.takeError() { throw e }
        if let bad = start.firstIndex(where: { !$0.isFinite }) {
            throw args.error("model", "the energy is not finite at the start: \(energy.name)(x) of data row \(bad) is \(start[bad]) with the parameters given; no training step was taken",
                             hint: "check \(energy.name) for a division by 0, a log of 0 or an overflow; energy(m, data) shows the energies")
        }
        var options = UserEnergyTrainingOptions()
        let k = args.int("k")
        switch method {
        case "exact":
            guard energy.dimension <= UserEnergy.enumerationLimitExponent else {
                throw args.error("method", "the exact negative phase sums over all 2^\(energy.dimension) states; use method: \"pcd\" above \(UserEnergy.enumerationLimitExponent) units")
            }
            options.negativePhase = .exact
        case "pcd": options.negativePhase = .persistent(sweeps: k)
        case "langevin-ml": options.negativePhase = .langevin(steps: k, stepSize: Float(args.number("step_size")), noise: Float(args.number("noise")))
        default: options.negativePhase = .contrastiveDivergence(sweeps: k)
        }
        options.learningRate = args.number("lr")
        options.batchSize = min(args.int("batch"), x.rows)
        options.epochs = args.int("epochs")
        options.seed = UInt64(args.int("seed"))
        _ = evaluator.takeError()
        let run = runTraining(trainer, settings: options, length: options.epochs, make: { UserEnergyTrainer(options: $0) },
                              model: &energy, data: x, label: "\(options.negativePhase)", args, context)
        trainer = run.trainer
        if case .diverged = run.outcome, let e = evaluator.takeError() { throw e }
        // Stopped by Ctrl-C inside E: the interruption is the stop, not an error of E.
        if case .stopped = run.outcome { _ = evaluator.takeError() }
        return try trainingResult(run.outcome, history: historyValue, args, context)
    }
}

extension Command {
    static let energyFn = Command(
        "energy_fn", category: .models,
        summary: "a model from an energy you write: E(x, W, b) defined with def, over x ∈ {0,1}ᵈ or ℝᵈ",
        parameters: [
            Parameter("E", .object(["function"]), "the energy: def E(x, W, b) returning one number; its parameters after x receive params, in order"),
            Parameter("params", .list, default: .list([]), "the starting values of E's parameters after x (numbers or tensors), e.g. [W, b]"),
            Parameter("domain", .choice(["binary", "real"]), default: .string("binary"), "\"binary\": x ∈ {0,1}ᵈ (exact sums, Gibbs); \"real\": x ∈ ℝᵈ (Langevin, MALA)"),
            Parameter("dim", .integer(min: 1, max: 1_000_000), "d, the width of x"),
        ],
        details: """
        p(x) = e^(-E(x)) / Z (000, eq 18.1). E is run on grad's tape, so ∇θE and ∇ₓE come
        from reverse-mode autodiff; E may use what grad supports (see 'help grad').
        E's parameters after x are the model's parameters: they receive params in order, are
        trained by train, and read or set as m.W, m.b (by E's parameter names). The tensors
        passed in params are starting values and stay as they were; copy back with W = m.W.
        If E gives one energy per row when x is an n × d matrix, whole batches run in one call
        (m.batched says so); otherwise E runs once per row.
        An error inside E is reported, with its traceback, by whichever command ran E.
        Binary (d ≤ 20): log_z, loglik, grad exact by enumerating all 2ᵈ states (derive: d ≤ 16);
          gibbs runs single-site Gibbs; train method: "cd" (default), "pcd", "exact"; rows
          given to any command must be 0 or 1.
        Real: langevin (ULA or MALA) and energy_map with ∇ₓE; train method: "langevin-ml"
          (default); derive with the negative phase from Langevin chains (chains:, steps:,
          step_size:).
        Example (an RBM's free energy):
          def E(x, W, b, c):
              return -sum(c * x) - sum(softplus(b + W @ x))
          m = energy_fn(E, params: [W, b, c], domain: "binary", dim: 6)
          log_z(m)
          train(m, d, method: "exact", epochs: 5)
        """
    ) { args, context in
        guard case .object(let f as UserFunction) = args["E"] else {
            throw args.error("E", "expected a function defined with def, got \(describe(args["E"]))")
        }
        let d = args.int("dim")
        guard case .list(let items) = args["params"] else { throw args.error("params", "expected a list of tensors") }
        let names = f.definition.parameters.map(\.name)
        guard !names.isEmpty else {
            throw args.error("E", "\(f.name) takes no arguments; an energy takes x first: def \(f.name)(x, ...)")
        }
        guard names.count - 1 >= items.count else {
            throw args.error("params", "\(f.name) takes \(names.count - 1) parameter\(names.count == 2 ? "" : "s") after x, but params has \(items.count)",
                             hint: "write E with one parameter per entry of params: def \(f.name)(x, W, b)")
        }
        var blocks: [(name: String, shape: [Int])] = []
        var θ: [Double] = []
        for (k, item) in items.enumerated() {
            if case .number(let v) = item {
                blocks.append((names[k + 1], [])); θ.append(v)
            } else if let t = tensorValue(item), !Autodiff.isTraced(item) {
                blocks.append((names[k + 1], t.shape)); θ += t.scalars.map(Double.init)
            } else {
                throw args.error("params", "params[\(k)] (\(names[k + 1])) must be a number or a tensor, got \(describe(item))")
            }
        }
        guard θ.allSatisfy(\.isFinite) else { throw args.error("params", "params hold a NaN or infinite value") }
        let domain: UserEnergyDomain = args.string("domain") == "real" ? .real : .binary
        let evaluator = ScriptEnergyEvaluator(function: f, session: context.session, parameterNames: blocks.map(\.name),
                                              shapes: blocks.map(\.shape), dimension: d, location: context.location)
        let energy = UserEnergy(name: f.name, dimension: d, domain: domain, blocks: blocks, θ: θ, evaluator: evaluator)
        // Run E and both gradients once at two points, so a wrong dim, a non-number or an
        // unsupported operation is reported here, not in the middle of a chain.
        let (probe, n) = ScriptEnergyEvaluator.probeRows(dimension: d, domain: domain)
        // The probes run E a few times: what E prints there is not the user's output.
        let output = context.session.output
        context.session.output = TextBuffer()
        defer { context.session.output = output }
        evaluator.detectBatching(probe: probe, rows: n, θ: θ)
        do {
            _ = try evaluator.parameterGradient(probe, rows: n, weights: [Double](repeating: 1, count: n), θ: θ)
            _ = try evaluator.inputGradients(probe, rows: n, θ: θ)
        } catch var e as ScriptError {
            e.message = "energy_fn: \(f.name)(x) with x of \(d) entries failed: " + e.message.replacingOccurrences(of: "energy_fn: ", with: "")
            if e.hint == nil { e.hint = "check dim (the width of x) and that \(f.name) returns one number from supported operations (see 'help grad')" }
            throw e
        }
        return .object(UserEnergyValue(energy, evaluator: evaluator))
    }
}
