import Foundation

/// Runs a notebook's blocks in order in one session, with relative paths resolving against the
/// notebook's own folder (or the working folder it names), and collects what each block printed, its error and its images.
///
/// Recorded outputs must not depend on where the notebook is checked from, so errors are
/// rendered into them with the notebook's base file name (`tour.ebm:12:5: error: ...`) and
/// images are listed relative to the notebook's folder. Errors for the terminal keep the path
/// as the user gave it (`notebooks/tour.ebm:12:5`).
public struct NotebookReplay {
    /// What one block did.
    public struct BlockResult {
        /// The block as parsed.
        public var block: Notebook.Block
        /// Its output as it is recorded: what it printed, then its error message when it failed.
        public var output: String
        /// Only what it printed, without the error message.
        public var printed: String
        /// The error that stopped the block, if any (expected or not).
        public var error: ScriptError?
        /// The error as the terminal shows it (the notebook's path as given), if any.
        public var renderedError: String?
        /// The PNG files it wrote, relative to the notebook's folder.
        public var images: [String]
        /// Every file it wrote, resolved (absolute) paths.
        public var filesWritten: [String]
    }

    /// The notebook that was replayed.
    public var notebook: Notebook
    /// One result per block that ran, in order.
    public var results: [BlockResult] = []
    /// The error that stopped the replay: an unexpected error, or an `ebm fails` block that
    /// succeeded. Its location is `file:line:column` in the notebook.
    public var failure: ScriptError?
    /// The failure as the terminal shows it: `notebooks/tour.ebm:12:5: error: ...`, source line, hint.
    public var renderedFailure: String?
    /// Set when a block printed a line starting with `skip:` (a command found that the data it
    /// needs are missing): the text after `skip:`. The blocks after it were not run.
    public var skipReason: String?

    /// True when every block ran as expected (a skip is not a failure).
    public var succeeded: Bool { failure == nil }

    /// The notebook's name without its folder, as recorded outputs show it.
    public static func baseName(_ name: String) -> String {
        name.split(separator: "/").last.map(String.init) ?? name
    }

    /// Reads `path` and replays it in a fresh session. `path` is also the name errors show.
    public static func replay(path: String, onBlock: ((BlockResult) -> Void)? = nil) throws -> NotebookReplay {
        let notebook = try Notebook.read(path: path)
        return replay(notebook, folder: folder(of: absolutePath(path)), onBlock: onBlock)
    }

    /// Replays `notebook` whose file is in `folder`, in `session` (a fresh one by default; `:load`
    /// passes its own). `onBlock` sees each block's result as soon as the block has run.
    ///
    /// `lineShift`, asked before each block, is how many lines the block will have moved by when
    /// the file is rewritten (`update` inserts and resizes output regions above it): recorded
    /// error messages then name the lines of the rewritten file, so a second update changes
    /// nothing. Errors for the terminal (`error`, `failure`) keep the lines of the file as it is.
    public static func replay(_ notebook: Notebook, folder: String, in session: Session? = nil,
                              lineShift: (() -> Int)? = nil,
                              onBlock: ((BlockResult) -> Void)? = nil) -> NotebookReplay {
        replay(notebook, folder: folder, in: session, lineShift: lineShift, onStatement: nil, onBlock: onBlock)
    }

    /// What happens to one top-level statement of a block, for a host that shows them one by one.
    enum StatementEvent {
        /// It is about to run. `source` is its lines, with the comments and blank lines above it
        /// (the first statement also has those at the top of the block, the last those after it).
        case willRun(block: Notebook.Block, index: Int, source: String)
        /// It finished without an error and wrote `images` (relative to the notebook's folder)
        /// that no earlier statement of the block wrote.
        case didRun(block: Notebook.Block, index: Int, images: [String])
    }

    /// `replay`, telling `onStatement` as each top-level statement of each block starts and ends;
    /// the blocks still run, compare and record whole.
    static func replay(_ notebook: Notebook, folder: String, in session: Session? = nil,
                       lineShift: (() -> Int)? = nil, onStatement: ((StatementEvent) -> Void)?,
                       onBlock: ((BlockResult) -> Void)? = nil) -> NotebookReplay {
        let session = session ?? Session()
        var replay = NotebookReplay(notebook: notebook)
        let base = baseName(notebook.name)
        // Commands run in the notebook's folder, or in the working folder it names (see
        // `Notebook.workingFolder`); images are listed from the notebook's folder either way.
        let working = workingFolder(of: notebook, in: folder)
        for block in notebook.blocks {
            let shift = lineShift?() ?? 0
            let source = SourceText(name: notebook.name, text: block.code, firstLine: block.firstLine)
            let shifted = SourceText(name: notebook.name, text: block.code, firstLine: block.firstLine + shift)
            let observer = onStatement.map { report in statementObserver(for: block, source: shifted, folder: folder,
                                                                         session: session, report: report) }
            let execution = session.withWorkingDirectory(working) { session.run(shifted, record: false, observer: observer) }
            var output = execution.output
            var renderedError: String?
            var error = execution.error
            if var e = error {
                if !output.isEmpty && !output.hasSuffix("\n") { output += "\n" }
                output += e.rendered(with: shifted, sourceName: base)
                if var location = e.location, location.source == notebook.name {
                    location.line -= shift
                    e.location = location
                }
                error = e
                renderedError = e.rendered(with: source)
            }
            let images = execution.filesWritten
                .filter { $0.lowercased().hasSuffix(".png") }
                .map { relativePath(of: $0, from: folder) }
            let result = BlockResult(block: block, output: output, printed: execution.output, error: error,
                                     renderedError: renderedError, images: images,
                                     filesWritten: execution.filesWritten)
            replay.results.append(result)
            onBlock?(result)

            if let error, !block.expectsFailure {
                replay.failure = error
                replay.renderedFailure = renderedError
                return replay
            }
            if execution.error == nil && block.expectsFailure {
                let location = SourceLocation(source: notebook.name, line: block.fenceLine, column: 1)
                let error = ScriptError(.value, "this block was expected to fail (```ebm fails) but succeeded",
                                        at: location, hint: "remove 'fails' from its info string (```ebm), or change the block so that it fails")
                replay.failure = error
                replay.renderedFailure = render(error, in: notebook)
                return replay
            }
            if let reason = skipReason(in: execution.output) {
                replay.skipReason = reason
                return replay
            }
        }
        return replay
    }

    /// Turns the session's statement callbacks for one block into `StatementEvent`s.
    private static func statementObserver(for block: Notebook.Block, source: SourceText, folder: String,
                                          session: Session, report: @escaping (StatementEvent) -> Void) -> Session.StatementObserver {
        var sources: [String] = []
        var reported = Set<String>()
        return Session.StatementObserver(
            willRun: { index, firstLines in
                if sources.isEmpty { sources = statementSources(source.text, firstLine: source.firstLine, starts: firstLines) }
                report(.willRun(block: block, index: index, source: index < sources.count ? sources[index] : ""))
            },
            didRun: { index in
                // Only new files: `:load` inside a statement may list earlier ones again.
                let images = session.filesWritten.filter { $0.lowercased().hasSuffix(".png") && !reported.contains($0) }
                reported.formUnion(images)
                report(.didRun(block: block, index: index, images: images.map { relativePath(of: $0, from: folder) }))
            })
    }

    /// A block's code cut into one piece per top-level statement, given each statement's first
    /// line (`starts`, in the numbering where the code's first line is `firstLine`). Comment lines
    /// just above a statement (not indented, so not the end of a body) go with it, blank lines
    /// with the statement above; lines at the top of the block go with the first statement, those
    /// at the end with the last.
    static func statementSources(_ code: String, firstLine: Int, starts: [Int]) -> [String] {
        let lines = OutputComparison.lines(code)
        guard !starts.isEmpty else { return [code] }
        var begins: [Int] = []
        for (k, start) in starts.enumerated() {
            var begin = min(max(start - firstLine, 0), lines.count)
            if k == 0 {
                begin = 0
            } else {
                let previous = begins[k - 1]
                let floor = max(previous, starts[k - 1] - firstLine + 1)
                while begin - 1 >= floor, isCommentOrBlank(lines[begin - 1]) { begin -= 1 }
                // Blank lines stay with the statement above, whose echo leaves them out at its end.
                while begin < min(start - firstLine, lines.count), isBlank(lines[begin]) { begin += 1 }
            }
            begins.append(begin)
        }
        return begins.indices.map { k in
            let end = k + 1 < begins.count ? begins[k + 1] : lines.count
            return lines[begins[k]..<end].map { $0 + "\n" }.joined()
        }
    }

    /// A line with nothing on it, or only a comment starting in its first column.
    private static func isCommentOrBlank(_ line: String) -> Bool { isBlank(line) || line.hasPrefix("#") }

    private static func isBlank(_ line: String) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }

    /// The text after `skip:` on the first output line that starts with it.
    static func skipReason(in output: String) -> String? {
        for line in OutputComparison.lines(output) where line.hasPrefix("skip:") {
            return line.dropFirst("skip:".count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// `path` made absolute against the current folder, with `.` and `..` resolved.
    public static func absolutePath(_ path: String, against folder: String = FileManager.default.currentDirectoryPath) -> String {
        let joined = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
        return normalized(joined)
    }

    /// The folder part of an absolute path ("/" for a file at the root).
    public static func folder(of absolutePath: String) -> String {
        let parent = (absolutePath as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }

    /// `file` relative to `folder`, both absolute: "images/a.png", "../out/a.png".
    public static func relativePath(of file: String, from folder: String) -> String {
        let f = normalized(file).split(separator: "/").map(String.init)
        let d = normalized(folder).split(separator: "/").map(String.init)
        var common = 0
        while common < f.count - 1 && common < d.count && f[common] == d[common] { common += 1 }
        let up = Array(repeating: "..", count: d.count - common)
        return (up + f[common...]).joined(separator: "/")
    }

    /// An absolute path with "." and ".." components and doubled slashes removed (no symlinks
    /// are followed: the paths only need to agree with each other).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension NotebookReplay {
    /// A block's commands as a session transcript: each line after `ebm> `, and the lines that
    /// continue a statement (inside brackets or a string, after a trailing `\`, the indented
    /// body of a block and its `elif`/`else`) after `...> `.
    public static func transcript(of code: String, using session: Session = Session()) -> String {
        var lines = OutputComparison.lines(code)
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        var out = ""
        var pending = ""
        var scanner = ContinuationScanner()
        var inBlock = false
        for line in lines {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            let blank = trimmed.isEmpty
            let indented = !blank && trimmed.count < line.count
            let word = trimmed.prefix(while: { $0.isLetter })
            var continues = scanner.isOpen
            if !continues && !pending.isEmpty {
                continues = blank ? inBlock : (indented && inBlock) || word == "elif" || word == "else"
                    || session.isIncomplete(pending)
            }
            let prompt = continues ? "...> " : "ebm> "
            out += (prompt + line).trimmingBlanks() + "\n"
            if !continues { pending = "" }
            pending += (pending.isEmpty ? "" : "\n") + line
            let wasOpen = scanner.isOpen
            let shape = scanner.feed(line)
            if !wasOpen && !blank {
                if shape.startsCompound { inBlock = true } else if !indented && !continues { inBlock = false }
            }
        }
        return out
    }

    /// `error` rendered for the terminal, with the offending line of the notebook under it when
    /// the error is located in `notebook`.
    public static func render(_ error: ScriptError, in notebook: Notebook) -> String {
        guard error.location?.source == notebook.name else { return error.rendered(with: nil) }
        let text = OutputComparison.lines(notebook.text).map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        return error.rendered(with: SourceText(name: notebook.name, text: text.joined(separator: "\n")))
    }
}
