// A libFuzzer target over the whole language: the lexer, the parser, the notebook reader and
// the evaluator, with a command table cut down to what is safe to run millions of times.
//
// Built and run by scripts/fuzz (which says how). Each input is read four ways:
//   1. tokenized (Lexer),
//   2. parsed (Parser),
//   3. read as a Markdown notebook (Notebook.parse),
//   4. evaluated in a fresh session: the notebook's ```ebm blocks in turn, or the whole text
//      when it has none.
// A crash, a trap (Int(NaN), an overflow, an index out of range), an ASan report, a leak or a
// timeout is a finding; a ScriptError is the program working.
//
// Safety of the evaluator (the fuzzer runs as whoever runs it, on a shared machine):
// - the session works in a fresh temporary folder, and every path argument must be relative,
//   without "..", so files are written and read only there;
// - meta-commands (:save, :load, …) are not evaluated: they take raw paths;
// - `sleep` and `fashion_mnist` (60,000 images from disk per input) are left out of the table;
// - the memory budget is 64 MB, and sizes that set running time (steps, chains, epochs, units…)
//   are capped (`caps`), so an input cannot ask for minutes of work;
// - the session's interrupt flag turns on after a second, as Ctrl-C would.

@testable import EBMScript
import EBM
import Foundation

/// The largest value each size-like argument may take in the fuzzer: running time, not
/// correctness, is what they bound. Lists (e.g. `ks:` of derive) are capped entry by entry.
let caps: [String: Double] = [
    "steps": 200, "chains": 64, "epochs": 3, "iterations": 30, "runs": 16, "betas": 200,
    "n": 2000, "visible": 20, "hidden": 20, "units": 12, "k": 5, "batch": 64, "buffer": 256,
    "size": 64, "count": 8, "ks": 5, "limit": 64, "scale": 4, "ais_runs": 8, "ais_betas": 100,
    "dims": 64, "dimension": 8, "levels": 10, "every": 1_000_000, "factor": 8,
    "padding": 4, "columns": 64, "monitor_every": 10, "ais_every": 10, "pixels": 400,
    "samples": 50, "burn_in": 50, "repeats": 8,
]

/// Commands left out of the fuzzer's table.
let excluded: Set<String> = ["sleep", "fashion_mnist"]

enum FuzzRejection: Error { case unsafe }

/// The standard table with `excluded` removed and every command wrapped to enforce `caps` and
/// relative paths before it runs.
let fuzzTable: CommandTable = CommandTable(CommandTable.standard.commands.compactMap { command in
    guard !excluded.contains(command.name) else { return nil }
    var wrapped = command
    let run = command.run
    wrapped.run = { args, context in
        try guardArguments(args)
        return try run(args, context)
    }
    return wrapped
})

func isPath(_ type: ParameterType) -> Bool {
    switch type {
    case .path: return true
    case .optional(let t): return isPath(t)
    case .oneOf(let ts): return ts.contains(where: isPath)
    default: return false
    }
}

func guardArguments(_ args: Arguments) throws {
    for p in args.command.parameters {
        let value = args[p.name]
        if let cap = caps[p.name] {
            switch value {
            case .number(let v) where v > cap:
                throw ScriptError(.value, "fuzz: \(p.name) is capped at \(cap)", at: args.location(of: p.name))
            case .list(let items):
                for case .number(let v) in items where v > cap {
                    throw ScriptError(.value, "fuzz: \(p.name) entries are capped at \(cap)", at: args.location(of: p.name))
                }
            default: break
            }
        }
        if isPath(p.type), case .string(let path) = value {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.hasPrefix("/"), !path.hasPrefix("~"), !parts.contains(".."), !path.contains("\0") else {
                throw ScriptError(.value, "fuzz: paths stay inside the temporary folder", at: args.location(of: p.name))
            }
        }
    }
}

/// One temporary folder for the whole run, emptied before each input.
let folder: String = {
    let path = NSTemporaryDirectory() + "ebm-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

func emptyFolder() {
    let fm = FileManager.default
    for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
        try? fm.removeItem(atPath: folder + "/" + name)
    }
}

/// Evaluates `code` in a fresh, sandboxed session unless it holds a meta-command.
func evaluate(_ code: String, name: String) {
    let source = SourceText(name: name, text: code)
    guard let statements = try? Parser.parse(source, commandNames: Set(fuzzTable.names)) else { return }
    for s in statements {
        if case .metaCommand = s.kind { return }
    }
    let session = Session(commands: fuzzTable, output: TextBuffer(), workingDirectory: folder)
    session.memoryBudget = MemoryBudget(bytes: 64 << 20, source: "the fuzzer's budget")
    let deadline = Date().addingTimeInterval(1)
    session.isInterrupted = { Date() > deadline }
    let execution = session.run(source)
    // Render what a host would: the error with its caret, and every variable.
    if let e = execution.error { _ = e.rendered(with: source) }
    for (_, value) in session.variables { _ = session.format.render(value) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let source = SourceText(name: "<fuzz>", text: text)
    _ = try? Lexer.tokenize(source)
    _ = try? Parser.parse(source, commandNames: Set(fuzzTable.names))
    emptyFolder()
    if let notebook = try? Notebook.parse(bytes, name: "fuzz.ebm"), !notebook.blocks.isEmpty {
        for block in notebook.blocks.prefix(4) { evaluate(block.code, name: "fuzz.ebm") }
    } else {
        evaluate(text, name: "<fuzz>")
    }
    return 0
}
