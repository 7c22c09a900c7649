/// `ebm run`: a notebook replayed for a reader in a terminal, as a session would show it — the
/// prose before each block (unless quiet), then each top-level statement after the prompt
/// (`ebm> `, `...> ` for the lines that continue it; a `for`, `if` or `def` with its body is one
/// statement) followed at once by its own output and the images it wrote.
///
/// Blocks still run whole, as `ebm check` and `ebm update` replay them; only the printing is by
/// statement. A block that does not parse shows only its error: none of its commands ran.
public struct NotebookRun {
    /// Replays `notebook`, whose file is in `folder`, writing the reader's view to `output` as it
    /// runs. `prose: false` leaves the prose out. An unexpected error is not written: the caller
    /// reports `failure` (on standard error) from the returned replay.
    public static func run(_ notebook: Notebook, folder: String, prose: Bool, output: TextSink) -> NotebookReplay {
        let sink = LineTrackingSink(output)
        let echo = Session()
        let proseTexts = prose ? notebook.proseAroundBlocks : []
        var blocksStarted = 0
        var started = false            // the current block's prose is out
        var shownImages = Set<String>()

        func startBlock() {
            guard !started else { return }
            started = true
            var text = blocksStarted == 0 ? "" : "\n"
            if blocksStarted < proseTexts.count, !proseTexts[blocksStarted].isEmpty { text += proseTexts[blocksStarted] + "\n\n" }
            blocksStarted += 1
            sink.write(text)
        }
        func showImages(_ images: [String]) {
            for image in images where !shownImages.contains(image) {
                shownImages.insert(image)
                sink.endLine()
                sink.write("[image: \(image)]\n")
            }
        }

        let session = Session(output: sink)
        let replay = NotebookReplay.replay(notebook, folder: folder, in: session, onStatement: { event in
            switch event {
            case .willRun(_, _, let source):
                startBlock()
                sink.endLine()
                sink.write(NotebookReplay.transcript(of: source, using: echo))
            case .didRun(_, _, let images):
                showImages(images)
            }
        }, onBlock: { result in
            if !started {
                // Nothing ran: the block is empty, or it does not parse. A block that does not
                // parse shows only its error (located, with its line): none of its commands ran.
                startBlock()
                if result.error == nil { sink.write(NotebookReplay.transcript(of: result.block.code, using: echo)) }
            }
            // What it printed is out already; an expected error follows as the notebook records it.
            if result.error != nil, result.block.expectsFailure {
                var message = String(result.output.utf8.dropFirst(result.printed.utf8.count)) ?? ""
                // The recorded output put the message on a line of its own; so does endLine.
                if message.hasPrefix("\n") { message.removeFirst() }
                sink.endLine()
                sink.write(message)
            }
            showImages(result.images)
            sink.endLine()
            started = false
            shownImages = []
        })
        if prose, replay.failure == nil, replay.skipReason == nil, replay.results.count == notebook.blocks.count,
           let last = notebook.proseAroundBlocks.last, !last.isEmpty {
            sink.write((blocksStarted == 0 ? "" : "\n") + last + "\n")
        }
        return replay
    }
}

/// Passes text on and remembers whether it ended a line, so the next echo starts on its own line.
private final class LineTrackingSink: TextSink {
    private let output: TextSink
    private var atLineStart = true
    init(_ output: TextSink) { self.output = output }
    func write(_ text: String) {
        guard let last = text.last else { return }
        output.write(text)
        atLineStart = last == "\n"
    }
    /// Ends the current line when something is on it.
    func endLine() { if !atLineStart { write("\n") } }
}
