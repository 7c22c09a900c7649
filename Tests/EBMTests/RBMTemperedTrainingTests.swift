import XCTest
@testable import EBM

/// PT-k as the negative phase (Desjardins et al. 2010) against PCD-1 and CD-1 on 4 × 4 bars and
/// stripes at the same learning rate, the setting where rbm-bars-and-stripes.ebm shows PCD-1's
/// exact log-likelihood decline.
final class RBMTemperedTrainingTests: XCTestCase {
    static func train(_ sampler: any NegativePhaseSampler, epochs: Int = 3000) -> TrainingHistory {
        let data = Dataset.barsAndStripes(4).examples
        var m = RestrictedBoltzmannMachine(visible: 16, hidden: 16, seed: 1)
        var o = RBMTrainingOptions()
        o.sampler = sampler
        o.learningRate = 0.05
        o.batchSize = 4
        o.epochs = epochs
        o.seed = 1
        o.monitorEvery = 250
        var t = RBMTrainer(options: o)
        _ = t.train(&m, on: data)
        return t.history
    }

    func testParallelTemperingAvoidsTheDeclineOfPCD() throws {
        let betas = try TemperatureLadder.betas(.geometric(levels: 10, smallest: 0))
        let cd = Self.train(ContrastiveDivergence(k: 1)).values("loglik").compactMap { $0 }
        let pcd = Self.train(PersistentContrastiveDivergence(k: 1)).values("loglik").compactMap { $0 }
        let pt = Self.train(try ParallelTemperingSampler(betas: betas, k: 1)).values("loglik").compactMap { $0 }
        func line(_ v: [Double]) -> String { v.map { String(format: "%.2f", $0) }.joined(separator: " ") }
        print("exact log-likelihood every 250 epochs\nCD-1  \(line(cd))\nPCD-1 \(line(pcd))\nPT-1  \(line(pt))")
        XCTAssertEqual(pt.count, 12)
        // PT's worst late value beats PCD-1's worst late value: it does not decline as PCD does.
        XCTAssertGreaterThan(pt.suffix(6).min()!, pcd.suffix(6).min()! + 1)
    }

    func testParallelTemperingTrainingContinuesAndIsReproducible() throws {
        let betas = [0, 0.5, 1.0]
        let once = Self.train(try ParallelTemperingSampler(betas: betas), epochs: 20)
        let again = Self.train(try ParallelTemperingSampler(betas: betas), epochs: 20)
        XCTAssertEqual(once.values("loglik"), again.values("loglik"))
        var o = RBMTrainingOptions()
        o.sampler = try ParallelTemperingSampler(betas: betas)
        var p = o
        p.sampler = PersistentContrastiveDivergence(k: 1)
        XCTAssertFalse(o.continues(p), "PT-1 does not continue a PCD-1 trainer")
        XCTAssertTrue(o.continues(o))
        XCTAssertThrowsError(try ParallelTemperingSampler(betas: [0, 0.5]))
    }
}
