/// A lexical token of the ebm language.
struct Token: Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case identifier(String)
        case number(Double)
        case string(String)
        case metaCommand(name: String, argument: String) // `:save file.ebm` at the start of a line
        case punct(String)         // operators and brackets: ( ) [ ] { } , : . = + - * / % ** @ == != < <= > >=
        case keyword(String)       // true false none and or not
        case newline
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
        case .end: return "end of input"
        }
    }

    func isPunct(_ p: String) -> Bool { kind == .punct(p) }
}

let keywords: Set<String> = ["true", "false", "none", "and", "or", "not"]
