import XCTest
@testable import EBMScript

/// Loops, conditionals, functions, scoping, assignment to parts, errors inside functions,
/// Ctrl-C in loops, and deep input (issues 10 and 12).
final class LanguageTests: XCTestCase {
    // MARK: Control flow

    func testForLoopsOverListsRangesTensorRowsAndDataSetExamples() {
        let s = Session()
        XCTAssertEqual(eval(s, "for k in [1, 2, 5]:\n    print \"k =\", k\n"), "k = 1\nk = 2\nk = 5\n")
        XCTAssertEqual(eval(s, "t = 0\nfor i in range(1, 11):\n    t += i\nt"), "55\n")
        XCTAssertEqual(eval(s, "for row in tensor([[1, 2], [3, 4]]):\n    print row.sum\n"), "3\n7\n")
        XCTAssertEqual(eval(s, "for x in tensor([1, 2]):\n    print x * 10\n"), "10\n20\n")
        XCTAssertEqual(eval(s, "n = 0\nfor x in bars_and_stripes(3):\n    n += x.sum\nn == bars_and_stripes(3).x.sum"), "true\n")
        XCTAssertEqual(eval(s, "for c in \"ab\": print c\n"), "a\nb\n")
        XCTAssertTrue(errorText("for x in 3:\n    pass").contains("number 3 cannot be looped over"))
    }

    func testWhileIfElifElseBreakAndContinue() {
        let s = Session()
        let program = """
        i = 0
        while true:
            i += 1
            if i > 6:
                break
            elif i % 2 == 0:
                continue
            else:
                print i
        i
        """
        XCTAssertEqual(eval(s, program), "1\n3\n5\n7\n")
        XCTAssertTrue(errorText("if 1:\n    pass").contains("'if' needs true or false, got number 1"))
        XCTAssertTrue(errorText("break").contains("'break' outside a loop"))
        XCTAssertTrue(errorText("return 1").contains("'return' outside a function"))
    }

    // MARK: Functions and scope

    func testFunctionsWithDefaultsKeywordArgumentsAndRecursion() {
        let s = Session()
        eval(s, "def scale(x, k=2, shift: 0):\n    return x * k + shift\n")
        XCTAssertEqual(eval(s, "scale(3)\nscale(3, 10)\nscale(3, shift: 1)\nscale(x=1, k=5)"), "6\n30\n7\n5\n")
        eval(s, "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n")
        XCTAssertEqual(eval(s, "fib(15)"), "610\n")
        XCTAssertEqual(eval(s, "def nothing():\n    pass\nnothing() == none"), "true\n")
        XCTAssertTrue(errorText("def f(a):\n    return a\nf(1, 2)").contains("f takes 1 argument, got more"))
        XCTAssertTrue(errorText("def f(a):\n    return a\nf()").contains("f: missing argument 'a'"))
        XCTAssertTrue(errorText("def f(alpha):\n    return 1\nf(alpah: 1)").contains("did you mean 'alpha'?"))
    }

    func testLocalScopeReadsGlobalsAndKeepsItsOwnAssignments() {
        let s = Session()
        eval(s, "x = 1\ny = 10\ndef f(a):\n    x = a + y\n    z = 3\n    return x\n")
        XCTAssertEqual(eval(s, "f(5)\nx"), "15\n1\n")
        XCTAssertTrue(errorText("z", in: s).contains("unknown name 'z'"))
        // A loop variable at the top level is a session variable, as in Python.
        XCTAssertEqual(eval(s, "for k in [7, 8]:\n    pass\nk"), "8\n")
        // Changing a part of a global inside a function changes the global.
        eval(s, "xs = [1, 2, 3]\ndef poke():\n    xs[0] = 99\npoke()")
        XCTAssertEqual(eval(s, "xs"), "[99, 2, 3]\n")
    }

    func testRecursionPastTheLimitIsAnErrorAndTheSessionGoesOn() {
        let s = Session()
        eval(s, "keep = 42\ndef down(n):\n    return down(n + 1)\n")
        let text = errorText("down(0)", in: s)
        XCTAssertTrue(text.contains("too many nested calls"), text)
        XCTAssertTrue(text.contains("… "), "a long traceback is shortened: \(text)")
        XCTAssertEqual(eval(s, "keep"), "42\n")
    }

    func testAnErrorInsideAFunctionPrintsATracebackOfLocatedFrames() {
        let s = Session()
        // Defined in one entry, called from another: the error still quotes the function's line.
        eval(s, "def g(x):\n    return x + \"a\"\ndef f(x):\n    y = g(x)\n    return y\n")
        let source = SourceText(name: "test.ebm", text: "f(1)", firstLine: 7)
        guard let error = s.run(source).error else { return XCTFail("expected an error") }
        XCTAssertEqual(error.location?.line, 2)
        XCTAssertEqual(error.traceback.map(\.function), ["g", "f"])
        XCTAssertEqual(error.rendered(with: source), """
        test.ebm:2:14: error: '+' does not apply to number 1 and string "a"
                return x + "a"
                         ^
        traceback (innermost call first):
          in g, called from f at test.ebm:4:9: y = g(x)
          in f, called at test.ebm:7:1: f(1)

        """)
    }

    func testHelpVarsAndCompletionKnowUserFunctions() {
        let s = Session()
        eval(s, "def energy_of(x, beta=1):\n    # the Ising energy at inverse temperature beta\n    return x * beta\n")
        XCTAssertEqual(eval(s, "help energy_of"),
                       "energy_of(x, beta: 1)\n    the Ising energy at inverse temperature beta\n    defined with def at test.ebm:1\n")
        XCTAssertTrue(eval(s, ":vars").contains("energy_of  function  energy_of(x, beta: 1)"))
        XCTAssertTrue(eval(s, "help for").hasPrefix("for NAME in EXPR:"))
        XCTAssertTrue(eval(s, ":help def").hasPrefix("def NAME(a, b=1):"))
        XCTAssertEqual(Completer.complete(line: "ener", cursor: 4, session: s), .candidates(["energy", "energy_fn", "energy_map", "energy_of"]))
        XCTAssertEqual(Completer.complete(line: "energy_of(1, be", cursor: 15, session: s), .candidates(["best_loglik", "beta: "]))
        XCTAssertEqual(Completer.complete(line: "whi", cursor: 3, session: s), .candidates(["while"]))
    }

    // MARK: Ctrl-C

    func testCtrlCStopsALoopAtTheNextIterationAndKeepsTheState() {
        let s = Session()
        var polls = 0
        s.isInterrupted = {
            polls += 1
            return polls > 1000
        }
        let result = s.run(SourceText(name: "t", text: "n = 0\nwhile true:\n    n += 1\n"))
        XCTAssertEqual(result.error?.kind, .interrupted)
        s.isInterrupted = { false }
        guard case .number(let n)? = s.variables["n"] else { return XCTFail("n is kept") }
        XCTAssertGreaterThan(n, 100)
        // And inside a function called in a loop.
        polls = 0
        s.isInterrupted = { polls += 1; return polls > 500 }
        let inFunction = s.run(SourceText(name: "t", text: "def spin():\n    while true:\n        pass\nspin()"))
        XCTAssertEqual(inFunction.error?.kind, .interrupted)
        XCTAssertEqual(inFunction.error?.traceback.first?.function, "spin")
    }

    // MARK: Assignment to parts

    func testAssignmentToPartsOfTensorsAndLists() {
        let s = Session()
        eval(s, "W = zeros([2, 3])\nW[0, 1] = 0.5\nW[1] = [1, 2, 3]\nX = ones([3, 4])\nX[:, 3] = 0\nxs = [1, 2, 3]\nxs[2] = 7\nxs[0:2] = [5]")
        XCTAssertEqual(eval(s, "W"), "tensor [2, 3] float32\n[[  0 0.5   0]\n [  1   2   3]]\n")
        XCTAssertEqual(eval(s, "X.sum\nX[:, 3].sum"), "9\n0\n")
        XCTAssertEqual(eval(s, "xs"), "[5, 7]\n")
        eval(s, "W[0, 0] += 2\nX[0:2, 0:2] = tensor([[7, 7], [7, 7]])")
        XCTAssertEqual(eval(s, "W[0, 0]\nX[0:2, 0:2].sum"), "2\n28\n")
        XCTAssertTrue(errorText("X[:, 0] = [1, 2]", in: s).contains("cannot assign a tensor [2] to a part of shape [3]"))
        XCTAssertTrue(errorText("W[5, 0] = 1", in: s).contains("index 5 is out of range"))
        XCTAssertTrue(errorText("s = \"abc\"\ns[0] = \"x\"", in: s).contains("a string cannot be changed in place"))
        XCTAssertTrue(errorText("1 + 2 = 3").contains("only a name, a part"))
        // A failed part assignment leaves the variable as it was.
        XCTAssertEqual(eval(s, "W[0, 1]"), "0.5\n")
    }

    func testModelParametersAreSetThroughTheModelShapeChecked() {
        let s = Session()
        eval(s, "m = rbm(visible: 3, hidden: 2, seed: 1)\nalias = m\nm.W = zeros([2, 3])\nm.W[0, 1] = 0.5\nm.c = [1, 2, 3]")
        XCTAssertEqual(eval(s, "alias.W.sum\nalias.c.sum"), "0.5\n6\n")
        XCTAssertTrue(errorText("m.W = zeros([3, 2])", in: s).contains("W must be a tensor [2, 3] (hidden × visible), got [3, 2]"))
        XCTAssertTrue(errorText("m.W = zeros([3, 2])", in: s).contains("transpose it with .T"))
        XCTAssertTrue(errorText("m.visible = 4", in: s).contains("an RBM's 'visible' is computed and cannot be set"))
        XCTAssertTrue(errorText("d = bars_and_stripes(3)\nd.count = 1", in: s).contains("does not let 'count' be changed"))
        // A Boltzmann machine keeps W symmetric with a zero diagonal.
        eval(s, "bm = boltzmann(units: 3, seed: 1)\nW = zeros([3, 3])\nW[0, 1] = 0.5\nW[1, 0] = 0.5\nbm.W = W\nbm.b = [1, 2, 3]")
        XCTAssertEqual(eval(s, "bm.W.sum\nbm.b.sum"), "1\n6\n")
        let symmetric = errorText("bm.W[0, 2] = 1", in: s)
        XCTAssertTrue(symmetric.contains("W must be symmetric, got w[2, 0] = 0 but w[0, 2] = 1"), symmetric)
        XCTAssertTrue(symmetric.contains("error: bm.W must"), "the variable is bm, not m: \(symmetric)")
        XCTAssertTrue(errorText("bm.W = ones([3, 3])", in: s).contains("zero diagonal"))
    }

    // MARK: Deep input (issue 10)

    func testLongFlatChainsEvaluateWithoutRecursion() {
        let s = Session()
        XCTAssertEqual(eval(s, "y = " + Array(repeating: "1", count: 10_000).joined(separator: "+") + "\ny"), "10000\n")
        XCTAssertEqual(eval(s, Array(repeating: "true", count: 5_000).joined(separator: " and ")), "true\n")
    }

    func testDeepNestingIsALocatedErrorAndTheSessionGoesOn() {
        let s = Session()
        eval(s, "keep = 1")
        for text in ["z = " + String(repeating: "(", count: 3000) + "1" + String(repeating: ")", count: 3000),
                     "z = " + String(repeating: "[", count: 3000) + "1" + String(repeating: "]", count: 3000)] {
            let message = errorText(text, in: s)
            XCTAssertTrue(message.hasPrefix("test.ebm:1:"), message)
            XCTAssertTrue(message.contains("nested too deeply"), message)
        }
        XCTAssertEqual(eval(s, "keep"), "1\n")
    }

    func testListsNestedByALoopStopAtTheLimitInsteadOfOverflowingWhenPrintedOrFreed() {
        let s = Session()
        let message = errorText("x = []\nfor i in range(100000):\n    x = [x]\n", in: s)
        XCTAssertTrue(message.contains("lists nested too deeply (more than 100 levels)"), message)
        XCTAssertTrue(errorText("xs = [1]\nfor i in range(1000):\n    xs[0] = xs\n").contains("nested too deeply"))
        // What was built up to the limit prints and is freed normally.
        XCTAssertTrue(eval(s, "x").hasPrefix("[[[["))
        s.reset()
    }

    func testAVeryLongLineIsQuotedAroundTheErrorOnly() {
        let text = "y = " + Array(repeating: "1", count: 3000).joined(separator: " + ") + " + nope"
        let message = errorText(text)
        let lines = message.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("test.ebm:1:12005: error: unknown name 'nope'"), String(lines[0]))
        XCTAssertLessThan(lines[1].count, 140)
        XCTAssertTrue(lines[1].hasSuffix("1 + nope"), String(lines[1]))
        // The caret still points at the name.
        let caret = lines[2].count - 1
        XCTAssertEqual(Array(lines[1])[caret], "n")
    }

    // MARK: Reading input

    func testInteractiveEntriesWithABlockEndAtABlankLine() {
        let s = Session()
        var g = InputGatherer(mode: .interactive)
        XCTAssertFalse(g.add("for k in [1, 2]:", session: s))
        XCTAssertFalse(g.add("    print k", session: s))
        XCTAssertFalse(g.add("print 3", session: s))
        XCTAssertTrue(g.add("", session: s))
        XCTAssertEqual(g.take(), "for k in [1, 2]:\n    print k\nprint 3")
        XCTAssertTrue(g.add("x = 1", session: s))
        XCTAssertEqual(g.take(), "x = 1")
        XCTAssertFalse(g.add("f(1,", session: s))
        XCTAssertTrue(g.add("  2)", session: s))
    }

    func testPipedEntriesWithABlockEndAtTheNextLineAtTheMargin() {
        let s = Session()
        var g = InputGatherer(mode: .script)
        for line in ["def f(x):", "    y = x", "", "# a comment", "    return y"] {
            XCTAssertFalse(g.add(line, session: s), line)
        }
        // The line back at the margin ends the definition, which runs first; the call, complete
        // by itself, is the next entry.
        XCTAssertTrue(g.add("f(2)", session: s))
        XCTAssertEqual(g.firstLine, 1)
        XCTAssertEqual(s.run(SourceText(name: "t", text: g.take())).output, "")
        XCTAssertTrue(g.isReady)
        XCTAssertEqual(g.firstLine, 6)
        XCTAssertEqual(s.run(SourceText(name: "t", text: g.take())).output, "2\n")
        XCTAssertFalse(g.isReady)
        XCTAssertFalse(g.add("if false:", session: s))
        XCTAssertFalse(g.add("    x = 1", session: s))
        XCTAssertFalse(g.add("else:", session: s))
        XCTAssertFalse(g.add("    x = 2", session: s))
        XCTAssertTrue(g.add("x", session: s))
        XCTAssertEqual(g.firstLine, 7)
        XCTAssertEqual(g.take(), "if false:\n    x = 1\nelse:\n    x = 2")
        // A block header right after a block starts the next entry, which waits for its body.
        XCTAssertTrue(g.isReady)
        XCTAssertEqual(g.take(), "x")
        XCTAssertFalse(g.add("for k in [1]:", session: s))
        XCTAssertFalse(g.add("    pass", session: s))
        XCTAssertTrue(g.add("for j in [2]:", session: s))
        XCTAssertEqual(g.take(), "for k in [1]:\n    pass")
        XCTAssertFalse(g.isReady)
        XCTAssertEqual(g.pending, "for j in [2]:")
    }

    /// A bracket spanning 4000 lines is parsed once, when it closes, not once per line (which
    /// took 33 s where the same data on one line took 0.15 s).
    func testABracketSpanningThousandsOfLinesIsParsedOnce() {
        let s = Session()
        var g = InputGatherer(mode: .script)
        XCTAssertFalse(g.add("x = tensor([", session: s))
        for i in 0..<4000 { XCTAssertFalse(g.add("  [\(i), 1],  # a row with a ] in a comment", session: s)) }
        XCTAssertTrue(g.add("])", session: s))
        XCTAssertEqual(g.parses, 1)
        XCTAssertEqual(eval(s, g.take() + "\nx.shape"), "[4000, 2]\n")
    }

    // MARK: Notebooks

    func testNotebookCellsRunCompoundStatements() throws {
        let text = """
        # Loops

        ```ebm
        def square(x):
            return x * x

        for k in [1, 2, 3]:
            print square(k)
        ```

        ```output
        1
        4
        9
        ```
        """
        let notebook = try Notebook.parse(text, name: "loops.ebm")
        let replay = NotebookReplay.replay(notebook, folder: NSTemporaryDirectory())
        XCTAssertNil(replay.failure)
        XCTAssertEqual(replay.results.first?.output, "1\n4\n9\n")
    }
}
