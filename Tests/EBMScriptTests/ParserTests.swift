import XCTest
@testable import EBMScript

final class ParserTests: XCTestCase {
    /// A compact, fully bracketed rendering of an expression tree, to assert precedence.
    private func shape(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v): return formatNumber(v)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .none: return "none"
        case .name(let n): return n
        case .list(let items): return "[" + items.map(shape).joined(separator: ",") + "]"
        case .call(let callee, let args):
            return shape(callee) + "(" + args.map { ($0.label.map { $0 + ":" } ?? "") + shape($0.value) }.joined(separator: ",") + ")"
        case .index(let base, let indices):
            return shape(base) + "[" + indices.map { s -> String in
                switch s {
                case .index(let e): return shape(e)
                case .slice(let a, let b, let c, _):
                    return (a.map(shape) ?? "") + ":" + (b.map(shape) ?? "") + (c.map { ":" + shape($0) } ?? "")
                }
            }.joined(separator: ",") + "]"
        case .property(let base, let name, _): return shape(base) + "." + name
        case .unary(let op, let operand): return "(\(op) \(shape(operand)))"
        case .binary(let op, let l, let r): return "(\(shape(l)) \(op) \(shape(r)))"
        case .chain(let first, let rest):
            return rest.reduce(shape(first)) { "(\($0) \($1.op) \(shape($1.operand)))" }
        }
    }

    /// Compound statements as `keyword head { body; … }`.
    private func statementShape(_ s: Statement) -> String {
        func body(_ b: [Statement]) -> String { "{ " + b.map(line).joined(separator: "; ") + " }" }
        func line(_ s: Statement) -> String {
            switch s.kind {
            case .expression(let e): return shape(e)
            case .assignment(let target, let op, let e): return "\(shape(target)) \(op ?? "")= \(shape(e))"
            case .metaCommand(let name, let arg): return ":\(name) \(arg)"
            case .conditional(let branches, let otherwise):
                return branches.map { "if \(shape($0.condition)) \(body($0.body))" }.joined(separator: " el")
                    + (otherwise.map { " else \(body($0))" } ?? "")
            case .whileLoop(let c, let b): return "while \(shape(c)) \(body(b))"
            case .forLoop(let v, let seq, let b): return "for \(v) in \(shape(seq)) \(body(b))"
            case .breakLoop: return "break"
            case .continueLoop: return "continue"
            case .pass: return "pass"
            case .returnValue(let e): return "return" + (e.map { " " + shape($0) } ?? "")
            case .functionDefinition(let f):
                let params = f.parameters.map { p in p.name + (p.defaultValue.map { "=" + shape($0) } ?? "") }
                return "def \(f.name)(\(params.joined(separator: ","))) \(body(f.body))" + (f.doc.map { " doc: \($0)" } ?? "")
            }
        }
        return line(s)
    }

    private func parse(_ text: String, commands: Set<String> = ["show", "help"]) throws -> [String] {
        try Parser.parse(SourceText(name: "t", text: text), commandNames: commands).map { s in
            switch s.kind {
            case .expression(let e): return shape(e)
            case .assignment(let target, let op, let e): return "\(shape(target)) \(op ?? "")= \(shape(e))"
            case .metaCommand(let name, let arg): return ":\(name) \(arg)"
            default: return statementShape(s)
            }
        }
    }

    func testPrecedenceAndAssociativity() throws {
        XCTAssertEqual(try parse("1 + 2 * 3 ** 2 ** 2"), ["(1 + (2 * (3 ** (2 ** 2))))"])
        XCTAssertEqual(try parse("-2 ** 2"), ["(- (2 ** 2))"])
        XCTAssertEqual(try parse("a - b - c"), ["((a - b) - c)"])
        XCTAssertEqual(try parse("x @ W + b > 0 and not y or z"), ["(((((x @ W) + b) > 0) and (not y)) or z)"])
    }

    func testCallsSubscriptsAndProperties() throws {
        XCTAssertEqual(try parse("rbm(visible: 16, hidden=8, seed: 1).W[0, 1:3][::2]"),
                       ["rbm(visible:16,hidden:8,seed:1).W[0,1:3][::2]"])
        XCTAssertEqual(try parse("d = bars_and_stripes(4)\nd[-1]"), ["d = bars_and_stripes(4)", "d[(- 1)]"])
        XCTAssertEqual(try parse("f(\n  1,\n  2,\n)"), ["f(1,2)"])
    }

    func testCommandsWithoutBrackets() throws {
        XCTAssertEqual(try parse("show d, columns: 8"), ["show(d,columns:8)"])
        XCTAssertEqual(try parse("help train"), ["help(train)"])
        // Not a command: juxtaposition is an error; a command name alone is a plain name.
        XCTAssertEqual(try parse("show"), ["show"])
        XCTAssertThrowsError(try parse("x y"))
    }

    func testMetaCommandsAndBlankLines() throws {
        XCTAssertEqual(try parse("\n\nx = 1\n\n:vars\n:save a b.ebm\n"), ["x = 1", ":vars ", ":save a b.ebm"])
    }

    func testErrorsSayWhatWasExpected() {
        func message(_ text: String) -> String? {
            do { _ = try parse(text); return nil } catch { return (error as? ScriptError)?.message }
        }
        XCTAssertEqual(message("x = = 2"), "expected an expression, found '='")
        XCTAssertEqual(message("f(a: 1, 2)"), "a positional argument cannot follow a keyword argument")
        XCTAssertEqual(message("1 + 2 = x"), "only a name, a part (x[i]) or a property (x.name) can be assigned to")
        XCTAssertEqual(message("x[]"), "empty subscript")
        XCTAssertEqual(message("a.(1)"), "expected a property name after '.', found '('")
    }

    func testIncompleteInputIsDetectedFromTheParsersOwnEndOfInput() {
        for text in ["f(1,", "x = [1, 2", "1 +", "m.", "\"open"] {
            XCTAssertThrowsError(try parse(text), text) { XCTAssertEqual(($0 as? ScriptError)?.kind, .incompleteInput, text) }
        }
        // An operator at the end of a line followed by a newline is a finished (wrong) statement.
        XCTAssertThrowsError(try parse("1 +\n")) { XCTAssertEqual(($0 as? ScriptError)?.kind, .syntax) }
    }

    // MARK: Statements and blocks

    func testCompoundStatementsWithIndentedBlocks() throws {
        XCTAssertEqual(try parse("for k in [1, 2]:\n    print(k)\n    x = k\ny = 2"),
                       ["for k in [1,2] { print(k); x = k }", "y = 2"])
        XCTAssertEqual(try parse("if a > 1:\n  x = 1\nelif a < 0:\n  x = 2\nelse:\n  x = 3\n"),
                       ["if (a > 1) { x = 1 } elif (a < 0) { x = 2 } else { x = 3 }"])
        XCTAssertEqual(try parse("while n > 0:\n\tn -= 1\n\tif n == 3:\n\t\tbreak\n\tcontinue"),
                       ["while (n > 0) { n -= 1; if (n == 3) { break }; continue }"])
        // One-line bodies, as in Python.
        XCTAssertEqual(try parse("for k in ks: show k\nif x: pass\nelse: return 1"),
                       ["for k in ks { show(k) }", "if x { pass } else { return 1 }"])
        // Extra indentation that no ':' asked for means nothing, as before blocks existed.
        XCTAssertEqual(try parse("x = 1\n  y = 2\nz = 3"), ["x = 1", "y = 2", "z = 3"])
    }

    func testFunctionDefinitionsKeepDefaultsAndTheirFirstCommentLine() throws {
        XCTAssertEqual(try parse("def f(x, k=2, lr: 0.1):\n    # the first comment line\n    # more\n    return x * k\n"),
                       ["def f(x,k=2,lr=0.1) { return (x * k) } doc: the first comment line"])
        XCTAssertEqual(try parse("def g():\n    \"Says hello.\"\n    return\n"),
                       ["def g() { \"Says hello.\"; return } doc: Says hello."])
    }

    func testAssignmentToPartsAndAugmentedAssignment() throws {
        XCTAssertEqual(try parse("W[0, 1] = 0.5\nX[:, 3] = 0\nm.W = W2\nm.W[0, 1] += 1\nxs[2] = 7"),
                       ["W[0,1] = 0.5", "X[:,3] = 0", "m.W = W2", "m.W[0,1] += 1", "xs[2] = 7"])
    }

    func testBlockErrorsAreLocatedAndSayWhatToDo() {
        func error(_ text: String) -> ScriptError? {
            do { _ = try parse(text); return nil } catch { return error as? ScriptError }
        }
        XCTAssertEqual(error("if x:\ny = 1")?.message, "expected an indented block after 'if …:'")
        XCTAssertEqual(error("if x:\n    y = 1\n  z = 2")?.message, "this line's indentation matches no enclosing block")
        XCTAssertEqual(error("else:\n  x = 1")?.message, "'else' without an 'if' before it")
        XCTAssertEqual(error("for 1 in xs:\n  x")?.message, "expected a name after 'for', found number 1")
        XCTAssertEqual(error("def f(a=1, b):\n  pass")?.message, "parameter 'b' without a default follows one with a default")
        // An open block at the end of the text is incomplete input, not an error.
        for text in ["for k in ks:", "for k in ks:\n", "def f(x):\n    if x:\n"] {
            XCTAssertEqual(error(text)?.kind, .incompleteInput, text)
        }
    }

    // MARK: Deep input (issue 10): long chains work, deep nesting is a located error

    func testLongOperatorChainsParseFlat() throws {
        let terms = Array(repeating: "1", count: 10_000).joined(separator: "+")
        let statements = try Parser.parse(SourceText(name: "t", text: "y = " + terms), commandNames: [])
        guard case .assignment(_, _, let e) = statements[0].kind, case .chain(_, let rest) = e.kind else {
            return XCTFail("expected a flat chain")
        }
        XCTAssertEqual(rest.count, 9_999)
    }

    func testDeepNestingIsALocatedErrorNotACrash() {
        for (open, close) in [("(", ")"), ("[", "]")] {
            let text = "z = " + String(repeating: open, count: 3000) + "1" + String(repeating: close, count: 3000)
            XCTAssertThrowsError(try parse(text)) { error in
                let e = error as? ScriptError
                XCTAssertEqual(e?.kind, .syntax)
                XCTAssertTrue(e?.message.contains("nested too deeply") ?? false, e?.message ?? "")
                XCTAssertEqual(e?.location?.line, 1)
            }
        }
        for text in ["z = " + String(repeating: "-", count: 5000) + "1", "z = " + String(repeating: "not ", count: 5000) + "true",
                     "z = " + Array(repeating: "2", count: 5000).joined(separator: " ** ")] {
            XCTAssertThrowsError(try parse(text)) { error in
                XCTAssertTrue((error as? ScriptError)?.message.contains("nested too deeply") ?? false)
            }
        }
        var blocks = ""
        for depth in 0..<400 { blocks += String(repeating: " ", count: depth) + "if true:\n" }
        blocks += String(repeating: " ", count: 400) + "x = 1\n"
        XCTAssertThrowsError(try parse(blocks)) { error in
            XCTAssertTrue((error as? ScriptError)?.message.contains("nested too deeply") ?? false)
        }
    }
}
