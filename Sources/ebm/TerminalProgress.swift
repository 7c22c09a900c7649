import EBMScript
import Foundation

/// A one-line progress bar on standard error, redrawn in place with `\r`:
///
///     train  [██████████░░░░░░░░░░]  512/1000  84.2/s  loss 0.53
///
/// It exists only when standard error is a terminal (a log file would fill with redraws), and
/// redraws at most ten times a second so that a fast loop is not slowed by the terminal.
final class TerminalProgress: ProgressReporter {
    private var title = ""
    private var total: Int?
    private var done = 0
    private var status = ""
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var active = false

    /// Nil when standard error is not a terminal.
    init?() {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
    }

    func begin(_ title: String, total: Int?) {
        if active { end() }
        self.title = title
        self.total = total
        done = 0
        status = ""
        started = Date()
        active = true
        draw()
    }

    func update(done: Int, status: String) {
        guard active else { return }
        self.done = done
        self.status = status
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= 0.1 || done == total { draw() }
    }

    /// Erases the bar: a finished task's bar never stays on screen (the command's own output
    /// says what it did), and a short task's stale `0/10` cannot be left behind.
    func end() {
        guard active else { return }
        write("\r\u{1B}[K")
        active = false
    }

    private func draw() {
        lastDraw = Date()
        let elapsed = lastDraw.timeIntervalSince(started)
        var parts = [title]
        if let total, total > 0 {
            let width = 20
            let filled = min(width, max(0, done * width / total))
            parts.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]")
            parts.append("\(done)/\(total)")
        } else {
            parts.append("\(done)")
        }
        if elapsed > 0.05 && done > 0 {
            parts.append(String(format: "%.1f/s", Double(done) / elapsed))
        }
        if !status.isEmpty { parts.append(status) }
        var line = parts.joined(separator: "  ")
        let columns = terminalColumns()
        if line.count >= columns { line = String(line.prefix(max(0, columns - 1))) }
        // \r to the line's start, ESC[K to clear what a longer earlier line left behind.
        write("\r" + line + "\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
