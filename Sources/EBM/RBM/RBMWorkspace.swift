import COpenBLAS
import Glibc

/// How the trainer spreads a minibatch update over threads (internal; tests force each mode).
enum RBMParallelism: Sendable {
    /// Two threads when the machine has two or more CPUs and the products are large enough.
    case automatic
    /// Both halves of every phase on the calling thread.
    case sequential
    /// Both halves of every phase at once, on the calling thread and a helper thread.
    case twoThreads
}

/// Every buffer one minibatch update needs, allocated once per `train` call and reused for all
/// batches, so the hot loop allocates nothing. The parameters live here during training (copied
/// in at the start, out at every epoch end) so the loop works on raw pointers only.
///
/// Layout: the positive and negative halves of a batch of n rows are stacked,
///
///     X = [x_data; x̃]   (2n × D),   P = [p(h|x_data); −p(h|x̃)]   (2n × H)
///
/// so that the weight gradient Σ p(h|x) xᵀ − Σ p(h|x̃) x̃ᵀ is the single product PᵀX (K = 2n;
/// measured faster than two products with K = n), accumulated straight into the velocity buffer
/// by sgemm (beta = 1 onto μv, see `update`).
///
/// **Two halves.** Every phase of an update is split into two fixed halves — by hidden units for
/// the hidden products and the W and b updates, by visible units for the reconstruction and the
/// c update, by chains (rows) for the gathering and the sampling — which run at once on the
/// calling thread and a helper thread, each half with a single-threaded sgemm (measured faster
/// than OpenBLAS's own two threads on these small products, and the element-wise work is halved
/// too). Only output columns or rows are split, never a sum, and the split points are multiples
/// of 64 units (sgemm's register tiles fall as in the whole product), so every number is computed
/// exactly as by the whole product or loop: the results do not depend on whether the halves run
/// in parallel or one after the other (nor differ from one whole product per phase), and chain r
/// still draws only from its own stream. A layer of fewer than 96 units stays whole in one half.
final class RBMWorkspace {
    let D: Int, H: Int, maxBatch: Int
    // Parameters and their velocities (momentum).
    let W: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    let vW: UnsafeMutablePointer<Float>, vb: UnsafeMutablePointer<Float>, vc: UnsafeMutablePointer<Float>
    // Batch buffers.
    let X: UnsafeMutablePointer<Float>, P: UnsafeMutablePointer<Float>
    /// Hidden samples of the CD chains (maxBatch × H).
    let hiddenSamples: UnsafeMutablePointer<Float>
    /// Hidden states of the persistent (PCD) chains, one per batch row (maxBatch × H).
    let persistentHidden: UnsafeMutablePointer<Float>
    /// Rows of `persistentHidden` that hold a chain state.
    var persistentRows = 0
    /// The replicas of PT-k training (`ParallelTemperingSampler`), nil for CD and PCD.
    var tempered: TemperedRBMReplicas?
    /// One random stream per batch row (chain).
    let generators: UnsafeMutablePointer<Xoshiro256StarStar>
    /// Whether vW holds only zeros (it does after every update without momentum), so that an
    /// update without momentum or decay can add its gradient product straight onto W.
    private var velocityIsZero = true
    /// Non-finite flags of the two halves' updates, a cache line apart.
    private let flags: UnsafeMutablePointer<UInt32>
    /// Hidden units 0..<hiddenSplit and visible units 0..<visibleSplit belong to half 0.
    private let hiddenSplit: Int, visibleSplit: Int
    private var helper: RBMHelperThread?
    private var allocations: [UnsafeMutableRawPointer] = []

    /// The minibatch being processed, read by both halves of every phase.
    private struct Batch {
        var rows = 0
        var data: UnsafePointer<Float>?
        var order: UnsafePointer<Int>?
        var first = 0
        var chain: UnsafeMutablePointer<Float>?
        var sampleFrom = 0
        var learningRate: Float = 0
        var momentum: Float = 0
        var weightDecay: Float = 0
        /// W += ε⟨…⟩ by sgemm onto W itself (no momentum, no decay, vW zero).
        var ontoWeights = false
    }
    private var batch = Batch()

    private enum Phase: Int {
        case gather, positiveHidden, startChains, reconstruct, sampleVisible, negativeHidden, sampleHidden,
             update, negativeHiddenAndUpdate
    }

    init(_ rbm: RestrictedBoltzmannMachine, maxBatch: Int, generators gens: [Xoshiro256StarStar],
         parallelism: RBMParallelism = .automatic) {
        precondition(gens.count == maxBatch)
        (D, H, self.maxBatch) = (rbm.visible, rbm.hidden, maxBatch)
        (hiddenSplit, visibleSplit) = (RBMHelperThread.split(H), RBMHelperThread.split(D))
        var allocations: [UnsafeMutableRawPointer] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
            allocations.append(raw)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: n)
        }
        W = buffer(H * D); b = buffer(H); c = buffer(D)
        vW = buffer(H * D); vb = buffer(H); vc = buffer(D)
        X = buffer(2 * maxBatch * D); P = buffer(2 * maxBatch * H)
        hiddenSamples = buffer(maxBatch * H); persistentHidden = buffer(maxBatch * H)
        let flagBuffer = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
        allocations.append(flagBuffer)
        flags = flagBuffer.initializeMemory(as: UInt32.self, repeating: 0, count: 32)
        self.allocations = allocations
        generators = UnsafeMutablePointer<Xoshiro256StarStar>.allocate(capacity: maxBatch)
        generators.initialize(from: gens, count: maxBatch)
        load(rbm)
        let splits = (1..<H).contains(hiddenSplit) || (1..<D).contains(visibleSplit)
        if Self.useTwoThreads(parallelism, work: maxBatch * H * D, split: splits) {
            helper = RBMHelperThread { [unowned(unsafe) self] job in self.run(Phase(rawValue: job)!, half: 1) }
        }
    }

    deinit {
        helper = nil   // stops and joins the thread before the buffers go
        for p in allocations { p.deallocate() }
        generators.deinitialize(count: maxBatch)
        generators.deallocate()
    }

    /// Two threads pay off from about 2¹⁸ multiply-adds per product (where OpenBLAS itself would
    /// start using threads), when a layer is split at all (96 units or more).
    private static func useTwoThreads(_ p: RBMParallelism, work: Int, split: Bool) -> Bool {
        switch p {
        case .sequential: return false
        case .twoThreads: return true
        case .automatic: return split && work >= 1 << 18 && sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2
        }
    }

    func load(_ rbm: RestrictedBoltzmannMachine) {
        W.update(from: rbm.W, count: H * D)
        b.update(from: rbm.b, count: H)
        c.update(from: rbm.c, count: D)
    }

    var machine: RestrictedBoltzmannMachine {
        RestrictedBoltzmannMachine(W: Array(UnsafeBufferPointer(start: W, count: H * D)),
                                   b: Array(UnsafeBufferPointer(start: b, count: H)),
                                   c: Array(UnsafeBufferPointer(start: c, count: D)))
    }

    /// After divergence: no persistent chains, zero velocities.
    func forgetState() {
        persistentRows = 0
        tempered = nil
        vW.update(repeating: 0, count: H * D)
        vb.update(repeating: 0, count: H)
        vc.update(repeating: 0, count: D)
        velocityIsZero = true
    }

    var currentGenerators: [Xoshiro256StarStar] { Array(UnsafeBufferPointer(start: generators, count: maxBatch)) }

    // MARK: One minibatch

    /// One update on the rows `order[range]` of `data` (rows of D floats) by `sampler`
    /// (003, §13.2; Hinton's practical guide for which states are sampled):
    ///
    ///     positive phase   P[0..<n] = p(h = 1 | x) = σ(b + Wx) for the data rows
    ///     chains           CD: h⁰ ~ p(h | x_data), sampled from P[0..<n];
    ///                      PCD: the persistent chains, any new one started the same way
    ///     negative phase   k block Gibbs steps: x̃ ~ p(x | h) (sampled, into X[n..<2n]) and
    ///                      P[n..<2n] = p(h = 1 | x̃) (probabilities); between steps, and after the
    ///                      last one for PCD, h ~ p(h | x̃) is sampled back into the chain. The
    ///                      chains run on sampled states; the update uses the probabilities of
    ///                      the final step.
    ///     update           with momentum μ, learning rate ε and weight decay λ,
    ///                      v ← μ v + ε (⟨p(h|x) xᵀ⟩_data − ⟨p(h|x̃) x̃ᵀ⟩_chains − λ W),   W ← W + v
    ///                      and likewise for b and c (without decay), ⟨·⟩ the mean over the n rows.
    ///
    /// The velocity buffers hold μ v between updates (scaled at the end of the previous update,
    /// in the same pass that adds v to W), so the gradient product accumulates onto them with
    /// beta = 1 and OpenBLAS needs no separate pass over the H × D buffer for beta. Returns false
    /// if a parameter became NaN or infinite.
    func update(data: UnsafePointer<Float>, order: UnsafePointer<Int>, range: Range<Int>,
                sampler: any NegativePhaseSampler, learningRate: Float, momentum: Float, weightDecay: Float) -> Bool {
        if let pt = sampler as? ParallelTemperingSampler {
            return temperedUpdate(data: data, order: order, range: range, sampler: pt, learningRate: learningRate,
                                  momentum: momentum, weightDecay: weightDecay)
        }
        let n = range.count
        begin(data: data, order: order, range: range, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        if sampler.persistentChains {
            batch.chain = persistentHidden
            batch.sampleFrom = Swift.min(persistentRows, n)
            persistentRows = Swift.max(persistentRows, n)
        } else {
            batch.chain = hiddenSamples
            batch.sampleFrom = 0
        }

        runBoth(.gather)
        runBoth(.positiveHidden)
        if batch.sampleFrom < n { runBoth(.startChains) }
        let k = sampler.k
        for step in 1...k {
            runBoth(.reconstruct)
            runBoth(.sampleVisible)
            if step == k && !sampler.persistentChains {
                runBoth(.negativeHiddenAndUpdate)
            } else {
                runBoth(.negativeHidden)
                runBoth(.sampleHidden)
                if step == k { runBoth(.update) }
            }
        }
        return flags[0] | flags[16] == 0
    }

    /// The positive phase of the rows `order[range]`, the negative hidden probabilities of the
    /// chain states already in X[n..<2n], and the update (the tail of `update`, for samplers
    /// that draw x̃ themselves, like PT-k).
    func negativePhaseFromChains(data: UnsafePointer<Float>, order: UnsafePointer<Int>, range: Range<Int>,
                                 learningRate: Float, momentum: Float, weightDecay: Float) -> Bool {
        begin(data: data, order: order, range: range, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        batch.chain = hiddenSamples
        batch.sampleFrom = range.count
        runBoth(.gather)
        runBoth(.positiveHidden)
        runBoth(.negativeHidden)
        runBoth(.update)
        return flags[0] | flags[16] == 0
    }

    /// Sets up the minibatch `order[range]` of `data` for both halves, with the update's
    /// settings, and clears the halves' non-finite flags (both `update` and
    /// `negativePhaseFromChains` start so).
    private func begin(data: UnsafePointer<Float>, order: UnsafePointer<Int>, range: Range<Int>,
                       learningRate: Float, momentum: Float, weightDecay: Float) {
        precondition(range.count >= 1 && range.count <= maxBatch)
        batch.rows = range.count
        batch.data = data
        batch.order = order
        batch.first = range.lowerBound
        batch.learningRate = learningRate
        batch.momentum = momentum
        batch.weightDecay = weightDecay
        batch.ontoWeights = momentum == 0 && weightDecay == 0 && velocityIsZero
        velocityIsZero = momentum == 0   // an update without momentum leaves vW zero
        flags[0] = 0
        flags[16] = 0
    }

    /// Runs both halves of `phase`: at once on two threads, or one after the other.
    private func runBoth(_ phase: Phase) {
        if let helper {
            helper.run(job: phase.rawValue) { run(phase, half: 0) }
        } else {
            run(phase, half: 0)
            run(phase, half: 1)
        }
    }

    private func rows(_ half: Int) -> Range<Int> {
        half == 0 ? 0..<(batch.rows / 2) : (batch.rows / 2)..<batch.rows
    }
    private func hiddenUnits(_ half: Int) -> Range<Int> { half == 0 ? 0..<hiddenSplit : hiddenSplit..<H }
    private func visibleUnits(_ half: Int) -> Range<Int> { half == 0 ? 0..<visibleSplit : visibleSplit..<D }

    private func run(_ phase: Phase, half: Int) {
        let n = batch.rows
        let chain = batch.chain!
        switch phase {
        case .gather:
            let data = batch.data!, order = batch.order!
            for r in rows(half) {
                (X + r * D).update(from: data + order[batch.first + r] * D, count: D)
            }
        case .positiveHidden:
            hiddenProbabilities(of: X, into: P, half: half, negate: false)
        case .startChains:
            let r = rows(half).clamped(to: batch.sampleFrom..<n)
            ElementwiseKernels.sampleBernoulli(probabilities: P, stride: H, into: chain, stride: H, rows: r,
                                               columns: H, generators: generators)
        case .reconstruct:
            // p(x = 1 | h) = σ(c + hW) for this half's visible units, into X[n..<2n].
            let units = visibleUnits(half)
            let xNeg = X + n * D
            if !units.isEmpty {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(units.count), blasint(H),
                            1, chain, blasint(H), W + units.lowerBound, blasint(D), 0, xNeg + units.lowerBound, blasint(D))
                ElementwiseKernels.sigmoidAddingBias(xNeg, rows: n, columns: units, stride: D, bias: c, negate: false)
            }
        case .sampleVisible:
            let xNeg = X + n * D
            ElementwiseKernels.sampleBernoulli(probabilities: xNeg, stride: D, into: xNeg, stride: D, rows: rows(half),
                                               columns: D, generators: generators)
        case .negativeHidden:
            hiddenProbabilities(of: X + n * D, into: P + n * H, half: half, negate: false)
        case .sampleHidden:
            ElementwiseKernels.sampleBernoulli(probabilities: P + n * H, stride: H, into: chain, stride: H,
                                               rows: rows(half), columns: H, generators: generators)
        case .update:
            // P[n..<2n] still holds +p(h|x̃) (the chains were sampled from it): change its sign.
            let pNeg = P + n * H
            let units = hiddenUnits(half)
            for r in 0..<n {
                let row = pNeg + r * H
                for j in units { row[j] = -row[j] }
            }
            updateParameters(half: half)
        case .negativeHiddenAndUpdate:
            hiddenProbabilities(of: X + n * D, into: P + n * H, half: half, negate: true)
            updateParameters(half: half)
        }
    }

    /// out[:, units] = ±σ(b + x Wᵀ) = ±p(h = 1 | x) for this half's hidden units.
    private func hiddenProbabilities(of x: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                     half: Int, negate: Bool) {
        let units = hiddenUnits(half)
        guard !units.isEmpty else { return }
        let n = batch.rows
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(units.count), blasint(D),
                    1, x, blasint(D), W + units.lowerBound * D, blasint(D), 0, out + units.lowerBound, blasint(H))
        ElementwiseKernels.sigmoidAddingBias(out, rows: n, columns: units, stride: H, bias: b, negate: negate)
    }

    /// The update (see `update`) of this half's rows of W and entries of b, and of its visible
    /// units' entries of c. It reads only this half's columns of P, and X, complete by now.
    private func updateParameters(half: Int) {
        let n = batch.rows
        let hidden = hiddenUnits(half), visible = visibleUnits(half)
        let scale = batch.learningRate / Float(n)
        let decay = batch.learningRate * batch.weightDecay, momentum = batch.momentum
        // Without momentum or decay, W += ε⟨…⟩ needs no velocity: sgemm adds onto W directly
        // (its αAB + C rounds once), and one read-only pass checks W. The read-and-write pass
        // over W and vW below cost 1–2% of a Fashion-MNIST epoch on a quiet machine, about 8%
        // when the memory system was contended.
        let target = batch.ontoWeights ? W : vW
        if !hidden.isEmpty {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(hidden.count), blasint(D), blasint(2 * n),
                        scale, P + hidden.lowerBound, blasint(H), X, blasint(D), 1, target + hidden.lowerBound * D, blasint(D))
        }
        ElementwiseKernels.columnSums(P, rows: 2 * n, columns: hidden, stride: H, alpha: scale, beta: 1, into: vb)
        ElementwiseKernels.columnSums(X, rows: n, columns: visible, stride: D, alpha: scale, beta: 1, into: vc)
        ElementwiseKernels.columnSums(X + n * D, rows: n, columns: visible, stride: D, alpha: -scale, beta: 1, into: vc)
        var nonFinite: UInt32 = 0
        let weights = (hidden.lowerBound * D)..<(hidden.upperBound * D)
        if batch.ontoWeights {
            nonFinite = ElementwiseKernels.nonFiniteFlag(W + weights.lowerBound, count: weights.count)
        } else if decay == 0 && momentum == 0 {
            // The same numbers with fewer operations (about a third less time in this loop).
            for i in weights {
                let w = W[i] + vW[i]
                W[i] = w
                vW[i] = 0
                nonFinite |= ElementwiseKernels.nonFiniteFlag(w)
            }
        } else {
            for i in weights {
                let v = vW[i] - decay * W[i]
                let w = W[i] + v
                W[i] = w
                vW[i] = momentum * v
                nonFinite |= ElementwiseKernels.nonFiniteFlag(w)
            }
        }
        for j in hidden {
            b[j] += vb[j]
            vb[j] *= momentum
            nonFinite |= ElementwiseKernels.nonFiniteFlag(b[j])
        }
        for i in visible {
            c[i] += vc[i]
            vc[i] *= momentum
            nonFinite |= ElementwiseKernels.nonFiniteFlag(c[i])
        }
        flags[16 * half] = nonFinite
    }

    /// The velocities (holding μ v), to carry momentum from one `train` call to the next.
    var velocities: [Float] {
        Array(UnsafeBufferPointer(start: vW, count: H * D)) + Array(UnsafeBufferPointer(start: vb, count: H))
            + Array(UnsafeBufferPointer(start: vc, count: D))
    }

    func setVelocities(_ v: [Float]) {
        guard v.count == H * D + H + D else { return }
        v.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            vW.update(from: base, count: H * D)
            vb.update(from: base + H * D, count: H)
            vc.update(from: base + H * D + H, count: D)
        }
        velocityIsZero = v.prefix(H * D).allSatisfy { $0 == 0 }
    }
}
