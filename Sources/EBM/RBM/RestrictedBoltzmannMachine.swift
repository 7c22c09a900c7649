import COpenBLAS
import Glibc

/// A restricted Boltzmann machine over binary visible units x ∈ {0,1}^D and binary hidden units
/// h ∈ {0,1}^H, with the energy of 003, §13.2:
///
///     E(x, h) = −hᵀWx − cᵀx − bᵀh,   p(x, h) = e^(−E(x, h)) / Z
///
/// W is H × D (row j holds the weights W_j into hidden unit j), b is the hidden bias (H) and c
/// the visible bias (D). Parameters are float32, the working precision of training; exact
/// quantities (log Z, likelihoods, gradients) are computed from them in float64.
///
/// The unit type of each layer is a parameter of the model (`UnitLayer`, after
/// RestrictedBoltzmannMachines.jl's `src/layers/`): the conditionals, samples and free energy go
/// through `visibleUnits` and `hiddenUnits`. Both are `BinaryUnits` today; a Gaussian visible
/// layer is a new `UnitLayer` conformance, not a new model.
public struct RestrictedBoltzmannMachine: Sendable, Equatable {
    /// D, the number of visible units.
    public let visible: Int
    /// H, the number of hidden units.
    public let hidden: Int
    /// W, H × D, row-major: `W[j * visible + i]` couples hidden unit j and visible unit i.
    public var W: [Float]
    /// b, the hidden bias (H).
    public var b: [Float]
    /// c, the visible bias (D).
    public var c: [Float]
    /// The unit type of x.
    public var visibleUnits: any UnitLayer = BinaryUnits()
    /// The unit type of h.
    public var hiddenUnits: any UnitLayer = BinaryUnits()

    /// True when both layers are binary: the trainer's fused kernels, AIS and exact enumeration
    /// are written for binary layers.
    public var isBinary: Bool { visibleUnits is BinaryUnits && hiddenUnits is BinaryUnits }

    public static func == (a: Self, b: Self) -> Bool {
        a.W == b.W && a.b == b.b && a.c == b.c
            && a.visibleUnits.name == b.visibleUnits.name && a.hiddenUnits.name == b.hiddenUnits.name
    }

    /// A fresh machine: W_ji ~ N(0, initScale²) from `seed`, biases 0 (Hinton's practical guide
    /// suggests initScale = 0.01).
    public init(visible: Int, hidden: Int, seed: UInt64, initScale: Float = 0.01) {
        precondition(visible >= 1 && hidden >= 1, "an RBM needs at least one visible and one hidden unit")
        var g = Xoshiro256StarStar(seed: seed)
        var w = [Float](repeating: 0, count: hidden * visible)
        g.fillStandardNormal(&w, from: 0, count: w.count, complement: true)
        for i in w.indices { w[i] *= initScale }
        self.init(W: w, b: [Float](repeating: 0, count: hidden), c: [Float](repeating: 0, count: visible))
    }

    /// A machine with the given parameters; W must hold b.count × c.count entries.
    public init(W: [Float], b: [Float], c: [Float]) {
        precondition(!b.isEmpty && !c.isEmpty, "an RBM needs at least one visible and one hidden unit")
        precondition(W.count == b.count * c.count, "W must be H × D = \(b.count) × \(c.count), got \(W.count) entries")
        self.visible = c.count
        self.hidden = b.count
        self.W = W
        self.b = b
        self.c = c
    }

    /// H·D + H + D.
    public var parameterCount: Int { hidden * visible + hidden + visible }

    /// W as an H × D tensor (e.g. to draw row j as the filter of hidden unit j).
    public var weightMatrix: Tensor { Tensor(shape: [hidden, visible], scalars: W) }

    /// E(x, h) = −hᵀWx − cᵀx − bᵀh   (003, §13.2), in float64.
    public func energy(x: [Float], h: [Float]) -> Double {
        precondition(x.count == visible && h.count == hidden, "energy needs x of \(visible) and h of \(hidden) entries")
        var e = 0.0
        for j in 0..<hidden where h[j] != 0 {
            var wx = 0.0
            for i in 0..<visible { wx += Double(W[j * visible + i]) * Double(x[i]) }
            e -= Double(h[j]) * (wx + Double(b[j]))
        }
        for i in 0..<visible { e -= Double(c[i]) * Double(x[i]) }
        return e
    }

    /// p(h_j = 1 | x) = σ(b_j + W_j x)   (003, §13.2), for every row of X (n × D) at once: σ(XWᵀ + b),
    /// n × H. One `cblas_sgemm` with W passed as transposed, never materialised.
    public func hiddenProbabilities(_ X: Tensor) -> Tensor {
        precondition(X.rank == 2 && X.shape[1] == visible, "hidden probabilities need an n × \(visible) matrix, got \(X.shape)")
        let n = X.shape[0]
        var out = [Float](repeating: 0, count: n * hidden)
        X.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                guard let xp = x.baseAddress, let op = o.baseAddress else { return }
                RBMProducts.hiddenProbabilities(self, x: xp, rows: n, into: op)
            }
        }
        return Tensor(shape: [n, hidden], scalars: out)
    }

    /// p(x_i = 1 | h) = σ(c_i + (Wᵀh)_i)   (003, §13.2), for every row of Hm (n × H): σ(HW + c), n × D.
    public func visibleProbabilities(_ Hm: Tensor) -> Tensor {
        precondition(Hm.rank == 2 && Hm.shape[1] == hidden, "visible probabilities need an n × \(hidden) matrix, got \(Hm.shape)")
        let n = Hm.shape[0]
        var out = [Float](repeating: 0, count: n * visible)
        Hm.scalars.withUnsafeBufferPointer { h in
            out.withUnsafeMutableBufferPointer { o in
                guard let hp = h.baseAddress, let op = o.baseAddress else { return }
                RBMProducts.visibleProbabilities(self, h: hp, rows: n, into: op)
            }
        }
        return Tensor(shape: [n, visible], scalars: out)
    }

    /// F(x) = cᵀx + Σⱼ softplus(b_j + W_j x)   (003, §13.2), for every row of X, with
    /// p(x) = e^F(x) / Z.
    ///
    /// Mind the sign: 003 calls this F the free energy, but it is the *negative* of the usual free
    /// energy (−log Σ_h e^(−E(x, h))); higher F means more probable x. The products XWᵀ are float32
    /// (one sgemm), the softplus terms and sums float64.
    public func freeEnergy(_ X: Tensor) -> [Double] {
        precondition(X.rank == 2 && X.shape[1] == visible, "free energy needs an n × \(visible) matrix, got \(X.shape)")
        let n = X.shape[0]
        var pre = [Float](repeating: 0, count: n * hidden)
        var out = [Double](repeating: 0, count: n)
        X.scalars.withUnsafeBufferPointer { x in
            pre.withUnsafeMutableBufferPointer { a in
                guard let xp = x.baseAddress, let ap = a.baseAddress else { return }
                RBMProducts.hiddenPreactivations(self, x: xp, rows: n, into: ap)
                for r in 0..<n {
                    var f = 0.0
                    for i in 0..<visible { f += Double(c[i]) * Double(xp[r * visible + i]) }
                    for j in 0..<hidden { f += hiddenUnits.cumulantGenerating(Double(ap[r * hidden + j]) + Double(b[j])) }
                    out[r] = f
                }
            }
        }
        return out
    }
}

/// The two products of an RBM on raw buffers, shared by the public API, the Gibbs chains and the
/// trainer's hot loop. Both go through `cblas_sgemm` with W read in place.
enum RBMProducts {
    /// out (n × H) ← X Wᵀ, without the bias.
    static func hiddenPreactivations(_ m: RestrictedBoltzmannMachine, x: UnsafePointer<Float>, rows n: Int,
                                     into out: UnsafeMutablePointer<Float>) {
        m.W.withUnsafeBufferPointer { w in
            xWT(x, rows: n, w: w.baseAddress, hidden: m.hidden, visible: m.visible, into: out)
        }
    }

    /// out (n × H) ← σ(X Wᵀ + b).
    static func hiddenProbabilities(_ m: RestrictedBoltzmannMachine, x: UnsafePointer<Float>, rows n: Int,
                                    into out: UnsafeMutablePointer<Float>) {
        hiddenPreactivations(m, x: x, rows: n, into: out)
        m.b.withUnsafeBufferPointer { b in
            guard let bp = b.baseAddress else { return }
            m.hiddenUnits.meanFromInputs(out, rows: n, columns: m.hidden, bias: bp)
        }
    }

    /// out (n × D) ← σ(H W + c).
    static func visibleProbabilities(_ m: RestrictedBoltzmannMachine, h: UnsafePointer<Float>, rows n: Int,
                                     into out: UnsafeMutablePointer<Float>) {
        m.W.withUnsafeBufferPointer { w in
            hW(h, rows: n, w: w.baseAddress, hidden: m.hidden, visible: m.visible, into: out)
        }
        m.c.withUnsafeBufferPointer { c in
            guard let cp = c.baseAddress else { return }
            m.visibleUnits.meanFromInputs(out, rows: n, columns: m.visible, bias: cp)
        }
    }

    /// out (n × H) ← X (n × D) · Wᵀ, W (H × D) passed as CblasTrans.
    static func xWT(_ x: UnsafePointer<Float>, rows n: Int, w: UnsafePointer<Float>?, hidden: Int, visible: Int,
                    into out: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(hidden), blasint(visible),
                    1, x, blasint(visible), w, blasint(visible), 0, out, blasint(hidden))
    }

    /// out (n × D) ← H (n × H) · W (H × D).
    static func hW(_ h: UnsafePointer<Float>, rows n: Int, w: UnsafePointer<Float>?, hidden: Int, visible: Int,
                   into out: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(visible), blasint(hidden),
                    1, h, blasint(hidden), w, blasint(visible), 0, out, blasint(visible))
    }
}
