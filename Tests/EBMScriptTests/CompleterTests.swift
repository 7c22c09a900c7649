import XCTest
@testable import EBMScript

final class CompleterTests: XCTestCase {
    /// A session with a tensor `x`, a number `xs` and a list `bars`.
    private func session() -> Session {
        let s = Session()
        let result = s.run(SourceText(name: "test.ebm", text: "x = zeros([2, 3])\nxs = 4\nbars = [1, 2]"))
        XCTAssertNil(result.error)
        return s
    }

    /// The candidates with the cursor at the end of `line` (or where `|` is).
    private func candidates(_ line: String, pending: String = "", in s: Session? = nil,
                            file: StaticString = #filePath, lineNumber: UInt = #line) -> [String] {
        switch complete(line, pending: pending, in: s) {
        case .candidates(let c): return c
        case .filePath:
            XCTFail("expected candidates, got a file path", file: file, line: lineNumber)
            return []
        case .choices(let c):
            XCTFail("expected candidates, got the choices \(c)", file: file, line: lineNumber)
            return []
        }
    }

    /// The standard commands whose names start with `prefix` (others may add commands).
    private func commands(startingWith prefix: String) -> [String] {
        CommandTable.standard.names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    private func complete(_ line: String, pending: String = "", in s: Session? = nil) -> Completer.Completion {
        var text = line
        var cursor = line.utf8.count
        if let bar = line.firstIndex(of: "|") {
            cursor = line.utf8.distance(from: line.startIndex, to: bar)
            text.remove(at: bar)
        }
        return Completer.complete(line: text, cursor: cursor, pending: pending, session: s ?? session())
    }

    func testMetaCommandsAfterColon() {
        XCTAssertEqual(candidates(":va"), ["vars"])
        XCTAssertEqual(candidates(":"), MetaCommand.all.map(\.name).sorted())
        XCTAssertEqual(candidates("  :q"), ["quit"])
        XCTAssertEqual(candidates(":zz"), [])
    }

    func testMetaCommandArguments() {
        XCTAssertEqual(candidates(":help bars_"), ["bars_and_stripes"])
        XCTAssertEqual(complete(":load note"), .filePath)
        XCTAssertEqual(complete(":sa out"), .filePath)
        XCTAssertEqual(candidates(":vars x"), [])
    }

    func testColonOutsideLineStartIsNotAMetaCommand() {
        // Inside a call, `:` follows a label; the word after it is a value.
        XCTAssertEqual(candidates("rand([2], seed: x"), ["x", "xs"])
    }

    func testInsideAStringCompletesAFilePath() {
        XCTAssertEqual(complete("dataset(\"data/tr"), .filePath)
        XCTAssertEqual(complete("print 'a b"), .filePath)
        XCTAssertEqual(complete("print \"closed\", \"/tm"), .filePath)
        // A string left open on an earlier line of the entry.
        XCTAssertEqual(complete("more", pending: "print(\"first"), .filePath)
    }

    func testAClosedStringIsNotAFilePath() {
        XCTAssertEqual(candidates("print \"a\\\"b\", x"), ["x", "xs"])
    }

    func testKeywordArgumentsOfAnOpenCall() {
        XCTAssertEqual(candidates("rand([2], se"), (["seed: "] + commands(startingWith: "se").filter { $0 != "seed" }).sorted())
        // Labels, variables and commands all start with the word.
        let all = candidates("rand([2], ")
        XCTAssertTrue(all.contains("seed: "))
        XCTAssertTrue(all.contains("shape: "))
        XCTAssertTrue(all.contains("x"))
        XCTAssertTrue(all.contains("bars_and_stripes"))
        XCTAssertEqual(all, all.sorted())
        XCTAssertEqual(Set(all).count, all.count)
    }

    func testKeywordArgumentsAlreadyGivenAreLeftOut() {
        XCTAssertEqual(candidates("shuffle(d, seed: 3, s"), commands(startingWith: "s"))
        XCTAssertFalse(candidates("shuffle(seed = 3, ").contains("seed: "))
        XCTAssertTrue(candidates("shuffle(seed = 3, ").contains("data: "))
    }

    func testLabelsOfAnInnerCallOnlyCount() {
        // `seed:` was given to the inner call, not to shuffle.
        XCTAssertTrue(candidates("shuffle(split(d, seed: 1), ").contains("seed: "))
        // Inside a list the labels of the enclosing call do not apply.
        XCTAssertFalse(candidates("rand([2, se").contains("seed: "))
        XCTAssertEqual(candidates("rand([2, x"), ["x", "xs"])
    }

    func testComparisonIsNotALabel() {
        XCTAssertTrue(candidates("shuffle(seed == 1, ").contains("seed: "))
    }

    func testLabelsOnlyWhereAnArgumentStarts() {
        XCTAssertEqual(candidates("rand([2], 1 + se"), commands(startingWith: "se"), "no labels inside an expression")
        XCTAssertEqual(candidates("rand(x"), ["x", "xs"])
        XCTAssertEqual(candidates("rand(s"), (["seed: ", "shape: "] + commands(startingWith: "s").filter { $0 != "seed" }).sorted())
    }

    func testAnOpenCallAcrossLines() {
        XCTAssertEqual(candidates("  se", pending: "rand([2],"), (["seed: "] + commands(startingWith: "se").filter { $0 != "seed" }).sorted())
        XCTAssertEqual(candidates("  seed: 1, sh", pending: "rand("), (["shape: "] + commands(startingWith: "sh")).sorted())
    }

    func testABracketlessCall() {
        XCTAssertEqual(candidates("rand 3, se"), (["seed: "] + commands(startingWith: "se").filter { $0 != "seed" }).sorted())
        XCTAssertFalse(candidates("xs + 1, se").contains("seed: "))
    }

    func testAnUnknownCalleeOffersNamesOnly() {
        XCTAssertEqual(candidates("nosuch(x"), ["x", "xs"])
        XCTAssertEqual(candidates("(x"), ["x", "xs"])
    }

    func testCommandsAndVariables() {
        XCTAssertEqual(candidates("bars_and_st"), ["bars_and_stripes"])
        XCTAssertEqual(candidates("bar"), ["bars", "bars_and_stripes"])
        XCTAssertEqual(candidates("y = x"), ["x", "xs"])
        XCTAssertEqual(candidates("zzz"), [])
    }

    func testEverythingWhenTheWordIsEmpty() {
        let s = session()
        let all = candidates("", in: s)
        // At the start of a statement the statement keywords (`for`, `def`, …) come too.
        XCTAssertEqual(all, (s.commands.names + ["x", "xs", "bars"] + statementKeywords).sorted())
    }

    func testPropertiesAfterADot() {
        XCTAssertEqual(candidates("x.s"), ["shape", "sum"])
        XCTAssertEqual(candidates("x."), Properties.tensorProperties.sorted())
        XCTAssertEqual(candidates("print bars.c"), ["count"])
        XCTAssertEqual(candidates("nosuch.s"), [])
        XCTAssertEqual(candidates("xs.s"), [])
        XCTAssertEqual(candidates("(x).s"), [])
    }

    func testCursorInTheMiddleOfTheLine() {
        XCTAssertEqual(candidates("bars_and_st| + 1"), ["bars_and_stripes"])
        XCTAssertEqual(candidates("rand([2], se|ed: 1)"), (["seed: "] + commands(startingWith: "se").filter { $0 != "seed" }).sorted())
    }

    func testNumbersAndCommentsGetNothing() {
        XCTAssertEqual(candidates("x + 1e"), [])
        XCTAssertEqual(candidates("x + 3"), [])
        XCTAssertEqual(candidates("x  # a comment about x"), [])
    }

    func testNonASCIICursorIsClamped() {
        let s = session()
        // A cursor past the end, and one inside a multi-byte character, do not crash.
        _ = Completer.complete(line: "print \"é", cursor: 100, session: s)
        XCTAssertEqual(Completer.complete(line: "é", cursor: 1, session: s), Completer.complete(line: "", cursor: 0, session: s))
    }

    // MARK: choice values inside strings

    func testAStringThatTakesAChoiceCompletesItsValues() {
        let s = Session()
        XCTAssertNil(s.run(SourceText(name: "t", text: "m = rbm(visible: 9, hidden: 4)\ne = gaussian(mean: [0, 0], std: [1, 1])\nh = train(m, bars_and_stripes(3), epochs: 1)")).error)
        guard case .choices(let methods) = complete("train(m, d, method: \"", in: s) else { return XCTFail("no choices") }
        XCTAssertTrue(methods.contains("cd") && methods.contains("pcd"), "\(methods)")
        XCTAssertEqual(complete("train(m, d, method: \"", in: s), complete("train(m, d, \"", in: s), "positional, as the third argument")
        XCTAssertEqual(complete("train m, d, method: \"p", in: s), complete("train(m, d, method: \"", in: s))
        guard case .choices(let columns) = complete("plot h, y: \"", in: s) else { return XCTFail("no columns") }
        guard case .object(let h as HistoryValue)? = s.variables["h"] else { return XCTFail("no history") }
        XCTAssertEqual(columns, h.history.columnNames)
        XCTAssertTrue(columns.contains("recon"), "\(columns)")
        guard case .choices(let derivations) = complete("derive(m, d, derivation: \"", in: s) else { return XCTFail("no derivations") }
        XCTAssertTrue(derivations.contains("free-energy") && derivations.contains("estimators"), "\(derivations)")
        guard case .choices(let inits) = complete("gibbs(m, init: \"", in: s) else { return XCTFail("no init choices") }
        XCTAssertEqual(inits, ["random"])
        // File paths still complete where a parameter takes a path or a free string.
        XCTAssertEqual(complete("png(m, \"ima", in: s), .filePath)
        XCTAssertEqual(complete("save(m, \"mod", in: s), .filePath)
        XCTAssertEqual(complete("print \"/tm", in: s), .filePath)
    }

    func testALabelHidesTheCommandOfTheSameName() {
        // The command seed(N) and the label seed: — Tab must complete the label in full.
        XCTAssertTrue(CommandTable.standard.names.contains("seed"))
        XCTAssertEqual(candidates("rand([2], seed"), ["seed: "])
    }
}
