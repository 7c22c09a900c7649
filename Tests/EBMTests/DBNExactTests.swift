import XCTest
@testable import EBM

/// The DBN's exact sums against brute force, the tied-weight equivalence and the bound (13.3).
final class DBNExactTests: XCTestCase {
    /// An RBM with weights and biases large enough that nothing is near uniform.
    static func randomRBM(visible: Int, hidden: Int, seed: UInt64) -> RestrictedBoltzmannMachine {
        var m = RestrictedBoltzmannMachine(visible: visible, hidden: hidden, seed: seed, initScale: 1)
        var g = Xoshiro256StarStar(seed: seed ^ 77)
        m.b = (0..<hidden).map { _ in Float(g.nextUnitDouble() * 2 - 1) }
        m.c = (0..<visible).map { _ in Float(g.nextUnitDouble() * 2 - 1) }
        return m
    }

    static func randomDBN(_ sizes: [Int], seed: UInt64) -> DeepBeliefNetwork {
        DeepBeliefNetwork(layers: (1..<sizes.count).map { randomRBM(visible: sizes[$0 - 1], hidden: sizes[$0], seed: seed + UInt64($0)) })
    }

    /// Every state of n units as the rows of a matrix.
    static func allStates(_ n: Int) -> Tensor {
        Tensor(shape: [1 << n, n], scalars: (0..<(1 << n)).flatMap { s in (0..<n).map { Float((s >> $0) & 1) } })
    }

    func testExactLogLikelihoodMatchesBruteForceOnThreeLayers() throws {
        let dbn = Self.randomDBN([4, 3, 3, 2], seed: 5)
        let brute = DBNBruteForce(dbn: dbn)
        let X = Self.allStates(4)
        let exact = try dbn.exactLogLikelihoods(X)
        for s in 0..<16 {
            XCTAssertEqual(exact[s], brute.logLikelihood(DBNBruteForce.state(s, 4)), accuracy: 1e-10, "state \(s)")
        }
        // p(x) sums to one.
        XCTAssertEqual(exact.reduce(0) { $0 + exp($1) }, 1, accuracy: 1e-12)
        // And the priors of the hidden levels are distributions that match brute force.
        for level in 1...2 {
            let table = try dbn.exactLogPrior(level: level)
            let bruteTable = brute.prior(level: level)
            XCTAssertEqual(table.count, bruteTable.count)
            for (a, b) in zip(table, bruteTable) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        }
    }

    /// 003 §13.3: "a two-layer DBN with appropriately tied weights is equivalent to an RBM".
    func testTiedTwoLayerDBNHasExactlyTheRBMsMarginal() throws {
        let rbm = Self.randomRBM(visible: 6, hidden: 4, seed: 3)
        let dbn = DeepBeliefNetwork(rbm: rbm).stacking(hidden: 6)
        XCTAssertEqual(dbn.sizes, [6, 4, 6])
        XCTAssertEqual(dbn.provenance[1].origin, .tiedStart(below: 1))
        // W^(2) = W^(1)ᵀ, the biases swapped.
        XCTAssertEqual(dbn.layer(2).W[1 * 4 + 2], rbm.W[2 * 6 + 1])
        XCTAssertEqual(dbn.layer(2).b, rbm.c)
        XCTAssertEqual(dbn.layer(2).c, rbm.b)
        let X = Self.allStates(6)
        let fromDBN = try dbn.exactLogLikelihoods(X)
        let logZ = try rbm.logPartitionFunction()
        let fromRBM = rbm.freeEnergy(X).map { $0 - logZ }
        var largest = 0.0
        for s in 0..<64 { largest = max(largest, abs(fromDBN[s] - fromRBM[s])) }
        XCTAssertLessThan(largest, 1e-6, "float precision: the two marginals are the same distribution")
        XCTAssertEqual(try dbn.exactLogLikelihood(X), try rbm.exactLogLikelihood(X), accuracy: 1e-6)
        // An untied second layer is a different model.
        let other = DeepBeliefNetwork(rbm: rbm).stacking(hidden: 5, seed: 1, initScale: 1)
        XCTAssertEqual(other.provenance[1].origin, .untiedStart(seed: 1))
        XCTAssertGreaterThan(abs(try other.exactLogLikelihood(X) - (try rbm.exactLogLikelihood(X))), 1e-3)
    }

    /// (13.3): ELBO ≤ log p(x), and the gap is KL(q(h^(1)|x) ‖ p(h^(1)|x)), by brute force.
    func testExactBoundIsBelowTheLogLikelihoodByTheKL() throws {
        for sizes in [[5, 4, 3], [5, 4, 3, 3]] {
        let dbn = Self.randomDBN(sizes, seed: 11)
        let brute = DBNBruteForce(dbn: dbn)
        let X = Self.allStates(5)
        let bound = try dbn.exactEvidenceLowerBound(X)
        for s in 0..<32 {
            let x = DBNBruteForce.state(s, 5)
            let kl = brute.kl(x)
            XCTAssertGreaterThan(kl, 0)
            XCTAssertLessThanOrEqual(bound.elbos[s], bound.logLikelihoods[s])
            XCTAssertEqual(bound.logLikelihoods[s] - bound.elbos[s], kl, accuracy: 1e-9, "state \(s)")
            XCTAssertEqual(bound.logLikelihoods[s], brute.logLikelihood(x), accuracy: 1e-10)
        }
        XCTAssertGreaterThan(bound.gap, 0.01, "a random second layer leaves a real gap")
        XCTAssertEqual(bound.elbo, bound.expectedLogPrior + bound.expectedLogConditional + bound.entropy, accuracy: 1e-12)
        XCTAssertEqual(bound.elbo, bound.elbos.reduce(0, +) / 32, accuracy: 1e-12)
        }
    }

    /// For L ≥ 3 the estimate is of the layer-by-layer bound, which lies below (13.3)'s ELBO.
    func testThreeLayerEstimateIsOfALowerBound() throws {
        let dbn = Self.randomDBN([6, 5, 4, 3], seed: 31)
        let X = Self.allStates(6)
        let exact = try dbn.exactEvidenceLowerBound(X)
        let estimate = try XCTUnwrap(DBNBoundEstimator(samples: 400, seed: 1).estimate(dbn, data: X))
        XCTAssertTrue(estimate.multiLayer)
        XCTAssertLessThan(estimate.elbo, exact.elbo + 3 * estimate.standardError)
        XCTAssertLessThan(estimate.elbo, exact.elbo - 0.05, "random layers leave the nested bound visibly looser")
        XCTAssertEqual(estimate.entropy, exact.entropy, accuracy: 1e-4)
    }

    /// 003 §13.3: "the bound becomes initially tight" with the tied start, and a 1-layer DBN's
    /// bound (q = its own posterior) is its log-likelihood.
    func testBoundIsTightAtTheTiedStart() throws {
        let rbm = Self.randomRBM(visible: 6, hidden: 5, seed: 8)
        let X = Self.allStates(6)
        let one = try DeepBeliefNetwork(rbm: rbm).exactEvidenceLowerBound(X)
        XCTAssertEqual(one.gap, 0, accuracy: 1e-9)
        let tied = try DeepBeliefNetwork(rbm: rbm).stacking(hidden: 6).exactEvidenceLowerBound(X)
        XCTAssertEqual(tied.gap, 0, accuracy: 1e-6)
        XCTAssertEqual(tied.elbo, try rbm.exactLogLikelihood(X), accuracy: 1e-6)
        for s in 0..<64 { XCTAssertEqual(tied.elbos[s], tied.logLikelihoods[s], accuracy: 1e-6) }
    }

    func testReceptiveFieldsAreWeightedSumsOfLayerOneFilters() {
        let dbn = Self.randomDBN([6, 4, 3], seed: 2)
        XCTAssertEqual(dbn.receptiveFields(layer: 1), dbn.layer(1).weightMatrix)
        let fields = dbn.receptiveFields(layer: 2)
        XCTAssertEqual(fields.shape, [3, 6])
        for k in 0..<3 {
            for i in 0..<6 {
                let sum = (0..<4).reduce(Float(0)) { $0 + dbn.layer(2).W[k * 4 + $1] * dbn.layer(1).W[$1 * 6 + i] }
                XCTAssertEqual(fields.scalars[k * 6 + i], sum, accuracy: 1e-5)
            }
        }
    }

    func testEnumerationRefusesWideLevelsWithAClearError() {
        let dbn = DeepBeliefNetwork(sizes: [30, 30, 30], seed: 1)
        XCTAssertThrowsError(try dbn.exactLogLikelihood(Tensor(shape: [1, 30]))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("h^(1) has 30 units"), text)
            XCTAssertTrue(text.contains("estimate instead"), text)
        }
    }

    /// The estimated bound (samples of q, exact or AIS log Z) agrees with the exact one.
    func testEstimatedBoundAgreesWithTheExactBound() throws {
        let dbn = Self.randomDBN([6, 5, 4], seed: 21)
        let X = Self.allStates(6)
        let exact = try dbn.exactEvidenceLowerBound(X)
        let estimator = DBNBoundEstimator(samples: 400, seed: 3)
        let estimate = try XCTUnwrap(estimator.estimate(dbn, data: X))
        guard case .exact(let logZ) = estimate.logZ else { return XCTFail("a 5 × 4 top RBM is enumerated") }
        XCTAssertEqual(logZ, try dbn.top.logPartitionFunction(), accuracy: 1e-12)
        XCTAssertGreaterThan(estimate.standardError, 0)
        XCTAssertLessThan(abs(estimate.elbo - exact.elbo), 4 * estimate.standardError + 1e-4,
                          "estimate \(estimate.elbo) ± \(estimate.standardError), exact \(exact.elbo)")
        XCTAssertEqual(estimate.entropy, exact.entropy, accuracy: 1e-4)
        XCTAssertEqual(estimate.expectedLogConditional, exact.expectedLogConditional, accuracy: 5 * estimate.standardError + 1e-3)
        // With AIS for log Z the interval covers the exact bound.
        var withAIS = estimator
        withAIS.exactLogZBudget = 0
        withAIS.ais = AnnealedImportanceSampling(runs: 200, temperatures: 2000, seed: 1)
        let aisEstimate = try XCTUnwrap(withAIS.estimate(dbn, data: X))
        guard case .ais = aisEstimate.logZ else { return XCTFail("AIS was asked for") }
        XCTAssertLessThan(aisEstimate.lower, exact.elbo)
        XCTAssertGreaterThan(aisEstimate.upper, exact.elbo)
        XCTAssertEqual(aisEstimate.elbo, exact.elbo, accuracy: 0.05)
    }
}
