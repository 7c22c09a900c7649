import Foundation

/// A notebook: a Markdown file whose ```` ```ebm ```` fenced blocks are commands and whose
/// ```` ```output ```` blocks record what they printed.
///
/// The model keeps the file's exact bytes and, for every ebm block, the byte range of its
/// output region, so that `update` can rewrite outputs while leaving every other byte alone
/// (CRLF line endings, trailing blanks, other fences, prose). Rules:
///
/// - A fence is a line indented at most 3 spaces that starts with at least three backticks or
///   tildes; it is closed by a line (indented at most 3 spaces) of at least as many of the same
///   character and nothing else but blanks. Lines indented 4 or more spaces are never fences.
/// - The info string `ebm` marks commands; `ebm fails` marks commands expected to fail.
/// - An ebm block's output region starts right after its closing fence: any blank lines, a
///   fenced block with info string `output`, then image lines `![name](path)`, each preceded by
///   exactly one blank line, where `name` is the file name of `path` without its extension.
/// - An `output` block anywhere else, and a fence that is never closed, are errors.
public struct Notebook: Sendable {
    /// The name errors use: the path as the user gave it.
    public let name: String
    /// The file's bytes, exactly as read.
    public let bytes: [UInt8]
    /// The file in order; concatenating the segments' byte ranges gives the whole file.
    public let segments: [Segment]

    public enum Segment: Sendable {
        /// Anything that is not an ebm block or its output region (other fences included).
        case prose(Range<Int>)
        case block(Block)
    }

    /// One ebm block with its recorded output.
    public struct Block: Sendable {
        /// The commands, one line per code line, each ending in "\n" (no carriage returns).
        public var code: String
        /// The 1-based line of the opening fence.
        public var fenceLine: Int
        /// The 1-based line of the first code line (the opening fence's line + 1).
        public var firstLine: Int
        /// True for `ebm fails`: the block must stop with an error.
        public var expectsFailure: Bool
        /// What the file records for this block; nil when it has no output region.
        public var recorded: RecordedOutput?
        /// The whole block: from its opening fence to the end of its output region.
        public var range: Range<Int>
        /// The output region; empty (at the insertion point) when there is none.
        public var outputRange: Range<Int>
        /// The line ending to write inside the region ("\r\n" in a CRLF file).
        public var lineEnding: String
        /// False when the closing fence is the file's last line and has no line ending, so an
        /// inserted region must start with one.
        public var closingFenceEndsLine: Bool
    }

    /// A recorded output region: the text of the output block and the images after it.
    public struct RecordedOutput: Equatable, Sendable {
        /// The lines of the output block, each ending in "\n" (no carriage returns).
        public var text: String
        /// The image paths, relative to the notebook's folder, in order.
        public var images: [String]
        /// The 1-based line of the first line inside the output block.
        public var firstLine: Int

        public init(text: String, images: [String], firstLine: Int) {
            self.text = text
            self.images = images
            self.firstLine = firstLine
        }
    }

    /// The ebm blocks in order.
    public var blocks: [Block] {
        segments.compactMap { if case .block(let b) = $0 { return b } else { return nil } }
    }

    /// The file's text (the bytes are valid UTF-8; `parse` checks).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The notebook itself, or, when it has no ebm blocks, the whole file as one block (a plain
    /// script, as `ebm < file` would run it). For `:load` and `ebm run`, which accept both.
    public func treatingPlainScriptAsOneBlock() -> Notebook {
        guard blocks.isEmpty else { return self }
        let code = OutputComparison.lines(text).map { ($0.hasSuffix("\r") ? String($0.dropLast()) : $0) + "\n" }.joined()
        let end = bytes.count
        let block = Block(code: code, fenceLine: 1, firstLine: 1, expectsFailure: false, recorded: nil,
                          range: 0..<end, outputRange: end..<end, lineEnding: "\n", closingFenceEndsLine: true)
        return Notebook(name: name, bytes: bytes, segments: [.block(block)])
    }

    /// Reads and parses the notebook at `path`; `name` (default: `path`) is what errors show.
    public static func read(path: String, name: String? = nil) throws -> Notebook {
        let shown = name ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let reason = !exists ? "no such file" : isFolder.boolValue ? "it is a folder" : "permission denied"
            throw ScriptError(.io, "cannot read \(shown): \(reason)",
                              hint: exists ? nil : "check the path; relative paths start at the current folder")
        }
        return try parse([UInt8](data), name: shown)
    }

    /// Parses a notebook's text.
    public static func parse(_ text: String, name: String) throws -> Notebook {
        try parse(Array(text.utf8), name: name)
    }

    /// Parses a notebook's bytes, which must be UTF-8.
    public static func parse(_ bytes: [UInt8], name: String) throws -> Notebook {
        guard String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes) else {
            throw ScriptError(.io, "\(name) is not UTF-8 text", hint: "save it as UTF-8")
        }
        var parser = NotebookParser(bytes: bytes, name: name)
        return Notebook(name: name, bytes: bytes, segments: try parser.segments())
    }
}

/// One physical line of the file: byte offsets of its start, the end of its content (before
/// "\n" or "\r\n"), and its end (after the terminator).
struct NotebookLine {
    var start: Int
    var contentEnd: Int
    var end: Int
    var content: String
    var terminator: String

    var isBlank: Bool { content.allSatisfy { $0 == " " || $0 == "\t" } }
}

/// A fence line: its character, length, indentation and info string.
struct Fence {
    var character: Character
    var length: Int
    var info: String

    /// The fence that `line` opens, if it opens one (CommonMark's rules, top level only).
    static func opening(_ line: String) -> Fence? {
        var rest = Substring(line)
        var indent = 0
        while rest.first == " ", indent < 4 { rest.removeFirst(); indent += 1 }
        guard indent <= 3, let c = rest.first, c == "`" || c == "~" else { return nil }
        let run = rest.prefix(while: { $0 == c })
        guard run.count >= 3 else { return nil }
        let info = rest.dropFirst(run.count).trimmingCharacters(in: .whitespaces)
        if c == "`" && info.contains("`") { return nil }   // inline code, not a fence
        return Fence(character: c, length: run.count, info: info)
    }

    /// True when `line` closes this fence.
    func isClosed(by line: String) -> Bool {
        var rest = Substring(line)
        var indent = 0
        while rest.first == " ", indent < 4 { rest.removeFirst(); indent += 1 }
        guard indent <= 3 else { return false }
        let run = rest.prefix(while: { $0 == character })
        return run.count >= length && rest.dropFirst(run.count).allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// The words of the info string.
    var words: [String] { info.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }

    /// A backtick fence long enough that no line of `text` can close it (at least three).
    static func backticks(enclosing text: String) -> String {
        var longest = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let run = line.drop(while: { $0 == " " || $0 == "\t" }).prefix(while: { $0 == "`" }).count
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}

/// Image lines in an output region: `![name](path)`, name = the file name without extension.
enum ImageReference {
    static func line(for path: String) -> String { "![\(stem(path))](\(path))" }

    static func path(inLine line: String) -> String? {
        guard line.hasPrefix("!["), line.hasSuffix(")"), let split = line.range(of: "](") else { return nil }
        let name = String(line[line.index(line.startIndex, offsetBy: 2)..<split.lowerBound])
        let path = String(line[split.upperBound..<line.index(before: line.endIndex)])
        guard !path.isEmpty, name == stem(path) else { return nil }
        return path
    }

    static func stem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }
}

/// Splits the bytes into lines and walks them once, fence by fence.
struct NotebookParser {
    let bytes: [UInt8]
    let name: String
    let lines: [NotebookLine]

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
        var lines: [NotebookLine] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let hasNewline = end < bytes.count
            var contentEnd = end
            if hasNewline && contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let lineEnd = hasNewline ? end + 1 : end
            lines.append(NotebookLine(start: start, contentEnd: contentEnd, end: lineEnd,
                                      content: String(decoding: bytes[start..<contentEnd], as: UTF8.self),
                                      terminator: String(decoding: bytes[contentEnd..<lineEnd], as: UTF8.self)))
            start = lineEnd
        }
        self.lines = lines
    }

    private func location(_ index: Int) -> SourceLocation {
        SourceLocation(source: name, line: index + 1, column: 1)
    }

    /// The index of the line closing the fence opened at `open`.
    private func closing(_ fence: Fence, openedAt open: Int, what: String) throws -> Int {
        var i = open + 1
        while i < lines.count {
            if fence.isClosed(by: lines[i].content) { return i }
            i += 1
        }
        let closer = String(repeating: String(fence.character), count: fence.length)
        throw ScriptError(.syntax, "the \(what) opened at line \(open + 1) is never closed", at: location(open),
                          hint: "close it with \(closer) on a line of its own")
    }

    mutating func segments() throws -> [Notebook.Segment] {
        var segments: [Notebook.Segment] = []
        var proseStart = 0
        var i = 0
        while i < lines.count {
            guard let fence = Fence.opening(lines[i].content) else { i += 1; continue }
            let words = fence.words
            if words.first == "output" {
                throw ScriptError(.syntax, "an output block must come right after an ebm block", at: location(i),
                                  hint: "only blank lines may stand between an ebm block's closing fence and its output block; remove the stray output block, or move it")
            }
            guard words.first == "ebm" else {
                i = try closing(fence, openedAt: i, what: "code block (\(fence.info.isEmpty ? "no info string" : fence.info))") + 1
                continue
            }
            let block = try ebmBlock(fence, words: words, openedAt: i)
            if proseStart < lines[i].start { segments.append(.prose(proseStart..<lines[i].start)) }
            segments.append(.block(block.block))
            proseStart = block.block.range.upperBound
            i = block.nextLine
        }
        if proseStart < bytes.count { segments.append(.prose(proseStart..<bytes.count)) }
        return segments
    }

    private func ebmBlock(_ fence: Fence, words: [String], openedAt open: Int) throws -> (block: Notebook.Block, nextLine: Int) {
        let attributes = words.dropFirst()
        if let unknown = attributes.first(where: { $0 != "fails" }) {
            throw ScriptError(.syntax, "unknown word '\(unknown)' in the ebm block's info string", at: location(open),
                              hint: "write ```ebm, or ```ebm fails for a block that should stop with an error")
        }
        let close = try closing(fence, openedAt: open, what: "ebm block")
        let code = lines[(open + 1)..<close].map { $0.content + "\n" }.joined()
        let closingLine = lines[close]
        let lineEnding = closingLine.terminator.isEmpty ? (lines[0].terminator.isEmpty ? "\n" : lines[0].terminator)
                                                        : closingLine.terminator
        var block = Notebook.Block(code: code, fenceLine: open + 1, firstLine: open + 2,
                                   expectsFailure: attributes.contains("fails"), recorded: nil,
                                   range: lines[open].start..<closingLine.end,
                                   outputRange: closingLine.end..<closingLine.end,
                                   lineEnding: lineEnding, closingFenceEndsLine: !closingLine.terminator.isEmpty)
        // The output region: blank lines, an `output` block, then image lines.
        var k = close + 1
        while k < lines.count && lines[k].isBlank { k += 1 }
        guard k < lines.count, let outputFence = Fence.opening(lines[k].content), outputFence.words == ["output"] else {
            return (block, close + 1)
        }
        let outputClose = try closing(outputFence, openedAt: k, what: "output block")
        var recorded = Notebook.RecordedOutput(text: lines[(k + 1)..<outputClose].map { $0.content + "\n" }.joined(),
                                               images: [], firstLine: k + 2)
        var end = outputClose
        while end + 2 < lines.count, lines[end + 1].content.isEmpty,
              let path = ImageReference.path(inLine: lines[end + 2].content) {
            recorded.images.append(path)
            end += 2
        }
        block.recorded = recorded
        block.outputRange = closingLine.end..<lines[end].end
        block.range = block.range.lowerBound..<lines[end].end
        return (block, end + 1)
    }
}
