import XCTest
@testable import EBMScript

final class LexerTests: XCTestCase {
    private func kinds(_ text: String) throws -> [Token.Kind] {
        try Lexer.tokenize(SourceText(name: "t", text: text)).map(\.kind)
    }

    func testNumbersStringsAndOperators() throws {
        XCTAssertEqual(try kinds("x = 1.5e-3 ** 2"), [
            .identifier("x"), .punct("="), .number(0.0015), .punct("**"), .number(2), .end,
        ])
        XCTAssertEqual(try kinds("'a\\n\"b' + \"c\""), [.string("a\n\"b"), .punct("+"), .string("c"), .end])
        XCTAssertEqual(try kinds("1_000 .5 3."), [.number(1000), .number(0.5), .number(3), .end])
        XCTAssertEqual(try kinds("a <= b != c @ d"), [
            .identifier("a"), .punct("<="), .identifier("b"), .punct("!="), .identifier("c"), .punct("@"), .identifier("d"), .end,
        ])
    }

    func testCommentsBlankLinesAndNewlinesInsideBrackets() throws {
        XCTAssertEqual(try kinds("# only a comment\n\n  x # trailing\n\ny"), [
            .identifier("x"), .newline, .identifier("y"), .end,
        ])
        XCTAssertEqual(try kinds("f(1,\n  2)\ng"), [
            .identifier("f"), .punct("("), .number(1), .punct(","), .number(2), .punct(")"), .newline, .identifier("g"), .end,
        ])
    }

    func testKeywordsAndMetaCommands() throws {
        XCTAssertEqual(try kinds("not true and none"), [.keyword("not"), .keyword("true"), .keyword("and"), .keyword("none"), .end])
        XCTAssertEqual(try kinds("  :save my file.ebm  \nx"), [
            .metaCommand(name: "save", argument: "my file.ebm"), .newline, .identifier("x"), .end,
        ])
        // A colon that is not at the start of a line is punctuation (keyword arguments, slices).
        XCTAssertEqual(try kinds("f(a: 1)"), [.identifier("f"), .punct("("), .identifier("a"), .punct(":"), .number(1), .punct(")"), .end])
    }

    func testLocationsCountLinesAndColumnsFromTheFirstLine() throws {
        let tokens = try Lexer.tokenize(SourceText(name: "nb.ebm", text: "a\n  bé = 2", firstLine: 10))
        XCTAssertEqual(tokens[2].location, SourceLocation(source: "nb.ebm", line: 11, column: 3))
        XCTAssertEqual(tokens[3].location, SourceLocation(source: "nb.ebm", line: 11, column: 6))
    }

    func testUnfinishedInputIsIncompleteNotASyntaxError() {
        for text in ["f(1, 2", "[1, [2]", "\"abc", "x = 'multi\nline"] {
            XCTAssertThrowsError(try Lexer.tokenize(SourceText(name: "t", text: text)), text) { error in
                XCTAssertEqual((error as? ScriptError)?.kind, .incompleteInput, text)
            }
        }
    }

    func testBadCharactersAndMismatchedBracketsAreSyntaxErrors() {
        for (text, message) in [("x $ y", "unexpected character '$'"), ("f(1]", "']' does not close '('"),
                                ("1)", "unexpected ')' with no matching opening bracket"), ("2x", "a number cannot run into a name ('2x…')"),
                                ("'\\q'", "unknown escape '\\q' in a string")] {
            XCTAssertThrowsError(try Lexer.tokenize(SourceText(name: "t", text: text))) { error in
                let e = error as? ScriptError
                XCTAssertEqual(e?.kind, .syntax, text)
                XCTAssertEqual(e?.message, message, text)
            }
        }
    }
}
