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
        XCTAssertEqual(trainer.train(&r, on: Dataset.barsAndStripes(3).examples), .completed(epoch: 5))
        return trainer.history
    }

    func testEstimatesAppearEveryNEpochsAndAfterTheLastAndHoldTheExactValue() throws {
        let history = train(aisEvery: 2)
        XCTAssertEqual(history.epochs.filter { $0.ais != nil }.map(\.epoch), [2, 4, 5])
        for e in history.epochs {
            guard let ais = e.ais, let exact = e.logLikelihood, let estimated = e.aisLogLikelihood else { continue }
            // The exact log-likelihood is inside the interval AIS's ±3σ on log Z implies.
            let meanF = estimated + ais.logZ
            XCTAssertLessThanOrEqual(meanF - ais.upper, exact + 1e-9, "epoch \(e.epoch)")
            XCTAssertGreaterThanOrEqual(meanF - ais.lower, exact - 1e-9, "epoch \(e.epoch)")
            XCTAssertEqual(estimated, exact, accuracy: 0.05)
        }
    }

    func testReproducibleAndAbsentWhenNotAsked() {
        // Everything but the timings repeats.
        func untimed(_ h: TrainingHistory) -> [RBMEpochRecord] { h.epochs.map { var e = $0; e.seconds = 0; return e } }
        XCTAssertEqual(untimed(train(aisEvery: 2)), untimed(train(aisEvery: 2)))
        XCTAssertTrue(train(aisEvery: nil).epochs.allSatisfy { $0.ais == nil && $0.aisLogLikelihood == nil })
    }
}
