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
        let d = try derive(family, data: data, settings: settings)
        if let e = evaluator.takeError() { throw e }
        return d
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
