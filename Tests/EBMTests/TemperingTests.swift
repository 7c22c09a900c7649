import XCTest
@testable import EBM

final class TemperingTests: XCTestCase {
    /// A 6 × 1 RBM with two modes, x ≈ 0 (mass ≈ 0.7) and x ≈ 1 (≈ 0.3), separated by states of
    /// probability ~e⁻¹⁸: plain block Gibbs stays where it starts.
    /// Each xᵢ follows h (W = 10, c = −5: p(xᵢ = h) = σ(5)), and b sets the modes' masses.
    static func bimodalRBM() -> RestrictedBoltzmannMachine {
        let D = 6
        let b = Float(log(3.0 / 7.0) + 6 * (log(1 + exp(-5.0)) - log(1 + exp(5.0))))
        return RestrictedBoltzmannMachine(W: [Float](repeating: 10, count: D), b: [b], c: [Float](repeating: -5, count: D))
    }

    /// p(x) by enumerating x, indexed by Σᵢ xᵢ2ⁱ.
    static func exactVisibleDistribution(_ rbm: RestrictedBoltzmannMachine) throws -> [Double] {
        let D = rbm.visible
        let X = Tensor(shape: [1 << D, D], scalars: (0..<(1 << D)).flatMap { s in (0..<D).map { Float((s >> $0) & 1) } })
        let logZ = try rbm.logPartitionFunction()
        return rbm.freeEnergy(X).map { exp($0 - logZ) }
    }

    static func exactDistribution(_ m: FullyVisibleBoltzmannMachine) -> [Double] {
        let n = m.units
        let logs = (0..<(1 << n)).map { s in -m.energy((0..<n).map { Double((s >> $0) & 1) }) }
        let top = logs.max()!
        let z = logs.reduce(0) { $0 + exp($1 - top) }
        return logs.map { exp($0 - top) / z }
    }

    func testChiSquaredPValuesMatchTables() {
        // χ²₀.₉₅ quantiles: ν = 1 → 3.841, ν = 10 → 18.307; Q(1, x) = e^(−x).
        XCTAssertEqual(ChiSquaredTest.upperRegularizedGamma(0.5, 3.841 / 2), 0.05, accuracy: 1e-4)
        XCTAssertEqual(ChiSquaredTest.upperRegularizedGamma(5, 18.307 / 2), 0.05, accuracy: 1e-4)
        XCTAssertEqual(ChiSquaredTest.upperRegularizedGamma(1, 2.5), exp(-2.5), accuracy: 1e-12)
        let fair = ChiSquaredTest(counts: [50, 50], probabilities: [0.5, 0.5])
        XCTAssertEqual(fair.pValue, 1, accuracy: 1e-12)
        XCTAssertLessThan(ChiSquaredTest(counts: [90, 10], probabilities: [0.5, 0.5]).pValue, 1e-10)
    }

    /// The swap rule satisfies detailed balance with respect to Πₖ p_{βₖ}(sₖ), checked exactly on
    /// every pair of states of a 3-unit Boltzmann machine: π(a, b) A(a, b) = π(b, a) A(b, a).
    func testSwapRuleSatisfiesDetailedBalanceExactly() {
        let m = FullyVisibleBoltzmannMachine(units: 3, seed: 4, initScale: 1.5)
        let energies = (0..<8).map { s in m.energy((0..<3).map { Double((s >> $0) & 1) }) }
        let (b0, b1) = (0.3, 1.0)
        var worst = 0.0, moved = 0
        for a in 0..<8 {
            for b in 0..<8 {
                let piAB = exp(-b0 * energies[a] - b1 * energies[b])
                let piBA = exp(-b0 * energies[b] - b1 * energies[a])
                let aAB = ParallelTempering<FullyVisibleBoltzmannMachine>.swapProbability(betas: (b0, b1), energies: (energies[a], energies[b]))
                let aBA = ParallelTempering<FullyVisibleBoltzmannMachine>.swapProbability(betas: (b0, b1), energies: (energies[b], energies[a]))
                worst = max(worst, abs(piAB * aAB - piBA * aBA) / max(piAB * aAB, 1e-300))
                if aAB < 1 { moved += 1 }
            }
        }
        XCTAssertLessThan(worst, 1e-12)
        XCTAssertGreaterThan(moved, 0, "some swaps must be rejected with positive probability, or the test checks nothing")
        // The opposite sign would break it.
        let wrong = exp(-(b0 - b1) * (energies[0] - energies[7]))
        let right = ParallelTempering<FullyVisibleBoltzmannMachine>.swapProbability(betas: (b0, b1), energies: (energies[0], energies[7]))
        XCTAssertNotEqual(min(1, wrong), right)
    }

    func testParallelTemperingColdReplicaMatchesExactRBMWherePlainGibbsFails() throws {
        let rbm = Self.bimodalRBM()
        let exact = try Self.exactVisibleDistribution(rbm)
        let betas = try TemperatureLadder.betas(.geometric(levels: 12, smallest: 0))
        var pt = try ParallelTempering(rbm, betas: betas, seed: 3)
        let run = try XCTUnwrap(pt.run(rounds: 40_000, burnIn: 500, thin: 10))
        let test = ChiSquaredTest(binaryRows: run.samples, probabilities: exact)
        XCTAssertGreaterThan(test.pValue, 1e-3, "χ² = \(test.statistic) on \(test.degreesOfFreedom) dof")
        XCTAssertGreaterThan(run.roundTrips, 10)
        XCTAssertTrue(run.swapAcceptance.allSatisfy { $0 > 0.05 }, "\(run.swapAcceptance)")
        XCTAssertEqual(run.traces.count, 12)
        XCTAssertEqual(run.traces[0].count, run.samples.count)

        // Plain block Gibbs at β = 1 from the same kind of start stays in its mode.
        var g = Xoshiro256StarStar(seed: 3)
        var s = rbm.initialState(&g)
        var plain: [[Double]] = []
        for t in 1...40_000 {
            rbm.temperedMove(&s, beta: 1, &g)
            if t % 10 == 0 { plain.append(Array(s.prefix(rbm.visible))) }
        }
        XCTAssertLessThan(ChiSquaredTest(binaryRows: plain, probabilities: exact).pValue, 1e-6)
    }

    func testParallelTemperingOnABoltzmannMachinePassesChiSquared() throws {
        var m = FullyVisibleBoltzmannMachine(units: 5, seed: 2, initScale: 2)
        m.b = [-1, 0.5, 0, 1, -0.5]
        let exact = Self.exactDistribution(m)
        var pt = try ParallelTempering(m, betas: [0, 0.25, 0.5, 0.75, 1], seed: 9)
        let run = try XCTUnwrap(pt.run(rounds: 20_000, burnIn: 200, thin: 5))
        let test = ChiSquaredTest(binaryRows: run.samples, probabilities: exact)
        XCTAssertGreaterThan(test.pValue, 1e-3, "χ² = \(test.statistic) on \(test.degreesOfFreedom) dof")
    }

    /// The 0.8/0.2 mixture at ±3 (σ = 0.3): MALA at β = 1 keeps its start's split, PT finds 0.8.
    func testParallelTemperingGetsTheMixtureWeights() throws {
        let two = MixtureEnergy(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])
        let model = TemperedLangevin(two, stepSize: 0.02)
        let betas = try TemperatureLadder.betas(.geometric(levels: 10, smallest: 0.01), smallestBeta: model.smallestBeta)
        var left = 0, total = 0
        for seed in 0..<4 {
            var pt = try ParallelTempering(model, betas: betas, seed: UInt64(seed))
            let run = try XCTUnwrap(pt.run(rounds: 10_000, burnIn: 500, thin: 10))
            left += run.samples.filter { $0[0] < 0 }.count
            total += run.samples.count
        }
        XCTAssertEqual(Double(left) / Double(total), 0.8, accuracy: 0.05)
        XCTAssertThrowsError(try ParallelTempering(model, betas: [0, 1], seed: 0), "β = 0 is improper on ℝᵈ")
    }

    func testSimulatedTemperingGetsTheMixtureWeightsThatPlainLangevinMisses() throws {
        let two = MixtureEnergy(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])
        let model = TemperedLangevin(two, stepSize: 0.02)
        let betas = try TemperatureLadder.betas(.geometric(levels: 10, smallest: 0.01), smallestBeta: model.smallestBeta)
        var st = try SimulatedTempering(model, betas: betas, chains: 20, seed: 5)
        st.adaptWeights(steps: 20_000)
        let run = try XCTUnwrap(st.run(steps: 20_000, thin: 5))
        let share = Double(run.samples.filter { $0[0] < 0 }.count) / Double(run.samples.count)
        XCTAssertEqual(share, 0.8, accuracy: 0.05)
        XCTAssertTrue(run.occupancy.allSatisfy { $0 > 0 }, "every level visited: \(run.occupancy)")

        // Plain MALA at β = 1 from the same uniform starts keeps them where they fell.
        var g = Xoshiro256StarStar(seed: 5)
        var plainLeft = 0
        for _ in 0..<200 {
            var s = model.initialState(&g)
            for _ in 0..<2000 { model.temperedMove(&s, beta: 1, &g) }
            if s[0] < 0 { plainLeft += 1 }
        }
        XCTAssertLessThan(Double(plainLeft) / 200, 0.65)
    }

    func testSimulatedTemperingOnABimodalRBMPassesChiSquaredWherePlainGibbsFails() throws {
        let rbm = Self.bimodalRBM()
        let exact = try Self.exactVisibleDistribution(rbm)
        let betas = try TemperatureLadder.betas(.geometric(levels: 12, smallest: 0))
        var st = try SimulatedTempering(rbm, betas: betas, chains: 4, seed: 2)
        st.adaptWeights(steps: 50_000)
        let run = try XCTUnwrap(st.run(steps: 50_000, thin: 10))
        let test = ChiSquaredTest(binaryRows: run.samples, probabilities: exact)
        XCTAssertGreaterThan(run.samples.count, 1000)
        XCTAssertGreaterThan(test.pValue, 1e-3, "χ² = \(test.statistic) on \(test.degreesOfFreedom) dof, \(run.samples.count) samples")
        // One plain Gibbs chain as long as all ST chains together stays in the mode it starts in.
        var g = Xoshiro256StarStar(seed: 2)
        var s = rbm.initialState(&g)
        var plain: [[Double]] = []
        for t in 1...200_000 {
            rbm.temperedMove(&s, beta: 1, &g)
            if t % 40 == 0 { plain.append(Array(s.prefix(rbm.visible))) }
        }
        XCTAssertLessThan(ChiSquaredTest(binaryRows: plain, probabilities: exact).pValue, 1e-6)
        // The adapted weights approach −log Z(β) + log Z(1): at β = 0 the joint is uniform over 2⁷ states.
        let logZ1 = try rbm.logPartitionFunction()
        let g0 = st.weights.map { $0[0] }.reduce(0, +) / Double(st.chains)
        XCTAssertEqual(g0, -(7 * log(2.0)) + logZ1, accuracy: 0.3)
    }

    /// Simulated tempering's weights set by AIS along the ladder (not Wang–Landau) match the exact
    /// −log Z(βₖ) + log Z(1) (the joint p_β(x, h) of an RBM is the RBM with βW, βb, βc), and with
    /// them ST's β = 1 visits pass χ² against the exact p(x).
    func testSimulatedTemperingWeightsFromAISMatchExactLogZAndSample() throws {
        let rbm = Self.bimodalRBM()
        let betas = try TemperatureLadder.betas(.geometric(levels: 12, smallest: 0))
        func exactLogZ(_ beta: Double) throws -> Double {
            let f = Float(beta)
            return try RestrictedBoltzmannMachine(W: rbm.W.map { $0 * f }, b: rbm.b.map { $0 * f }, c: rbm.c.map { $0 * f })
                .logPartitionFunction()
        }
        let exactTop = try exactLogZ(1)
        let exact = try betas.map { try exactTop - exactLogZ($0) }
        let ratios = LadderAnnealedImportanceSampling(runs: 400, steps: 200, seed: 1).logPartitionRatios(rbm, betas: betas)
        let r = try XCTUnwrap(ratios)
        XCTAssertEqual(r.count, betas.count)
        XCTAssertEqual(r[0], 0)
        XCTAssertEqual(try exactLogZ(0), 7 * log(2.0), accuracy: 1e-9, "β = 0: the joint is uniform over 2⁷ states")
        var st = try SimulatedTempering(rbm, betas: betas, chains: 4, seed: 2)
        let g = try XCTUnwrap(st.setWeightsByAIS(LadderAnnealedImportanceSampling(runs: 400, steps: 200, seed: 1)))
        XCTAssertEqual(st.weights[3], g)
        XCTAssertEqual(g.last, 0)
        for k in betas.indices {
            XCTAssertEqual(g[k], exact[k], accuracy: 0.1, "level \(k), β = \(betas[k]): AIS weight \(g[k]), exact \(exact[k])")
        }
        let run = try XCTUnwrap(st.run(steps: 50_000, thin: 10))
        let test = ChiSquaredTest(binaryRows: run.samples, probabilities: try Self.exactVisibleDistribution(rbm))
        XCTAssertGreaterThan(run.samples.count, 1000)
        XCTAssertGreaterThan(test.pValue, 1e-3, "χ² = \(test.statistic) on \(test.degreesOfFreedom) dof")
        XCTAssertTrue(run.occupancy.allSatisfy { $0 > 50_000 * 4 / betas.count / 3 }, "near-flat occupancy: \(run.occupancy)")
    }

    /// On ℝ the ladder AIS starts after burn-in moves at β₀ (no exact start there): on a 1-D
    /// 0.8 / 0.2 mixture (log Z(1) = 0) its log Z(βₖ) − log Z(β₀) match quadrature of e^(−βE)
    /// to 0.1 nats, and simulated tempering with those weights gets the 0.8 / 0.2 split.
    func testLadderAISOnAContinuousEnergyMatchesQuadrature() throws {
        let two = MixtureEnergy(means: [[-3], [3]], stds: [0.3, 0.3], weights: [0.8, 0.2])
        let model = TemperedLangevin(two, stepSize: 0.02)
        let betas = try TemperatureLadder.betas(.geometric(levels: 8, smallest: 0.01), smallestBeta: model.smallestBeta)
        let grid = stride(from: -60.0, through: 60.0, by: 0.002).map { Float($0) }
        let energies = two.energies(grid, rows: grid.count).map(Double.init)
        func logZ(_ beta: Double) -> Double {
            let top = energies.map { -beta * $0 }.max() ?? 0
            return top + log(energies.reduce(0) { $0 + exp(-beta * $1 - top) } * 0.002)
        }
        XCTAssertEqual(logZ(1), 0, accuracy: 1e-6, "the quadrature itself")
        let ais = LadderAnnealedImportanceSampling(runs: 400, steps: 100, burnIn: 1000, seed: 3)
        let r = try XCTUnwrap(ais.logPartitionRatios(model, betas: betas))
        for k in betas.indices {
            XCTAssertEqual(r[k], logZ(betas[k]) - logZ(betas[0]), accuracy: 0.1, "level \(k), β = \(betas[k])")
        }
        var st = try SimulatedTempering(model, betas: betas, chains: 10, seed: 4)
        try XCTUnwrap(st.setWeightsByAIS(ais))
        let run = try XCTUnwrap(st.run(steps: 20_000, thin: 5))
        XCTAssertEqual(Double(run.samples.filter { $0[0] < 0 }.count) / Double(run.samples.count), 0.8, accuracy: 0.05)
    }

    func testLaddersAreCheckedAndAdaptationEqualisesSwapRates() throws {
        XCTAssertThrowsError(try TemperatureLadder.betas(.list([0, 0.5])))
        XCTAssertThrowsError(try TemperatureLadder.betas(.list([0, 0.7, 0.5, 1])))
        XCTAssertThrowsError(try TemperatureLadder.betas(.list([-0.1, 1])))
        XCTAssertEqual(try TemperatureLadder.betas(.geometric(levels: 3, smallest: 0.25)), [0.25, 0.5, 1])
        let rbm = Self.bimodalRBM()
        var pt = try ParallelTempering(rbm, betas: try TemperatureLadder.betas(.geometric(levels: 8, smallest: 0)), seed: 1)
        _ = pt.run(rounds: 4000)
        let before = pt.swapAcceptance
        pt.adaptLadder(target: 0.5, steps: 20, roundsPerStep: 1000)
        let after = try XCTUnwrap(pt.run(rounds: 4000)).swapAcceptance
        func spread(_ a: [Double]) -> Double { a.max()! - a.min()! }
        XCTAssertLessThan(spread(after), spread(before), "before \(before), after \(after)")
        XCTAssertEqual(pt.betas.first, 0)
        XCTAssertEqual(pt.betas.last, 1)
    }
    /// A 6 × 4 RBM with weights large enough that log Z(β) of the joint bends (deterministic).
    static func smallRBM() -> RestrictedBoltzmannMachine {
        var g = Xoshiro256StarStar(seed: 11)
        let W = (0..<24).map { _ in Float(4 * g.nextUnitDouble() - 2) }
        let b = (0..<4).map { _ in Float(2 * g.nextUnitDouble() - 1) }
        let c = (0..<6).map { _ in Float(2 * g.nextUnitDouble() - 1) }
        return RestrictedBoltzmannMachine(W: W, b: b, c: c)
    }

    /// log Z(β) of the joint e^(−βE(x, h)): Σₓ e^(βcᵀx) Πⱼ (1 + e^(β(bⱼ + Wⱼx))).
    static func jointLogZ(_ rbm: RestrictedBoltzmannMachine, beta: Double) -> Double {
        let (D, H) = (rbm.visible, rbm.hidden)
        let terms = (0..<(1 << D)).map { s -> Double in
            let x = (0..<D).map { Double((s >> $0) & 1) }
            var t = beta * zip(rbm.c, x).reduce(0) { $0 + Double($1.0) * $1.1 }
            for j in 0..<H {
                let a = Double(rbm.b[j]) + (0..<D).reduce(0) { $0 + Double(rbm.W[j * D + $1]) * x[$1] }
                t += log(1 + exp(beta * a))
            }
            return t
        }
        let top = terms.max()!
        return top + log(terms.reduce(0) { $0 + exp($1 - top) })
    }

    /// Wang–Landau weights converge to −log Z(βₖ) + log Z(1) as the adaptation runs longer (the
    /// halving-only schedule froze them up to 0.45 nats off on this model, whatever the length).
    func testWangLandauWeightsConvergeToExactLogZ() throws {
        let rbm = Self.smallRBM()
        let betas = [0, 0.25, 0.5, 1.0]
        let exact = betas.map { Self.jointLogZ(rbm, beta: 1) - Self.jointLogZ(rbm, beta: $0) }
        XCTAssertEqual(Self.jointLogZ(rbm, beta: 0), 10 * log(2.0), accuracy: 1e-9)
        func error(_ steps: Int) throws -> Double {
            var st = try SimulatedTempering(rbm, betas: betas, chains: 4, seed: 3)
            let g = try XCTUnwrap(st.adaptWeights(steps: steps))
            XCTAssertEqual(st.weights[0], g)
            XCTAssertEqual(st.weights[3], g, "every chain samples with the averaged weights")
            XCTAssertEqual(g[3], 0)
            return zip(g, exact).map { abs($0 - $1) }.max()!
        }
        let long = try error(100_000)
        XCTAssertLessThan(long, 0.05, "exact \(exact)")
        XCTAssertLessThan(long, try error(500), "longer adaptation, better weights")
        // Flat occupancy follows from right weights.
        var st = try SimulatedTempering(rbm, betas: betas, chains: 4, seed: 3)
        st.adaptWeights(steps: 50_000)
        let run = try XCTUnwrap(st.run(steps: 20_000))
        let total = Double(run.occupancy.reduce(0, +))
        for o in run.occupancy { XCTAssertEqual(Double(o) / total, 0.25, accuracy: 0.03, "\(run.occupancy)") }
    }

    /// `TemperatureLadder.placed` spaces the ladder by erfc⁻¹ of the measured acceptances and
    /// picks the number of levels from the target.
    func testLadderPlacementFollowsTheTarget() {
        let p = TemperatureLadder.placed([0, 0.5, 1], acceptance: [erfc(0.2), erfc(0.6)], target: erfc(0.2), maxLevels: 100)
        XCTAssertTrue(p.reachable)
        XCTAssertEqual(p.betas.count, 5)
        for (a, b) in zip(p.betas, [0, 0.5, 0.5 + 0.5 / 3, 0.5 + 1.0 / 3, 1]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(TemperatureLadder.placed([0, 0.5, 1], acceptance: [erfc(0.2), erfc(0.6)], target: erfc(0.4), maxLevels: 100).betas.count, 3)
        XCTAssertFalse(TemperatureLadder.placed([0, 0.5, 1], acceptance: [0.01, 0.01], target: 0.99, maxLevels: 10).reachable)
        XCTAssertEqual(TemperatureLadder.placed([0, 0.5, 1], acceptance: [0.01, 0.01], target: 0.99, maxLevels: 10).betas.count, 10)
        XCTAssertFalse(TemperatureLadder.placed([0, 0.5, 1], acceptance: [0.99, 0.99], target: 0.05, maxLevels: 10).reachable)
    }

    /// adaptLadder reaches the target swap rate: a low target gives fewer levels, a high one more,
    /// and the measured acceptance of every gap lands near the target.
    func testAdaptedLadderReachesTheTargetSwapRate() throws {
        let rbm = Self.bimodalRBM()
        var levels: [Int] = []
        for target in [0.3, 0.8] {
            var pt = try ParallelTempering(rbm, betas: try TemperatureLadder.betas(.geometric(levels: 10, smallest: 0)), seed: 1)
            XCTAssertTrue(pt.adaptLadder(target: target, steps: 10, roundsPerStep: 2000))
            let run = try XCTUnwrap(pt.run(rounds: 20_000))
            let mean = run.swapAcceptance.reduce(0, +) / Double(run.swapAcceptance.count)
            XCTAssertEqual(mean, target, accuracy: 0.1, "target \(target): \(run.swapAcceptance) on \(run.betas)")
            XCTAssertEqual(pt.betas.first, 0)
            XCTAssertEqual(pt.betas.last, 1)
            levels.append(pt.levels)
        }
        XCTAssertLessThan(levels[0], levels[1])
    }

    /// Round trips are counted per replica, and add up to the total.
    func testRoundTripsArePerReplica() throws {
        var pt = try ParallelTempering(Self.smallRBM(), betas: try TemperatureLadder.betas(.geometric(levels: 5, smallest: 0)), seed: 2)
        let run = try XCTUnwrap(pt.run(rounds: 5000, burnIn: 100))
        XCTAssertEqual(run.replicaRoundTrips.count, 5)
        XCTAssertEqual(run.replicaRoundTrips.reduce(0, +), run.roundTrips)
        XCTAssertTrue(run.replicaRoundTrips.allSatisfy { $0 > 0 }, "\(run.replicaRoundTrips)")
        let overall = run.meanRoundTripRounds
        let weighted = zip(run.replicaRoundTrips, run.replicaMeanRoundTripRounds).reduce(0) { $0 + Double($1.0) * $1.1 } / Double(run.roundTrips)
        XCTAssertEqual(weighted, overall, accuracy: 1e-9)
    }
}
