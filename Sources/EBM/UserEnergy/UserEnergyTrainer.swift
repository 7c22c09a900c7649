import Glibc

/// How a user energy's trainer estimates the negative phase E_p[∇θE] of 000 eq 18.4.
public enum UserEnergyNegativePhase: Sendable, Equatable, CustomStringConvertible {
    /// Σₓ p(x)∇θE(x) over all 2ᵈ states.
    case exact
    /// k single-site Gibbs sweeps from the minibatch (003 Algorithm 1, CD-k).
    case contrastiveDivergence(sweeps: Int)
    /// k sweeps of persistent Gibbs chains (Tieleman 2008).
    case persistent(sweeps: Int)
    /// k Langevin steps of persistent chains started from N(0, I) (003 §13.1; Du and Mordatch 2019).
    case langevin(steps: Int, stepSize: Float, noise: Float)

    public var description: String {
        switch self {
        case .exact: return "exact"
        case .contrastiveDivergence(let k): return "CD-\(k)"
        case .persistent(let k): return "PCD-\(k)"
        case .langevin(let k, let eps, let noise): return "Langevin ML, \(k) steps of ε \(settingText(eps)), noise \(settingText(noise))"
        }
    }
}

public struct UserEnergyTrainingOptions: TrainerSettings, Equatable {
    /// The real-valued settings as given (lr…), compared exactly when a call may continue.
    public var given: [String: Double] = [:]
    public var negativePhase: UserEnergyNegativePhase = .contrastiveDivergence(sweeps: 1)
    /// ε of θ ← θ + ε ∇θ (1/n)Σ log p(xᵢ).
    public var learningRate: Double = 0.1
    public var batchSize = 100
    public var epochs = 10
    public var seed: UInt64 = 0
    public init() {}

    public func continues(_ previous: UserEnergyTrainingOptions) -> Bool {
        var a = self, b = previous
        a.epochs = 0; b.epochs = 0
        a.given = [:]; b.given = [:]
        return a == b
    }

    public var summary: String {
        "\(negativePhase), lr \(settingText(learningRate)), batch \(batchSize), seed \(seed)"
    }
}

/// Gradient ascent on the mean log-likelihood of a user energy (000 eq 18.4):
///
///     θ ← θ + ε ( −E_data[∇θE] + E_p[∇θE] )
///
/// with ∇θE from the tape and the negative phase exact or from chains. History per epoch: loglik
/// (exact when the domain is binary and d ≤ 16), energy_gap = E_data[E] − E_samples[E] (the
/// contrastive gap; exact: against E_p[E]), grad_norm.
public struct UserEnergyTrainer: ModelTrainer {
    public typealias Model = UserEnergy
    public var settings: UserEnergyTrainingOptions
    public private(set) var history: TrainingHistory
    public private(set) var completed = 0
    public var length: Int
    var persistent: [Double]?
    /// The last update's minibatch and negative samples (see `NegativeSampleRecording`).
    public private(set) var lastNegativePhase: NegativePhaseSamples?
    var shuffle: Xoshiro256StarStar
    var chainSeed: UInt64

    public static let historyColumns: [TrainingHistory.Column] = [
        .init(name: "loglik", title: "loglik", digits: 6),
        .init(name: "energy_gap", title: "energy_gap", digits: 5),
        .init(name: "grad_norm", title: "grad_norm", digits: 5),
    ]

    public init(options: UserEnergyTrainingOptions) {
        settings = options
        length = options.epochs
        history = TrainingHistory(unit: .epoch, columns: Self.historyColumns)
        shuffle = Xoshiro256StarStar(seed: options.seed)
        chainSeed = options.seed &+ 1
    }

    /// One update's direction ∇θ (1/n)Σ log p(xᵢ) on the minibatch `X` (n × d, flat), and the
    /// contrastive gap E_data[E] − E_samples[E] (exact: against E_p[E]). The minibatch and its
    /// negative samples become `lastNegativePhase` (nil for the exact phase), so the update can be
    /// checked against one written by hand.
    public mutating func ascentDirection(_ model: UserEnergy, batch X: [Double], rows n: Int) throws -> (gradient: [Double], gap: Double) {
        let d = model.dimension
        let positive = try model.meanEnergyGradient(X, rows: n)
        let dataEnergy = try model.evaluator.energies(X, rows: n, θ: model.θ).reduce(0, +) / Double(n)
        var negative: [Double]
        var sampleEnergy: Double
        switch settings.negativePhase {
        case .exact:
            lastNegativePhase = nil
            negative = try model.modelExpectationOfEnergyGradient()
            let negE = try model.allNegativeEnergies()
            let logZ = logSumExp(negE)
            sampleEnergy = negE.reduce(0) { $0 - exp($1 - logZ) * $1 }
        case .contrastiveDivergence(let k), .persistent(let k):
            var chain: UserEnergyGibbsChain
            let seed = chainSeed
            chainSeed &+= 1
            if case .persistent = settings.negativePhase, let p = persistent, p.count == n * d {
                chain = UserEnergyGibbsChain(model, count: n, seed: seed, start: .data(Tensor(shape: [n, d], scalars: p.map(Float.init))))
            } else if case .persistent = settings.negativePhase {
                chain = UserEnergyGibbsChain(model, count: n, seed: seed, start: .random)
            } else {
                chain = UserEnergyGibbsChain(model, count: n, seed: seed, start: .data(Tensor(shape: [n, d], scalars: X.map(Float.init))))
            }
            for _ in 0..<k { chain.advance() }
            if let e = model.evaluator.takeError() { throw e }
            persistent = chain.states
            keepNegativePhase(X, samples: chain.states, rows: n, dimension: d)
            negative = try model.meanEnergyGradient(chain.states, rows: n)
            sampleEnergy = try model.evaluator.energies(chain.states, rows: n, θ: model.θ).reduce(0, +) / Double(n)
        case .langevin(let k, let eps, let noise):
            var start: [Float]
            if let p = persistent, p.count == n * d { start = p.map(Float.init) } else {
                var g = Xoshiro256StarStar(seed: chainSeed)
                start = g.standardNormals(n * d)
            }
            var ls = LangevinSettings()
            ls.steps = k; ls.stepSize = eps; ls.noise = noise; ls.every = Swift.max(k, 1); ls.seed = chainSeed
            chainSeed &+= 1
            let run = LangevinDynamics.run(UserContinuousEnergy(energy: model), start: start, chains: n, settings: ls)
            if let e = model.evaluator.takeError() { throw e }
            let samples = run.final.map(Double.init)
            // E was finite on the data, so chains that left the finite numbers took too large steps.
            guard samples.allSatisfy(\.isFinite) else { throw LangevinChainsDiverged(stepSize: eps) }
            persistent = samples
            keepNegativePhase(X, samples: samples, rows: n, dimension: d)
            negative = try model.meanEnergyGradient(samples, rows: n)
            sampleEnergy = try model.evaluator.energies(samples, rows: n, θ: model.θ).reduce(0, +) / Double(n)
        }
        return (zip(positive, negative).map { -$0 + $1 }, dataEnergy - sampleEnergy)
    }

    private mutating func keepNegativePhase(_ X: [Double], samples: [Double], rows n: Int, dimension d: Int) {
        lastNegativePhase = NegativePhaseSamples(data: Tensor(shape: [n, d], scalars: X.map(Float.init)),
                                                 samples: Tensor(shape: [n, d], scalars: samples.map(Float.init)), step: completed + 1)
    }

    public mutating func train(_ model: inout UserEnergy, on data: Tensor, shouldStop: () -> Bool,
                               progress: (TrainingProgress) -> Void) -> TrainingOutcome {
        let d = model.dimension
        let N = data.count / Swift.max(d, 1)
        let batch = Swift.max(1, Swift.min(settings.batchSize, N))
        let batches = (N + batch - 1) / batch
        var guardian = DivergenceGuard(model, step: completed)
        let X = data.scalars.map(Double.init)
        let start = completed
        for epoch in (start + 1)...(start + Swift.max(length, 1)) where length > 0 {
            var order = Array(0..<N)
            order.shuffle(using: &shuffle)
            var gapSum = 0.0, normSum = 0.0
            for b in 0..<batches {
                if shouldStop() { return .stopped(step: epoch, unit: .epoch, batch: b, batches: batches) }
                let rows = order[(b * batch)..<Swift.min(N, (b + 1) * batch)]
                var Xb: [Double] = []
                Xb.reserveCapacity(rows.count * d)
                for r in rows { Xb += X[(r * d)..<((r + 1) * d)] }
                let step: (gradient: [Double], gap: Double)
                do { step = try ascentDirection(model, batch: Xb, rows: rows.count) } catch {
                    // Ctrl-C inside E: stop as between minibatches, keeping the epochs so far.
                    if shouldStop() {
                        lastNegativePhase = nil
                        return .stopped(step: epoch, unit: .epoch, batch: b, batches: batches)
                    }
                    model = guardian.lastGood
                    lastNegativePhase = nil
                    if let chains = error as? LangevinChainsDiverged {
                        return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: b + 1, batches: batches, what: "a Langevin chain",
                                                            restoredStep: guardian.lastGoodStep, setting: "step_size", value: Double(chains.stepSize)))
                    }
                    model.evaluator.record(error)
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: b + 1, batches: batches, what: "an energy",
                                                        restoredStep: guardian.lastGoodStep, setting: "lr", value: settings.learningRate))
                }
                for k in model.θ.indices { model.θ[k] += settings.learningRate * step.gradient[k] }
                gapSum += step.gap
                normSum += step.gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if !DivergenceGuard<UserEnergy>.allFinite(model.θ) || !step.gap.isFinite {
                    model = guardian.lastGood
                    lastNegativePhase = nil
                    return .diverged(TrainingDivergence(unit: .epoch, step: epoch, batch: b + 1, batches: batches,
                                                        what: step.gap.isFinite ? "a parameter" : "an energy",
                                                        restoredStep: guardian.lastGoodStep, setting: "lr", value: settings.learningRate))
                }
                progress(TrainingProgress(done: (epoch - start - 1) * batches + b + 1, total: length * batches, step: epoch))
            }
            if shouldStop() { return .stopped(step: epoch, unit: .epoch, batch: batches, batches: batches) }
            var row: [String: Double] = ["energy_gap": gapSum / Double(batches), "grad_norm": normSum / Double(batches)]
            if model.domain == .binary && d <= 16, let logZ = try? model.logPartitionFunction() {
                let e = model.energies(X, rows: N)
                row["loglik"] = -e.reduce(0, +) / Double(N) - logZ
            }
            if row.values.contains(where: { !$0.isFinite }) {
                // Ctrl-C inside E while the monitors ran: the epoch's updates stand, unrecorded.
                if shouldStop() { return .stopped(step: epoch, unit: .epoch, batch: batches, batches: batches) }
                model = guardian.lastGood
                lastNegativePhase = nil
                return .diverged(TrainingDivergence(unit: .epoch, step: epoch, what: "a monitor",
                                                    restoredStep: guardian.lastGoodStep, setting: "lr", value: settings.learningRate))
            }
            history.append(step: epoch, row)
            completed = epoch
            guardian.commit(model, step: epoch, parameters: model.θ)
            progress(TrainingProgress(done: (epoch - start) * batches, total: length * batches, step: epoch,
                                      status: "epoch \(epoch): " + row.keys.sorted().map { "\($0) \(settingText(row[$0] ?? 0, digits: 4))" }.joined(separator: ", ")))
        }
        return .completed(step: completed)
    }
}

extension UserEnergyTrainer: NegativeSampleRecording {}


/// Langevin chains of the negative phase that became NaN or infinite: the step size, not the
/// learning rate, is what to lower.
struct LangevinChainsDiverged: Error {
    let stepSize: Float
}
