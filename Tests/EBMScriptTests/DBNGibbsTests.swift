import XCTest
import EBM
@testable import EBMScript

/// `gibbs` on a DBN, through the Markov-chain capability: the chains run in the top RBM and each
/// snapshot goes down the belief net, so the last one is what `sample` draws.
final class DBNGibbsTests: XCTestCase {
    private func session() -> Session {
        let s = Session()
        eval(s, """
        d = bars_and_stripes(3)
        m = rbm(visible: 9, hidden: 8, seed: 1)
        h = train(m, d, method: "pcd", lr: 0.05, epochs: 100, batch: 8, seed: 1, monitor_every: 100)
        d2 = stack(m, hidden: 9)
        """)
        return s
    }

    func testGibbsOnADBNEndsWhereSampleDoes() {
        let s = session()
        eval(s, """
        c = gibbs(d2, chains: 6, steps: 50, every: 10, seed: 3)
        x = sample(d2, n: 6, steps: 50, seed: 3)
        p = sample(d2, n: 6, steps: 50, seed: 3, mean: true)
        """)
        XCTAssertEqual(eval(s, "c.steps").trimmingCharacters(in: .whitespacesAndNewlines), "50")
        XCTAssertEqual(eval(s, "c.samples.x.shape").trimmingCharacters(in: .whitespacesAndNewlines), "[6, 9]")
        XCTAssertEqual(eval(s, "sum(c.samples.x != x.x)").trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertEqual(eval(s, "sum(c.probabilities.x != p.x)").trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    /// Started from data, each row goes up to the top chain; the states drawn are x's of 0s and 1s.
    func testGibbsOnADBNStartsFromData() {
        let s = session()
        eval(s, "c = gibbs(d2, chains: 4, steps: 3, every: 1, init: d, seed: 1)")
        XCTAssertEqual(eval(s, "c.samples.x.shape").trimmingCharacters(in: .whitespacesAndNewlines), "[4, 9]")
        XCTAssertEqual(eval(s, "sum(c.samples.x == 0) + sum(c.samples.x == 1)").trimmingCharacters(in: .whitespacesAndNewlines), "36")
        // Another seed of the up pass or the chains draws other states.
        eval(s, "c2 = gibbs(d2, chains: 4, steps: 3, every: 1, init: d, seed: 2)")
        XCTAssertNotEqual(eval(s, "sum(c.samples.x != c2.samples.x)").trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }
}
