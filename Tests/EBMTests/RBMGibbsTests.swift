import XCTest
@testable import EBM

final class RBMGibbsTests: XCTestCase {
    /// The histogram of visible states over many chains and steps of a 3 × 2 RBM (D = 3, H = 2)
    /// converges to the exact p(x): total-variation distance below 0.01 with 96,000 samples
    /// (the sampling noise alone is about 0.004).
    func testChainHistogramConvergesToTheExactDistribution() {
        let m = RBMFixtures.machine(visible: 3, hidden: 2, seed: 8, scale: 1.5)
        let exact = RBMBruteForce(rbm: m).visibleDistribution
        var chain = GibbsChain(m, count: 800, seed: 1, start: .random)
        _ = chain.run(m, steps: 30, every: 30)   // burn-in
        var counts = [Int](repeating: 0, count: 8)
        for snapshot in chain.run(m, steps: 240, every: 2) {
            for r in 0..<snapshot.samples.shape[0] {
                let s = snapshot.samples.scalars
                counts[Int(s[r * 3]) | Int(s[r * 3 + 1]) << 1 | Int(s[r * 3 + 2]) << 2] += 1
            }
        }
        let total = Double(counts.reduce(0, +))
        let tv = 0.5 * zip(counts, exact).reduce(0) { $0 + abs(Double($1.0) / total - $1.1) }
        XCTAssertLessThan(tv, 0.01, "empirical \(counts.map { Double($0) / total }) vs exact \(exact)")
        XCTAssertGreaterThan(exact.max() ?? 0, 2 * (exact.min() ?? 0), "the test machine should be far from uniform")
    }

    func testChainsDoNotDependOnTheirCompanions() {
        let m = RBMFixtures.machine(visible: 6, hidden: 4, seed: 2)
        var all = GibbsChain(m, count: 6, seed: 3, start: .random)
        var some = GibbsChain(m, chains: 2..<4, seed: 3, start: .random)
        for _ in 0..<20 {
            all.advance(m)
            some.advance(m)
        }
        XCTAssertEqual(Array(all.samples.scalars[12..<24]), some.samples.scalars)
        XCTAssertEqual(Array(all.hiddenSamples.scalars[8..<16]), some.hiddenSamples.scalars)
    }

    func testSnapshotsAndStartFromData() {
        let m = RBMFixtures.machine(visible: 4, hidden: 3, seed: 1)
        let data = Tensor(shape: [2, 4], scalars: [1, 0, 1, 0, 0, 1, 1, 1])
        var chain = GibbsChain(m, count: 5, seed: 7, start: .data(data))
        XCTAssertEqual(Array(chain.samples.scalars[0..<8]), data.scalars)
        XCTAssertEqual(Array(chain.samples.scalars[8..<16]), data.scalars)   // chain i starts at row i mod n
        let snaps = chain.run(m, steps: 10, every: 3, includeStart: true)
        XCTAssertEqual(snaps.map(\.step), [0, 3, 6, 9])
        XCTAssertEqual(snaps[0].samples.scalars[0..<8], data.scalars[0..<8])
        XCTAssertEqual(chain.step, 10)
        XCTAssertTrue(snaps[3].samples.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertTrue(snaps[3].probabilities.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        // Same seed, same path.
        var again = GibbsChain(m, count: 5, seed: 7, start: .data(data))
        _ = again.run(m, steps: 10, every: 10)
        XCTAssertEqual(again.samples, chain.samples)
    }
}
