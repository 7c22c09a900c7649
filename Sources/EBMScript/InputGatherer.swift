/// Gathers lines of input into complete entries, for the REPL and for scripts piped to
/// standard input, in time linear in the input.
///
/// An entry is complete when no bracket or string is open, no line ends in `\`, the parser
/// does not need more (`x = 1 +` at the end), and no compound statement may go on:
/// - interactive (the REPL, as Python's): an entry with a compound statement (`for`, `if`,
///   `def`, …) goes on until a blank line; a blank line also runs an entry left open, so the
///   parser can say what is missing;
/// - script (a pipe): the entry goes on while its last line is indented or is a block header;
///   the next line back at the margin (other than `elif`/`else`) completes it and starts the
///   next entry (blank and comment lines inside a body are kept).
///
/// Brackets and strings are tracked line by line as lines arrive; the parser runs only when
/// the brackets balance, so a bracket spanning thousands of lines is read in linear time.
public struct InputGatherer {
    public enum Mode: Sendable { case interactive, script }

    public let mode: Mode
    /// The lines of the entry so far, joined with "\n".
    public private(set) var pending = ""
    /// The 1-based number (counting every line added) of the entry's first line.
    public private(set) var firstLine = 1

    private var linesAdded = 0
    /// A line at the margin that ended the block before it; it starts the next entry.
    private var carried: (line: String, number: Int)?
    /// True when `take()` has left a complete entry behind (a carried line complete by itself).
    public private(set) var isReady = false
    /// How many times the parser ran (to test that reading stays linear).
    private(set) var parses = 0
    private var scanner = ContinuationScanner()
    private var hasCompoundStatement = false
    private var lastLineOpensOrIsIndented = false

    /// The session whose commands the parser knows (from the last `add`).
    private var session: Session?

    public init(mode: Mode) {
        self.mode = mode
    }

    public var isEmpty: Bool { pending.isEmpty }

    /// Adds a line (without its newline). Returns true when `pending` is a complete entry to
    /// run now; take it with `take()`.
    public mutating func add(_ line: String, session: Session) -> Bool {
        self.session = session
        linesAdded += 1
        let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
        if pending.isEmpty {
            if blank { return false }
            firstLine = linesAdded
            pending = line
        } else {
            if blank && mode == .interactive { return true }
            if mode == .script && lastLineOpensOrIsIndented && !scanner.isOpen && !blank,
               let first = line.first, first != " " && first != "\t" && first != "#" {
                let word = line.prefix(while: { $0.isLetter })
                if word != "elif" && word != "else" {
                    // The block before is over: run it, and start the next entry with this line.
                    carried = (line, linesAdded)
                    return true
                }
            }
            pending += "\n" + line
        }
        let startsAtMargin = !scanner.isOpen
        let shape = scanner.feed(line)
        if scanner.isOpen { return false }
        if startsAtMargin && !shape.isBlankOrComment {
            if shape.startsCompound { hasCompoundStatement = true }
            lastLineOpensOrIsIndented = shape.startsCompound || shape.isIndented
        }
        switch mode {
        case .interactive:
            if hasCompoundStatement { return false }
        case .script:
            if lastLineOpensOrIsIndented { return false }
        }
        parses += 1
        return !session.isIncomplete(pending)
    }

    /// The entry gathered so far; the gatherer starts afresh.
    public mutating func take() -> String {
        let entry = pending
        pending = ""
        scanner = ContinuationScanner()
        hasCompoundStatement = false
        lastLineOpensOrIsIndented = false
        isReady = false
        if let (line, number) = carried {
            carried = nil
            linesAdded = number - 1
            isReady = add(line, session: session ?? Session())
        }
        return entry
    }
}

/// Tracks open brackets, an open string and a trailing `\` across lines, one line at a time.
struct ContinuationScanner {
    private var depth = 0
    private var quote: Character?
    private var continued = false

    /// True while a bracket or a string is open, or the last line ended in `\`.
    var isOpen: Bool { depth > 0 || quote != nil || continued }

    struct LineShape {
        var isBlankOrComment = false
        var isIndented = false
        /// The line starts with `if`, `elif`, `else`, `for`, `while` or `def`.
        var startsCompound = false
    }

    /// Scans one line; the shape describes it as the start of a statement line.
    mutating func feed(_ line: String) -> LineShape {
        var shape = LineShape()
        let chars = Array(line)
        var i = 0
        let wasOpen = isOpen
        continued = false
        if !wasOpen {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\r" { i += 1 }
            shape.isIndented = i > 0
            shape.isBlankOrComment = i == chars.count || chars[i] == "#"
            var word = ""
            var j = i
            while j < chars.count, chars[j].isLetter || chars[j] == "_" { word.append(chars[j]); j += 1 }
            shape.startsCompound = ["if", "elif", "else", "for", "while", "def"].contains(word)
        }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 2; continue }
                if c == q { quote = nil }
                i += 1
                continue
            }
            switch c {
            case "#": i = chars.count; continue
            case "\"", "'": quote = c
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            case "\\" where i == chars.count - 1: continued = true
            default: break
            }
            i += 1
        }
        // A string with a `\` before its line break continues too; that is still an open quote.
        return shape
    }
}
