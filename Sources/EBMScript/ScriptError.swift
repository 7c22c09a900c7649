/// An error the language reports: what went wrong, where, and how to fix it.
///
/// Errors are values; nothing is printed where they arise. The host renders them with
/// `rendered(with:)` as `file:line:column: error: message`, followed by the offending line, a
/// caret under the column, and the hint.
public struct ScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case syntax          // the text does not parse
        case incompleteInput // the text ended inside a bracket or string: more input may finish it
        case name            // an unknown variable, command, property or meta-command
        case argument        // a call's arguments do not fit the command's signature
        case type            // an operation on values of the wrong kinds
        case value           // a value out of range (an index, a size, a probability)
        case io              // a file could not be read or written
        case interrupted     // Ctrl-C stopped the command
        case numeric         // a computation gave NaN or infinity, or would be too large
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    /// How to fix it, printed on its own line after the caret ("did you mean 'train'?").
    public var hint: String?
    /// The text of the line at `location`, when it is not in the source being rendered (an
    /// error inside a function defined by an earlier entry).
    public var quotedLine: String?
    /// The calls of user functions the error passed through, innermost first.
    public var traceback: [TraceFrame] = []

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.hint = hint
    }

    public var description: String { rendered(with: nil) }

    /// `file:line:column: error: message`, then the source line with a caret under the column
    /// when the source text is at hand, then `hint: ...`.
    public func rendered(with source: SourceText?, sourceName: String? = nil) -> String {
        var out = ""
        if let loc = location {
            out += "\(sourceName ?? loc.source):\(loc.line):\(loc.column): "
        }
        out += "error: \(message)\n"
        if let loc = location, let line = quotedLine ?? source?.line(loc.line) {
            // A very long line (3000 brackets, 10,000 terms) is quoted around the column only.
            var text = line
            var column = loc.column
            let width = 60
            if line.count > 2 * width + 20 {
                let chars = Array(line)
                let start = max(0, min(column - 1 - width, chars.count - 2 * width))
                let end = min(chars.count, start + 2 * width)
                text = (start > 0 ? "…" : "") + String(chars[start..<end]) + (end < chars.count ? "…" : "")
                column = column - start + (start > 0 ? 1 : 0)
            }
            out += "    \(text)\n"
            // Keep tabs so the caret lines up under a tab-indented line.
            let pad = text.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
            out += "    \(pad)^\n"
        }
        if let hint { out += "hint: \(hint)\n" }
        if !traceback.isEmpty { out += renderedTraceback(sourceName: sourceName) }
        return out
    }

    /// `traceback (innermost call first):` and one line per call: the function, where it was
    /// called from, and the calling line. A long recursion shows its first and last calls.
    private func renderedTraceback(sourceName: String?) -> String {
        var out = "traceback (innermost call first):\n"
        func line(_ f: TraceFrame) -> String {
            let from = f.caller.map { " from \($0)" } ?? ""
            var at = f.callLocation
            // Calls in the same source as the error take the name it is shown under.
            if let sourceName, at.source == location?.source { at.source = sourceName }
            return "  in \(f.function), called\(from) at \(at)" + (f.callLine.map { ": \($0)" } ?? "") + "\n"
        }
        if traceback.count <= 12 {
            for f in traceback { out += line(f) }
        } else {
            for f in traceback.prefix(6) { out += line(f) }
            out += "  … \(traceback.count - 9) more calls …\n"
            for f in traceback.suffix(3) { out += line(f) }
        }
        return out
    }

    /// The same error with a location filled in, if it had none.
    func located(at location: SourceLocation) -> ScriptError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }
}

/// One call of a user function that an error passed through.
public struct TraceFrame: Equatable, Sendable {
    /// The function that was called.
    public var function: String
    /// The function the call was made from (nil at the top level).
    public var caller: String?
    public var callLocation: SourceLocation
    /// The calling line's text, trimmed.
    public var callLine: String?
}
