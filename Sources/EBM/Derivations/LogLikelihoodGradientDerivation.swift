import Glibc

/// 000 §18.1 (eqs 18.4–18.12) and 002 (to eq 18.15): the log-likelihood gradient, its positive
/// and negative phase, and ∇θ log Z = E_p[∇θ log p̃(x)], every line evaluated on the model.
///
/// Each line is computed the way it is written: ∇ of a sum by finite differences of the sum,
/// a sum of ∇ by finite differences of each term, ∇ log p̃ analytically; so the equalities the
/// text claims are checked, not assumed. Over data, "x" is averaged over the N rows.
public enum LogLikelihoodGradientDerivation {
    public static func derive(_ machine: FullyVisibleBoltzmannMachine, data: Tensor,
                              settings: DerivationSettings = DerivationSettings()) throws -> Derivation {
        let family = EnumeratedFamily.boltzmann(machine)
        var d = try derive(family, data: data, settings: settings)
        d.sections.insert(try objective(machine, data: data), at: 0)
        return d
    }

    public static func derive(_ rbm: RestrictedBoltzmannMachine, data: Tensor,
                              settings: DerivationSettings = DerivationSettings()) throws -> Derivation {
        try derive(.rbmMarginal(rbm), data: data, settings: settings)
    }

    /// 003 eq 13.1 for a model with an energy on x alone.
    static func objective(_ m: FullyVisibleBoltzmannMachine, data: Tensor) throws -> Derivation.Section {
        let rows = FullyVisibleBoltzmannMachine.rows(data, units: m.units)
        let N = Double(rows.count)
        let logZ = try m.logPartitionFunction()
        let energies = rows.map(m.energy)
        let exact = try m.exactLogLikelihood(data) * N
        let rhs = -energies.reduce(0, +) - N * logZ
        let nonPositive = energies.filter { $0 <= 0 }.count
        let textValue = nonPositive > 0 ? Double.nan : -energies.reduce(0) { $0 + log($1) } - logZ
        let textNote = nonPositive > 0
            ? "003 writes −Σᵢ log(E(xᵢ)) − log Z; log E is undefined here (E(x) ≤ 0 for \(nonPositive) of the \(rows.count) rows), and the term is −E(xᵢ): log p(x) = −E(x) − log Z. Summed over N rows, log Z counts N times."
            : "003 writes −Σᵢ log(E(xᵢ)) − log Z = \(short(textValue)); the term is −E(xᵢ), since log p(x) = −E(x) − log Z, and summed over N rows log Z counts N times."
        return Derivation.Section("The objective (003, eq 13.1), summed over the N = \(rows.count) rows", [
            Derivation.Line("", "Σᵢ log p(xᵢ)", "exact: Σᵢ (−E(xᵢ)) − N log Z, log Z by enumerating all 2^\(m.units) states",
                            .scalar(exact)),
            Derivation.line("(13.1)", "= −Σᵢ E(xᵢ) − N log Z", "the energies of the rows, and N log Z", .scalar(rhs),
                            equals: .scalar(exact), note: textNote),
        ])
    }

    static func derive(_ f: EnumeratedFamily, data: Tensor, settings: DerivationSettings) throws -> Derivation {
        guard f.units <= 16 else {
            throw DerivationError.tooLarge("derive enumerates all 2^\(f.units) states of x for every line, and this model has \(f.units) units in x; use at most 16 (e.g. boltzmann(units: 8) or rbm(visible: 8, hidden: 4))")
        }
        precondition(data.rank == 2 && data.shape[1] == f.units && data.shape[0] > 0, "data must be N × \(f.units)")
        let X = (0..<data.shape[0]).map { r in (0..<f.units).map { Double(data.scalars[r * f.units + $0]) } }
        let N = Double(X.count)
        let states = f.states
        let θ = f.θ

        // Quantities at θ, all components.
        let logTildes = states.map { f.logTilde(θ, $0) }
        let logZ = logSumExp(logTildes)
        let shift = logTildes.max() ?? 0   // a constant factor e^(−shift) on Z and p̃ keeps them in range
        let probabilities = logTildes.map { exp($0 - logZ) }
        let gradients = states.map { f.gradient(θ, $0) }
        let P = θ.count
        var exactNegative = [Double](repeating: 0, count: P)
        for (p, g) in zip(probabilities, gradients) { for k in 0..<P { exactNegative[k] += p * g[k] } }
        var exactPositive = [Double](repeating: 0, count: P)
        for x in X { let g = f.gradient(θ, x); for k in 0..<P { exactPositive[k] += g[k] / N } }

        let cost = 2 * 6 * states.count * f.cost
        let (S, which) = try f.components(settings, exactGradient: zip(exactPositive, exactNegative).map { $0 - $1 },
                                          costPerComponent: cost)
        func pick(_ v: [Double]) -> Derivation.Quantity { .vector(S.map { v[$0] }) }
        func fd(_ g: ([Double]) -> Double) -> Derivation.Quantity { .vector(centralDifferences(at: θ, components: S, g)) }

        let logLikelihood: ([Double]) -> Double = { t in
            X.reduce(0) { $0 + f.logTilde(t, $1) } / N - logSumExp(states.map { f.logTilde(t, $0) })
        }
        let logPartition: ([Double]) -> Double = { t in logSumExp(states.map { f.logTilde(t, $0) }) }
        let scaledZ: ([Double]) -> Double = { t in exp(logPartition(t) - shift) }
        let summedZ: ([Double]) -> Double = { t in states.reduce(0) { $0 + exp(f.logTilde(t, $1) - shift) } }
        let Zs = summedZ(θ)

        // Line by line.
        let lhs = fd(logLikelihood)
        let positive = pick(exactPositive), negative = pick(exactNegative)
        let difference = Derivation.Quantity.vector(zip(positive.values, negative.values).map { $0 - $1 })
        let l185 = fd(logPartition)
        let l186 = Derivation.Quantity.vector(fd(scaledZ).values.map { $0 / scaledZ(θ) })
        let l187 = Derivation.Quantity.vector(fd(summedZ).values.map { $0 / Zs })
        // Σₓ ∇θ p̃(x): each term differentiated on its own, then summed.
        let l188 = Derivation.Quantity.vector(S.map { k in
            states.reduce(0) { acc, x in
                acc + centralDifferences(at: θ, components: [k]) { f.productTilde($0, x, shift) }[0]
            } / Zs
        })
        let l189 = Derivation.Quantity.vector(S.map { k in
            states.reduce(0) { acc, x in
                acc + centralDifferences(at: θ, components: [k]) { exp(f.logTilde($0, x) - shift) }[0]
            } / Zs
        })
        func weighted(_ w: [Double], over z: Double) -> Derivation.Quantity {
            .vector(S.map { k in zip(w, gradients).reduce(0) { $0 + $1.0 * $1.1[k] } / z })
        }
        let l1810 = weighted(logTildes.map { exp($0 - shift) }, over: Zs)
        let l1811 = weighted(states.map { f.productTilde(θ, $0, shift) }, over: Zs)
        let l1812 = weighted(probabilities, over: 1)

        let chains = f.sample(settings.chains, settings.samplesPerChain, settings.seed)
        let perChain = chains.map { samples -> [Double] in
            var m = [Double](repeating: 0, count: S.count)
            for x in samples { let g = f.gradient(θ, x); for (a, k) in S.enumerated() { m[a] += g[k] / Double(samples.count) } }
            return m
        }
        let (mc, se) = chainMeans(perChain)
        let sampleCount = settings.chains * settings.samplesPerChain
        let smallest = probabilities.min() ?? 0

        let gradientSection = Derivation.Section("The gradient and its two phases (000, eq 18.4)", [
            Derivation.Line("(18.4)", "∇θ log p(x)", "central finite differences of log p(x) = log p̃(x) − log Z", lhs),
            Derivation.line("", "= ∇θ log p̃(x) − ∇θ log Z", "positive phase minus negative phase, below", difference, equals: lhs),
            Derivation.Line("", "  positive phase  ∇θ log p̃(x)", "analytic \(f.gradientFormula), averaged over the \(X.count) rows", positive),
            Derivation.Line("", "  negative phase  ∇θ log Z", "= line (18.12) below", negative),
        ])
        let partitionSection = Derivation.Section("The gradient of log Z (000, eqs 18.5–18.12)", [
            Derivation.Line("(18.5)", "∇θ log Z", "central finite differences of log Z", l185),
            Derivation.line("(18.6)", "= ∇θ Z / Z", "finite differences of Z = e^(log Z), divided by Z", l186, equals: l185),
            Derivation.line("(18.7)", "= ∇θ Σₓ p̃(x) / Z", "Z written out as the sum of p̃(x) = e^(log p̃(x)) over all \(states.count) states, then differentiated", l187, equals: l186),
            Derivation.line("(18.8)", "= Σₓ ∇θ p̃(x) / Z", "each of the \(states.count) terms p̃(x), as the text's product of factors, differentiated on its own, then summed", l188, equals: l187,
                            note: "002: for continuous x the sum is an integral, and moving ∇θ inside it is Leibniz's rule, which needs p̃ Lebesgue-integrable, ∇θ p̃ to exist for almost all x, and |∂p̃/∂θᵢ| ≤ R(x) for an integrable R. Here x is discrete and the sum finite, so the exchange is exact."),
            Derivation.line("(18.9)", "= Σₓ ∇θ exp(log p̃(x)) / Z", "each term as exp(log p̃(x)), differentiated on its own", l189, equals: l188,
                            note: "needs p(x) > 0 for every x so that log p̃(x) exists; the smallest p(x) here is \(short(smallest))."),
            Derivation.line("(18.10)", "= Σₓ exp(log p̃(x)) ∇θ log p̃(x) / Z", "chain rule: ∇θ log p̃(x) analytic \(f.gradientFormula)", l1810, equals: l189),
            Derivation.line("(18.11)", "= Σₓ p̃(x) ∇θ log p̃(x) / Z", "p̃(x) as the product of factors", l1811, equals: l1810),
            Derivation.line("(18.12)", "= Σₓ p(x) ∇θ log p̃(x)", "p(x) = p̃(x)/Z, normalised over all \(states.count) states", l1812, equals: l1811),
            Derivation.estimateLine("(18.15)", "= E_{x~p(x)} ∇θ log p̃(x)",
                                    "Monte Carlo: \(sampleCount) Gibbs samples from \(settings.chains) chains (\(burnIn) sweeps burn-in), ± one standard error",
                                    mc, standardErrors: se, samples: sampleCount, exact: l1812.values, exactName: "(18.12)"),
        ])
        return Derivation(
            title: "The log-likelihood gradient (000 §18.1, eqs 18.4–18.12; 002 to eq 18.15)",
            preamble: ["model: \(f.kind)", "data: \(X.count) rows; x in a line means the average over the rows", which,
                       "✓: equal to the line named, to \(short(Derivation.tolerance)) relative (largest difference over the components)"],
            sections: [gradientSection, partitionSection],
            components: S.map { f.names[$0] })
    }
}

/// A number in 4 significant digits (C's %.4g), for the notes the derivations print.
func short(_ v: Double) -> String {
    if !v.isFinite { return v.isNaN ? "undefined" : (v > 0 ? "∞" : "−∞") }
    var buffer = [CChar](repeating: 0, count: 32)
    _ = withVaList([v]) { vsnprintf(&buffer, buffer.count, "%.4g", $0) }
    return String(cString: buffer)
}
