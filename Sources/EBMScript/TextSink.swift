/// Where the interpreter's text goes. The host supplies it (a terminal, a buffer for a notebook
/// replay, a test), so every host sees exactly the same bytes.
public protocol TextSink: AnyObject {
    func write(_ text: String)
}

/// A sink that keeps what is written, for replays and tests.
public final class TextBuffer: TextSink {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
    /// Returns what was written since the last call, and forgets it.
    public func take() -> String {
        defer { text = "" }
        return text
    }
}

/// Writes to two sinks: the host's, and the session's record of the current entry.
final class TeeSink: TextSink {
    let first: TextSink
    let second: TextSink
    init(_ first: TextSink, _ second: TextSink) { self.first = first; self.second = second }
    func write(_ text: String) { first.write(text); second.write(text) }
}
