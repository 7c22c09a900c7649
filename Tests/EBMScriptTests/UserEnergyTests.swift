import XCTest
@testable import EBMScript

/// `energy_fn`: an energy written with def as a model family (exact sums, Gibbs, Langevin,
/// training, derive), checked against the built-in models and exact answers.
final class UserEnergyTests: XCTestCase {
    /// The RBM of 003 §13.2 written by hand: E(x) = −cᵀx − Σⱼ softplus(bⱼ + Wⱼx) = −F(x).
    static let rbmSetup = """
    m = rbm(visible: 6, hidden: 4, seed: 1)
    m.b = randn([4], seed: 2) * 0.5
    m.c = randn([6], seed: 3) * 0.5
    def F(x, W, b, c):
        # minus the RBM free energy
        return -sum(c * x) - sum(softplus(b + W @ x))
    u = energy_fn(F, params: [m.W, m.b, m.c], domain: "binary", dim: 6)
    d = rand([30, 6], seed: 4) > 0.5
    """

    func testAHandWrittenRBMFreeEnergyAgreesWithTheBuiltInRBM() {
        let s = Session()
        eval(s, Self.rbmSetup)
        XCTAssertEqual(eval(s, "u.batched\nabs(log_z(u) - log_z(m)) < 0.00001"), "false\ntrue\n")
        XCTAssertEqual(eval(s, "abs(loglik(u, d) - loglik(m, d)) < 0.00001"), "true\n")
        eval(s, "gu = grad(u, d)\ngm = grad(m, d)")
        XCTAssertEqual(eval(s, "abs(gu.W - gm.W).max < 0.00001\nabs(gu.b - gm.b).max < 0.00001\nabs(gu.c - gm.c).max < 0.00001"),
                       "true\ntrue\ntrue\n")
        // The gradient is not zero, so the agreement says something.
        XCTAssertEqual(eval(s, "abs(gm.W).max > 0.01"), "true\n")
        // A perturbed parameter breaks the agreement.
        eval(s, "u.c = m.c + 0.1")
        XCTAssertEqual(eval(s, "abs(log_z(u) - log_z(m)) > 0.01"), "true\n")
    }

    func testAMatrixFormRunsWholeBatchesAndAgrees() {
        let s = Session()
        eval(s, Self.rbmSetup)
        eval(s, """
        def Fb(x, W, b, c):
            return -(x @ c) - sum(softplus(x @ W.T + b), axis: 1)
        ub = energy_fn(Fb, params: [m.W, m.b, m.c], domain: "binary", dim: 6)
        """)
        XCTAssertEqual(eval(s, "ub.batched\nabs(log_z(ub) - log_z(m)) < 0.00001\nabs(grad(ub, d).W - grad(m, d).W).max < 0.00001"),
                       "true\ntrue\ntrue\n")
    }

    func testExactTrainingStepIsTheExactGradient() {
        let s = Session()
        eval(s, Self.rbmSetup)
        eval(s, """
        g = grad(u, d)
        W0 = u.W
        h = train(u, d, method: "exact", lr: 0.5, batch: 30, epochs: 1)
        """)
        XCTAssertEqual(eval(s, "abs(u.W - W0 - 0.5 * g.W).max < 0.00001\nabs(m.W - W0).max"), "true\n0\n")
        XCTAssertEqual(eval(s, "u.epochs\nloglik(u, d) > loglik(m, d)"), "1\ntrue\n")
    }

    func testIsingGibbsMarginalsMatchExactOnes() {
        let s = Session()
        eval(s, """
        J = tensor([[0, 1, -0.5, 0], [1, 0, 0.8, 0], [-0.5, 0.8, 0, 1.2], [0, 0, 1.2, 0]])
        h = tensor([-0.5, 0.2, -0.3, 0.4])
        def ising(x, J, h):
            return -0.5 * (x @ J @ x) - sum(h * x)
        u = energy_fn(ising, params: [J, h], domain: "binary", dim: 4)
        S = tensor([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1], [1, 0, 0, 1], [0, 1, 0, 1], [1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1]])
        p = exp(-energy(u, S) - log_z(u))
        exact = p @ S
        c = gibbs(u, chains: 1000, steps: 20, seed: 3)
        sampled = mean(c.samples, axis: 0)
        """)
        XCTAssertEqual(eval(s, "abs(sum(p) - 1) < 0.000001\nabs(sampled - exact).max < 0.06\nabs(exact - 0.5).max > 0.1"),
                       "true\ntrue\ntrue\n")
    }

    func testLangevinMomentsOfAHandWrittenGaussian() {
        let s = Session()
        eval(s, """
        def G(x, s):
            return 0.5 * sum(x * x / s, axis: 1)
        u = energy_fn(G, params: [tensor([1, 4])], domain: "real", dim: 2)
        c = langevin(u, chains: 2000, steps: 300, step_size: 0.3, mala: true, seed: 2)
        """)
        XCTAssertEqual(eval(s, "u.batched\nabs(mean(c.samples, axis: 0)).max < 0.15"), "true\ntrue\n")
        XCTAssertEqual(eval(s, "v = mean(c.samples * c.samples, axis: 0)\nabs(v[0] - 1) < 0.15\nabs(v[1] - 4) < 0.5"),
                       "true\ntrue\n")
    }

    func testLangevinMaximumLikelihoodMovesTheEnergyTowardTheData() {
        let s = Session()
        eval(s, """
        def G(x, mu):
            return 0.5 * sum((x - mu) * (x - mu), axis: 1)
        u = energy_fn(G, params: [tensor([0, 0])], domain: "real", dim: 2)
        X = randn([200, 2], seed: 1) * 0.5 + tensor([2, -1])
        h = train(u, X, method: "langevin-ml", k: 20, step_size: 0.1, lr: 0.2, batch: 100, epochs: 15)
        """)
        XCTAssertEqual(eval(s, "abs(u.mu - tensor([2, -1])).max < 0.4"), "true\n")
    }

    func testDeriveWalksTheLogLikelihoodGradient() {
        let s = Session()
        eval(s, """
        J = tensor([[0, 1, -0.5], [1, 0, 0.8], [-0.5, 0.8, 0]])
        h = tensor([-0.5, 0.2, -0.3])
        def ising(x, J, h):
            return -0.5 * (x @ J @ x) - sum(h * x)
        u = energy_fn(ising, params: [J, h], domain: "binary", dim: 3)
        d = tensor([[1, 0, 1], [1, 1, 0], [0, 0, 1]])
        """)
        let out = eval(s, "derive(u, d)")
        XCTAssertTrue(out.contains("18.4"), out)
        XCTAssertTrue(out.contains("(13.1)"), out)
        XCTAssertFalse(out.contains("✗"), out)
    }

    func testBadInputsAreClearLocatedErrors() {
        let notNumber = errorText("""
        def G(x, W):
            return W @ x
        u = energy_fn(G, params: [ones([2, 3])], dim: 3)
        """)
        XCTAssertTrue(notNumber.contains("must return a number"), notNumber)
        XCTAssertTrue(notNumber.contains("test.ebm:3"), notNumber)

        let wrongDim = errorText("""
        def G(x, W):
            return sum(W @ x)
        u = energy_fn(G, params: [ones([2, 3])], dim: 4)
        """)
        XCTAssertTrue(wrongDim.contains("with x of 4 entries"), wrongDim)
        XCTAssertTrue(wrongDim.contains("check dim"), wrongDim)

        let tooMany = errorText("""
        def G(x, b):
            return sum(b * x)
        u = energy_fn(G, params: [zeros([21])], dim: 21)
        log_z(u)
        """)
        XCTAssertTrue(tooMany.contains("2^21"), tooMany)
        XCTAssertTrue(tooMany.contains("test.ebm:4"), tooMany)

        let unsupported = errorText("""
        def G(x, b):
            return max(b * x)
        u = energy_fn(G, params: [zeros([3])], dim: 3)
        """)
        XCTAssertTrue(unsupported.contains("does not support 'max'"), unsupported)

        let tooManyParams = errorText("""
        def G(x, b):
            return sum(b * x)
        u = energy_fn(G, params: [zeros([3]), zeros([3])], dim: 3)
        """)
        XCTAssertTrue(tooManyParams.contains("takes 1 parameter after x"), tooManyParams)

        let wrongMethod = errorText("""
        def G(x, b):
            return sum(b * x)
        u = energy_fn(G, params: [zeros([3])], dim: 3)
        train(u, tensor([[1, 0, 1]]), method: "langevin-ml")
        """)
        XCTAssertTrue(wrongMethod.contains("needs domain: \"real\""), wrongMethod)
    }
    /// 003 Algorithm 1 written with for loops, each ∇θE from grad: the update from the data and
    /// the trainer's negative samples (h.batch, h.negatives) is the built-in trainer's update.
    static let handWrittenCD = """
    def Et(W, b, c, x):
        return F(x, W, b, c)
    def cd_update(W, b, c, X, Xn, lr):
        n = X.shape[0]
        gW = W * 0
        gb = b * 0
        gc = c * 0
        for x in X:
            g = grad(Et, W, b, c, x: x)
            gW = gW - g[0] / n
            gb = gb - g[1] / n
            gc = gc - g[2] / n
        for x in Xn:
            g = grad(Et, W, b, c, x: x)
            gW = gW + g[0] / n
            gb = gb + g[1] / n
            gc = gc + g[2] / n
        return [W + lr * gW, b + lr * gb, c + lr * gc]
    """

    func testAHandWrittenCDUpdateOnTheTrainersNegativesIsTheBuiltInUpdate() {
        let s = Session()
        eval(s, Self.rbmSetup + "\n" + Self.handWrittenCD)
        for method in ["method: \"cd\", k: 1", "method: \"cd\", k: 3", "method: \"pcd\", k: 1"] {
            eval(s, """
            r = rbm(visible: 6, hidden: 4, seed: 1)
            r.b = m.b
            r.c = m.c
            h = train(r, d, \(method), lr: 0.5, batch: 30, epochs: 1, seed: 2)
            new = cd_update(m.W, m.b, m.c, h.batch, h.negatives, 0.5)
            """)
            XCTAssertEqual(eval(s, "h.batch.shape\nh.negatives.shape\nabs(h.negatives - h.batch).max\nabs(r.W - m.W).max > 0.01"),
                           "[30, 6]\n[30, 6]\n1\ntrue\n", method)
            XCTAssertEqual(eval(s, "abs(r.W - new[0]).max < 0.000001\nabs(r.b - new[1]).max < 0.000001\nabs(r.c - new[2]).max < 0.000001"),
                           "true\ntrue\ntrue\n", method)
            // The data as negatives (no chain) is not the trainer's update.
            XCTAssertEqual(eval(s, "abs(r.W - cd_update(m.W, m.b, m.c, h.batch, h.batch, 0.5)[0]).max > 0.001"), "true\n", method)
        }
        // The same for energy_fn's own CD-1 trainer on the hand-written free energy.
        eval(s, """
        h = train(u, d, method: "cd", k: 1, lr: 0.5, batch: 30, epochs: 1, seed: 2)
        new = cd_update(m.W, m.b, m.c, h.batch, h.negatives, 0.5)
        """)
        XCTAssertEqual(eval(s, "abs(u.W - new[0]).max < 0.000001\nabs(u.c - new[2]).max < 0.000001\nabs(u.W - m.W).max > 0.01"),
                       "true\ntrue\ntrue\n")
    }

    func testHistoriesWithoutNegativeSamplesSayWhy() {
        let s = Session()
        eval(s, Self.rbmSetup)
        let untrained = errorText("m.history.negatives", in: s)
        XCTAssertTrue(untrained.contains("no negative samples: nothing has been trained yet"), untrained)
        eval(s, "h = train(u, d, method: \"exact\", lr: 0.1, batch: 30, epochs: 1)")
        let exact = errorText("h.negatives", in: s)
        XCTAssertTrue(exact.contains("its negative phase is exact"), exact)
        // A model's history is the same value train returned: after CD it has them.
        eval(s, "h = train(m, d, method: \"pcd\", lr: 0.1, batch: 10, epochs: 2, seed: 1)")
        XCTAssertEqual(eval(s, "m.history.negatives.shape\nabs(m.history.batch - h.batch).max"), "[10, 6]\n0\n")
    }
    /// Langevin maximum likelihood keeps its chains' states as h.negatives: for
    /// E = ½‖x − μ‖², ∇μE = μ − x, so one update is μ ← μ + ε (mean of the batch − mean of x̃).
    func testLangevinNegativesGiveTheUpdate() {
        let s = Session()
        eval(s, """
        def G(x, mu):
            return 0.5 * sum((x - mu) * (x - mu), axis: 1)
        u = energy_fn(G, params: [tensor([0.5, -0.5])], domain: "real", dim: 2)
        X = randn([50, 2], seed: 1) * 0.5 + tensor([2, -1])
        h = train(u, X, method: "langevin-ml", k: 5, step_size: 0.1, lr: 0.2, batch: 50, epochs: 1, seed: 3)
        step = 0.2 * (mean(h.batch, axis: 0) - mean(h.negatives, axis: 0))
        """)
        XCTAssertEqual(eval(s, "h.negatives.shape\nabs(u.mu - tensor([0.5, -0.5]) - step).max < 0.00001\nabs(step).max > 0.05"),
                       "[50, 2]\ntrue\ntrue\n")
    }
}
