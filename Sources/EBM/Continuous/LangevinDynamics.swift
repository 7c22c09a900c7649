import Glibc

/// Langevin dynamics on an energy (003 §13.1: "sample approximately from p_θ using Langevin
/// dynamics"), many chains at once:
///
///     unadjusted (ULA):  x ← x − (ε/2) ∇ₓE(x) + √ε · noise · z,   z ~ N(0, I)
///     adjusted (MALA):   the same move as a proposal y, accepted with probability
///                        min(1, e^(−E(y) + E(x)) q(x | y) / q(y | x)),  q(y | x) = N(y; x − (ε/2)∇E(x), εI)
///
/// ULA is biased by O(ε); MALA's accept step removes the bias, and its acceptance rate says
/// whether ε suits the energy. Chain c draws only from `stream(seed:index: c)`.
public struct LangevinSettings: Sendable {
    public var steps = 1000
    /// ε.
    public var stepSize: Float = 0.01
    /// Scale of the injected noise (1 = Langevin; Du and Mordatch use less, which is no longer
    /// sampling p but is the practical choice for training; ignored by MALA, which needs 1).
    public var noise: Float = 1
    public var adjusted = false
    /// Keep the states every this many steps (the start is always kept).
    public var every = 100
    public var seed: UInt64 = 0
    public init() {}
}

public struct LangevinRun: Sendable {
    /// The kept states, each chains × d, with the step they were taken at.
    public var snapshots: [(step: Int, states: [Float])]
    public var chains: Int
    public var dimension: Int
    /// MALA: accepted proposals / proposals, over all chains and steps.
    public var acceptanceRate: Double?
    /// False when the run was stopped (Ctrl-C) before its last step: the snapshots are those so far.
    public var finished = true
    public var final: [Float] { snapshots.last?.states ?? [] }

    public init(snapshots: [(step: Int, states: [Float])], chains: Int, dimension: Int, acceptanceRate: Double?) {
        (self.snapshots, self.chains, self.dimension, self.acceptanceRate) = (snapshots, chains, dimension, acceptanceRate)
    }
}

/// Langevin chains as a `MarkovChain`, so that the snapshot loop (and what an interrupted run
/// keeps) is the one every sampler shares. One step is the ULA move, or MALA's proposal and
/// accept/reject, for every chain; chain c draws only from `stream(seed:index: c)`.
public struct LangevinChain: MarkovChain {
    public let energy: any ContinuousEnergy
    public let chains: Int
    public let settings: LangevinSettings
    public private(set) var stepsTaken = 0
    /// The chains' points, chains × d.
    public private(set) var x: [Float]
    private var E: [Float], G: [Float]
    private var generators: [Xoshiro256StarStar]
    private var z: [Float]
    private(set) var accepted = 0, proposed = 0

    public init(_ energy: any ContinuousEnergy, start: [Float], chains: Int, settings: LangevinSettings) {
        let d = energy.dimension
        precondition(start.count == chains * d && chains >= 1, "start must be chains × \(d)")
        precondition(settings.stepSize > 0 && settings.steps >= 0 && settings.every >= 1, "ε > 0, steps ≥ 0, every ≥ 1")
        (self.energy, self.chains, self.settings, self.x) = (energy, chains, settings, start)
        generators = (0..<chains).map { Xoshiro256StarStar.stream(seed: settings.seed, index: UInt64($0)) }
        (E, G) = energy.energiesAndGradients(start, rows: chains)
        z = [Float](repeating: 0, count: chains * d)
    }

    /// MALA: accepted proposals / proposals so far; nil for ULA.
    public var acceptanceRate: Double? { settings.adjusted ? Double(accepted) / Double(max(proposed, 1)) : nil }

    public var snapshot: ChainSnapshot {
        let t = Tensor(shape: [chains, energy.dimension], scalars: x)
        return ChainSnapshot(step: stepsTaken, samples: t, probabilities: t)
    }

    public mutating func advance() {
        let d = energy.dimension
        let eps = settings.stepSize
        let sigma = eps.squareRoot() * (settings.adjusted ? 1 : settings.noise)
        for c in 0..<chains { generators[c].fillStandardNormal(&z, from: c * d, count: d) }
        var y = x
        for k in 0..<(chains * d) { y[k] = x[k] - eps / 2 * G[k] + sigma * z[k] }
        let (Ey, Gy) = energy.energiesAndGradients(y, rows: chains)
        if settings.adjusted {
            for c in 0..<chains {
                // log q(x | y) − log q(y | x), with q(b | a) ∝ exp(−‖b − a + (ε/2)∇E(a)‖² / 2ε)
                var forward: Float = 0, backward: Float = 0
                for i in 0..<d {
                    let k = c * d + i
                    let f = y[k] - x[k] + eps / 2 * G[k], b = x[k] - y[k] + eps / 2 * Gy[k]
                    forward += f * f
                    backward += b * b
                }
                let logAlpha = Double(-Ey[c] + E[c] - (backward - forward) / (2 * eps))
                proposed += 1
                if log(generators[c].nextUnitDouble()) < logAlpha {
                    accepted += 1
                    for i in 0..<d { x[c * d + i] = y[c * d + i]; G[c * d + i] = Gy[c * d + i] }
                    E[c] = Ey[c]
                }
            }
        } else {
            (x, E, G) = (y, Ey, Gy)
        }
        stepsTaken += 1
    }
}

public enum LangevinDynamics {
    /// Runs the chains from `start` (chains × d) through the shared snapshot loop. Stopped by
    /// `shouldStop`, the run keeps the states drawn so far (`finished` false).
    public static func run(_ energy: any ContinuousEnergy, start: [Float], chains: Int, settings: LangevinSettings,
                           shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> LangevinRun {
        if let neural = energy as? NeuralEnergy, NeuralEnergyKernel.supports(neural.network) {
            // The fused, allocation-free path on two threads (same moves, float32 normals); it
            // keeps a stopped run's states the same way.
            let d = energy.dimension
            precondition(start.count == chains * d && chains >= 1, "start must be chains × \(d)")
            precondition(settings.stepSize > 0 && settings.steps >= 0 && settings.every >= 1, "ε > 0, steps ≥ 0, every ≥ 1")
            return NeuralLangevinSampler(neural, maxChains: chains)
                .run(start: start, chains: chains, settings: settings, shouldStop: shouldStop, progress: progress)
        }
        var chain = LangevinChain(energy, start: start, chains: chains, settings: settings)
        let run = chain.run(steps: settings.steps, every: settings.every, progressEvery: 50, shouldStop: shouldStop, progress: progress)
        var result = LangevinRun(snapshots: run.snapshots.map { ($0.step, $0.samples.scalars) }, chains: chains,
                                 dimension: energy.dimension, acceptanceRate: chain.acceptanceRate)
        result.finished = run.finished
        return result
    }

    /// Per dimension: the mean and standard deviation over chains of `states` (chains × d), with
    /// their standard errors (chains independent): SE(mean) = s/√n, SE(s) ≈ s/√(2(n − 1)).
    public static func moments(_ states: [Float], chains n: Int, dimension d: Int)
        -> (mean: [Double], meanSE: [Double], std: [Double], stdSE: [Double]) {
        var mean = [Double](repeating: 0, count: d), std = [Double](repeating: 0, count: d)
        for c in 0..<n { for i in 0..<d { mean[i] += Double(states[c * d + i]) / Double(n) } }
        for c in 0..<n { for i in 0..<d { let u = Double(states[c * d + i]) - mean[i]; std[i] += u * u } }
        std = std.map { ($0 / Double(max(n - 1, 1))).squareRoot() }
        return (mean, std.map { $0 / Double(n).squareRoot() }, std, std.map { $0 / (2 * Double(max(n - 1, 1))).squareRoot() })
    }
}
