import XCTest
@testable import EBM

/// The shared checks of issue 10: unit states, non-finite chains and parameters, the memory budget.
final class RobustnessTests: XCTestCase {
    func testUnitStatesNameTheFirstEntryThatIsNoState() {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 1, 2, 0, 1])
        XCTAssertThrowsError(try UnitStates.unitInterval.check(x)) { error in
            XCTAssertEqual(error as? UnitStateError, UnitStateError(states: .unitInterval, row: 1, column: 0, value: 2))
            XCTAssertEqual((error as? UnitStateError)?.entry, "row 1, column 0 is 2")
        }
        let grey = Tensor(shape: [1, 2], scalars: [0.5, 1])
        XCTAssertNoThrow(try UnitStates.unitInterval.check(grey))
        XCTAssertThrowsError(try UnitStates.binary.check(grey))
        XCTAssertThrowsError(try UnitStates.unitInterval.check(Tensor(shape: [1, 1], scalars: [.nan])), "NaN is no state")
        XCTAssertThrowsError(try UnitStates.integer.check(Tensor(shape: [1, 2], scalars: [3, .infinity])))
        XCTAssertNoThrow(try UnitStates.integer.check(Tensor(shape: [1, 2], scalars: [3, -2])))
    }

    func testLangevinRunCountsChainsThatBecameNonFinite() {
        let run = LangevinRun(snapshots: [(0, [0, 0, 1, 1]), (10, [0, 0, 1, 1]), (20, [.nan, 0, 3, .infinity])],
                              chains: 2, dimension: 2, acceptanceRate: nil)
        XCTAssertEqual(run.nonFiniteChains, 2)
        XCTAssertEqual(run.firstNonFiniteStep, 20)
        XCTAssertThrowsError(try run.requireFiniteStates()) { error in
            XCTAssertEqual((error as? NonFiniteChainsError)?.description, "2 of 2 chains hold NaN or ±inf (the first by step 20)")
        }
        let fine = LangevinRun(snapshots: [(0, [0, 1])], chains: 1, dimension: 2, acceptanceRate: nil)
        XCTAssertEqual(fine.nonFiniteChains, 0)
        XCTAssertNoThrow(try fine.requireFiniteStates())
    }

    func testDivergedLangevinOnAGaussianIsCounted() throws {
        // The input: ε = 10 on N(0, I) overshoots further every step until it overflows.
        var settings = LangevinSettings()
        settings.steps = 1000
        settings.stepSize = 10
        settings.seed = 1
        let g = GaussianEnergy(mean: [0, 0], std: [1, 1])
        let run = try XCTUnwrap(LangevinDynamics.run(g, start: [Float](repeating: 0.5, count: 200), chains: 100, settings: settings))
        XCTAssertEqual(run.nonFiniteChains, 100)
    }

    func testExactSumsNameANonFiniteParameter() throws {
        var m = RestrictedBoltzmannMachine(visible: 3, hidden: 2, seed: 1)
        m.W[1 * 3 + 2] = .infinity
        XCTAssertThrowsError(try m.logPartitionFunction()) { error in
            XCTAssertEqual(error as? NonFiniteParameterError, NonFiniteParameterError(name: "W[1,2]", value: .infinity))
        }
        XCTAssertThrowsError(try m.exactLogLikelihood(Tensor(shape: [1, 3], scalars: [0, 1, 0])))
        XCTAssertThrowsError(try m.exactGradient(Tensor(shape: [1, 3], scalars: [0, 1, 0])))
        m.W[1 * 3 + 2] = 0
        m.c[2] = .nan
        XCTAssertThrowsError(try m.logPartitionFunction()) { error in
            XCTAssertEqual((error as? NonFiniteParameterError)?.name, "c[2]")
        }
        var b = FullyVisibleBoltzmannMachine(units: 3, seed: 1)
        b.setWeight(0, 2, -.infinity)
        XCTAssertThrowsError(try b.logPartitionFunction()) { error in
            XCTAssertEqual((error as? NonFiniteParameterError)?.name, "W[0,2]")
        }
    }

    func testMemoryBudgetParsesSizesAndRefusesWhatItCannotRead() {
        XCTAssertEqual(MemoryBudget.parse("4G"), 4 << 30)
        XCTAssertEqual(MemoryBudget.parse("512M"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("64k"), 64 << 10)
        XCTAssertEqual(MemoryBudget.parse("1.5GB"), 3 << 29)
        XCTAssertEqual(MemoryBudget.parse("2GiB"), 2 << 30)
        XCTAssertEqual(MemoryBudget.parse("1000"), 1000)
        XCTAssertEqual(MemoryBudget.parse("25%", physicalMemory: 1 << 30), 1 << 28)
        for bad in ["", "G", "-1G", "lots", "0", "200%", "nan", "inf"] { XCTAssertNil(MemoryBudget.parse(bad), bad) }
        XCTAssertThrowsError(try MemoryBudget.fromEnvironment([MemoryBudget.environmentVariable: "lots"]))
        XCTAssertEqual(try MemoryBudget.fromEnvironment([MemoryBudget.environmentVariable: "1M"]).bytes, 1 << 20)
        XCTAssertEqual(try MemoryBudget.fromEnvironment([:]), MemoryBudget.standard)
        XCTAssertEqual(MemoryBudget.standard.bytes, Int(Double(MemoryBudget.physicalMemory) * 0.25))
    }

    func testMemoryBudgetStatesTheSizeNeededAndSaturatesProducts() {
        let budget = MemoryBudget(bytes: 1 << 30, source: "test")
        XCTAssertNoThrow(try budget.check(1 << 30, for: "x", lower: "y"))
        XCTAssertThrowsError(try budget.check(MemoryBudget.product(100_000, 10_002, 16, 4, 2), for: "gibbs", lower: "chains")) { error in
            XCTAssertEqual((error as? MemoryBudgetExceeded)?.description, "gibbs needs 119 GB of memory, more than the budget of 1 GB (test)")
        }
        XCTAssertEqual(MemoryBudget.product(1 << 40, 1 << 40), Int.max)
        XCTAssertEqual(MemoryBudget.sum(Int.max, 1), Int.max)
        XCTAssertEqual(MemoryBudget.format(800), "800 bytes")
        XCTAssertEqual(MemoryBudget.format(3 << 19), "1.5 MB")
    }

    func testFamiliesDeclareTheStatesOfTheirUnitsOnce() {
        let rbm = RestrictedBoltzmannMachine(visible: 3, hidden: 2, seed: 1)
        XCTAssertEqual(rbm.unitStates, .unitInterval, "the visible layer's binary units take [0, 1]")
        XCTAssertEqual(rbm.latentUnitStates, .unitInterval)
        XCTAssertEqual(FullyVisibleBoltzmannMachine(units: 3, seed: 1).unitStates, .binary)
        XCTAssertNil(GaussianEnergy(mean: [0], std: [1]).unitStates)
        XCTAssertNil(NeuralEnergy(dims: [2, 3, 1], seed: 1).unitStates)
        let units = BinaryUnits()
        XCTAssertEqual(units.states, .unitInterval)
        XCTAssertTrue(units.isInSupport(0.5))
        XCTAssertFalse(units.isInSupport(2))
        XCTAssertFalse(units.isInSupport(.nan))
    }

    func testEveryFamilyNamesItsFirstNonFiniteParameter() {
        var e = NeuralEnergy(dims: [2, 3, 1], seed: 1)
        XCTAssertNoThrow(try e.requireFiniteParameters())
        var θ = e.parameterVector
        θ[7] = -.infinity
        e.setParameterVector(θ)
        XCTAssertThrowsError(try e.requireFiniteParameters()) { error in
            XCTAssertEqual(error as? NonFiniteParameterError, NonFiniteParameterError(name: e.parameterEntryName(7), value: -.infinity))
        }
    }

    func testNetworksDeclareTheirWorkingMemoryPerRow() {
        XCTAssertEqual(NeuralEnergy(dims: [2, 3, 1], seed: 1).workingFloatsPerRow, 3 * (2 + 3 + 1))
        XCTAssertEqual(GaussianEnergy(mean: [0], std: [1]).workingFloatsPerRow, 0)
    }
}
