import XCTest
@testable import EBMScript
@testable import EBM

/// The second new-user trial's language and REPL defects (issues 12 and 15), each kept as a test.
final class LanguageTrialTests: XCTestCase {
    // MARK: 1. bare expressions inside a function do not echo

    func testADocstringIsNotEchoedOnEveryCall() {
        let s = Session()
        let out = eval(s, """
        def E(x, w):
            "the energy"
            x + 1
            for i in range(2):
                i
            return -sum(w * x)
        E(tensor([1, 2]), tensor([1, 1]))
        E(tensor([1, 2]), tensor([1, 1]))
        """)
        XCTAssertEqual(out, "-3\n-3\n")
        XCTAssertTrue(eval(s, "help E").contains("the energy"))
        // Top-level loops still echo.
        XCTAssertEqual(eval(s, "for i in range(2):\n    i"), "0\n1\n")
    }

    // MARK: 2. NaN in grad and gradcheck

    func testGradRefusesAPointWhereTheFunctionIsNotFinite() {
        let s = Session()
        eval(s, "def f(x):\n    return log(-x)")
        let text = errorText("grad(f, 1)", in: s)
        XCTAssertTrue(text.contains("not finite at this point"), text)
        XCTAssertTrue(text.contains("'log'"), text)
        let check = errorText("gradcheck(f, 1)", in: s)
        XCTAssertTrue(check.contains("not finite at this point"), check)
    }

    func testGradcheckCountsNaNAsDisagreement() {
        // sqrt is finite at 0 but not at 0 − h: the finite difference is NaN.
        let s = Session()
        eval(s, "def f(x):\n    return sqrt(x)\nc = gradcheck(f, 0.000001)")
        XCTAssertEqual(eval(s, "c.ok"), "false\n")
        let out = eval(s, "c")
        XCTAssertTrue(out.contains("SOME DISAGREE"), out)
        XCTAssertFalse(out.contains("largest difference is 0"), out)
        XCTAssertTrue(out.contains("NaN"), out)
        XCTAssertEqual(eval(s, "c.largest_difference"), "nan\n")
    }

    // MARK: 3. float noise prints as 0

    func testSmallTensorEntriesBesideLargeOnesAreKept() {
        // A float32 entry far below the largest is usually real (a probability of 2e-7 beside
        // means of 2 in g.components): only float64 noise is zeroed in a tensor.
        let out = eval(Session(), "tensor([3.3, 0.0000002, 0.000000000000000001])")
        XCTAssertTrue(out.contains("2e-07"), out)
        XCTAssertTrue(out.hasSuffix(" 0]\n"), out)
        // A small value beside small values is kept.
        XCTAssertTrue(eval(Session(), "tensor([0.000001, 0.000002])").contains("1e-06"))
    }

    func testAnExactMeanOfZeroPrintsAsZero() {
        let s = Session()
        let out = eval(s, "m = mixture()\nm")
        XCTAssertTrue(out.contains("exact mean [0, 0]"), out)
        XCTAssertEqual(eval(s, "m.exact_mean"), "tensor [2] float32\n[0 0]\n")
    }

    func testZeroingNoiseTakesTheQuantitysScale() {
        XCTAssertEqual(zeroingNoise([9.3e-15, 9.3e-15], scale: 2, relative: float32Noise), [0, 0])
        XCTAssertEqual(zeroingNoise([9.3e-15, 9.3e-15], relative: float32Noise), [9.3e-15, 9.3e-15])
        XCTAssertEqual(largestMagnitude([1, -3], [2]), 3)
    }

    // MARK: 4. lists of tensors and rank-3 tensors show values

    func testListsOfSmallTensorsShowTheirValues() {
        let s = Session()
        let out = eval(s, "[tensor([1, 2]), 3]")
        XCTAssertEqual(out, "[tensor [2] float32\n[1 2],\n 3]\n")
        let full = eval(s, "print([tensor([1, 2]), 3], full: true)")
        XCTAssertTrue(full.contains("[1 2]"), full)
        let big = eval(s, "print([zeros([30, 30])], full: true)")
        XCTAssertEqual(big.components(separatedBy: "\n").count, 32, big)
        // A 16 × 9 gradient prints whole; a 30 × 30 one stays a summary unless full: true.
        XCTAssertTrue(eval(s, "[zeros([16, 9]), 1]").contains("[[0 0 0 0 0 0 0 0 0]"))
        XCTAssertEqual(eval(s, "[zeros([30, 30]), 1]"), "[tensor [30, 30], 1]\n")
    }

    func testRankThreeTensorsPrintTheirMatrices() {
        let s = Session()
        let out = eval(s, "x = reshape(tensor([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2])\nx")
        XCTAssertTrue(out.contains("[0, :, :]\n[[1 2]\n [3 4]]"), out)
        XCTAssertTrue(out.contains("[1, :, :]\n[[5 6]\n [7 8]]"), out)
        let clipped = eval(s, "zeros([30, 2, 2])")
        XCTAssertTrue(clipped.contains("⋮") && clipped.contains("[29, :, :]") && !clipped.contains("[10, :, :]"), clipped)
        let full = eval(s, "print(zeros([30, 2, 2]), full: true)")
        XCTAssertTrue(full.contains("[10, :, :]"), full)
    }

    // MARK: 6. grad over rows is linear

    func testGradOverRowsIsLinearInTheRows() {
        let s = Session()
        eval(s, """
        def g(x):
            s = 0
            for r in x:
                s = s + sum(r)
            return s
        def h(x):
            s = 0
            for i in range(len(x)):
                s = s + x[i, 0] * 2
            return s
        """)
        XCTAssertEqual(eval(s, "grad(g, ones([3, 2]))"), "tensor [3, 2] float32\n[[1 1]\n [1 1]\n [1 1]]\n")
        XCTAssertEqual(eval(s, "grad(h, ones([2, 2]))"), "tensor [2, 2] float32\n[[2 0]\n [2 0]]\n")
        func seconds(_ n: Int) -> Double {
            var best = Double.infinity
            for _ in 0..<2 {
                let start = Date()
                eval(s, "q = grad(g, ones([\(n), 2]))\nq2 = grad(h, ones([\(n), 2]))")
                best = min(best, Date().timeIntervalSince(start))
            }
            return best
        }
        // Linear: 8× the rows take about 8× the time; the quadratic tape took up to 64×
        // (0.48 s for 10,000 rows, 4.5 s for 40,000).
        let small = seconds(2000), large = seconds(16000)
        XCTAssertLessThan(large / small, 16, "\(small) s for 2000 rows, \(large) s for 16000")
    }

    // MARK: 5. autodiff errors name the operation; tensor of followed numbers is followed

    func testTensorOfFollowedNumbersIsFollowed() {
        let s = Session()
        eval(s, "def f(x):\n    return sum(tensor([x[0] * 2, x[1] * 3, 1]) * tensor([1, 1, 1]))")
        XCTAssertEqual(eval(s, "grad(f, tensor([1, 1]))"), "tensor [2] float32\n[2 3]\n")
        eval(s, "def h(x):\n    return sum(tensor([x, x * 2]))")
        XCTAssertEqual(eval(s, "grad(h, tensor([1, 1]))"), "tensor [2] float32\n[3 3]\n")
    }

    func testUnfollowedOperationsAreNamed() {
        let s = Session()
        eval(s, "def f(x):\n    return x.max\nm = rbm(visible: 2, hidden: 2, seed: 1)\ndef g(w):\n    m.c = w\n    return sum(w)")
        let max = errorText("grad(f, tensor([1, 2]))", in: s)
        XCTAssertTrue(max.contains("does not follow '.max'"), max)
        let set = errorText("grad(g, tensor([1, 2]))", in: s)
        XCTAssertTrue(set.contains("does not follow assignment to a model's parameter ('m.c = …')"), set)
    }

    func testPartErrorsUseTheVariablesName() {
        let s = Session()
        eval(s, "r = rbm(visible: 3, hidden: 2, seed: 1)")
        let text = errorText("r.W = zeros([3, 3])", in: s)
        XCTAssertTrue(text.contains("error: r.W must be a tensor [2, 3]"), text)
        let nan = errorText("r.W = tensor([[0, 0 / 0, 0], [0, 0, 0]])", in: s)
        XCTAssertTrue(nan.contains("r.W would hold NaN at W[0, 1]"), nan)
    }

    // MARK: 7. help and docs

    func testRandomCommandsShowTheSessionSeed() {
        let s = Session()
        XCTAssertTrue(eval(s, "help rand").contains("seed: session"))
        for c in s.commands.commands where c.name != "train" {
            XCTAssertFalse(c.signature.contains("seed: 0"), c.signature)
        }
    }

    func testHelpGradShowsTheFunctionForm() {
        let s = Session()
        XCTAssertTrue(eval(s, "help grad").contains("grad(f, x, …)"))
        XCTAssertTrue(eval(s, "help gradcheck").contains("gradcheck(f, x, …)"))
        let text = errorText("grad(3, 1)")
        XCTAssertTrue(text.contains("a function defined with def"), text)
    }

    func testHelpSaveListsOnlyWhatSaveWrites() {
        let s = Session()
        let help = eval(s, "help save")
        let modelLine = help.components(separatedBy: "\n").first { $0.hasPrefix("  model") } ?? ""
        XCTAssertFalse(modelLine.contains("energy_fn"), modelLine)
        XCTAssertTrue(modelLine.contains("RBM"), modelLine)
    }

    // MARK: 8. the estimators' bias below the noise

    func testABiasBelowTheNoiseIsNotPrintedAsZero() {
        let row = GradientEstimatorComparison.Row(name: "CD-20", k: 20, persistent: false, bias: 0, rawDistance: 0.0072,
                                                  biasNoise: 0.0098, variance: 0.0096, cosine: 1)
        let c = GradientEstimatorComparison(rows: [row], exactNorm: 2, repeats: 100, chains: 30, persistentBurnIn: 10)
        let out = EstimatorComparisonValue(comparison: c).render(ValueFormat())
        XCTAssertTrue(out.contains("below the noise (< 0.0098)"), out)
        XCTAssertTrue(out.contains("0.0072"), out)
        XCTAssertFalse(out.contains("0 ± "), out)
    }

    // MARK: 10. minor

    func testHelpStripsQuotesFromItsTopic() {
        let s = Session()
        XCTAssertEqual(eval(s, ":help \"partition\""), eval(s, ":help partition"))
    }

    func testTheRecursionLimitNamesTheRecursiveFunction() {
        let s = Session()
        eval(s, "def g(n):\n    return g(n + 1)\ndef f():\n    return g(0)")
        let text = errorText("f()", in: s)
        XCTAssertTrue(text.contains("of 'g'"), text)
        XCTAssertFalse(text.contains("of 'f'"), text)
    }

    func testATooLargeWholeNumberSaysTheLimit() {
        let text = errorText("seed(1e30)")
        XCTAssertTrue(text.contains("below 10¹⁵"), text)
    }

    func testHelpOfADataSetListsTheCommandsTakingData() {
        let s = Session()
        let out = eval(s, "d = bars_and_stripes(3)\nhelp d")
        for name in ["train", "shuffle", "loglik", "pll"] { XCTAssertTrue(out.contains(name), out) }
    }
}
