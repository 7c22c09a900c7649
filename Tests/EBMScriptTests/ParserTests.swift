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
        }
    }

    private func parse(_ text: String, commands: Set<String> = ["show", "help"]) throws -> [String] {
        try Parser.parse(SourceText(name: "t", text: text), commandNames: commands).map { s in
            switch s.kind {
            case .expression(let e): return shape(e)
            case .assignment(let name, let e): return "\(name) = \(shape(e))"
            case .metaCommand(let name, let arg): return ":\(name) \(arg)"
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
        XCTAssertEqual(message("1 + 2 = x"), "only a name can be assigned to")
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
}
