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

extension ContinuousGradientDerivation {
    /// 000 eqs 18.4–18.15 and 003 §13.1 for a user energy over ℝᵈ: log Z has no closed form, so
    /// the negative phase ∇θ log Z = E_p[−∇θE] (000 eq 18.15) is sampled by Langevin chains
    /// (003 §13.1) with a standard error. Checked lines: the positive phase from the tape against
    /// central finite differences of the mean energy, and the chains against E_p[xᵀ∇ₓE(x)] = d
    /// (integration by parts, for p whose e^(−E) x vanishes as |x| → ∞) within error bars.
    /// `parameter` (e.g. "W[0,1]") follows one entry of θ; nil follows all of θ (shown as ‖·‖).
    /// Throws `DerivationError.unknownParameter`, and the evaluator's error when E fails.
    public static func derive(_ model: RealUserEnergyModel, data: Tensor, parameter: String? = nil,
                              sampling: Sampling) throws -> Derivation {
        let m = model.energy
        let evaluator = m.evaluator
        let d = m.dimension
        let n = data.count / Swift.max(d, 1)
        let X = data.scalars.map(Double.init)
        let names = m.θ.indices.map { k in m.parameterBlocks.first { $0.range.contains(k) }?.entryName(k) ?? "θ[\(k)]" }
        var components = Array(m.θ.indices)
        if let parameter {
            guard let k = names.firstIndex(of: parameter) else {
                throw DerivationError.unknownParameter(parameter, examples: Array(names.prefix(3)))
            }
            components = [k]
        }
        func pick(_ v: [Double]) -> [Double] { components.map { v[$0] } }
        _ = evaluator.takeError()

        // Positive phase: reverse mode, and ∇ of the mean by central differences.
        let energies = try evaluator.energies(X, rows: n, θ: m.θ)
        let positive = pick(try evaluator.parameterGradient(X, rows: n, weights: [Double](repeating: -1 / Double(n), count: n), θ: m.θ))
        // Each difference runs E over all rows twice: at most 8 components, spread over θ.
        let checked = components.count <= 8 ? Array(components.indices)
                                            : (0..<8).map { $0 * (components.count - 1) / 7 }
        var failure: (any Error)?
        let differences = centralDifferences(at: m.θ, components: checked.map { components[$0] }) { θ in
            do { return -(try evaluator.energies(X, rows: n, θ: θ).reduce(0, +)) / Double(n) } catch {
                if failure == nil { failure = error }
                return .nan
            }
        }
        if let failure { throw failure }

        // Negative phase: one −∇θE and one ∇ₓE per chain's final state, independent samples.
        let samples = langevinSamples(UserContinuousEnergy(energy: m), d: d, sampling: sampling)
        if let e = evaluator.takeError() { throw e }
        let rows = samples.map(Double.init)
        let finite = rows.allSatisfy(\.isFinite)
        var perChain: [[Double]] = []
        var scores: [[Double]] = []
        if finite {
            for c in 0..<sampling.chains {
                let x = Array(rows[(c * d)..<((c + 1) * d)])
                perChain.append(pick(try evaluator.parameterGradient(x, rows: 1, weights: [-1], θ: m.θ)))
                let gx = try evaluator.inputGradients(x, rows: 1, θ: m.θ).gradients
                scores.append([zip(x, gx).reduce(0) { $0 + $1.0 * $1.1 }])
            }
        } else {
            perChain = [[Double]](repeating: [Double](repeating: .nan, count: components.count), count: sampling.chains)
            scores = [[Double]](repeating: [.nan], count: sampling.chains)
        }
        let (negative, se) = chainMeans(perChain)
        let (score, scoreSE) = chainMeans(scores)
        let gradient = zip(positive, negative).map { $0 - $1 }
        let chainsText = "\(sampling.chains) Langevin chains, \(sampling.steps) steps of ε = \(short(Double(sampling.stepSize))) from N(0, I)"

        let objective = Derivation.Section("The objective (003, eq 13.1), summed over the N = \(n) rows", [
            Derivation.Line("(13.1)", "Σᵢ log p(xᵢ) = −Σᵢ E(xᵢ) − N log Z",
                            "−Σᵢ E(xᵢ) from your function; Z = ∫ e^(−E(x)) dx over ℝ^\(d) has no closed form, so only ∇θ log Z is estimated, below",
                            .scalar(-energies.reduce(0, +)),
                            note: "003 writes −Σᵢ log(E(xᵢ)) − log Z; the term is −E(xᵢ), since log p(x) = −E(x) − log Z, and summed over N rows log Z counts N times."),
        ])
        var lines = [
            Derivation.Line("(18.4)", "∇θ (1/N)Σᵢ log p(xᵢ) = (1/N)Σᵢ ∇θ log p̃(xᵢ) − ∇θ log Z", "log p = log p̃ − log Z, with log p̃ = −E", .none),
            Derivation.Line("", "  ∇θ (1/N)Σᵢ −E(xᵢ)", "central finite differences of the mean of −E over the \(n) rows"
                                + (checked.count < components.count ? ", for \(checked.count) of the \(components.count) components: " + checked.map { names[components[$0]] }.joined(separator: ", ") : ""),
                            .vector(differences)),
            Derivation.line("", "  = (1/N)Σᵢ −∇θE(xᵢ)   (positive phase)", "reverse mode through your function, over the \(n) rows"
                                + (checked.count < components.count ? " (checked on the same components)" : ""),
                            .vector(checked.map { positive[$0] }), equals: .vector(differences)),
            Derivation.Line("(18.15)", "∇θ log Z = E_p[−∇θE(x)]   (negative phase)",
                            "\(chainsText); the mean over chains, ± its standard error",
                            .estimate(negative, standardErrors: se, samples: sampling.chains)),
            Derivation.estimateLine("", "  E_p[xᵀ∇ₓE(x)] = d = \(d)", "the same chains' final states: ∫ xᵢ ∂ᵢe^(−E(x)) dx = −Z by parts, so chains that sample p give d within error bars",
                                    score, standardErrors: scoreSE, samples: sampling.chains,
                                    exact: [Double(d)], exactName: "d"),
            Derivation.Line("", "∇θ (1/N)Σᵢ log p(xᵢ) ≈ E_data[−∇θE] − E_p[−∇θE]", "the two phases: the direction maximum likelihood climbs (train method: \"langevin-ml\")",
                            .estimate(gradient, standardErrors: se, samples: sampling.chains)),
        ]
        if !finite {
            lines.append(Derivation.Line("", "the Langevin chains became NaN or infinite", "lower step_size, or check that e^(−E) is normalisable (E grows as |x| → ∞)", .none))
        }
        if let e = evaluator.takeError() { throw e }
        return Derivation(title: "The log-likelihood gradient of your energy on ℝ^\(d) (000 eqs 18.4–18.15, 003 §13.1), the negative phase by Langevin sampling",
                          preamble: ["model: \(m.modelDescription)", "data: \(n) points; " + (parameter.map { "following \($0)" } ?? "θ = all \(m.θ.count) parameters, shown as ‖·‖")],
                          sections: [objective, Derivation.Section("Positive and negative phase", lines)],
                          components: components.map { names[$0] })
    }
}
