import XCTest
@testable import EBM

final class RBMMonitorTests: XCTestCase {
    func testExactPseudoLogLikelihoodMatchesBruteForce() {
        for (k, s) in [(3, 2), (5, 4), (4, 7)].enumerated() {
            let m = RBMFixtures.machine(visible: s.0, hidden: s.1, seed: UInt64(40 + k))
            let data = RBMFixtures.data(rows: 6, visible: s.0, seed: UInt64(k))
            let expected = RBMBruteForce(rbm: m).pseudoLogLikelihood(RBMFixtures.rows(data))
            XCTAssertEqual(m.exactPseudoLogLikelihood(data), expected, accuracy: 1e-5, "\(s)")
        }
    }

    /// scikit-learn's one-bit estimate is unbiased: its mean over many seeds is the exact PLL.
    func testStochasticPseudoLogLikelihoodAveragesToTheExactOne() {
        let m = RBMFixtures.machine(visible: 6, hidden: 4, seed: 50)
        let data = RBMFixtures.data(rows: 5, visible: 6, seed: 51)
        let exact = m.exactPseudoLogLikelihood(data)
        let estimates = (0..<2000).map { m.pseudoLogLikelihood(data, seed: UInt64($0)) }
        let mean = estimates.reduce(0, +) / Double(estimates.count)
        let sd = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(estimates.count)).squareRoot()
        XCTAssertEqual(mean, exact, accuracy: 4 * sd / Double(estimates.count).squareRoot() + 1e-9)
        XCTAssertEqual(m.pseudoLogLikelihood(data, seed: 3), m.pseudoLogLikelihood(data, seed: 3))
    }

    func testReconstructionErrorIsSmallForAMachineThatCopiesItsInput() {
        // Two hidden units that copy two visible units with large weights.
        let m = RestrictedBoltzmannMachine(W: [20, 0, 0, 20], b: [-10, -10], c: [-10, -10])
        let data = Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1])
        XCTAssertLessThan(m.reconstructionError(data, seed: 1), 1e-6)
        let blank = RestrictedBoltzmannMachine(W: [0, 0, 0, 0], b: [0, 0], c: [0, 0])
        XCTAssertEqual(blank.reconstructionError(data, seed: 1), 0.25, accuracy: 1e-7)
    }
}
