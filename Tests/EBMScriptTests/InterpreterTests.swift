import XCTest
import EBM
@testable import EBMScript

final class InterpreterTests: XCTestCase {
    func testArithmeticAndEchoOfBareExpressions() {
        let s = Session()
        XCTAssertEqual(eval(s, "1 + 2 * 3\n7 / 2\n2 ** 10\n-7 % 3\n0.1 + 0.2"), "7\n3.5\n1024\n2\n0.3\n")
        XCTAssertEqual(eval(s, "x = 4"), "", "assignment echoes nothing")
        XCTAssertEqual(eval(s, "x * x"), "16\n")
        XCTAssertEqual(eval(s, "\"ab\" + 'c'\n[1, 2] + [3]\ntrue and not false\n1 < 2\nnone"), "\"abc\"\n[1, 2, 3]\ntrue\ntrue\n")
        XCTAssertEqual(eval(s, "1 / 0\n-1 / 0\n0 / 0"), "inf\n-inf\nnan\n")
    }

    func testListsIndexingAndSlicing() {
        let s = Session()
        eval(s, "xs = [10, 20, 30, 40, 50]")
        XCTAssertEqual(eval(s, "xs[0]\nxs[-1]\nxs[1:3]\nxs[::2]\nxs[::-1]\nxs[3:1]\nlen(xs)\nxs.count"),
                       "10\n50\n[20, 30]\n[10, 30, 50]\n[50, 40, 30, 20, 10]\n[]\n5\n5\n")
        XCTAssertEqual(eval(s, "'hello'[1:4]"), "\"ell\"\n")
    }

    func testTensorsArithmeticMatmulAndProperties() {
        let s = Session()
        eval(s, "A = tensor([[1, 2], [3, 4]])\nv = tensor([1, -1])")
        XCTAssertEqual(eval(s, "A @ v"), "tensor [2] float32\n[-1 -1]\n")
        XCTAssertEqual(eval(s, "A @ A"), "tensor [2, 2] float32\n[[ 7 10]\n [15 22]]\n")
        XCTAssertEqual(eval(s, "A * 2 - 1"), "tensor [2, 2] float32\n[[1 3]\n [5 7]]\n")
        XCTAssertEqual(eval(s, "A + v"), "tensor [2, 2] float32\n[[2 1]\n [4 3]]\n", "a vector adds to every row")
        XCTAssertEqual(eval(s, "A.T\nA.shape\nA.sum\nA[1, 0]\nA[:, 1]"),
                       "tensor [2, 2] float32\n[[1 3]\n [2 4]]\n[2, 2]\n10\n3\ntensor [2] float32\n[2 4]\n")
        XCTAssertEqual(eval(s, "A > 2"), "tensor [2, 2] float32\n[[0 0]\n [1 1]]\n")
        XCTAssertEqual(eval(s, "sigmoid(0)\nsoftplus(0)\nexp(tensor([0, 1]))"),
                       "0.5\n0.6931471806\ntensor [2] float32\n[    1 2.718]\n")
        XCTAssertEqual(eval(s, "mean(A, axis: 0)\nsum(A, axis: 1)"), "tensor [2] float32\n[2 3]\ntensor [2] float32\n[3 7]\n")
    }

    func testLargeTensorsPrintClippedWithSummary() {
        let s = Session()
        let out = eval(s, "zeros([100, 50])")
        XCTAssertEqual(out, """
        tensor [100, 50] float32  min 0 max 0 mean 0
        [[0 0 0 … 0 0 0]
         [0 0 0 … 0 0 0]
         [0 0 0 … 0 0 0]
         [⋮ ⋮ ⋮ ⋮ ⋮ ⋮ ⋮]
         [0 0 0 … 0 0 0]
         [0 0 0 … 0 0 0]
         [0 0 0 … 0 0 0]]

        """)
    }

    func testSeededRandomnessIsReproducible() {
        let s = Session()
        XCTAssertEqual(eval(s, "rand([3], seed: 7)"), eval(s, "rand([3], seed: 7)"))
        XCTAssertNotEqual(eval(s, "rand([3], seed: 7)"), eval(s, "rand([3], seed: 8)"))
        eval(s, "z = randn([20000], seed: 3)")
        guard case .tensor(let z)? = s.variables["z"] else { return XCTFail("z is not a tensor") }
        XCTAssertEqual(z.mean, 0, accuracy: 0.03)
        let variance = z.scalars.reduce(0) { $0 + Double($1) * Double($1) } / Double(z.count)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testDatasets() {
        let s = Session()
        eval(s, "d = bars_and_stripes(4)")
        XCTAssertEqual(eval(s, "d.count\nd.dim\nlen(d)\nd[0:2].count\nd[5].shape"), "32\n16\n32\n2\n[16]\n")
        XCTAssertEqual(eval(s, "parts = split(d, fraction: 0.75, seed: 1)\nparts[0].count\nparts[1].count"), "24\n8\n")
        XCTAssertEqual(eval(s, "sum(shuffle(d, seed: 3).x) == sum(d.x)"), "true\n")
        XCTAssertEqual(eval(s, ":vars"), """
        name   kind     size
        ─────  ───────  ───────────────────
        d      dataset  32 × 16, images 4×4
        parts  list     2 items

        """)
    }

    func testBarsAndStripesHasThirtyDistinctImagesForNEqualsFour() {
        let d = Dataset.barsAndStripes(4)
        XCTAssertEqual(d.count, 32)
        let rows = Set((0..<32).map { d.examples.row($0).scalars })
        XCTAssertEqual(rows.count, 30)
        // Every row is a stripe pattern or a bar pattern.
        for i in 0..<32 {
            let x = d.examples.row(i).scalars
            let stripes = (0..<4).allSatisfy { r in Set(x[(r * 4)..<(r * 4 + 4)]).count == 1 }
            let bars = (0..<4).allSatisfy { c in Set(stride(from: c, to: 16, by: 4).map { x[$0] }).count == 1 }
            XCTAssertTrue(stripes || bars, "row \(i)")
        }
    }

    func testStatePersistsAfterAnError() {
        let s = Session()
        eval(s, "a = 1")
        let result = s.run(SourceText(name: "t", text: "b = 2\nc = nope\nd = 4"))
        XCTAssertNotNil(result.error)
        XCTAssertEqual(Array(s.variables.keys), ["a", "b"], "statements before the error took effect; none after")
        XCTAssertEqual(eval(s, "a + b"), "3\n")
    }

    func testHelpReadsTheCommandTable() {
        let s = Session()
        let listing = eval(s, "help")
        for c in s.commands.commands { XCTAssertTrue(listing.contains("  \(c.name) "), c.name) }
        XCTAssertTrue(listing.contains(":quit"))
        let one = eval(s, "help rand")
        XCTAssertTrue(one.hasPrefix("rand(shape, seed: session)\n"), one)
        XCTAssertTrue(one.contains("seed   a whole number ≥ 0 (default: drawn from the session's generator"), one)
        XCTAssertEqual(eval(s, "help(rand)"), one)
        XCTAssertEqual(eval(s, ":help rand"), one)
    }

    func testMetaCommandPrefixesAndReset() {
        let s = Session()
        eval(s, "x = 1")
        XCTAssertEqual(eval(s, ":v"), eval(s, ":vars"))
        XCTAssertEqual(eval(s, ":res"), "session reset\n")
        XCTAssertEqual(eval(s, ":vars"), "no variables yet\n")
        XCTAssertTrue(s.run(SourceText(name: "t", text: ":q")).quit)
    }

    func testInterruptionStopsAtTheNextStatement() {
        let s = Session()
        var calls = 0
        s.isInterrupted = { calls += 1; return calls > 2 }
        let result = s.run(SourceText(name: "t", text: "a = 1\nb = 2\nc = 3\nd = 4"))
        XCTAssertEqual(result.error?.kind, .interrupted)
        XCTAssertNotNil(s.variables["a"])
        XCTAssertNil(s.variables["d"])
    }

    func testIncompleteInputDetection() {
        let s = Session()
        XCTAssertTrue(s.isIncomplete("f(1,"))
        XCTAssertTrue(s.isIncomplete("x = \"abc"))
        XCTAssertFalse(s.isIncomplete("f(1)"))
        XCTAssertFalse(s.isIncomplete("x = = 1"), "a syntax error is complete: it will not get better")
    }
}
