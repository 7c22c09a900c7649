import Glibc

/// 003 §13.2: the RBM's marginal p(x) as a product over hidden units, the (negative) free energy
/// F(x), its gradient, and eq 13.2 — every line evaluated, with the text's slips shown beside the
/// correct lines.
public enum FreeEnergyDerivation {
    public static func derive(_ rbm: RestrictedBoltzmannMachine, data: Tensor,
                              settings: DerivationSettings = DerivationSettings()) throws -> Derivation {
        let p = ExactParameters(rbm)
        let (H, D) = (p.H, p.D)
        guard H <= 20, D <= 16 else {
            throw DerivationError.tooLarge("derive writes out the sum over all 2^H hidden states and E_p over all 2^D visible states; this RBM has D = \(D), H = \(H); use D ≤ 16 and H ≤ 20")
        }
        precondition(data.rank == 2 && data.shape[1] == D && data.shape[0] > 0, "data must be N × \(D)")
        guard settings.row >= 0 && settings.row < data.shape[0] else { throw DerivationError.badRow(settings.row, rows: data.shape[0]) }
        let X = (0..<data.shape[0]).map { r in (0..<D).map { Double(data.scalars[r * D + $0]) } }
        // The gradient of F with the text's h(x) := sign(b + Wx) in place of p(h = 1 | x).
        func withSignSlip(_ x: [Double]) -> [Double] {
            var g = p.freeEnergyGradient(x)
            for j in 0..<H {
                let a = p.hiddenInput(j, x)
                let s = a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0)
                for i in 0..<D { g[j * D + i] = s * x[i] }
                g[H * D + j] = s
            }
            return g
        }
        var settings = settings
        if settings.chooseRowWhereTextDiffers {
            let followed = settings.parameter.flatMap { name in p.parameterNames.firstIndex(of: name.filter { !$0.isWhitespace }) }
            let shows = X.indices.first { r in
                let (slip, right) = (withSignSlip(X[r]), p.freeEnergyGradient(X[r]))
                return (followed.map { [$0] } ?? Array(right.indices)).contains { Swift.abs(slip[$0] - right[$0]) > Derivation.tolerance }
            }
            if let shows { settings.row = shows }
        }
        let x = X[settings.row]
        let logZ = try rbm.logPartitionFunction()
        let hs = (0..<(1 << H)).map { s in (0..<H).map { Double((s >> $0) & 1) } }
        var cx = 0.0
        for i in 0..<D { cx += p.c[i] * x[i] }
        let inputs = (0..<H).map { p.hiddenInput($0, x) }   // bⱼ + Wⱼx

        // p(x) six ways (each divided by Z = e^(log Z)).
        let Z = exp(logZ)
        let literal = hs.reduce(0) { acc, h in
            var s = cx
            for j in 0..<H where h[j] != 0 { s += h[j] * inputs[j] }   // hᵀWx + cᵀx + bᵀh
            return acc + exp(s)
        } / Z
        let nested = exp(cx) * hs.reduce(0) { acc, h in
            var s = 0.0
            for j in 0..<H { s += h[j] * (inputs[j] - p.b[j]) + p.b[j] * h[j] }   // Σⱼ hⱼWⱼx + bⱼhⱼ
            return acc + exp(s)
        } / Z
        var product = 1.0
        for j in 0..<H {
            var twoTerms = 0.0   // Σ_{hⱼ∈{0,1}} exp(hⱼWⱼx + bⱼhⱼ)
            for hj in [0.0, 1.0] { twoTerms += exp(hj * (inputs[j] - p.b[j]) + p.b[j] * hj) }
            product *= twoTerms
        }
        let factored = exp(cx) * product / Z
        var closedProduct = 1.0, loggedProduct = 1.0
        for j in 0..<H {
            closedProduct *= 1 + exp(inputs[j])
            loggedProduct *= exp(log(1 + exp(inputs[j])))
        }
        let closed = exp(cx) * closedProduct / Z
        let logged = exp(cx) * loggedProduct / Z
        let F = p.freeEnergy(x)
        let viaF = exp(F) / Z
        let usual = -logSumExp(hs.map { -p.energy(x, $0) })   // the usual free energy −log Σ_h e^(−E(x,h))
        let pSection = Derivation.Section("p(x) as a product over the hidden units (003 §13.2), for data row \(settings.row)", [
            Derivation.Line("", "p(x) = Σ_{h∈{0,1}^H} exp(hᵀWx + cᵀx + bᵀh) / Z", "all 2^\(H) = \(hs.count) hidden states; Z = e^(log Z), exact", .scalar(literal)),
            Derivation.line("", "= exp(cᵀx) Σ_{h₁}⋯Σ_{h_H} exp(Σⱼ hⱼWⱼx + bⱼhⱼ) / Z", "exp(cᵀx) taken out of the \(hs.count) terms", .scalar(nested), equals: .scalar(literal)),
            Derivation.line("", "= exp(cᵀx) Πⱼ (Σ_{hⱼ∈{0,1}} exp(hⱼWⱼx + bⱼhⱼ)) / Z", "\(H) sums of 2 terms, multiplied: the sum factorises", .scalar(factored), equals: .scalar(nested)),
            Derivation.line("", "= exp(cᵀx) Πⱼ (1 + exp(bⱼ + Wⱼx)) / Z", "each two-term sum in closed form", .scalar(closed), equals: .scalar(factored)),
            Derivation.line("", "= exp(cᵀx) Πⱼ exp(log(1 + exp(bⱼ + Wⱼx))) / Z", "", .scalar(logged), equals: .scalar(closed)),
            Derivation.line("", "= exp(F(x)) / Z", "F(x) = cᵀx + Σⱼ log(1 + exp(bⱼ + Wⱼx)), below", .scalar(viaF), equals: .scalar(logged)),
            Derivation.Line("", "  F(x)", "003's F: the NEGATIVE of the usual free energy −log Σ_h e^(−E(x,h)) = \(short(usual))", .scalar(F),
                            note: "003 writes p(x) = exp(F(x))/Z, so its F is −(free energy): higher F, more probable x."),
        ])

        // ∇θ F(x) at row x.
        let θ = p.parameterVector
        let names = p.parameterNames
        let analytic = p.freeEnergyGradient(x)
        let (S, which) = try selectComponents(names: names, settings, exactGradient: analytic, costPerComponent: 2 * (D * H + H) * 4)
        func pick(_ v: [Double]) -> Derivation.Quantity { .vector(S.map { v[$0] }) }
        let fdF = Derivation.Quantity.vector(centralDifferences(at: θ, components: S) { ExactParameters(H: H, D: D, parameterVector: $0).freeEnergy(x) })
        let withSign = withSignSlip(x)   // the text's h(x) := sign(b + Wx) in place of p(h = 1 | x)
        let signDifference = S.reduce(0.0) { Swift.max($0, Swift.abs(withSign[$1] - analytic[$1])) }
        let gradientSection = Derivation.Section("The gradient of F (003 §13.2), for data row \(settings.row)", [
            Derivation.Line("", "∇θ F(x)", "central finite differences of F", fdF),
            Derivation.line("", "= (p(h=1|x) xᵀ, p(h=1|x), x)  for (W, b, c)", "analytic: ∇_W F = p(h=1|x) xᵀ, ∇_b F = p(h=1|x), ∇_c F = x, p(hⱼ=1|x) = σ(bⱼ + Wⱼx)",
                            pick(analytic), equals: fdF),
            Derivation.Line("", "  with h(x) := sign(b + Wx), as 003 writes", "the text's h(x) in place of σ(b + Wx)", pick(withSign),
                            check: .textDiffers(largestDifference: signDifference),
                            note: "003 defines h(x) := sign(b + Wx); the derivative of log(1 + e^a) is the logistic sigmoid σ(a) = p(h=1|x), which is what (*) itself arrives at."),
        ])

        // Eq 13.2 over the data set.
        let vs = (0..<(1 << D)).map { s in (0..<D).map { Double((s >> $0) & 1) } }
        let N = Double(X.count)
        let meanLL: ([Double]) -> Double = { t in
            let q = ExactParameters(H: H, D: D, parameterVector: t)
            return X.reduce(0) { $0 + q.freeEnergy($1) } / N - logSumExp(vs.map { q.freeEnergy($0) })
        }
        let fdLL = Derivation.Quantity.vector(centralDifferences(at: θ, components: S, meanLL))
        var positive = [Double](repeating: 0, count: θ.count)
        for v in X { let g = p.freeEnergyGradient(v); for k in θ.indices { positive[k] += g[k] / N } }
        var negative = [Double](repeating: 0, count: θ.count)
        for v in vs {
            let pv = exp(p.freeEnergy(v) - logZ)
            let g = p.freeEnergyGradient(v)
            for k in θ.indices { negative[k] += pv * g[k] }
        }
        let correct = pick(zip(positive, negative).map { $0 - $1 })
        let textVersion = pick(zip(positive, negative).map { -$0 + $1 })   // (1/n)Σ −∇F − E_p[−∇F]
        let textDifference = zip(textVersion.values, correct.values).reduce(0.0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
        let chains = EnumeratedFamily.rbmMarginal(rbm).sample(settings.chains, settings.samplesPerChain, settings.seed)
        let perChain = chains.map { samples -> [Double] in
            var m = [Double](repeating: 0, count: S.count)
            for v in samples { let g = p.freeEnergyGradient(v); for (a, k) in S.enumerated() { m[a] += g[k] / Double(samples.count) } }
            return m
        }
        let (mc, se) = chainMeans(perChain)
        let sampleCount = settings.chains * settings.samplesPerChain
        let equationSection = Derivation.Section("Eq 13.2 over the \(X.count) data rows", [
            Derivation.Line("", "∇θ (1/n) Σᵢ log p(xᵢ)", "central finite differences of the exact mean log-likelihood (log Z over all \(vs.count) x)", fdLL),
            Derivation.line("(13.2)", "= (1/n) Σᵢ ∇θ F(xᵢ) − E_p[∇θ F(x)]", "positive phase from the data, negative phase exact over all \(vs.count) x", correct, equals: fdLL),
            Derivation.Line("", "  as 003 writes it: (1/n) Σᵢ −∇θF(xᵢ) − E_p[−∇θF(x)]", "", textVersion,
                            check: .textDiffers(largestDifference: textDifference),
                            note: "003 carries eq 13.1's −∇θE over to F, but p(x) = e^(F(x))/Z makes F play the part of −E: both terms change sign, and the text's version points downhill."),
            Derivation.Line("", "  E_p[∇θ F(x)]", "the negative phase, exact", pick(negative)),
            Derivation.estimateLine("", "  E_p[∇θ F(x)] by Gibbs sampling", "\(sampleCount) block Gibbs samples from \(settings.chains) chains (003: \"we resort to Gibbs sampler\"), ± one standard error",
                                    mc, standardErrors: se, samples: sampleCount, exact: S.map { negative[$0] }, exactName: "the exact value"),
        ])
        return Derivation(
            title: "The free energy of an RBM and its gradient (003 §13.2)",
            preamble: ["model: RBM, \(D) visible × \(H) hidden; E(x,h) = −hᵀWx − cᵀx − bᵀh",
                       "x = data row \(settings.row) for the first two parts; the data's \(X.count) rows for eq 13.2", which,
                       "✓: equal to the line named, to \(short(Derivation.tolerance)) relative; ✗ on a line the text writes differently"],
            sections: [pSection, gradientSection, equationSection],
            components: S.map { names[$0] })
    }
}
