import COpenBLAS

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
    /// One random stream per batch row (chain).
    let generators: UnsafeMutablePointer<Xoshiro256StarStar>

    init(_ rbm: RestrictedBoltzmannMachine, maxBatch: Int, generators gens: [Xoshiro256StarStar]) {
        precondition(gens.count == maxBatch)
        (D, H, self.maxBatch) = (rbm.visible, rbm.hidden, maxBatch)
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        W = buffer(H * D); b = buffer(H); c = buffer(D)
        vW = buffer(H * D); vb = buffer(H); vc = buffer(D)
        X = buffer(2 * maxBatch * D); P = buffer(2 * maxBatch * H)
        hiddenSamples = buffer(maxBatch * H); persistentHidden = buffer(maxBatch * H)
        generators = UnsafeMutablePointer<Xoshiro256StarStar>.allocate(capacity: maxBatch)
        generators.initialize(from: gens, count: maxBatch)
        load(rbm)
    }

    deinit {
        for p in [W, b, c, vW, vb, vc, X, P, hiddenSamples, persistentHidden] { p.deallocate() }
        generators.deinitialize(count: maxBatch)
        generators.deallocate()
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
        vW.update(repeating: 0, count: H * D)
        vb.update(repeating: 0, count: H)
        vc.update(repeating: 0, count: D)
    }

    var currentGenerators: [Xoshiro256StarStar] { Array(UnsafeBufferPointer(start: generators, count: maxBatch)) }

    // MARK: The phases

    /// Copies rows `order[range]` of the data into X[0..<n].
    func gather(_ data: UnsafePointer<Float>, order: UnsafePointer<Int>, range: Range<Int>) {
        for (r, k) in range.enumerated() {
            (X + r * D).update(from: data + order[k] * D, count: D)
        }
    }

    /// Positive phase: P[0..<n] = p(h = 1 | x) = σ(b + Wx) for the data rows   (003, §13.2).
    func positivePhase(rows n: Int) {
        RBMProducts.xWT(X, rows: n, w: W, hidden: H, visible: D, into: P)
        ElementwiseKernels.sigmoidAddingBias(P, rows: n, columns: H, bias: b)
    }

    /// k block Gibbs steps from the hidden states in `chain` (n × H samples):
    ///
    ///     x̃ ~ p(x | h)   (sampled, into X[n..<2n]),   P[n..<2n] = p(h = 1 | x̃)   (probabilities)
    ///
    /// and, between steps, h ~ p(h | x̃) sampled back into `chain`. After the last step `chain`
    /// holds a fresh sample only if `sampleLastHidden` (the persistent chains need it; CD does not).
    /// Following Hinton's practical guide, the chain itself runs on sampled states, while the
    /// statistics of the update use the probabilities p(h | x̃) of the final step.
    func negativePhase(rows n: Int, k: Int, chain: UnsafeMutablePointer<Float>, sampleLastHidden: Bool) {
        let xNeg = X + n * D, pNeg = P + n * H
        for step in 1...k {
            RBMProducts.hW(chain, rows: n, w: W, hidden: H, visible: D, into: xNeg)
            ElementwiseKernels.sigmoidAddingBias(xNeg, rows: n, columns: D, bias: c)
            ElementwiseKernels.sampleBernoulli(probabilities: xNeg, into: xNeg, rows: n, columns: D, generators: generators)
            RBMProducts.xWT(xNeg, rows: n, w: W, hidden: H, visible: D, into: pNeg)
            ElementwiseKernels.sigmoidAddingBias(pNeg, rows: n, columns: H, bias: b)
            if step < k || sampleLastHidden {
                ElementwiseKernels.sampleBernoulli(probabilities: pNeg, into: chain, rows: n, columns: H, generators: generators)
            }
        }
    }

    /// The update of one minibatch with momentum μ, learning rate ε and weight decay λ:
    ///
    ///     v ← μ v + ε (⟨p(h|x) xᵀ⟩_data − ⟨p(h|x̃) x̃ᵀ⟩_chains − λ W),   W ← W + v
    ///
    /// and likewise for b and c (without decay), ⟨·⟩ being the mean over the n rows. The velocity
    /// buffers hold μ v between updates (scaled at the end of the previous update, in the same
    /// pass that adds v to W), so the gradient product accumulates onto them with beta = 1 and
    /// OpenBLAS needs no separate pass over the H × D buffer for beta. Returns false if a parameter
    /// became NaN or infinite.
    func update(rows n: Int, learningRate: Float, momentum: Float, weightDecay: Float) -> Bool {
        let scale = learningRate / Float(n)
        // P's negative half changes sign so that one product covers both phases.
        let pNeg = P + n * H
        for i in 0..<(n * H) { pNeg[i] = -pNeg[i] }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(H), blasint(D), blasint(2 * n),
                    scale, P, blasint(H), X, blasint(D), 1, vW, blasint(D))
        ElementwiseKernels.columnSums(P, rows: 2 * n, columns: H, alpha: scale, beta: 1, into: vb)
        ElementwiseKernels.columnSums(X, rows: n, columns: D, alpha: scale, beta: 1, into: vc)
        ElementwiseKernels.columnSums(X + n * D, rows: n, columns: D, alpha: -scale, beta: 1, into: vc)
        let decay = learningRate * weightDecay
        var flags: UInt32 = 0
        for i in 0..<(H * D) {
            let v = vW[i] - decay * W[i]
            let w = W[i] + v
            W[i] = w
            vW[i] = momentum * v
            flags |= ElementwiseKernels.nonFiniteFlag(w)
        }
        for j in 0..<H {
            b[j] += vb[j]
            vb[j] *= momentum
            flags |= ElementwiseKernels.nonFiniteFlag(b[j])
        }
        for i in 0..<D {
            c[i] += vc[i]
            vc[i] *= momentum
            flags |= ElementwiseKernels.nonFiniteFlag(c[i])
        }
        return flags == 0
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
    }
}
