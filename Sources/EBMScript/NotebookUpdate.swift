import EBMIO
import Foundation

/// `ebm update`: replays a notebook and rewrites its output regions in place.
///
/// Only output regions change; every other byte of the file stays as it was. A region whose
/// recorded output still matches the replay (within tolerance, `...` wildcards included) is
/// kept as written, so hand-made wildcards survive an update. Nothing is written unless every
/// block ran as expected, and then through a temporary file and a rename, so the notebook is
/// never left half written.
public enum NotebookUpdate {
    public enum Outcome: Equatable {
        /// The file was rewritten; `blocks` ebm blocks.
        case updated(blocks: Int)
        /// The replay agreed with the file, which was not touched.
        case unchanged(blocks: Int)
        /// A block printed `skip: reason` (its data are missing); the file was not touched.
        case skipped(reason: String)
    }

    /// The canonical output region written after an ebm block's closing fence:
    /// a blank line, a fenced `output` block (with a longer fence when a line of the output
    /// starts with backticks), then for each image a blank line and `![name](path)`. Empty when
    /// the block printed nothing and wrote no image.
    public static func outputRegion(output: String, images: [String], lineEnding: String = "\n") -> String {
        if output.isEmpty && images.isEmpty { return "" }
        let fence = Fence.backticks(enclosing: output)
        var region = lineEnding + fence + "output" + lineEnding
        for line in OutputComparison.lines(output) { region += line + lineEnding }
        region += fence + lineEnding
        for image in images { region += lineEnding + ImageReference.line(for: image) + lineEnding }
        return region
    }

    /// The bytes that replace a block's output region, or nil to keep the region as it is
    /// (it still matches under `comparison`; pass nil to rewrite every region).
    static func replacement(for result: NotebookReplay.BlockResult, keepingMatchesUnder comparison: OutputComparison?) -> [UInt8]? {
        let block = result.block
        if let comparison, let recorded = block.recorded,
           comparison.matches(recorded: recorded.text, recordedImages: recorded.images,
                              replayed: result.output, replayedImages: result.images) {
            return nil
        }
        var region = outputRegion(output: result.output, images: result.images, lineEnding: block.lineEnding)
        if !region.isEmpty && !block.closingFenceEndsLine { region = block.lineEnding + region }
        return Array(region.utf8)
    }

    /// The notebook's bytes with the replayed blocks' output regions rewritten (see
    /// `replacement(for:keepingMatchesUnder:)`).
    public static func updatedBytes(_ replay: NotebookReplay, keepingMatchesUnder comparison: OutputComparison? = OutputComparison()) -> [UInt8] {
        var bytes = replay.notebook.bytes
        // From the last block back, so earlier byte ranges stay valid.
        for result in replay.results.reversed() {
            if let region = replacement(for: result, keepingMatchesUnder: comparison) {
                bytes.replaceSubrange(result.block.outputRange, with: region)
            }
        }
        return bytes
    }

    /// Replays the notebook at `path` and rewrites its outputs. Throws the replay's error (at the
    /// notebook's `file:line:column`) without touching the file when a block fails unexpectedly.
    @discardableResult
    public static func update(path: String, comparison: OutputComparison = OutputComparison()) throws -> Outcome {
        let notebook = try Notebook.read(path: path)
        // How far the rewritten regions so far move the next block, so that the errors recorded
        // for `ebm fails` blocks name the lines they will have in the rewritten file.
        var shift = 0
        let folder = NotebookReplay.folder(of: NotebookReplay.absolutePath(path))
        let replay = NotebookReplay.replay(notebook, folder: folder, lineShift: { shift }) { result in
            if let region = replacement(for: result, keepingMatchesUnder: comparison) {
                let old = notebook.bytes[result.block.outputRange]
                shift += newlines(in: region[...]) - newlines(in: old)
            }
        }
        if let failure = replay.failure { throw failure }
        let blocks = notebook.blocks.count
        if let reason = replay.skipReason { return .skipped(reason: reason) }
        let bytes = updatedBytes(replay, keepingMatchesUnder: comparison)
        if bytes == notebook.bytes { return .unchanged(blocks: blocks) }
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let error as FileError {
            throw ScriptError(.io, error.message)
        }
        return .updated(blocks: blocks)
    }

    private static func newlines(in bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}
