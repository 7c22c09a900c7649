import Glibc

/// 001 (Module 19.6): the gradient of an RBM's log-likelihood, from
/// ln L = ln Σ_H e^(−E(V,H)) − ln Σ_{V,H} e^(−E(V,H)) down to
/// ∂ln L/∂w_ij = E_{p(H|V)}[h_i v_j] − E_{p(V,H)}[h_i v_j], every line evaluated. The sums over
/// H and over (V, H) are written out term by term, which is why the model must be small — and
/// the last section counts those terms for larger models, which is why sampling is needed.
public enum RBMGradientDerivation {
    /// Σ_{V,H} is summed term by term up to 2^limitExponent joint states.
    public static let limitExponent = 20

    public static func derive(_ rbm: RestrictedBoltzmannMachine, data: Tensor,
                              settings: DerivationSettings = DerivationSettings()) throws -> Derivation {
        let p = ExactParameters(rbm)
        let (H, D) = (p.H, p.D)
        guard D + H <= limitExponent else {
            throw DerivationError.tooLarge("derive writes out Σ_{V,H} over all 2^(D+H) joint states, and this RBM has D + H = \(D + H); use D + H ≤ \(limitExponent) (e.g. rbm(visible: 9, hidden: 6)) — the count of terms is the point of 001's last slide")
        }
        precondition(data.rank == 2 && data.shape[1] == D && data.shape[0] > 0, "data must be N × \(D)")
        let X = (0..<data.shape[0]).map { r in (0..<D).map { Double(data.scalars[r * D + $0]) } }
        let N = Double(X.count)
        let hs = (0..<(1 << H)).map { s in (0..<H).map { Double((s >> $0) & 1) } }
        let vs = (0..<(1 << D)).map { s in (0..<D).map { Double((s >> $0) & 1) } }
        let θ = p.parameterVector

        // The two logs of 001's second line, written out term by term.
        func logSumOverH(_ q: ExactParameters, _ v: [Double]) -> Double { logSumExp(hs.map { -q.energy(v, $0) }) }
        func logSumOverVH(_ q: ExactParameters) -> Double { logSumExp(vs.flatMap { v in hs.map { -q.energy(v, $0) } }) }
        let at = { (t: [Double]) in ExactParameters(H: H, D: D, parameterVector: t) }
        let logZ = try rbm.logPartitionFunction()   // by summing the smaller layer out
        let sumsH = X.map { logSumOverH(p, $0) }
        let logJoint = logSumOverVH(p)

        // ln L
        let exactLL = X.reduce(0) { $0 + p.freeEnergy($1) } / N - logZ
        let oneOverZ = sumsH.reduce(0) { $0 + ($1 - logJoint) } / N   // ln[(1/Z) Σ_H e^(−E)] with Z = Σ_{V,H}
        let meanSumH = sumsH.reduce(0, +) / N
        let likelihood = Derivation.Section("The log-likelihood of one example V (001), averaged over the \(X.count) rows", [
            Derivation.Line("", "ln L(θ) = ln p(V|θ)", "exact: F(V) − log Z, log Z by summing the smaller layer out (003 §13.2)", .scalar(exactLL)),
            Derivation.line("", "= ln (1/Z) Σ_H e^(−E(V,H))", "all 2^\(H) = \(1 << H) hidden states per row; Z = Σ_{V,H} over all \(vs.count * hs.count) joint states",
                            .scalar(oneOverZ), equals: .scalar(exactLL)),
            Derivation.line("", "= ln Σ_H e^(−E(V,H)) − ln Σ_{V,H} e^(−E(V,H))", "the two terms below", .scalar(meanSumH - logJoint), equals: .scalar(oneOverZ)),
            Derivation.Line("", "  ln Σ_H e^(−E(V,H))", "\(1 << H) terms per row", .scalar(meanSumH)),
            Derivation.Line("", "  ln Σ_{V,H} e^(−E(V,H)) = ln Z", "\(vs.count * hs.count) terms: the intractable one", .scalar(logJoint)),
        ])

        // The exact gradient, to pick a component when finite differences of all are too many.
        let exactGrad = try rbm.exactGradient(data)
        let exactVector = exactGrad.W + exactGrad.b + exactGrad.c
        let evalCost = (X.count * hs.count + vs.count * hs.count) * (D * H + D + H)
        let (S, which) = try selectComponents(names: p.parameterNames, settings, exactGradient: exactVector, costPerComponent: 2 * evalCost)
        func pick(_ v: [Double]) -> Derivation.Quantity { .vector(S.map { v[$0] }) }

        // ∂/∂θ of the second line, by finite differences of the sums as written.
        let fd = Derivation.Quantity.vector(centralDifferences(at: θ, components: S) { t in
            let q = at(t)
            return X.reduce(0) { $0 + logSumOverH(q, $1) } / N - logSumOverVH(q)
        })
        // The next two lines, with unnormalised weights e^(−E) (scaled by a constant that cancels).
        var literal = [Double](repeating: 0, count: S.count)
        var normalisedFirst = [Double](repeating: 0, count: S.count)
        for (r, v) in X.enumerated() {
            let weights = hs.map { exp(-p.energy(v, $0) - sumsH[r]) }   // e^(−E)/Σ_H e^(−E), scaled
            let raw = hs.map { exp(-p.energy(v, $0) - logJoint) }   // e^(−E), scaled by a constant
            let total = raw.reduce(0, +)
            for (h, (w, e)) in zip(hs, zip(weights, raw)) {
                let g = p.negativeEnergyGradient(v, h)   // −∂E/∂θ
                for (a, k) in S.enumerated() {
                    literal[a] += (1 / total) * e * g[k] / N            // −(1/Σ_H e^(−E)) Σ_H e^(−E) ∂E/∂θ
                    normalisedFirst[a] += w * g[k] / N                   // −Σ_H [e^(−E)/Σ_H e^(−E)] ∂E/∂θ
                }
            }
        }
        var jointLiteral = [Double](repeating: 0, count: S.count)
        var jointTotal = 0.0
        var jointNormalised = [Double](repeating: 0, count: S.count)
        var jointProbability = [Double](repeating: 0, count: S.count)
        var largestJointDifference = 0.0
        for v in vs {
            for h in hs {
                let e = exp(-p.energy(v, h) - logJoint)          // e^(−E) scaled by the constant 1/Σ_{V,H}
                jointTotal += e
                let pvh = exp(-p.energy(v, h) - logZ)            // p(V,H) = e^(−E)/Z, Z from the smaller layer
                largestJointDifference = Swift.max(largestJointDifference, Swift.abs(log(e) - log(pvh)))
                let g = p.negativeEnergyGradient(v, h)
                for (a, k) in S.enumerated() {
                    jointLiteral[a] += e * g[k]
                    jointProbability[a] += pvh * g[k]
                }
            }
        }
        for a in S.indices { jointLiteral[a] /= jointTotal }
        for v in vs { for h in hs {
            let w = exp(-p.energy(v, h) - logJoint) / jointTotal
            let g = p.negativeEnergyGradient(v, h)
            for (a, k) in S.enumerated() { jointNormalised[a] += w * g[k] }
        } }
        let line2 = Derivation.Quantity.vector(zip(literal, jointLiteral).map { $0 - $1 })
        let line3 = Derivation.Quantity.vector(zip(normalisedFirst, jointNormalised).map { $0 - $1 })

        // p(H|V) three ways, on every row and every H.
        var largestConditionalDifference = 0.0, largestProductDifference = 0.0
        var conditionalFirst = [Double](repeating: 0, count: S.count)
        for (r, v) in X.enumerated() {
            let pv = exp(p.freeEnergy(v) - logZ)
            for h in hs {
                let ratio = exp(-p.energy(v, h) - sumsH[r])
                let pvh = exp(-p.energy(v, h) - logZ)
                var product = 1.0   // Πⱼ p(hⱼ|V)
                for j in 0..<H {
                    let s = ElementwiseKernels.sigmoid(p.hiddenInput(j, v))
                    product *= h[j] != 0 ? s : 1 - s
                }
                largestConditionalDifference = Swift.max(largestConditionalDifference, Swift.abs(ratio - pvh / pv))
                largestProductDifference = Swift.max(largestProductDifference, Swift.abs(pvh / pv - product))
                let g = p.negativeEnergyGradient(v, h)
                for (a, k) in S.enumerated() { conditionalFirst[a] += product * g[k] / N }
            }
        }
        let line4 = Derivation.Quantity.vector(zip(conditionalFirst, jointProbability).map { $0 - $1 })

        // 001's last line: the first expectation in closed form, the second exact.
        let exactParameters = ExactParameters(rbm)
        let (dataW, dataB, dataC) = exactParameters.dataExpectations(data)
        let firstClosed = dataW + dataB + dataC
        let secondExact = zip(firstClosed, exactVector).map { $0 - $1 }
        let last = pick(zip(firstClosed, secondExact).map { $0 - $1 })

        // Monte Carlo for E_{p(V,H)}: block Gibbs chains, σ(b + Wv)vᵀ per sample (Rao–Blackwellised).
        let family = EnumeratedFamily.rbmMarginal(rbm)
        let chains = family.sample(settings.chains, settings.samplesPerChain, settings.seed)
        let perChain = chains.map { samples -> [Double] in
            var m = [Double](repeating: 0, count: S.count)
            for v in samples { let g = p.freeEnergyGradient(v); for (a, k) in S.enumerated() { m[a] += g[k] / Double(samples.count) } }
            return m
        }
        let (mc, se) = chainMeans(perChain)
        let sampleCount = settings.chains * settings.samplesPerChain

        let name = S.count == 1 ? p.parameterNames[S[0]] : "θ"
        let wij = S.count == 1 ? name : "w_ij"
        let term = S.count == 1 ? termName(p.parameterNames[S[0]]) : "h_i v_j"
        let indexNote = "001 writes E[v_i h_j] on this line, but its energy pairs w_ij with h_i v_j (∂E/∂w_ij = −h_i v_j); here W is hidden × visible and W[i,j] multiplies h_i v_j, so the expectations are of h_i v_j."
        let gradient = Derivation.Section("The gradient (001)", [
            Derivation.Line("", "∂ln L/∂\(name) = ∂/∂\(name) (ln Σ_H e^(−E(V,H)) − ln Σ_{V,H} e^(−E(V,H)))",
                            "central finite differences of the sums, term by term", fd),
            Derivation.line("", "= −(1/Σ_H e^(−E)) Σ_H e^(−E) ∂E/∂\(name) + (1/Σ_{V,H} e^(−E)) Σ_{V,H} e^(−E) ∂E/∂\(name)",
                            "analytic ∂E/∂θ = −(h_j x_i, h_j, x_i); \(1 << H) + \(vs.count * hs.count) terms", line2, equals: fd),
            Derivation.line("", "= −Σ_H [e^(−E)/Σ_H e^(−E)] ∂E/∂\(name) + Σ_{V,H} [e^(−E)/Σ_{V,H} e^(−E)] ∂E/∂\(name)",
                            "each weight normalised first", line3, equals: line2),
            Derivation.Line("", "e^(−E(V,H)) / Σ_{V,H} e^(−E(V,H)) = p(V,H)",
                            "on all \(vs.count * hs.count) joint states, in log space, against e^(−E)/Z with Z from the smaller layer", .none,
                            check: .equal(with: "p(V,H)", passed: largestJointDifference <= Derivation.tolerance, largestDifference: largestJointDifference)),
            Derivation.Line("", "e^(−E(V,H)) / Σ_H e^(−E(V,H)) = (1/Z)e^(−E) / ((1/Z)Σ_H e^(−E)) = p(V,H)/p(V)",
                            "on every row and all \(1 << H) H, p(V) = e^(F(V))/Z", .none,
                            check: .equal(with: "p(V,H)/p(V)", passed: largestConditionalDifference <= Derivation.tolerance, largestDifference: largestConditionalDifference)),
            Derivation.Line("", "= p(H|V) = Πⱼ p(h_j|V)", "the product of the sigmoids σ(b_j + W_j V) (003 §13.2)", .none,
                            check: .equal(with: "p(V,H)/p(V)", passed: largestProductDifference <= Derivation.tolerance, largestDifference: largestProductDifference)),
            Derivation.line("", "∂ln L/∂\(name) = −Σ_H p(H|V) ∂E/∂\(name) + Σ_{V,H} p(V,H) ∂E/∂\(name)",
                            "p(H|V) as the product of sigmoids, p(V,H) = e^(−E)/Z", line4, equals: line3),
            Derivation.line("", "∂ln L/∂\(wij) = Σ_H p(H|V) \(term) − Σ_{V,H} p(V,H) \(term)",
                            "∂E/∂w_ij = −h_i v_j (∂E/∂b_i = −h_i, ∂E/∂c_j = −v_j) substituted", line4, equals: line4),
            Derivation.line("", "= E_{p(H|V)}[\(term)] − E_{p(V,H)}[\(term)]",
                            "the first in closed form, σ(b_i + W_i V) v_j, as 001 promises to simplify it; the second exact, by summing the smaller layer out",
                            last, equals: line4, note: S.count == 1 && !p.parameterNames[S[0]].hasPrefix("W") ? nil : indexNote),
            Derivation.Line("", "  E_{p(H|V)}[\(term)]", "the positive phase: cheap, one sigmoid per hidden unit", pick(firstClosed)),
            Derivation.Line("", "  E_{p(V,H)}[\(term)]", "the negative phase: a sum over all \(vs.count * hs.count) joint states", pick(secondExact)),
            Derivation.estimateLine("", "  E_{p(V,H)}[\(term)] by sampling",
                                    "\(sampleCount) block Gibbs samples from \(settings.chains) chains, σ(b + Wv) vᵀ per sample, ± one standard error",
                                    mc, standardErrors: se, samples: sampleCount, exact: secondExact.indices.filter { S.contains($0) }.map { secondExact[$0] },
                                    exactName: "the exact value"),
        ])
        return Derivation(
            title: "The gradient of an RBM's log-likelihood (001, Module 19.6)",
            preamble: ["model: RBM, \(D) visible × \(H) hidden; E(V,H) = −Σ_ij w_ij h_i v_j − Σ_j c_j v_j − Σ_i b_i h_i (W is hidden × visible)",
                       "data: \(X.count) rows; V in a line means the average over the rows", which,
                       "✓: equal to the line named, to \(short(Derivation.tolerance)) relative (largest difference over the components)"],
            sections: [likelihood, gradient, intractability(D: D, H: H)],
            components: S.map { p.parameterNames[$0] })
    }

    /// −∂E/∂θ for one component's name: h_i v_j, h_i or v_j.
    static func termName(_ name: String) -> String {
        if name.hasPrefix("W") { return "h_i v_j" }
        return name.hasPrefix("b") ? "h_i" : "v_j"
    }

    /// 001: "the second summation contains an exponential number of terms".
    static func intractability(D: Int, H: Int) -> Derivation.Section {
        func terms(_ d: Int, _ h: Int) -> String {
            let exponent = d + h
            if exponent <= 40 { return "2^\(exponent) = \(1 << exponent)" }
            let log10 = Double(exponent) * 0.30102999566398120
            return "2^\(exponent) ≈ 10^\(short(log10))"
        }
        let sizes: [(String, Int, Int)] = [
            ("this model", D, H),
            ("bars and stripes 4 × 4, 16 hidden", 16, 16),
            ("MNIST-sized 28 × 28, 25 hidden", 784, 25),
            ("Fashion-MNIST 28 × 28, 500 hidden", 784, 500),
        ]
        return Derivation.Section("Why the second sum is intractable: Σ_{V,H} has 2^(D+H) terms", sizes.map { label, d, h in
            Derivation.Line("", "\(label): D = \(d), H = \(h)", "Σ_{V,H}: \(terms(d, h)) terms; Σ_H for one V: 2^\(h)", .none)
        })
    }
}
