import XCTest
@testable import EBMScript

/// Records what a command reports, as a terminal's progress bar would draw it.
final class RecordingProgress: ProgressReporter {
    var tasks: [(title: String, total: Int?)] = []
    var lastDone: [Int] = []
    var open = 0
    func begin(_ title: String, total: Int?) { tasks.append((title, total)); lastDone.append(0); open += 1 }
    func update(done: Int, status: String) { lastDone[lastDone.count - 1] = done }
    func end() { open -= 1 }
}

final class ProgressTests: XCTestCase {
    /// Every long command shows progress, counts to its total, and closes its bar.
    func testLongWorkReportsProgressToTheEnd() {
        let s = Session()
        let progress = RecordingProgress()
        s.progress = progress
        eval(s, "m = rbm(visible: 9, hidden: 3, seed: 1)\nd = bars_and_stripes(3)")
        eval(s, "a = ais(m, runs: 10, betas: 1000)")
        eval(s, "e = derive(m, d, derivation: \"estimators\", repeats: 4, burn_in: 200, ks: [1, 2])")
        eval(s, "x = annealed_langevin(mixture(), chains: 10, steps: 20, sigmas: [1, 0.5])")
        XCTAssertEqual(progress.tasks.map(\.title), ["ais", "derive estimators", "annealed_langevin"])
        XCTAssertEqual(progress.tasks.map(\.total), [1000, 208, 40])
        XCTAssertEqual(progress.lastDone, [1000, 208, 40])
        XCTAssertEqual(progress.open, 0, "every bar is ended")
    }
}
