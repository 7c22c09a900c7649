import CReadline
import EBMScript
import Foundation

/// Line editing, history and completion on GNU readline.
///
/// It uses readline's callback interface: this type waits for a key itself (`pselect`), and
/// hands each one to readline. A Ctrl-C therefore only ends the wait (or is seen when the wait
/// times out), and is dealt with here in ordinary code — never inside the signal handler — by
/// clearing the line.
///
/// Readline's callbacks are C function pointers without a context argument, so what they need
/// (the line just read, the completion function) lives in static variables; there is one
/// terminal and one editor per process.
final class LineEditor {
    /// What one call to `readLine` produced.
    enum Event: Equatable {
        case line(String)
        /// Ctrl-C: the half-typed line was dropped.
        case interrupted
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    /// Completes the word before `cursor` (a UTF-8 offset) in `line`.
    typealias CompletionFunction = (_ line: String, _ cursor: Int) -> Completer.Completion

    /// The history file, or nil when it could not be set up (history then lasts one run).
    let historyPath: String?
    static let historyLimit: Int32 = 1000

    /// The line the handler received; set by `lineHandler`, read and cleared by `readLine`.
    private static var received: Event?
    /// The completion in use; set once by `init`.
    private static var completion: CompletionFunction?

    init(historyPath: String?, completion: @escaping CompletionFunction) {
        self.historyPath = historyPath
        LineEditor.completion = completion
        rl_readline_name = UnsafePointer(strdup("ebm"))
        // Signals are ours (see `Interrupt`): readline must not install or act on handlers.
        rl_catch_signals = 0
        rl_catch_sigwinch = 0
        WindowResize.install()
        setUpCompletion()
        setUpHistory()
    }

    // MARK: Reading a line

    /// Shows `prompt` and edits a line until Enter, Ctrl-C or Ctrl-D.
    func readLine(prompt: String) -> Event {
        LineEditor.received = nil
        rl_callback_handler_install(prompt) { line in LineEditor.lineHandler(line) }
        while true {
            if Interrupt.isPending {
                Interrupt.reset()
                abandonLine()
                return .interrupted
            }
            if WindowResize.take() { rl_resize_terminal() }
            switch waitForInput() {
            case .ready:
                // A Ctrl-C typed before these keys goes first (it may have been handled on
                // another thread while this one was waking up for the keys).
                if Interrupt.isPending { continue }
                rl_callback_read_char()
                if let event = LineEditor.received { return event }
            case .signal, .timeout:
                continue
            case .failed:
                rl_callback_handler_remove()
                return .endOfInput
            }
        }
    }

    /// Readline calls this with the finished line (nil for Ctrl-D on an empty line). Removing
    /// the handler here stops readline from showing the next prompt before the command has run.
    private static func lineHandler(_ line: UnsafeMutablePointer<CChar>?) {
        if let line {
            LineEditor.received = .line(String(cString: line))
            free(line)
        } else {
            LineEditor.received = .endOfInput
        }
        rl_callback_handler_remove()
    }

    /// Ctrl-C at the prompt: show `^C`, drop the line and any editing state (a search, a
    /// half-typed key sequence, a place in the history).
    private func abandonLine() {
        rl_callback_sigcleanup()
        rl_free_line_state()
        rl_replace_line("", 1)
        rl_point = 0
        rl_end = 0
        history_set_pos(history_length)
        fputs("^C\n", stdout)
        fflush(stdout)
        rl_callback_handler_remove()
    }

    private enum Wait { case ready, signal, timeout, failed }

    /// Waits until standard input has a byte, for at most 0.1 s.
    ///
    /// SIGINT and SIGWINCH are blocked except during the wait itself (`pselect` unblocks them
    /// atomically), so a Ctrl-C that arrives just before the wait still ends it. The timeout is
    /// needed too: the kernel may run the handler on another thread (OpenBLAS starts its
    /// workers before any of our code runs, with the signals unblocked), and then this wait is
    /// not interrupted; the flag is seen within 0.1 s all the same.
    private func waitForInput() -> Wait {
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGWINCH)
        sigprocmask(SIG_BLOCK, &blocked, &previous)
        defer { sigprocmask(SIG_SETMASK, &previous, nil) }
        if Interrupt.isPending { return .signal }
        var readable = fd_set()
        withUnsafeMutableBytes(of: &readable) { raw in
            // FD_SET(STDIN_FILENO): Swift does not import the macro; descriptor 0 is bit 0.
            let words = raw.bindMemory(to: UInt.self)
            words[0] |= 1 << UInt(STDIN_FILENO)
        }
        var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
        let result = pselect(STDIN_FILENO + 1, &readable, nil, nil, &timeout, &previous)
        if result > 0 { return .ready }
        if result == 0 { return .timeout }
        if errno == EINTR { return .signal }
        return .failed
    }

    // MARK: Completion

    private func setUpCompletion() {
        // Words break at everything but name characters, so `x.sh`, `rand(se` and `:va`
        // complete `sh`, `se` and `va`. Quotes start a file name instead (readline takes the
        // word from an open quote to the cursor).
        rl_basic_word_break_characters = UnsafePointer(LineEditor.nameBreaks)
        rl_completer_quote_characters = UnsafePointer(strdup("\"'"))
        // A file path keeps its `/` and `.`: readline skips a break character right after an
        // open quote, which would drop the leading `/` of "/tmp/…".
        rl_completion_word_break_hook = {
            guard let complete = LineEditor.completion, let buffer = rl_line_buffer else { return nil }
            switch complete(String(cString: buffer), Int(rl_point)) {
            case .filePath, .choices: return LineEditor.pathBreaks   // a choice may hold '-'
            case .candidates: break
            }
            return LineEditor.nameBreaks
        }
        rl_attempted_completion_function = { text, _, end in
            guard let complete = LineEditor.completion, let buffer = rl_line_buffer else { return nil }
            switch complete(String(cString: buffer), Int(end)) {
            case .filePath:
                return rl_completion_matches(text, rl_filename_completion_function)
            case .choices(let choices):
                // The parameter's values, never file names; readline closes the quote after
                // a single match.
                rl_attempted_completion_over = 1
                let word = text.map { String(cString: $0) } ?? ""
                let matches = choices.filter { $0.hasPrefix(word) }
                // One match: close the string, as typing it would.
                if matches.count == 1, rl_completion_quote_character != 0, let quote = UnicodeScalar(UInt32(rl_completion_quote_character)) {
                    return LineEditor.matchArray([matches[0] + String(Character(quote))])
                }
                return LineEditor.matchArray(matches)
            case .candidates(let candidates):
                // Ours or nothing: never fall back to file names for a name.
                rl_attempted_completion_over = 1
                // No space after a completed name: `(`, `.` or `[` usually follows, and a
                // keyword argument's `label: ` carries its own.
                rl_completion_suppress_append = 1
                let word = text.map { String(cString: $0) } ?? ""
                return LineEditor.matchArray(candidates.filter { $0.hasPrefix(word) })
            }
        }
    }

    /// Word breaks for names: every character that cannot be part of one.
    private static let nameBreaks = strdup(" \t\n\"'`@$><=;|&{([,:.+-*/%!^~?#\\]})")
    /// Word breaks for a file path (outside quotes only a blank ends one).
    private static let pathBreaks = strdup(" \t\n\"'")

    /// Readline's match array, built as `rl_completion_matches` would: the common prefix
    /// first (alone when there is one match), then the matches, then NULL; all malloc'd, since
    /// readline frees them.
    private static func matchArray(_ matches: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let first = matches.first else { return nil }
        let entries = matches.count == 1 ? [first] : [commonPrefix(matches)] + matches
        guard let array = malloc((entries.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1) else { return nil }
        for (i, entry) in entries.enumerated() { array[i] = strdup(entry) }
        array[entries.count] = nil
        return array
    }

    private static func commonPrefix(_ strings: [String]) -> String {
        guard var prefix = strings.first.map(Array.init) else { return "" }
        for s in strings.dropFirst() {
            let chars = Array(s)
            var n = 0
            while n < prefix.count, n < chars.count, prefix[n] == chars[n] { n += 1 }
            prefix = Array(prefix[..<n])
        }
        return String(prefix)
    }

    // MARK: History

    /// Loads the history file. Timestamps are written so that readline can tell a multi-line
    /// entry's lines from separate entries when it reads the file back.
    private func setUpHistory() {
        history_write_timestamps = 1
        // Timestamps are written as comment lines (`#1718000000`); with no comment character
        // readline leaves them out.
        history_comment_char = CChar(UInt8(ascii: "#"))
        stifle_history(LineEditor.historyLimit)
        guard let path = historyPath else { return }
        // append_history does not create the file.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        read_history(path)
    }

    /// Remembers an entry (a whole multi-line entry as one), unless it is blank or repeats the
    /// one before, and appends it to the file at once so that a crash loses nothing.
    func addHistory(_ entry: String) {
        guard !entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        if history_length > 0, let last = history_get(history_base + history_length - 1),
           let line = last.pointee.line, String(cString: line) == entry {
            return
        }
        add_history(entry)
        if let path = historyPath { append_history(1, path) }
    }

    /// Keeps the file to its last entries; called once when the session ends.
    ///
    /// Not `history_truncate_file`: it counts lines, so it can cut a multi-line entry in two,
    /// and a file that no longer starts with a timestamp is read back one line per entry. When
    /// the file holds too many entries it is rewritten from memory (stifled to the limit).
    func close() {
        guard let path = historyPath, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let entries = text.split(separator: "\n").filter { line in
            line.first == "#" && line.dropFirst().allSatisfy(\.isNumber) && line.count > 1
        }.count
        if entries > Int(LineEditor.historyLimit) { write_history(path) }
    }

    /// `$XDG_STATE_HOME/ebm/history`, else `~/.local/state/ebm/history`; the folder is created.
    static func defaultHistoryPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        let base: String
        if let state = env["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = state
        } else if let home = env["HOME"], !home.isEmpty {
            base = home + "/.local/state"
        } else {
            return nil
        }
        let folder = base + "/ebm"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            return nil
        }
        return folder + "/history"
    }
}
