import XCTest
@testable import EBM

final class AnnealedImportanceSamplingTests: XCTestCase {
    private func assertAgrees(_ result: AnnealedImportanceSampling.Result, exact: Double, tolerance: Double = 0.1,
                              file: StaticString = #filePath, line: UInt = #line) {
        print(String(format: "AIS %d runs × %d temperatures: %.4f in [%.4f, %.4f], exact %.4f, error %+.4f, ESS %.1f",
                     result.runs, result.temperatures, result.logZ, result.lower, result.upper, exact,
                     result.logZ - exact, result.effectiveSampleSize))
        XCTAssertEqual(result.logZ, exact, accuracy: tolerance, file: file, line: line)
        XCTAssertLessThanOrEqual(result.lower, exact, "exact log Z below the error bars", file: file, line: line)
        XCTAssertGreaterThanOrEqual(result.upper, exact, "exact log Z above the error bars", file: file, line: line)
        XCTAssertLessThanOrEqual(result.lower, result.logZ, file: file, line: line)
        XCTAssertGreaterThanOrEqual(result.upper, result.logZ, file: file, line: line)
    }

    func testAgreesWithExactLogZOnA10By8Machine() throws {
        let rbm = RBMFixtures.machine(visible: 10, hidden: 8, seed: 11)
        let exact = try rbm.logPartitionFunction()
        let ais = AnnealedImportanceSampling(runs: 100, temperatures: 1000, seed: 1)
        let result = try XCTUnwrap(ais.estimate(rbm))
        XCTAssertEqual(result.logZBase, 18 * log(2.0), accuracy: 1e-12)   // uniform base: (D + H) log 2
        XCTAssertEqual(result.logWeights.count, 100)
        XCTAssertEqual(result.temperatures, 1000)
        assertAgrees(result, exact: exact)
    }

    func testAgreesWithExactLogZOnA6By12MachineWithDataBaseRates() throws {
        let rbm = RBMFixtures.machine(visible: 6, hidden: 12, seed: 23)
        let exact = try rbm.logPartitionFunction()
        // Data from the model itself, so the base rates are meaningful.
        var chain = GibbsChain(rbm, count: 200, seed: 5, start: .random)
        _ = chain.run(rbm, steps: 50, every: 50)
        let data = chain.samples
        let ais = AnnealedImportanceSampling(runs: 100, temperatures: 2000, seed: 2)
        let result = try XCTUnwrap(ais.estimate(rbm, data: data))
        XCTAssertNotEqual(result.baseVisibleBiases, [Float](repeating: 0, count: 6))
        assertAgrees(result, exact: exact)
        // The data base rates need not help on a random machine, but the uniform base must agree too.
        assertAgrees(try XCTUnwrap(ais.estimate(rbm)), exact: exact)
    }

    func testBaseRateBiasesAndBaseLogZMatchExactEnumeration() throws {
        let data = Tensor(shape: [4, 3], scalars: [1, 0, 1,
                                                    1, 0, 0,
                                                    1, 0, 1,
                                                    0, 0, 1])
        let cA = AnnealedImportanceSampling.baseRateBiases(visible: 3, data: data)
        XCTAssertEqual(Double(cA[0]), log(0.75 / 0.25), accuracy: 1e-6)
        XCTAssertEqual(Double(cA[1]), log(1e-3 / (1 - 1e-3)), accuracy: 1e-4)   // clipped
        XCTAssertEqual(Double(cA[2]), log(0.75 / 0.25), accuracy: 1e-6)
        XCTAssertEqual(AnnealedImportanceSampling.baseRateBiases(visible: 3, data: nil), [0, 0, 0])

        let base = RestrictedBoltzmannMachine(W: [Float](repeating: 0, count: 5 * 3),
                                              b: [Float](repeating: 0, count: 5), c: cA)
        XCTAssertEqual(AnnealedImportanceSampling.baseLogPartitionFunction(visibleBiases: cA, hidden: 5),
                       try base.logPartitionFunction(), accuracy: 1e-9)
    }

    func testTargetEqualToTheBaseGivesExactZeroWeights() throws {
        let data = RBMFixtures.data(rows: 30, visible: 7, seed: 3)
        let cA = AnnealedImportanceSampling.baseRateBiases(visible: 7, data: data)
        let base = RestrictedBoltzmannMachine(W: [Float](repeating: 0, count: 4 * 7),
                                              b: [Float](repeating: 0, count: 4), c: cA)
        let result = try XCTUnwrap(AnnealedImportanceSampling(runs: 10, temperatures: 50, seed: 0).estimate(base, data: data))
        XCTAssertEqual(result.logWeights, [Double](repeating: 0, count: 10))
        XCTAssertEqual(result.logZ, try base.logPartitionFunction(), accuracy: 1e-9)
        XCTAssertEqual(result.lower, result.logZ)
        XCTAssertEqual(result.upper, result.logZ)
        XCTAssertEqual(result.effectiveSampleSize, 10, accuracy: 1e-12)
    }

    func testSameSeedGivesTheSameResult() throws {
        let rbm = RBMFixtures.machine(visible: 10, hidden: 8, seed: 11)
        let ais = AnnealedImportanceSampling(runs: 20, temperatures: 300, seed: 42)
        let first = try XCTUnwrap(ais.estimate(rbm))
        XCTAssertEqual(first, try XCTUnwrap(ais.estimate(rbm)))
        var other = ais
        other.seed = 43
        XCTAssertNotEqual(first.logWeights, try XCTUnwrap(other.estimate(rbm)).logWeights)
    }

    func testRunsDoNotDependOnHowManyRunBeside() throws {
        // Run r uses stream r only, so the first runs of a larger batch repeat a smaller batch.
        let rbm = RBMFixtures.machine(visible: 6, hidden: 12, seed: 23)
        let small = try XCTUnwrap(AnnealedImportanceSampling(runs: 3, temperatures: 200, seed: 9).estimate(rbm))
        let large = try XCTUnwrap(AnnealedImportanceSampling(runs: 8, temperatures: 200, seed: 9).estimate(rbm))
        XCTAssertEqual(small.logWeights, Array(large.logWeights.prefix(3)))
    }

    /// With 10⁵ temperatures the estimate holds the exact value within its error bars, which
    /// are then narrow (the log-weight terms are about 10⁻⁵ each; see
    /// `testSoftplusStepAtCloseTemperatures` for their accuracy).
    func testManyTemperaturesStayExactToTheirErrorBars() throws {
        let rbm = RBMFixtures.machine(visible: 10, hidden: 8, seed: 11)
        let exact = try rbm.logPartitionFunction()
        let result = try XCTUnwrap(AnnealedImportanceSampling(runs: 50, temperatures: 100_000, seed: 3).estimate(rbm))
        assertAgrees(result, exact: exact, tolerance: 0.003)
        XCTAssertLessThan(result.upper - result.lower, 0.01)
    }

    func testWeightVarianceShrinksWithMoreTemperatures() throws {
        let rbm = RBMFixtures.machine(visible: 10, hidden: 8, seed: 11)
        func variance(_ temperatures: Int) throws -> Double {
            let w = try XCTUnwrap(AnnealedImportanceSampling(runs: 100, temperatures: temperatures, seed: 7).estimate(rbm)).logWeights
            let mean = w.reduce(0, +) / Double(w.count)
            return w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(w.count - 1)
        }
        let coarse = try variance(10), medium = try variance(100), fine = try variance(1000)
        print(String(format: "var(log w): K=10 %.4f, K=100 %.4f, K=1000 %.4f", coarse, medium, fine))
        XCTAssertGreaterThan(coarse, medium)
        XCTAssertGreaterThan(medium, fine)
    }

    func testShouldStopIsPolledEvery100TemperaturesAndAbandons() {
        let rbm = RBMFixtures.machine(visible: 6, hidden: 4, seed: 1)
        var polls = 0
        let finished = AnnealedImportanceSampling(runs: 4, temperatures: 1000, seed: 0).estimate(rbm) {
            polls += 1
            return false
        }
        XCTAssertNotNil(finished)
        XCTAssertEqual(polls, 9)   // at k = 100, 200, …, 900 of k = 1 … 999
        polls = 0
        let stopped = AnnealedImportanceSampling(runs: 4, temperatures: 1000, seed: 0).estimate(rbm) {
            polls += 1
            return polls == 2
        }
        XCTAssertNil(stopped)
        XCTAssertEqual(polls, 2)
    }

    func testScheduleIsLinearFromZeroToOne() {
        let schedule = AnnealedImportanceSampling(runs: 1, temperatures: 5).schedule
        XCTAssertEqual(schedule, [0, 0.25, 0.5, 0.75, 1])
    }
}
