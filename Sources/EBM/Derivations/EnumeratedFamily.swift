import Glibc

/// A model family p̃(x; θ) over x ∈ {0,1}ⁿ as the derivations see it: the parameters as one
/// vector θ that can be perturbed, log p̃ and its analytic gradient at any θ, p̃ as the text's
/// product of factors, every state, and a sampler at the current θ. Built from a fully visible
/// Boltzmann machine (log p̃ = −E) or from an RBM's marginal (log p̃ = F, 003 §13.2).
struct EnumeratedFamily {
    let kind: String
    let θ: [Double]
    let names: [String]
    let units: Int
    /// log p̃(x; θ).
    let logTilde: ([Double], [Double]) -> Double
    /// p̃(x; θ)·e^(−shift) as a product of factors (the form the text's sums are written in).
    let productTilde: ([Double], [Double], Double) -> Double
    /// ∇θ log p̃(x; θ), all components.
    let gradient: ([Double], [Double]) -> [Double]
    /// `chains` independent chains, each burnt in and then yielding `samples` states.
    let sample: (_ chains: Int, _ samples: Int, _ seed: UInt64) -> [[[Double]]]
    /// Elementary operations of one `logTilde`, for the cost estimate.
    let cost: Int
    /// The gradient's description for the method column, e.g. "(xᵢxⱼ, xᵢ)".
    let gradientFormula: String

    /// Every x ∈ {0,1}ⁿ, unit i = bit i of the index.
    var states: [[Double]] {
        (0..<(1 << units)).map { s in (0..<units).map { Double((s >> $0) & 1) } }
    }
}

/// Burn-in sweeps (or block Gibbs steps) before a chain's samples count, and sweeps between samples.
let burnIn = 200
let thinning = 2

extension EnumeratedFamily {
    static func boltzmann(_ m: FullyVisibleBoltzmannMachine) -> EnumeratedFamily {
        let n = m.units
        return EnumeratedFamily(
            kind: "fully visible Boltzmann machine, \(n) units, \(m.parameterCount) parameters",
            θ: m.parameterVector,
            names: (0..<m.parameterCount).map(m.parameterName),
            units: n,
            logTilde: { θ, x in -FullyVisibleBoltzmannMachine(units: n, parameterVector: θ).energy(x) },
            productTilde: { θ, x, shift in
                // p̃(x) = Π_{i<j} e^(wᵢⱼxᵢxⱼ) Πᵢ e^(bᵢxᵢ)
                var p = exp(-shift), k = 0
                for i in 0..<n {
                    for j in (i + 1)..<max(i + 1, n) {
                        if x[i] != 0 && x[j] != 0 { p *= exp(θ[k]) }
                        k += 1
                    }
                }
                for i in 0..<n where x[i] != 0 { p *= exp(θ[k + i]) }
                return p
            },
            gradient: { θ, x in FullyVisibleBoltzmannMachine(units: n, parameterVector: θ).gradientOfLogUnnormalized(x) },
            sample: { chains, samples, seed in
                var chain = BoltzmannGibbsChain(m, count: chains, seed: seed)
                for _ in 0..<burnIn { chain.sweep(m) }
                var out = [[[Double]]](repeating: [], count: chains)
                for _ in 0..<samples {
                    for _ in 0..<thinning { chain.sweep(m) }
                    for c in 0..<chains { out[c].append(chain.states[c]) }
                }
                return out
            },
            cost: n * n / 2 + n + m.parameterCount,
            gradientFormula: "(xᵢxⱼ for wᵢⱼ, xᵢ for bᵢ)")
    }

    static func rbmMarginal(_ rbm: RestrictedBoltzmannMachine) -> EnumeratedFamily {
        let p = ExactParameters(rbm)
        let (H, D) = (p.H, p.D)
        return EnumeratedFamily(
            kind: "RBM, \(D) visible × \(H) hidden, \(rbm.parameterCount) parameters; p̃(x) = e^F(x) (003 §13.2)",
            θ: p.parameterVector,
            names: p.parameterNames,
            units: D,
            logTilde: { θ, x in ExactParameters(H: H, D: D, parameterVector: θ).freeEnergy(x) },
            productTilde: { θ, x, shift in
                // p̃(x) = e^(cᵀx) Πⱼ (1 + e^(bⱼ + Wⱼx))   (003 §13.2)
                let q = ExactParameters(H: H, D: D, parameterVector: θ)
                var cx = 0.0
                for i in 0..<D { cx += q.c[i] * x[i] }
                var product = exp(cx - shift)
                for j in 0..<H { product *= 1 + exp(q.hiddenInput(j, x)) }
                return product
            },
            gradient: { θ, x in ExactParameters(H: H, D: D, parameterVector: θ).freeEnergyGradient(x) },
            sample: { chains, samples, seed in
                var chain = GibbsChain(rbm, count: chains, seed: seed, start: .random)
                for _ in 0..<burnIn { chain.advance(rbm) }
                var out = [[[Double]]](repeating: [], count: chains)
                for _ in 0..<samples {
                    for _ in 0..<thinning { chain.advance(rbm) }
                    let s = chain.samples.scalars
                    for c in 0..<chains { out[c].append((0..<D).map { Double(s[c * D + $0]) }) }
                }
                return out
            },
            cost: 2 * H * D + H,
            gradientFormula: "(σ(bⱼ + Wⱼx) xᵢ for Wⱼᵢ, σ(bⱼ + Wⱼx) for bⱼ, xᵢ for cᵢ)")
    }
}

/// The RBM's parameters as one vector θ = (W row by row, b, c), for the derivations.
extension ExactParameters {
    init(H: Int, D: Int, parameterVector θ: [Double]) {
        precondition(θ.count == H * D + H + D, "θ must have \(H * D + H + D) entries")
        self.init(H: H, D: D, W: Array(θ[0..<(H * D)]), b: Array(θ[(H * D)..<(H * D + H)]), c: Array(θ[(H * D + H)...]))
    }

    var parameterVector: [Double] { W + b + c }

    var parameterNames: [String] {
        var names: [String] = []
        for j in 0..<H { for i in 0..<D { names.append("W[\(j),\(i)]") } }
        return names + (0..<H).map { "b[\($0)]" } + (0..<D).map { "c[\($0)]" }
    }

    /// bⱼ + Wⱼx.
    func hiddenInput(_ j: Int, _ x: [Double]) -> Double {
        var a = b[j]
        for i in 0..<D { a += W[j * D + i] * x[i] }
        return a
    }

    /// F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx) of one state.
    func freeEnergy(_ x: [Double]) -> Double {
        var f = 0.0
        for i in 0..<D { f += c[i] * x[i] }
        for j in 0..<H { f += ElementwiseKernels.softplus(hiddenInput(j, x)) }
        return f
    }

    /// ∇θ F(x): σ(bⱼ + Wⱼx) xᵢ, σ(bⱼ + Wⱼx), xᵢ (003 §13.2, with σ where the text writes sign).
    func freeEnergyGradient(_ x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: H * D + H + D)
        for j in 0..<H {
            let s = ElementwiseKernels.sigmoid(hiddenInput(j, x))
            for i in 0..<D { g[j * D + i] = s * x[i] }
            g[H * D + j] = s
        }
        for i in 0..<D { g[H * D + H + i] = x[i] }
        return g
    }

    /// E(x, h) = −hᵀWx − cᵀx − bᵀh.
    func energy(_ x: [Double], _ h: [Double]) -> Double {
        var e = 0.0
        for i in 0..<D { e -= c[i] * x[i] }
        for j in 0..<H where h[j] != 0 {
            e -= b[j] * h[j]
            for i in 0..<D { e -= W[j * D + i] * h[j] * x[i] }
        }
        return e
    }

    /// −∂E(x, h)/∂θ = (hⱼxᵢ, hⱼ, xᵢ).
    func negativeEnergyGradient(_ x: [Double], _ h: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: H * D + H + D)
        for j in 0..<H where h[j] != 0 {
            for i in 0..<D { g[j * D + i] = h[j] * x[i] }
            g[H * D + j] = h[j]
        }
        for i in 0..<D { g[H * D + H + i] = x[i] }
        return g
    }
}

/// log Σ e^(vᵢ), stable.
func logSumExp(_ v: [Double]) -> Double {
    guard let m = v.max(), m.isFinite else { return v.max() ?? -.infinity }
    return m + log(v.reduce(0) { $0 + exp($1 - m) })
}
