/// A lexical token of the ebm language.
struct Token: Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case identifier(String)
        case number(Double)
        case string(String)
        case metaCommand(name: String, argument: String) // `:save file.ebm` at the start of a line
        case punct(String)         // operators and brackets: ( ) [ ] { } , : . = + - * / % ** @ == != < <= > >=
        case keyword(String)       // true false none and or not, and the statement keywords
        case newline
        /// The start of a more deeply indented block (after a line ending in `:`).
        case indent
        /// The end of an indented block.
        case dedent
        case end
    }

    var kind: Kind
    var location: SourceLocation
    /// Offset in characters from the start of the source text, and length: for completion and
    /// for the text of a meta-command's argument.
    var offset: Int
    var length: Int

    var description: String {
        switch kind {
        case .identifier(let s): return "name '\(s)'"
        case .number(let v): return "number \(formatNumber(v))"
        case .string: return "a string"
        case .metaCommand(let s, _): return "':\(s)'"
        case .punct(let p): return "'\(p)'"
        case .keyword(let k): return "'\(k)'"
        case .newline: return "end of line"
        case .indent: return "an indented line"
        case .dedent: return "the end of an indented block"
        case .end: return "end of input"
        }
    }

    func isPunct(_ p: String) -> Bool { kind == .punct(p) }
}

let keywords: Set<String> = [
    "true", "false", "none", "and", "or", "not",
    "if", "elif", "else", "for", "in", "while", "break", "continue", "def", "return", "pass",
]

/// Keywords that begin a statement of their own, for completion and for the parser.
let statementKeywords: Set<String> = ["if", "elif", "else", "for", "while", "break", "continue", "def", "return", "pass"]
