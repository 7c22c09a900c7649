import Glibc

extension LogLikelihoodGradientDerivation {
    /// 000 eqs 18.4–18.12 and 002 (to eq 18.15) for a user energy over {0,1}ᵈ: log p̃ = −E,
    /// ∇θ log p̃ = −∇θE from the tape, every line evaluated by enumerating the 2ᵈ states.
    /// Throws `DerivationError.tooLarge` above 16 units, and the evaluator's error when E fails.
    public static func derive(_ model: BinaryUserEnergyModel, data: Tensor,
                              settings: DerivationSettings = DerivationSettings()) throws -> Derivation {
        let m = model.energy
        let evaluator = m.evaluator
        _ = evaluator.takeError()
        let family = EnumeratedFamily.userEnergy(m)
        var d = try derive(family, data: data, settings: settings)
        if let e = evaluator.takeError() { throw e }
        d.sections.insert(try objective(m, data: data), at: 0)
        return d
    }

    /// 003 eq 13.1 for a user energy: Σᵢ log p(xᵢ) = −Σᵢ E(xᵢ) − N log Z.
    static func objective(_ m: UserEnergy, data: Tensor) throws -> Derivation.Section {
        let N = data.count / Swift.max(m.dimension, 1)
        let X = data.scalars.map(Double.init)
        let logZ = try m.logPartitionFunction()
        let energies = try m.evaluator.energies(X, rows: N, θ: m.θ)
        let exact = energies.reduce(0) { $0 - $1 - logZ }
        let rhs = -energies.reduce(0, +) - Double(N) * logZ
        return Derivation.Section("The objective (003, eq 13.1), summed over the N = \(N) rows", [
            Derivation.Line("", "Σᵢ log p(xᵢ)", "exact: Σᵢ (−E(xᵢ) − log Z), E from your function, log Z by enumerating all 2^\(m.dimension) states",
                            .scalar(exact)),
            Derivation.line("(13.1)", "= −Σᵢ E(xᵢ) − N log Z", "the energies of the rows, and N log Z", .scalar(rhs),
                            equals: .scalar(exact),
                            note: "003 writes −Σᵢ log(E(xᵢ)) − log Z; the term is −E(xᵢ), since log p(x) = −E(x) − log Z, and summed over N rows log Z counts N times."),
        ])
    }
}

extension EnumeratedFamily {
    static func userEnergy(_ m: UserEnergy) -> EnumeratedFamily {
        let n = m.dimension
        let evaluator = m.evaluator
        func logTilde(_ θ: [Double], _ x: [Double]) -> Double {
            do { return -(try evaluator.energies(x, rows: 1, θ: θ)[0]) } catch {
                evaluator.record(error)
                return .nan
            }
        }
        return EnumeratedFamily(
            kind: m.modelDescription + "; p̃(x) = e^(−E(x)), ∇θ log p̃ = −∇θE by reverse-mode autodiff",
            θ: m.θ,
            names: m.θ.indices.map { k in m.parameterBlocks.first { $0.range.contains(k) }?.entryName(k) ?? "θ[\(k)]" },
            units: n,
            logTilde: logTilde,
            // A user energy has no factor form: p̃(x)·e^(−shift) = e^(−E(x) − shift).
            productTilde: { θ, x, shift in exp(logTilde(θ, x) - shift) },
            gradient: { θ, x in
                do { return try evaluator.parameterGradient(x, rows: 1, weights: [1], θ: θ).map { -$0 } } catch {
                    evaluator.record(error)
                    return [Double](repeating: .nan, count: θ.count)
                }
            },
            sample: { chains, samples, seed in
                var chain = UserEnergyGibbsChain(m, count: chains, seed: seed, start: .random)
                for _ in 0..<burnIn { chain.advance() }
                var out = [[[Double]]](repeating: [], count: chains)
                for _ in 0..<samples {
                    for _ in 0..<thinning { chain.advance() }
                    for c in 0..<chains { out[c].append(Array(chain.states[(c * n)..<((c + 1) * n)])) }
                }
                return out
            },
            cost: 10 * (n + m.θ.count),
            gradientFormula: "(−∂E/∂θ from the tape)")
    }
}
