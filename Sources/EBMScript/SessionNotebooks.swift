import EBMIO
import Foundation

/// `:save` and `:load`: a session written out as a notebook, and a notebook (or a plain script)
/// replayed into a session.
extension Session {
    /// `:save FILE.ebm`: the transcript as a notebook — a title, then each entry as an ebm block
    /// (`ebm fails` when it stopped with an error) with its output and images, so that `ebm check`
    /// can replay it. Earlier `:save` entries are left out; they would only save again.
    func saveTranscript(to path: String, at location: SourceLocation) throws {
        let resolved = NotebookReplay.absolutePath(resolve(path), against: workingDirectory)
        let folder = NotebookReplay.folder(of: resolved)
        let base = NotebookReplay.baseName(resolved)
        let entries = transcript.filter { !Self.containsSave($0.source) }
        var text = "# ebm session\n"
        var lineCount = 1
        // Commands wrote their files relative to the session's folder: when the notebook goes
        // elsewhere, it names that folder, so its replay writes (and records) the same files.
        let here = NotebookReplay.absolutePath(workingDirectory)
        if NotebookReplay.normalized(here) != NotebookReplay.normalized(folder) {
            text += "\n" + Notebook.workingFolderLine(NotebookReplay.relativeFolder(here, from: folder)) + "\n"
            lineCount += 2
        }
        // Each saved entry's lines where it ran and in the notebook, for errors located in
        // another entry (inside a function defined earlier, and the calls of a traceback).
        var placed: [(entry: TranscriptEntry, lines: Int, notebookLine: Int)] = []
        for entry in entries {
            let code = OutputComparison.lines(entry.source)
            let fence = Fence.backticks(enclosing: entry.source)
            text += "\n" + fence + "ebm" + (entry.error == nil ? "" : " fails") + "\n"
            let firstLine = lineCount + 3   // the blank line, the fence, then the code
            text += code.map { $0 + "\n" }.joined() + fence + "\n"
            var output = entry.output
            placed.append((entry, code.count, firstLine))
            if let error = entry.error {
                if !output.isEmpty && !output.hasSuffix("\n") { output += "\n" }
                output += Self.relocatedElsewhere(Self.relocated(error, source: code, name: base, firstLine: firstLine),
                                                  placed: placed, name: base)
            }
            let images = entry.filesWritten.filter { $0.lowercased().hasSuffix(".png") }
                .map { NotebookReplay.relativePath(of: $0, from: folder) }
            text += NotebookUpdate.outputRegion(output: output, images: images)
            lineCount = OutputComparison.lines(text).count
        }
        do {
            try AtomicFile.write(text, to: resolved, createDirectories: true)
        } catch let error as FileError {
            throw ScriptError(.io, error.message, at: location)
        }
        output.write("saved \(entries.count) block\(entries.count == 1 ? "" : "s") to \(path)\n")
        if let replayer = savedNotebookReplayer, !entries.isEmpty {
            rerecord(resolved, wrote: text, with: replayer)
        }
    }

    /// Float32 sums round differently under each BLAS kernel family, and training carries the
    /// difference into printed digits, so a notebook saved from a session whose kernels are not
    /// the ones `ebm check` uses is replayed with those and records what they compute.
    private func rerecord(_ path: String, wrote saved: String, with replayer: SavedNotebookReplayer) {
        // Replaying takes as long as the session's work did: say so before it starts.
        output.write("replaying it with the \(replayer.replayKernels) BLAS kernels ebm check uses (this session runs \(replayer.sessionKernels))…\n")
        if let problem = replayer.rerecord(path) {
            output.write("warning: the replay failed, so ebm check may not pass: \(problem)\n")
            return
        }
        guard let before = try? Notebook.parse(saved, name: path), let after = try? Notebook.read(path: path) else { return }
        let changed = zip(before.blocks, after.blocks).filter { $0.recorded != $1.recorded }.count
        output.write(changed == 0 ? "the replay printed every output as the session did\n"
            : "\(changed) block\(changed == 1 ? "'s" : "s'") output now records what the replay computed\n")
    }

    /// `:load FILE`: replays the notebook's blocks into this session, printing their output, with
    /// relative paths resolving against the file's folder while it loads. A file with no ebm
    /// blocks is one plain script. The first unexpected error stops the load and is reported at
    /// the :load, naming the loaded file's `file:line:column`.
    func loadNotebook(_ path: String, at location: SourceLocation) throws {
        let resolved = NotebookReplay.absolutePath(resolve(path), against: workingDirectory)
        var loading = Self.filesBeingLoaded
        if loading.contains(resolved) {
            throw ScriptError(.value, "\(path) is already being loaded: it loads itself, directly or through another file",
                              at: location, hint: "remove the :load that leads back to it")
        }
        loading.append(resolved)
        Self.filesBeingLoaded = loading
        defer { Self.filesBeingLoaded = Array(loading.dropLast()) }

        let notebook: Notebook
        do {
            notebook = try Notebook.read(path: resolved, name: path).treatingPlainScriptAsOneBlock()
        } catch let error as ScriptError {
            throw Self.reported(error, at: location)
        }
        // Messages show paths from this session's folder, not the loaded file's.
        let replay = showingPathsFromHere {
            NotebookReplay.replay(notebook, folder: NotebookReplay.folder(of: resolved), in: self, onBlock: { result in
                // What it printed is out already; an expected error follows as the notebook records it.
                if result.error != nil, result.block.expectsFailure {
                    self.output.write(String(result.output.utf8.dropFirst(result.printed.utf8.count)) ?? "")
                }
            })
        }
        // Each block's run started a new list of written files: give the :load all of them.
        for result in replay.results {
            for file in result.filesWritten { recordWrite(file) }
        }
        if let failure = replay.failure { throw Self.reported(failure, at: location) }
    }

    /// An error from inside a loaded file, reported at the `:load` (whose line the host shows)
    /// with the loaded file's own `file:line:column` in the message.
    private static func reported(_ error: ScriptError, at location: SourceLocation) -> ScriptError {
        guard let inner = error.location else { return error.located(at: location) }
        let kind: ScriptError.Kind = error.kind == .incompleteInput ? .syntax : error.kind
        return ScriptError(kind, "\(inner.source):\(inner.line):\(inner.column): \(error.message)", at: location, hint: error.hint)
    }

    /// True when the entry ran `:save` (by any prefix of the name).
    private static func containsSave(_ source: String) -> Bool {
        guard let tokens = try? Lexer.tokenize(SourceText(name: "", text: source)) else { return false }
        return tokens.contains { token in
            guard case .metaCommand(let name, _) = token.kind else { return false }
            let at = SourceLocation(source: "", line: 1, column: 1)
            return (try? MetaCommand.find(name, at: at))?.name == "save"
        }
    }

    /// A transcript entry's error (rendered where it ran, e.g. `<repl>:1:5: error: ...`) with its
    /// location moved to where the entry's code now sits in the saved notebook, so that a replay
    /// of the notebook prints the same message.
    static func relocated(_ rendered: String, source lines: [String], name: String, firstLine: Int) -> String {
        var renderedLines = OutputComparison.lines(rendered)
        guard let head = renderedLines.first, let marker = head.range(of: ": error: ") else { return rendered }
        let parts = head[..<marker.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) else {
            return rendered
        }
        // Which line of the entry it was: the one the message quotes, preferring the line number.
        var index: Int?
        if renderedLines.count > 2, renderedLines[1].hasPrefix("    "), renderedLines[2].hasSuffix("^") {
            let quoted = String(renderedLines[1].dropFirst(4))
            if line >= 1, line <= lines.count, lines[line - 1] == quoted {
                index = line - 1
            } else {
                index = lines.firstIndex(of: quoted)
            }
        } else if lines.count == 1 {
            index = 0
        }
        guard let index else { return rendered }
        renderedLines[0] = "\(name):\(firstLine + index):\(column)" + head[marker.lowerBound...]
        return renderedLines.map { $0 + "\n" }.joined()
    }

    /// Every `SOURCE:LINE:COLUMN` left in a rendered error whose line lies in a saved entry
    /// (the latest one that ran from SOURCE and holds that line) becomes `name:LINE':COLUMN` at
    /// that entry's place in the notebook.
    static func relocatedElsewhere(_ rendered: String, placed: [(entry: TranscriptEntry, lines: Int, notebookLine: Int)],
                                   name: String) -> String {
        var out = rendered
        for source in Set(placed.map(\.entry.sourceName)) where !source.isEmpty {
            var result = ""
            var rest = Substring(out)
            while let range = rest.range(of: source + ":") {
                result += rest[..<range.lowerBound]
                var after = rest[range.upperBound...]
                let digits = after.prefix(while: \.isNumber)
                after = after.dropFirst(digits.count)
                if let line = Int(digits), after.first == ":",
                   let place = placed.last(where: { $0.entry.sourceName == source && line >= $0.entry.firstLine
                                                     && line < $0.entry.firstLine + $0.lines }) {
                    result += "\(name):\(place.notebookLine + line - place.entry.firstLine)"
                } else {
                    result += rest[range] + digits
                }
                rest = after
            }
            out = result + rest
        }
        return out
    }

    /// The files `:load` is replaying on this thread, outermost first, to refuse a loop.
    private static var filesBeingLoaded: [String] {
        get { Thread.current.threadDictionary[loadingKey] as? [String] ?? [] }
        set { Thread.current.threadDictionary[loadingKey] = newValue }
    }
    private static let loadingKey = "ebm.notebooks.filesBeingLoaded"
}
