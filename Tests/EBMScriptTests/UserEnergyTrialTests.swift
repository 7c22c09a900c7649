import XCTest
@testable import EBMScript

/// The defects a new-user trial of `energy_fn` found, each kept as its input: errors inside E,
/// non-binary data, tracebacks, domain-dependent capabilities, training defaults, derive on ℝᵈ,
/// divergence messages and Ctrl-C.
final class UserEnergyTrialTests: XCTestCase {
    /// Fails only at x = (0, 1, 0), a state energy_fn's probe rows do not hold.
    static let failingBinary = """
    def E(x, w):
        if x[0] < 0.5 and x[1] > 0.5 and x[2] < 0.5:
            return undefined_name
        return 0 * sum(w * x)
    e = energy_fn(E, params: [ones([3])], domain: "binary", dim: 3)
    """

    static let ising = """
    J = tensor([[0, 1, -0.5], [1, 0, 0.8], [-0.5, 0.8, 0]])
    hb = tensor([-0.5, 0.2, -0.3])
    def ising(x, J, hb):
        return -0.5 * (x @ J @ x) - sum(hb * x)
    q = energy_fn(ising, params: [J, hb], domain: "binary", dim: 3)
    """

    static let gaussian = """
    def G(x, mu):
        return 0.5 * sum((x - mu) * (x - mu))
    g = energy_fn(G, params: [tensor([0.5, -0.5])], domain: "real", dim: 2)
    """

    // 1. An error inside E is the user's error, with its traceback, wherever E runs.
    func testAnErrorInsideEIsReportedByEveryCommandThatRunsIt() {
        for command in ["energy(e, tensor([0, 1, 0]))", "free_energy(e, tensor([0, 1, 0]))",
                        "c = gibbs(e, chains: 40, steps: 3, seed: 1)", "loglik(e, tensor([[1, 0, 0]]))",
                        "grad(e, tensor([[1, 0, 0]]))", "derive(e, tensor([[1, 0, 0]]))"] {
            let s = Session()
            eval(s, Self.failingBinary)
            let text = errorText(command, in: s)
            XCTAssertTrue(text.contains("unknown name 'undefined_name'"), command + "\n" + text)
            XCTAssertTrue(text.contains("in E"), command + "\n" + text)
            XCTAssertFalse(text.contains("nan"), command + "\n" + text)
        }
    }

    func testAnErrorInsideARealEnergyIsReportedByLangevinAndMALA() {
        for mala in ["false", "true"] {
            let s = Session()
            eval(s, """
            def E(x, w):
                if x[0] > 3:
                    return undefined_name
                return 0.5 * sum(w * x * x)
            e = energy_fn(E, params: [ones([2])], domain: "real", dim: 2)
            """)
            let text = errorText("c = langevin(e, init: tensor([[4, 0]]), chains: 2, steps: 5, step_size: 0.01, mala: \(mala), seed: 1)", in: s)
            XCTAssertTrue(text.contains("unknown name 'undefined_name'"), text)
            XCTAssertFalse(text.contains("lower step_size"), text)
            XCTAssertFalse(text.contains("acceptance"), text)
            XCTAssertNil(s.variables["c"])
        }
    }

    /// E(x) = −Σ w∘x over axis 0 fails for one row and gives d column sums for a matrix: no
    /// energy at all, which energy_fn says (it used to take the column sums for a batch of
    /// energies, and energy(e, S) gave NaN).
    func testBatchDetectionIsNotFooledByASumOverTheWrongAxis() {
        let text = errorText("""
        def E(x, w):
            return -sum(w * x, axis: 0)
        e = energy_fn(E, params: [tensor([1, 2])], domain: "binary", dim: 2)
        """)
        XCTAssertTrue(text.contains("energy_fn: E(x) with x of 2 entries failed"), text)
        XCTAssertTrue(text.contains("axis"), text)
        // The same sum over axis 1 is a batched energy; over all of x, a row-by-row one.
        let s = Session()
        eval(s, """
        def B(x, w):
            return -sum(w * x, axis: 1)
        def R(x, w):
            return -sum(w * x)
        b = energy_fn(B, params: [tensor([1, 2])], domain: "binary", dim: 2)
        r = energy_fn(R, params: [tensor([1, 2])], domain: "binary", dim: 2)
        S = tensor([[0, 0], [1, 0], [0, 1], [1, 1]])
        """)
        eval(s, "want = tensor([0, -1, -2, -3])")
        XCTAssertEqual(eval(s, "b.batched\nr.batched\nabs(energy(b, S) - want).max\nabs(energy(r, S) - want).max"), "true\nfalse\n0\n0\n")
        // log Z = log(1 + e)(1 + e²)
        XCTAssertEqual(eval(s, "abs(log_z(b) - log((1 + exp(1)) * (1 + exp(2)))) < 0.000001"), "true\n")
    }

    /// energy_fn's probe runs of E print nothing; E's prints show when a command runs it.
    func testTheProbeRunsOfEAreSilent() {
        let s = Session()
        XCTAssertEqual(eval(s, "def P(x, w):\n    print(\"ran E\")\n    return sum(w * x)\np = energy_fn(P, params: [ones([2])], dim: 2)"), "")
        XCTAssertTrue(eval(s, "energy(p, tensor([1, 0]))").hasPrefix("ran E\n"))
    }

    /// A matrix form that the probe rows did not catch out (it fails only on some rows) falls
    /// back to row by row instead of giving NaN.
    func testABatchThatFailsFallsBackToRowByRow() {
        let s = Session()
        eval(s, """
        def E(x, w):
            if x.shape[0] == 4:
                return undefined_name
            return -(x @ w)
        e = energy_fn(E, params: [tensor([1, 2])], domain: "binary", dim: 2)
        S = tensor([[0, 0], [1, 0], [0, 1], [1, 1]])
        """)
        XCTAssertEqual(eval(s, "e.batched"), "true\n")
        XCTAssertEqual(eval(s, "abs(energy(e, S) - tensor([0, -1, -2, -3])).max\ne.batched"), "0\nfalse\n")
    }

    // 2. Binary energy_fn models read rows as 0/1 states, as the built-in families do.
    func testABinaryEnergyRefusesNonBinaryRows() {
        for command in ["loglik(q, tensor([[2, 1, 1]]))", "loglik(q, tensor([[0.5, 1, 1]]))", "grad(q, tensor([[2, 0, 0]]))",
                        "free_energy(q, tensor([[2, 0, 0]]))", "energy(q, tensor([0.5, 0, 0]))",
                        "gibbs(q, chains: 1, steps: 0, init: tensor([[2, 0, 0.5]]))",
                        "train(q, tensor([[2, 0, 0]]), method: \"exact\")", "derive(q, tensor([[2, 0, 0]]))"] {
            let s = Session()
            eval(s, Self.ising)
            let text = errorText(command, in: s)
            XCTAssertTrue(text.contains("must be 0 or 1"), command + "\n" + text)
        }
    }

    // 3. The traceback names the command that ran E, not the energy_fn line.
    func testTheTracebackNamesTheCommandThatRanE() {
        let s = Session()
        eval(s, Self.failingBinary)
        let source = SourceText(name: "test.ebm", text: "x = 1\nlog_z(e)")
        let text = s.run(source).error?.rendered(with: source) ?? ""
        XCTAssertTrue(text.contains("called at test.ebm:2"), text)
        XCTAssertFalse(text.contains("called at test.ebm:5"), text)
        let train = SourceText(name: "test.ebm", text: "x = 1\ny = 2\ntrain(e, tensor([[1, 0, 1]]), method: \"exact\")")
        let trainText = s.run(train).error?.rendered(with: train) ?? ""
        XCTAssertTrue(trainText.contains("called at test.ebm:3"), trainText)
    }

    // 4. What a model can do depends on its domain, and help and errors say so.
    func testCapabilitiesFollowTheDomain() {
        let s = Session()
        eval(s, Self.ising + "\n" + Self.gaussian)
        let binary = eval(s, "help q")
        XCTAssertTrue(binary.contains("log_z"), binary)
        XCTAssertTrue(binary.contains("gibbs"), binary)
        XCTAssertFalse(binary.contains("langevin,"), binary)
        XCTAssertFalse(binary.contains("energy_map"), binary)
        let real = eval(s, "help g")
        XCTAssertTrue(real.contains("langevin"), real)
        for name in ["log_z", "loglik", "gradcheck", "gibbs"] { XCTAssertFalse(real.contains(name), name + "\n" + real) }
        let logZ = errorText("log_z(g)", in: s)
        XCTAssertTrue(logZ.contains("a real-domain energy_fn has no exact log Z"), logZ)
        XCTAssertTrue(logZ.contains("a binary-domain energy_fn"), logZ)
        XCTAssertFalse(logZ.contains("energy written with def"), logZ)
        let langevin = errorText("langevin(q, chains: 2, steps: 1)", in: s)
        XCTAssertTrue(langevin.contains("a binary-domain energy_fn has no gradient"), langevin)
    }

    // 5. train's default method follows the domain; completion offers what applies.
    func testTheDefaultTrainingMethodFollowsTheDomain() {
        let s = Session()
        eval(s, Self.gaussian)
        eval(s, "h = train(g, randn([50, 2], seed: 1), epochs: 1, step_size: 0.1)")
        XCTAssertTrue(eval(s, "print g").contains("Langevin ML"), eval(s, "print g"))
        XCTAssertEqual(Completer.complete(line: "train(g, d, method: \"", cursor: 21, pending: "", session: s), .choices(["langevin-ml"]))
        eval(s, Self.ising)
        guard case .choices(let binary) = Completer.complete(line: "train(q, d, method: \"", cursor: 21, pending: "", session: s) else {
            return XCTFail("no choices")
        }
        XCTAssertFalse(binary.contains("langevin-ml"), "\(binary)")
        XCTAssertTrue(binary.contains("exact"), "\(binary)")
    }

    // 6. derive on a real-domain energy: the same gradient, the negative phase sampled.
    func testDeriveWalksARealDomainEnergyWithALangevinNegativePhase() {
        let s = Session()
        eval(s, Self.gaussian + "\nX = randn([40, 2], seed: 1) * 0.5 + tensor([1, -1])")
        eval(s, "dv = derive(g, X, chains: 400, steps: 200, step_size: 0.05, seed: 1)")
        let out = eval(s, "print dv")
        XCTAssertTrue(out.contains("(18.4)"), out)
        XCTAssertTrue(out.contains("(18.15)"), out)
        XCTAssertTrue(out.contains("(13.1)"), out)
        XCTAssertTrue(out.contains("Langevin"), out)
        XCTAssertFalse(out.contains("✗"), out)
        XCTAssertEqual(eval(s, "dv.ok"), "true\n")
        // One parameter followed: the negative phase of ½‖x − μ‖² in μ is E_p[x − μ] = 0.
        XCTAssertEqual(eval(s, "derive(g, X, parameter: \"mu[0]\", chains: 400, steps: 200, step_size: 0.05, seed: 2).ok"), "true\n")
        // Chains that do not sample p fail the check with error bars (too few steps from N(0, I)
        // for an energy that is 100 times narrower... here: a wide energy sampled by a few steps).
        eval(s, """
        def W(x, s):
            return 0.5 * sum(x * x) / s
        w = energy_fn(W, params: [25], domain: "real", dim: 2)
        """)
        XCTAssertEqual(eval(s, "derive(w, X, chains: 400, steps: 3, step_size: 0.01, seed: 1).ok"), "false\n")
        // Many parameters: finite differences check 8 of them, spread over θ.
        eval(s, """
        def Q(x, A):
            return 0.5 * sum(x * x) + 0.1 * sum(A @ x)
        a = energy_fn(Q, params: [ones([6, 2])], domain: "real", dim: 2)
        da = derive(a, X, chains: 200, steps: 200, step_size: 0.05, seed: 1)
        """)
        let many = eval(s, "print da\nda.ok")
        XCTAssertTrue(many.contains("for 8 of the 12 components"), many)
        XCTAssertTrue(many.hasSuffix("true\n"), many)
    }

    // 7. Divergence names what went wrong: the energy itself, or the Langevin step size.
    func testAnEnergyThatIsNotFiniteAtTheStartIsSaidSo() {
        let s = Session()
        eval(s, """
        def E(x, w):
            return sum(w * x) / 0 * 0
        e = energy_fn(E, params: [ones([2])], domain: "binary", dim: 2)
        """)
        let text = errorText("train(e, tensor([[1, 0]]), method: \"exact\")", in: s)
        XCTAssertTrue(text.contains("not finite at the start"), text)
        XCTAssertTrue(text.contains("no training step"), text)
        XCTAssertFalse(text.contains("Lower lr"), text)
    }

    func testLangevinChainsThatBlowUpNameStepSize() {
        let s = Session()
        eval(s, """
        def E6(x, w):
            return sum(w * x * x) * 1000
        e = energy_fn(E6, params: [ones([2])], domain: "real", dim: 2)
        """)
        let text = errorText("train(e, randn([20, 2], seed: 1), method: \"langevin-ml\", step_size: 1, epochs: 50)", in: s)
        XCTAssertTrue(text.contains("Lower step_size (it was 1)"), text)
        XCTAssertFalse(text.contains("Lower lr"), text)
    }

    // 8. Ctrl-C inside E during training keeps the history, as for an RBM.
    func testInterruptedTrainingReturnsItsHistory() {
        // Each count of polls stops training inside E (most polls are E's own statements): in
        // the enumeration, the data's energies or the monitor.
        for threshold in [1020, 2087, 3057] {
            let s = Session()
            eval(s, Self.ising)
            var polls = 0
            s.isInterrupted = { polls += 1; return polls > threshold }
            let result = s.run(SourceText(name: "t", text: "h = train(q, tensor([[1, 0, 1], [0, 1, 1]]), method: \"exact\", epochs: 100000)"))
            s.isInterrupted = { false }
            XCTAssertNil(result.error, "\(threshold): \(String(describing: result.error))")
            XCTAssertTrue(result.output.contains("the model keeps what it learned"), result.output)
            XCTAssertNotNil(s.variables["h"])
            XCTAssertEqual(eval(s, "q.epochs > 0\nh.epochs[-1] == q.epochs"), "true\ntrue\n")
        }
    }
}
