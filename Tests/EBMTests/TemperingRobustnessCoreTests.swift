import XCTest
@testable import EBM

/// Issue 13's trial, at the level of the samplers and the trainer: a stopped run keeps what it
/// drew, NaN energies are counted, and an lr_sigma step that sends σ to 0 or ∞ is a divergence.
final class TemperingRobustnessCoreTests: XCTestCase {
    func testStoppedParallelTemperingKeepsItsSamples() throws {
        let rbm = RestrictedBoltzmannMachine(visible: 6, hidden: 2, seed: 1, initScale: 1)
        var pt = try ParallelTempering(rbm, betas: [0, 0.5, 1], seed: 1)
        var polls = 0
        let run = try XCTUnwrap(pt.run(rounds: 1_000_000, burnIn: 0, thin: 1, shouldStop: { polls += 1; return polls > 3 }))
        // The 4th poll comes before round 400: 399 rounds done, each kept.
        XCTAssertEqual(run.stopped?.rounds, 399)
        XCTAssertEqual(run.samples.count, 399)
        XCTAssertEqual(run.traces[0].count, 399)
        var again = try ParallelTempering(rbm, betas: [0, 0.5, 1], seed: 1)
        XCTAssertNil(try XCTUnwrap(again.run(rounds: 50)).stopped)
        var st = try SimulatedTempering(rbm, betas: [0, 0.5, 1], seed: 1)
        polls = 0
        let stRun = try XCTUnwrap(st.run(steps: 1_000_000, shouldStop: { polls += 1; return polls > 2 }))
        XCTAssertEqual(stRun.stoppedAfter, 299)
        XCTAssertEqual(stRun.trace.count, 299)
    }

    /// E(x) = log(x₀ − 5) is NaN wherever the chains start: the run says how often.
    func testNonFiniteEnergiesAreCounted() throws {
        struct LogEnergy: ContinuousEnergy {
            var dimension: Int { 1 }
            var description: String { "E(x) = log(x − 5)" }
            var workingFloatsPerRow: Int { 0 }
            func energies(_ x: [Float], rows: Int) -> [Float] { (0..<rows).map { Float(log(Double(x[$0]) - 5)) } }
            func energiesAndGradients(_ x: [Float], rows: Int) -> (energies: [Float], gradients: [Float]) {
                (energies(x, rows: rows), (0..<rows).map { Float(1 / (Double(x[$0]) - 5)) })
            }
        }
        var pt = try ParallelTempering(TemperedLangevin(LogEnergy()), betas: [0.1, 1], seed: 1)
        let run = try XCTUnwrap(pt.run(rounds: 10))
        XCTAssertEqual(run.nonFiniteEnergies, 20)
        XCTAssertEqual(run.firstNonFinite?.round, 1)
        XCTAssertEqual(run.moveAcceptance, [0, 0])
    }

    func testSigmaStepToZeroIsADivergenceNamingLrSigma() {
        var model = GaussianBernoulliRBM(visible: 2, hidden: 3, seed: 1, initScale: 0.8)
        let start = model
        var options = GaussianRBMTrainingOptions()
        options.learningRate = 1
        options.sigmaLearningRate = 30
        options.epochs = 5
        options.seed = 1
        var g = Xoshiro256StarStar(seed: 1)
        var x = [Float](repeating: 0, count: 100)
        g.fillStandardNormal(&x, from: 0, count: 100)
        var trainer = GaussianRBMTrainer(options: options)
        let outcome = trainer.train(&model, on: Tensor(shape: [50, 2], scalars: x), shouldStop: { false }, progress: { _ in })
        guard case .diverged(let d) = outcome else { return XCTFail("expected a divergence, got \(outcome)") }
        XCTAssertEqual(d.setting, "lr_sigma")
        XCTAssertEqual(d.value, 30)
        XCTAssertTrue(GaussianUnits.isValid(sigma: model.sigma))
        XCTAssertTrue(d.restoredStep == 0 ? model == start : true)
    }
}
