import EBM
import EBMIO
import Foundation
import XCTest

/// Model files keep no wall-clock time: the same training writes the same bytes, so a notebook
/// that saves a trained model leaves the file unchanged when it replays.
final class ModelFileWallClockTests: TemporaryFolderTestCase {
    private func trained() -> ModelFile.Contents {
        var o = RBMTrainingOptions()
        o.sampler = PersistentContrastiveDivergence(k: 1)
        o.learningRate = 0.1
        o.batchSize = 4
        o.epochs = 3
        o.seed = 5
        var m = RestrictedBoltzmannMachine(visible: 9, hidden: 4, seed: 2)
        var t = RBMTrainer(options: o)
        _ = t.train(&m, on: Dataset.barsAndStripes(3).examples)
        return ModelFile.Contents(model: .rbm(m, imageShape: nil), trainer: .rbm(t))
    }

    func testTheSameTrainingWritesTheSameBytes() throws {
        let first = trained(), second = trained()
        guard case .rbm(let t)? = first.trainer else { return XCTFail("no trainer") }
        // In memory the epochs' seconds are there (and differ run to run)…
        XCTAssertEqual(t.history.values(TrainingHistory.wallClockColumn).compactMap { $0 }.count, 3)
        XCTAssertEqual(try ModelFile.encode(first, path: "a.ebm"), try ModelFile.encode(second, path: "a.ebm"))
        // …the file keeps every other column and leaves the seconds unrecorded.
        try ModelFile.write(first, to: folder + "/m.ebm")
        guard case .rbm(let back)? = try ModelFile.read(path: folder + "/m.ebm").trainer else { return XCTFail("no trainer") }
        XCTAssertEqual(back.history.values("seconds"), [nil, nil, nil])
        XCTAssertEqual(back.history.values("recon"), t.history.values("recon"))
        XCTAssertEqual(back.history.columnNames, t.history.columnNames)
    }
}
