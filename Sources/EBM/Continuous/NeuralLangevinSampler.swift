import COpenBLAS
import Glibc

/// Langevin dynamics (ULA or MALA, see `LangevinDynamics`) on a neural energy, with every buffer
/// allocated once and the chains split in two fixed halves that run at once on the calling
/// thread and a helper thread (`RBMHelperThread`), each with single-threaded sgemm.
///
/// Chains never interact, so each half runs whole stretches of steps on its own (its products,
/// its normals, its accept tests) and the two meet only where a snapshot is kept or progress is
/// reported (every `every` and every 50 steps). The split point depends only on the number of
/// chains (a multiple of 64, as in `RBMWorkspace`), never on the number of threads, and chain c
/// draws only from `Xoshiro256StarStar.stream(seed:index: c)`: the results are bit-identical
/// whether the halves run in parallel or one after the other.
final class NeuralLangevinSampler: @unchecked Sendable {
    let dimension: Int
    let maxChains: Int
    private let halves: [Half]
    private var helper: RBMHelperThread?
    /// The settings of the run in progress and the length of the stretch being run.
    private var settings = LangevinSettings()
    private var stretch = 0

    /// One half's chains: states x, proposals y, their energies and gradients, normals z.
    private final class Half {
        let kernel: NeuralEnergyKernel
        var chains = 0..<0
        var x, y, gx, gy, ex, ey, z: UnsafeMutablePointer<Float>
        var generators: [Xoshiro256StarStar] = []
        var accepted = 0
        /// The 64-bit draws of all chains' normals, for an even d (else nil).
        let words: UnsafeMutablePointer<UInt64>?

        init(_ network: MultilayerPerceptron, maxRows: Int) {
            kernel = NeuralEnergyKernel(network, maxRows: maxRows)
            let d = network.inputWidth
            func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(n, 1))
                p.initialize(repeating: 0, count: Swift.max(n, 1))
                return p
            }
            (x, y, gx, gy, z) = (buffer(maxRows * d), buffer(maxRows * d), buffer(maxRows * d), buffer(maxRows * d), buffer(maxRows * d))
            (ex, ey) = (buffer(maxRows), buffer(maxRows))
            words = d % 2 == 0 ? .allocate(capacity: Swift.max(maxRows * d / 2, 1)) : nil
        }

        deinit {
            for p in [x, y, gx, gy, ex, ey, z] { p.deallocate() }
            words?.deallocate()
        }
    }

    /// The first chain of the second half: about the middle, rounded to a multiple of 64; all
    /// chains stay in the first half below 128.
    static func split(chains n: Int) -> Int { n < 128 ? n : (n / 2 + 32) / 64 * 64 }

    init(_ energy: NeuralEnergy, maxChains: Int, parallelism: RBMParallelism = .automatic) {
        dimension = energy.dimension
        self.maxChains = maxChains
        let first = Self.split(chains: maxChains)
        halves = [Half(energy.network, maxRows: first), Half(energy.network, maxRows: Swift.max(maxChains - first, 1))]
        let work = maxChains * NeuralEnergyKernel.multiplyAdds(energy.network.dims)
        let two: Bool
        switch parallelism {
        case .sequential: two = false
        case .twoThreads: two = true
        case .automatic: two = first < maxChains && work >= 1 << 18 && sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2
        }
        if two {
            helper = RBMHelperThread { [unowned(unsafe) self] job in self.perform(job, half: 1) }
        }
    }

    deinit { helper = nil }

    /// New parameters (same widths).
    func load(_ energy: NeuralEnergy) {
        for h in halves { h.kernel.load(energy.network) }
    }

    /// Runs the chains from `start` (chains × d). Stopped by `shouldStop` (polled every 50 steps),
    /// the run keeps the states drawn so far, the state it stopped at last (`finished` false).
    func run(start: [Float], chains: Int, settings: LangevinSettings,
             shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> LangevinRun {
        let d = dimension
        precondition(chains >= 1 && chains <= maxChains && start.count == chains * d, "start must be chains × \(d)")
        let blasThreads = openblas_get_num_threads()
        if blasThreads != 1 { openblas_set_num_threads(1) }
        defer { if blasThreads != 1 { openblas_set_num_threads(blasThreads) } }
        self.settings = settings
        let first = Self.split(chains: chains)
        halves[0].chains = 0..<first
        halves[1].chains = first..<chains
        start.withUnsafeBufferPointer { s in
            for h in halves where !h.chains.isEmpty {
                h.x.update(from: s.baseAddress! + h.chains.lowerBound * d, count: h.chains.count * d)
                h.generators = h.chains.map { Xoshiro256StarStar.stream(seed: settings.seed, index: UInt64($0)) }
                h.accepted = 0
            }
        }
        runBoth(job: 0)
        var snapshots = [(step: 0, states: start)]
        var step = 0, stopped = false
        let steps = settings.steps, every = settings.every
        while step < steps {
            let next = Swift.min(steps, (step / every + 1) * every, (step / 50 + 1) * 50)
            stretch = next - step
            runBoth(job: 1)
            step = next
            if step % every == 0 || step == steps { snapshots.append((step, states(chains: chains))) }
            if step % 50 == 0 {
                progress(step)
                if step < steps && shouldStop() { stopped = true; break }
            }
        }
        if stopped && snapshots.last?.step != step { snapshots.append((step, states(chains: chains))) }
        let accepted = halves.reduce(0) { $0 + $1.accepted }
        var run = LangevinRun(snapshots: snapshots, chains: chains, dimension: d,
                              acceptanceRate: settings.adjusted ? Double(accepted) / Double(Swift.max(chains * step, 1)) : nil)
        run.finished = !stopped
        return run
    }

    private func states(chains: Int) -> [Float] {
        let d = dimension
        var out = [Float](repeating: 0, count: chains * d)
        out.withUnsafeMutableBufferPointer { o in
            for h in halves where !h.chains.isEmpty {
                (o.baseAddress! + h.chains.lowerBound * d).update(from: h.x, count: h.chains.count * d)
            }
        }
        return out
    }

    private func runBoth(job: Int) {
        if let helper {
            helper.run(job: job) { perform(job, half: 0) }
        } else {
            perform(job, half: 0)
            perform(job, half: 1)
        }
    }

    /// Job 0: energies and gradients at the starts; job 1: `stretch` steps.
    private func perform(_ job: Int, half index: Int) {
        let h = halves[index]
        let n = h.chains.count
        guard n > 0 else { return }
        if job == 0 {
            h.kernel.energiesAndGradients(h.x, rows: n, energies: h.ex, gradients: h.gx)
            return
        }
        let d = dimension
        let eps = settings.stepSize, halfEps = eps / 2
        let sigma = eps.squareRoot() * (settings.adjusted ? 1 : settings.noise)
        let adjusted = settings.adjusted
        h.generators.withUnsafeMutableBufferPointer { gens in
            for _ in 0..<stretch {
                if let words = h.words {
                    // Every chain's draws first, then one Box–Muller loop over all of them (the
                    // same values as `fillStandardNormals` per chain, in longer vector runs).
                    let pairs = d / 2
                    for c in 0..<n { for i in 0..<pairs { words[c * pairs + i] = gens[c].next() } }
                    ElementwiseKernels.boxMuller(words, count: n * pairs, into: h.z)
                } else {
                    for c in 0..<n { gens[c].fillStandardNormals(h.z + c * d, count: d) }
                }
                let (x, y, gx, z) = (h.x, h.y, h.gx, h.z)
                ElementwiseKernels.langevinMove(x, gradient: gx, noise: z, halfStep: halfEps, sigma: sigma, into: y, count: n * d)
                h.kernel.energiesAndGradients(y, rows: n, energies: h.ey, gradients: h.gy)
                if adjusted {
                    let (gy, ex, ey) = (h.gy, h.ex, h.ey)
                    for c in 0..<n {
                        // log q(x | y) − log q(y | x), with q(b | a) ∝ exp(−‖b − a + (ε/2)∇E(a)‖² / 2ε)
                        var forward: Float = 0, backward: Float = 0
                        for i in 0..<d {
                            let k = c * d + i
                            let f = y[k] - x[k] + halfEps * gx[k], b = x[k] - y[k] + halfEps * gy[k]
                            forward += f * f
                            backward += b * b
                        }
                        let logAlpha = Double(-ey[c] + ex[c] - (backward - forward) / (2 * eps))
                        if Glibc.log(gens[c].nextUnitDouble()) < logAlpha {
                            h.accepted += 1
                            (x + c * d).update(from: y + c * d, count: d)
                            (gx + c * d).update(from: gy + c * d, count: d)
                            ex[c] = ey[c]
                        }
                    }
                } else {
                    swap(&h.x, &h.y)
                    swap(&h.gx, &h.gy)
                    swap(&h.ex, &h.ey)
                }
            }
        }
    }
}
