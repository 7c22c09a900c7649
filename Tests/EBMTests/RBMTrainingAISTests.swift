import XCTest
@testable import EBM

/// AIS estimates recorded in training histories.
final class RBMTrainingAISTests: XCTestCase {
    private func train(aisEvery: Int?, seed: UInt64 = 1) -> TrainingHistory {
        var r = RestrictedBoltzmannMachine(visible: 9, hidden: 6, seed: 2, initScale: 0.1)
        var options = RBMTrainingOptions()
        options.sampler = PersistentContrastiveDivergence(k: 1)
        options.learningRate = 0.05
        options.batchSize = 4
        options.epochs = 5
        options.seed = seed
        options.monitorEvery = 1
        options.aisEvery = aisEvery
        options.aisRuns = 100
        options.aisTemperatures = 2000
        var trainer = RBMTrainer(options: options)
        XCTAssertEqual(trainer.train(&r, on: Dataset.barsAndStripes(3).examples), .completed(step: 5))
        return trainer.history
    }

    func testEstimatesAppearEveryNEpochsAndAfterTheLastAndHoldTheExactValue() throws {
        let history = train(aisEvery: 2)
        let logZ = try XCTUnwrap(history["ais_log_z"])
        XCTAssertTrue(logZ.hasErrorBars)
        XCTAssertEqual(history.steps.indices.filter { logZ.values[$0] != nil }.map { history.steps[$0] }, [2, 4, 5])
        for r in history.steps.indices {
            guard let z = logZ.values[r], let lower = logZ.lower?[r], let upper = logZ.upper?[r],
                  let exact = history.values("loglik")[r], let estimated = history.values("ais_loglik")[r] else { continue }
            // The exact log-likelihood is inside the interval AIS's ±3σ on log Z implies.
            let meanF = estimated + z
            XCTAssertLessThanOrEqual(meanF - upper, exact + 1e-9, "epoch \(history.steps[r])")
            XCTAssertGreaterThanOrEqual(meanF - lower, exact - 1e-9, "epoch \(history.steps[r])")
            XCTAssertEqual(estimated, exact, accuracy: 0.05)
        }
    }

    func testReproducibleAndAbsentWhenNotAsked() {
        // Everything but the timings repeats.
        func untimed(_ h: TrainingHistory) -> [[Double?]] { h.columns.filter { $0.name != "seconds" }.map(\.values) }
        XCTAssertEqual(untimed(train(aisEvery: 2)), untimed(train(aisEvery: 2)))
        let plain = train(aisEvery: nil)
        XCTAssertTrue(plain.values("ais_log_z").allSatisfy { $0 == nil } && plain.values("ais_loglik").allSatisfy { $0 == nil })
    }
}
