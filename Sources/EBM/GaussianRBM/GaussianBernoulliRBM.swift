import COpenBLAS
import Glibc

/// A Gaussian–Bernoulli RBM: real visible units x ∈ ℝᴰ (`GaussianUnits`, σᵢ each) and binary
/// hidden units h ∈ {0,1}ᴴ, with the energy of Cho, Ilin and Raiko (2011):
///
///     E(x, h) = Σᵢ (xᵢ − cᵢ)²/(2σᵢ²) − Σⱼ bⱼhⱼ − Σᵢⱼ hⱼWⱼᵢ xᵢ/σᵢ²
///
/// so that p(hⱼ = 1 | x) = σ(bⱼ + Σᵢ Wⱼᵢ xᵢ/σᵢ²) and p(xᵢ | h) = N(cᵢ + (Wᵀh)ᵢ, σᵢ²). Summed over
/// x, p(h) ∝ e^(bᵀh + Σᵢ [(cᵢ + (Wᵀh)ᵢ)² − cᵢ²]/(2σᵢ²)) (2πσᵢ²)^½: the model is a mixture of 2^H
/// Gaussians N(c + Wᵀh, diag σ²) with those weights, so log Z and the log-likelihood are exact
/// by enumerating h.
///
/// A model of its own beside the binary `RestrictedBoltzmannMachine` (whose layers are both
/// binary and whose fused training kernels, AIS and enumeration over x assume it), so the binary
/// path pays nothing for Gaussian generality; the visible layer is the `GaussianUnits`
/// conformance of `UnitLayer`. W is H × D row-major like the binary RBM's.
public struct GaussianBernoulliRBM: Sendable, Equatable {
    public let visible: Int
    public let hidden: Int
    public var W: [Float]
    public var b: [Float]
    public var c: [Float]
    public var visibleUnits: GaussianUnits
    public let hiddenUnits = BinaryUnits()

    /// σ per visible unit.
    public var sigma: [Float] {
        get { visibleUnits.sigma }
        set { visibleUnits = GaussianUnits(sigma: newValue) }
    }

    /// W ~ N(0, initScale²) from `seed`, b = 0, c = 0, σ = `sigma`.
    public init(visible: Int, hidden: Int, seed: UInt64, initScale: Float = 0.01, sigma: Float = 1) {
        precondition(visible >= 1 && hidden >= 1, "an RBM needs at least one visible and one hidden unit")
        var g = Xoshiro256StarStar(seed: seed)
        var w = [Float](repeating: 0, count: hidden * visible)
        g.fillStandardNormal(&w, from: 0, count: w.count)
        self.init(W: w.map { $0 * initScale }, b: [Float](repeating: 0, count: hidden), c: [Float](repeating: 0, count: visible),
                  sigma: [Float](repeating: sigma, count: visible))
    }

    public init(W: [Float], b: [Float], c: [Float], sigma: [Float]) {
        precondition(!b.isEmpty && !c.isEmpty, "an RBM needs at least one visible and one hidden unit")
        precondition(W.count == b.count * c.count, "W must be H × D = \(b.count) × \(c.count)")
        precondition(sigma.count == c.count, "one σ per visible unit")
        (visible, hidden) = (c.count, b.count)
        (self.W, self.b, self.c) = (W, b, c)
        visibleUnits = GaussianUnits(sigma: sigma)
    }

    /// Sets b so that every component with one hidden unit on has `weight` times the weight of
    /// the h = 0 component: bⱼ = −Σᵢ [(cᵢ + Wⱼᵢ)² − cᵢ²]/(2σᵢ²) + log(weight). PyDeep's
    /// initialisation for GB-RBMs (weight 0.1): the mixture starts as one dominant Gaussian with
    /// small side components, instead of 2^H equal ones far from the data.
    public mutating func setHiddenBiases(componentWeight weight: Double) {
        precondition(weight > 0, "a component weight must be positive")
        for j in 0..<hidden {
            var t = 0.0
            for i in 0..<visible {
                let (ci, w) = (Double(c[i]), Double(W[j * visible + i]))
                t += ((ci + w) * (ci + w) - ci * ci) / (2 * Double(sigma[i]) * Double(sigma[i]))
            }
            b[j] = Float(-t + Glibc.log(weight))
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.W == b.W && a.b == b.b && a.c == b.c && a.sigma == b.sigma }

    /// E(x, h) in float64.
    public func energy(x: [Double], h: [Double]) -> Double {
        var e = 0.0
        for i in 0..<visible {
            let v = Double(sigma[i]) * Double(sigma[i])
            e += (x[i] - Double(c[i])) * (x[i] - Double(c[i])) / (2 * v)
        }
        for j in 0..<hidden where h[j] != 0 {
            var a = Double(b[j])
            for i in 0..<visible { a += Double(W[j * visible + i]) * x[i] / (Double(sigma[i]) * Double(sigma[i])) }
            e -= h[j] * a
        }
        return e
    }

    /// bⱼ + Σᵢ Wⱼᵢ xᵢ/σᵢ² for one row x, float64.
    func hiddenInput(_ x: [Double], _ j: Int) -> Double {
        var a = Double(b[j])
        for i in 0..<visible { a += Double(W[j * visible + i]) * x[i] / (Double(sigma[i]) * Double(sigma[i])) }
        return a
    }

    /// p(hⱼ = 1 | x) = σ(bⱼ + Σᵢ Wⱼᵢxᵢ/σᵢ²) for every row of X (n × D): n × H.
    public func hiddenProbabilities(_ X: Tensor) -> Tensor {
        precondition(X.rank == 2 && X.shape[1] == visible, "hidden probabilities need an n × \(visible) matrix")
        let n = X.shape[0]
        var scaled = X.scalars
        for r in 0..<n { for i in 0..<visible { scaled[r * visible + i] /= sigma[i] * sigma[i] } }
        var out = [Float](repeating: 0, count: n * hidden)
        scaled.withUnsafeBufferPointer { x in
            W.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    guard let xp = x.baseAddress, let op = o.baseAddress else { return }
                    RBMProducts.xWT(xp, rows: n, w: w.baseAddress, hidden: hidden, visible: visible, into: op)
                    b.withUnsafeBufferPointer { bp in
                        guard let bb = bp.baseAddress else { return }
                        hiddenUnits.meanFromInputs(op, rows: n, columns: hidden, bias: bb)
                    }
                }
            }
        }
        return Tensor(shape: [n, hidden], scalars: out)
    }

    /// E[x | h] = c + Wᵀh for every row of Hm (n × H): n × D.
    public func visibleMeans(_ Hm: Tensor) -> Tensor {
        precondition(Hm.rank == 2 && Hm.shape[1] == hidden, "visible means need an n × \(hidden) matrix")
        let n = Hm.shape[0]
        var out = [Float](repeating: 0, count: n * visible)
        Hm.scalars.withUnsafeBufferPointer { h in
            W.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    guard let hp = h.baseAddress, let op = o.baseAddress else { return }
                    RBMProducts.hW(hp, rows: n, w: w.baseAddress, hidden: hidden, visible: visible, into: op)
                    c.withUnsafeBufferPointer { cp in
                        guard let cb = cp.baseAddress else { return }
                        visibleUnits.meanFromInputs(op, rows: n, columns: visible, bias: cb)
                    }
                }
            }
        }
        return Tensor(shape: [n, visible], scalars: out)
    }

    /// log p̃(x) = log Σ_h e^(−E(x, h)) = −Σᵢ (xᵢ − cᵢ)²/(2σᵢ²) + Σⱼ softplus(bⱼ + Σᵢ Wⱼᵢxᵢ/σᵢ²), float64.
    public func freeEnergy(_ X: Tensor) -> [Double] {
        precondition(X.rank == 2 && X.shape[1] == visible, "free energy needs an n × \(visible) matrix")
        let n = X.shape[0]
        var x = [Double](repeating: 0, count: visible)
        return (0..<n).map { r in
            var f = 0.0
            for i in 0..<visible {
                x[i] = Double(X.scalars[r * visible + i])
                let v = Double(sigma[i]) * Double(sigma[i])
                f -= (x[i] - Double(c[i])) * (x[i] - Double(c[i])) / (2 * v)
            }
            for j in 0..<hidden { f += hiddenUnits.cumulantGenerating(hiddenInput(x, j)) }
            return f
        }
    }

    /// The mixture: for each hidden state h (index Σⱼ hⱼ2ʲ), log of its unnormalised weight
    /// log ∫ e^(−E(x, h)) dx = bᵀh + Σᵢ [Γᵢ((cᵢ + (Wᵀh)ᵢ)/σᵢ²) − cᵢ²/(2σᵢ²)], and its mean c + Wᵀh.
    /// Throws `EnumerationTooLarge` above 2^25 hidden states.
    public func mixtureComponents() throws -> (logWeights: [Double], means: [[Double]]) {
        let limit = RestrictedBoltzmannMachine.enumerationLimitExponent
        guard hidden <= limit else { throw EnumerationTooLarge(exponent: hidden, limit: limit) }
        var logWeights = [Double](repeating: 0, count: 1 << hidden)
        var means = [[Double]](repeating: [], count: 1 << hidden)
        for s in 0..<(1 << hidden) {
            var t = 0.0
            var mu = c.map(Double.init)
            for j in 0..<hidden where (s >> j) & 1 == 1 {
                t += Double(b[j])
                for i in 0..<visible { mu[i] += Double(W[j * visible + i]) }
            }
            for i in 0..<visible {
                let v = Double(sigma[i]) * Double(sigma[i])
                t += visibleUnits.cumulantGenerating(mu[i] / v, unit: i) - Double(c[i]) * Double(c[i]) / (2 * v)
            }
            logWeights[s] = t
            means[s] = mu
        }
        return (logWeights, means)
    }

    /// log Z = logsumexp over h of the components' log weights (`mixtureComponents`), exactly.
    public func logPartitionFunction() throws -> Double {
        let w = try mixtureComponents().logWeights
        var acc = LogSumExpAccumulator()
        w.withUnsafeBufferPointer { acc.add($0) }
        return acc.value
    }

    /// (1/n) Σ log p(x) = (1/n) Σ log p̃(x) − log Z, exactly.
    public func exactLogLikelihood(_ X: Tensor) throws -> Double {
        let logZ = try logPartitionFunction()
        let f = freeEnergy(X)
        return f.reduce(0, +) / Double(Swift.max(f.count, 1)) - logZ
    }

    /// mean (E[x | h] − x)² over all entries, with h ~ p(h | x) drawn from `seed` (row r from
    /// stream r): the reconstruction error monitor of every latent-variable model.
    public func reconstructionError(_ X: Tensor, seed: UInt64) -> Double {
        let ph = hiddenProbabilities(X)
        var h = ph
        for r in 0..<X.rows {
            var g = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
            for j in 0..<hidden { h.scalars[r * hidden + j] = g.nextUnitFloat() < ph.scalars[r * hidden + j] ? 1 : 0 }
        }
        let means = visibleMeans(h)
        var s = 0.0
        for k in 0..<X.count { let d = Double(X.scalars[k] - means.scalars[k]); s += d * d }
        return s / Double(Swift.max(X.count, 1))
    }
}

extension GaussianBernoulliRBM: EnergyModel, TemperableModel {
    public var dimension: Int { visible }
    public var parameterBlocks: [ParameterBlock] {
        layoutParameterBlocks([("W", [hidden, visible]), ("b", [hidden]), ("c", [visible]), ("sigma", [visible])])
    }
    public var parameterVector: [Double] { (W + b + c + sigma).map(Double.init) }
    public mutating func setParameterVector(_ θ: [Double]) {
        let (H, D) = (hidden, visible)
        precondition(θ.count == H * D + H + 2 * D, "θ of a Gaussian–Bernoulli RBM has \(H * D + H + 2 * D) entries")
        W = θ[0..<(H * D)].map { Float($0) }
        b = θ[(H * D)..<(H * D + H)].map { Float($0) }
        c = θ[(H * D + H)..<(H * D + H + D)].map { Float($0) }
        sigma = θ[(H * D + H + D)...].map { Float($0) }
    }
    public var modelDescription: String { "\(visible) gaussian visible × \(hidden) binary hidden RBM" }
    public func logUnnormalizedDensity(_ X: Tensor) -> [Double] { freeEnergy(X) }

    // Tempered in the joint (x, h), as the binary RBM: at β, h ~ σ(β(b + Wx/σ²)) and
    // x ~ N(c + Wᵀh, σ²/β) (the β-scaled quadratic). β = 0 is improper on ℝᴰ.
    public var stateWidth: Int { visible + hidden }
    public var visibleWidth: Int { visible }
    public var smallestBeta: Double { .leastNormalMagnitude }
    public func temperedEnergy(_ s: [Double]) -> Double {
        energy(x: Array(s[0..<visible]), h: Array(s[visible...]))
    }
    public func initialState(_ g: inout Xoshiro256StarStar) -> [Double] {
        (0..<visible).map { i in Double(c[i]) + Double(sigma[i]) * g.nextNormal() } + (0..<hidden).map { _ in 0 }
    }
    public func temperedMove(_ s: inout [Double], beta: Double, _ g: inout Xoshiro256StarStar) {
        var h = [Double](repeating: 0, count: hidden)
        for j in 0..<hidden { h[j] = g.nextUnitDouble() < ElementwiseKernels.sigmoid(beta * hiddenInput(s, j)) ? 1 : 0 }
        for i in 0..<visible {
            var mu = Double(c[i])
            for j in 0..<hidden where h[j] != 0 { mu += Double(W[j * visible + i]) }
            s[i] = mu + Double(sigma[i]) / beta.squareRoot() * g.nextNormal()
        }
        for j in 0..<hidden { s[visible + j] = h[j] }
    }
    public var temperedMoveDescription: String { "block Gibbs step at β: h ~ σ(β(b + Wx/σ²)), then x ~ N(c + Wᵀh, σ²/β)" }
}
