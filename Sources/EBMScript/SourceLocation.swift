/// Where a piece of source text came from: a named source (a file, `<repl>`, `<command line>`)
/// and a 1-based line and column in it (columns count characters, not bytes).
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int

    public init(source: String, line: Int, column: Int) {
        self.source = source
        self.line = line
        self.column = column
    }

    public var description: String { "\(source):\(line):\(column)" }
}

/// A source text and its name; the lexer and the error renderer both read it.
public struct SourceText: Sendable {
    public var name: String
    public var text: String
    /// The line number of the first line of `text` in the named source, so that a block taken
    /// from the middle of a notebook reports the notebook's own line numbers.
    public var firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.firstLine = firstLine
    }

    /// The text of the line with the given (absolute) number, without its terminator.
    public func line(_ number: Int) -> String? {
        let index = number - firstLine
        guard index >= 0 else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard index < lines.count else { return nil }
        return String(lines[index])
    }
}
