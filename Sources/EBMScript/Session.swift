import EBM
import Foundation
import OrderedCollections

/// One interpreter session: variables, the command table, and the services its host supplies
/// (an output sink, a working directory, an interruption check, a progress display).
///
/// The REPL, notebook replays and tests each own a session; none of them prints by itself.
public final class Session {
    /// The host's output. Echoes and command output are written here.
    public var output: TextSink
    /// Relative paths resolve against this folder (a notebook's own folder while it replays).
    public var workingDirectory: String
    /// The host's Ctrl-C flag; polled at every statement and in long loops.
    public var isInterrupted: () -> Bool = { false }
    /// The host's progress display, or nil for none (notebooks, pipes).
    public var progress: (any ProgressReporter)?
    /// Set by a command whose printed output already states its result (compare's verdict,
    /// modes' count): a bare call then returns the value without echoing it.
    var resultShown = false
    /// The session's generator, as NumPy's global one: seeded the same at every start (so a
    /// notebook replays identically), advanced by every random call given no `seed:`, reset
    /// by `seed(N)`. An explicit `seed:` keeps its meaning and leaves it alone.
    var generator = Xoshiro256StarStar(seed: Session.startSeed)
    static let startSeed: UInt64 = 0

    /// The seed for a random call that was given none (below 2⁵², so exact as a number).
    func nextSeed() -> Int { Int(generator.next() >> 12) }
    /// Extra lines for `:info` from the host (readline's version, the executable's build).
    public var hostInfo: [(String, String)] = []
    /// Set by a host whose BLAS kernels differ from the ones `ebm check` replays with: `:save`
    /// then replays the notebook it wrote with those kernels, so it records what `check` computes.
    public var savedNotebookReplayer: SavedNotebookReplayer?
    /// Where the paths in messages are shown from while `:load` runs a file in its own folder
    /// (nil: from `workingDirectory`, as the user wrote them).
    var displayDirectory: String?

    public internal(set) var variables: OrderedDictionary<String, Value> = [:]
    public let commands: CommandTable
    /// The commands' names, for the parser (bracket-less calls).
    private lazy var commandNames = Set(commands.names)
    public var format = ValueFormat()
    /// The most one allocation may ask for: from `EBM_MEMORY_BUDGET` when it is set (the host
    /// checks it is readable), else a quarter of the physical memory. Checked before every allocation
    /// whose size the user controls.
    public var memoryBudget: MemoryBudget =
        (try? MemoryBudget.fromEnvironment(ProcessInfo.processInfo.environment)) ?? .standard

    /// Every entry run so far with its output, for `:save`.
    public private(set) var transcript: [TranscriptEntry] = []

    /// The files the current run wrote so far, resolved paths, in order.
    private(set) var filesWritten: [String] = []

    public init(commands: CommandTable = .standard, output: TextSink = TextBuffer(),
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.commands = commands
        self.output = output
        self.workingDirectory = workingDirectory
    }

    /// The result of running one piece of source text.
    public struct Execution {
        /// The error that stopped it, if any; statements before it have taken effect.
        public var error: ScriptError?
        /// True when the text asked to end the session (`:quit`).
        public var quit = false
        /// Files the text wrote, resolved paths, in order.
        public var filesWritten: [String] = []
        /// Everything written to the output while it ran.
        public var output: String = ""
    }

    /// Who follows a run statement by statement (`ebm run` echoes each one before its output).
    struct StatementObserver {
        /// Before top-level statement `index` runs; `firstLines` are the first lines of all the
        /// run's top-level statements, in the source's numbering.
        var willRun: (_ index: Int, _ firstLines: [Int]) -> Void
        /// After statement `index` finished without an error.
        var didRun: (_ index: Int) -> Void
    }

    /// Parses and runs `source`, statement by statement, stopping at the first error.
    @discardableResult
    public func run(_ source: SourceText, record: Bool = true) -> Execution {
        run(source, record: record, observer: nil)
    }

    /// `run`, telling `observer` when each top-level statement starts and ends (a `:load` inside
    /// runs its own statements unobserved).
    func run(_ source: SourceText, record: Bool = true, observer: StatementObserver?) -> Execution {
        let buffer = TextBuffer()
        let host = output
        output = TeeSink(host, buffer)
        filesWritten = []
        defer { output = host }
        var execution = Execution()
        do {
            // Operators and commands read the budget of the session that is running.
            try ActiveMemoryBudget.$current.withValue(memoryBudget) {
                let statements = try Parser.parse(source, commandNames: commandNames)
                let interpreter = Interpreter(session: self, source: source)
                let firstLines = observer == nil ? [] : statements.map(\.location.line)
                for (index, s) in statements.enumerated() {
                    observer?.willRun(index, firstLines)
                    if try interpreter.execute(s) == .quit { execution.quit = true; break }
                    observer?.didRun(index)
                }
            }
        } catch let e as ScriptError {
            execution.error = e
        } catch {
            execution.error = ScriptError(.io, "\(error)")
        }
        execution.filesWritten = filesWritten
        execution.output = buffer.text
        if record && !source.text.trimmingBlanks().isEmpty {
            transcript.append(TranscriptEntry(source: source.text, output: buffer.text,
                                              error: execution.error.map { $0.rendered(with: source) },
                                              filesWritten: filesWritten, sourceName: source.name,
                                              firstLine: source.firstLine))
        }
        return execution
    }

    /// True when `text` ends inside a bracket or a string, so more input may complete it.
    public func isIncomplete(_ text: String) -> Bool {
        do {
            _ = try Parser.parse(SourceText(name: "<input>", text: text), commandNames: commandNames)
            return false
        } catch let e as ScriptError {
            return e.kind == .incompleteInput
        } catch {
            return false
        }
    }

    /// Forgets every variable and the transcript; the host's services stay.
    public func reset() {
        variables.removeAll()
        transcript.removeAll()
        generator = Xoshiro256StarStar(seed: Session.startSeed)
    }

    func resolve(_ path: String) -> String {
        var p = path
        if p.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            p = home + String(p.dropFirst(1))
        }
        if p.hasPrefix("/") { return p }
        return (workingDirectory as NSString).appendingPathComponent(p)
    }

    func recordWrite(_ resolvedPath: String) {
        if !filesWritten.contains(resolvedPath) { filesWritten.append(resolvedPath) }
    }

    /// Runs `body` with relative paths resolving against `directory`.
    func withWorkingDirectory<T>(_ directory: String, _ body: () throws -> T) rethrows -> T {
        let saved = workingDirectory
        workingDirectory = directory
        defer { workingDirectory = saved }
        return try body()
    }
}

/// One entry of a session: the text the user ran, what it printed, and its error if it failed.
public struct TranscriptEntry: Equatable {
    public var source: String
    public var output: String
    public var error: String?
    public var filesWritten: [String]
    /// Where the entry's text came from (`<repl>`) and the number of its first line there, so
    /// that `:save` can move locations in other entries (a function defined earlier) too.
    public var sourceName: String = ""
    public var firstLine: Int = 1
}
