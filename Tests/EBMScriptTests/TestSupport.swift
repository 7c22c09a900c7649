import XCTest
@testable import EBMScript

/// Runs `text` in `session` and returns what it printed; fails the test on an error.
@discardableResult
func eval(_ session: Session, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let source = SourceText(name: "test.ebm", text: text)
    let result = session.run(source)
    if let error = result.error {
        XCTFail("unexpected error:\n" + error.rendered(with: source), file: file, line: line)
    }
    return result.output
}

/// Runs `text` in a fresh session and returns the rendered error; fails the test if none.
func errorText(_ text: String, in session: Session = Session(), file: StaticString = #filePath, line: UInt = #line) -> String {
    let source = SourceText(name: "test.ebm", text: text)
    guard let error = session.run(source).error else {
        XCTFail("expected an error from: \(text)", file: file, line: line)
        return ""
    }
    return error.rendered(with: source)
}
