import XCTest
@testable import EBM

/// The derivations check every line; these tests check that the checks are real: the lines
/// agree with independent computations, the text's slips are caught, and bad requests fail.
final class DerivationTests: XCTestCase {
    private let data = Dataset.barsAndStripes(3).examples

    private func lines(_ d: Derivation) -> [Derivation.Line] { d.sections.flatMap(\.lines) }

    func testLogLikelihoodGradientOfABoltzmannMachineChecksAndMatchesTheExactGradient() throws {
        let m = FullyVisibleBoltzmannMachine(units: 9, seed: 1)
        let d = try LogLikelihoodGradientDerivation.derive(m, data: data)
        XCTAssertTrue(d.allChecksPass)
        XCTAssertEqual(d.components.count, m.parameterCount)
        // (18.4)'s finite differences are the gradient `grad` computes.
        let lhs = try XCTUnwrap(lines(d).first { $0.label == "(18.4)" }).value.values
        let exact = try m.exactGradient(data)
        for k in exact.indices { XCTAssertEqual(lhs[k], exact[k], accuracy: 1e-7) }
        XCTAssertEqual(lines(d).filter { if case .equal = $0.check { return true } else { return false } }.count, 9)
    }

    func testEveryDerivationOfAnRBMChecks() throws {
        let r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2, initScale: 0.5)
        XCTAssertTrue(try LogLikelihoodGradientDerivation.derive(r, data: data).allChecksPass)
        XCTAssertTrue(try RBMGradientDerivation.derive(r, data: data).allChecksPass)
        var one = DerivationSettings()
        one.parameter = "W[2, 4]"
        let single = try RBMGradientDerivation.derive(r, data: data, settings: one)
        XCTAssertEqual(single.components, ["W[2,4]"])
        XCTAssertTrue(single.allChecksPass)
        XCTAssertTrue(try FreeEnergyDerivation.derive(r, data: data).allChecksPass)
    }

    /// The slips of 003 are evaluated and shown to differ: sign instead of σ, and eq 13.2's signs.
    func testTheTextsSlipsAreCaught() throws {
        let r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2, initScale: 0.5)
        let d = try FreeEnergyDerivation.derive(r, data: data)
        let slips = lines(d).compactMap { line -> Double? in
            if case .textDiffers(let difference) = line.check { return difference } else { return nil }
        }
        XCTAssertEqual(slips.count, 2)
        for s in slips { XCTAssertGreaterThan(s, 0.01) }
        // The text's eq 13.2 is exactly the negative of the right one.
        let right = try XCTUnwrap(lines(d).first { $0.label == "(13.2)" }).value.values
        let text = try XCTUnwrap(lines(d).first { $0.formula.contains("as 003 writes it") }).value.values
        for (a, b) in zip(right, text) { XCTAssertEqual(a, -b, accuracy: 1e-12) }
    }

    func testAWrongLineWouldFail() {
        let a = Derivation.Quantity.vector([1, 2, 3]), b = Derivation.Quantity.vector([1, 2, 3.001])
        XCTAssertFalse(Derivation.compare(a, b).passed)
        XCTAssertTrue(Derivation.compare(a, .vector([1, 2, 3 + 1e-9])).passed)
    }

    func testBadRequestsAreRefused() {
        let r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2)
        var s = DerivationSettings()
        s.parameter = "W[9,9]"
        XCTAssertThrowsError(try RBMGradientDerivation.derive(r, data: data, settings: s)) { error in
            guard case .unknownParameter("W[9,9]", _)? = error as? DerivationError else { return XCTFail("\(error)") }
        }
        let big = RestrictedBoltzmannMachine(visible: 16, hidden: 16, seed: 1)
        XCTAssertThrowsError(try RBMGradientDerivation.derive(big, data: Dataset.barsAndStripes(4).examples))
        var row = DerivationSettings()
        row.row = 99
        XCTAssertThrowsError(try FreeEnergyDerivation.derive(r, data: data, settings: row))
    }

    func testFiniteDifferencesAgreeWithTheAnalyticGradients() throws {
        let r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2, initScale: 0.5)
        let rc = try FiniteDifferenceCheck.check(r, data: data, count: 10, seed: 1)
        XCTAssertEqual(rc.components.count, 10)
        XCTAssertTrue(rc.passed, "largest difference \(rc.largestDifference)")
        let m = FullyVisibleBoltzmannMachine(units: 9, seed: 1)
        let mc = try FiniteDifferenceCheck.check(m, data: data, count: 100)
        XCTAssertEqual(mc.components.count, m.parameterCount, "all of them when there are fewer than asked for")
        XCTAssertTrue(mc.passed)
    }

    /// CD-1 is measurably biased; more Gibbs steps and PCD are much less so.
    func testCDOneIsBiasedAndLongerChainsAreNot() throws {
        var r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2, initScale: 0.5)
        var options = RBMTrainingOptions()
        options.batchSize = 16
        options.epochs = 300
        options.seed = 1
        options.monitorEvery = 300
        var trainer = RBMTrainer(options: options)
        _ = trainer.train(&r, on: data)
        let c = try XCTUnwrap(try GradientEstimatorComparison.compare(r, data: data, ks: [1, 10], repeats: 1000, seed: 3))
        let (cd1, cd10, pcd) = (c.rows[0], c.rows[1], c.rows[2])
        XCTAssertEqual([cd1.name, cd10.name, pcd.name], ["CD-1", "CD-10", "PCD-1"])
        XCTAssertGreaterThan(cd1.bias, 4 * cd1.biasNoise)
        XCTAssertLessThan(cd10.bias, cd1.bias / 2)
        XCTAssertLessThan(pcd.bias, cd1.bias / 2)
    }
}
