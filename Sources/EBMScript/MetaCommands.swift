import EBM
import EBMIO
import Foundation

/// The meta-commands, which act on the session rather than compute: `:help`, `:vars`, `:info`,
/// `:save`, `:load`, `:reset`, `:quit`. Any unambiguous prefix works (`:q`, `:sa`).
public struct MetaCommand {
    public var name: String
    public var argument: String?
    public var summary: String
    var run: (Session, String, SourceLocation) throws -> Interpreter.Outcome

    public static let all: [MetaCommand] = [
        MetaCommand(name: "help", argument: "[command]", summary: "list the commands, or show one command's help") { s, arg, loc in
            try s.runHelp(topic: arg.isEmpty ? nil : arg, at: loc)
            return .continueRunning
        },
        MetaCommand(name: "vars", argument: nil, summary: "list the variables with their kinds and sizes") { s, _, _ in
            s.output.write(s.variablesTable())
            return .continueRunning
        },
        MetaCommand(name: "info", argument: nil, summary: "show the libraries ebm runs on (BLAS and its kernels, libpng, zlib, readline)") { s, _, _ in
            s.output.write(s.infoText())
            return .continueRunning
        },
        MetaCommand(name: "save", argument: "FILE.ebm", summary: "save the session so far as a notebook, with its outputs") { s, arg, loc in
            guard !arg.isEmpty else {
                throw ScriptError(.argument, ":save needs a file name", at: loc, hint: "e.g. :save session.ebm")
            }
            try s.saveTranscript(to: arg, at: loc)
            return .continueRunning
        },
        MetaCommand(name: "load", argument: "FILE.ebm", summary: "replay a notebook (or script) into this session") { s, arg, loc in
            guard !arg.isEmpty else {
                throw ScriptError(.argument, ":load needs a file name", at: loc, hint: "e.g. :load notebooks/tour.ebm")
            }
            try s.loadNotebook(arg, at: loc)
            return .continueRunning
        },
        MetaCommand(name: "reset", argument: nil, summary: "forget every variable and start afresh") { s, _, _ in
            s.reset()
            s.output.write("session reset\n")
            return .continueRunning
        },
        MetaCommand(name: "quit", argument: nil, summary: "leave ebm (Ctrl-D does the same)") { _, _, _ in .quit },
    ]

    /// The meta-command `name` names, exactly or as an unambiguous prefix.
    static func find(_ name: String, at location: SourceLocation) throws -> MetaCommand {
        if let exact = all.first(where: { $0.name == name }) { return exact }
        let matches = all.filter { $0.name.hasPrefix(name) }
        if matches.count == 1 { return matches[0] }
        let list = all.map { ":" + $0.name }.joined(separator: ", ")
        if matches.isEmpty {
            let hint = closestName(to: name, among: all.map(\.name)).map { "did you mean ':\($0)'? " } ?? ""
            throw ScriptError(.name, "unknown meta-command ':\(name)'", at: location, hint: hint + "the meta-commands are \(list)")
        }
        throw ScriptError(.name, "':\(name)' is ambiguous: it could be " + matches.map { ":" + $0.name }.joined(separator: " or "),
                          at: location, hint: "type more letters")
    }
}

extension Session {
    func runMetaCommand(_ name: String, argument: String, at location: SourceLocation) throws -> Interpreter.Outcome {
        try MetaCommand.find(name, at: location).run(self, argument, location)
    }

    /// `:vars`: one line per variable, in the order they were first assigned.
    func variablesTable() -> String {
        if variables.isEmpty { return "no variables yet\n" }
        let rows = variables.map { (name, value) -> [String] in
            [name, value.kindName, summary(of: value)]
        }
        return Table(header: ["name", "kind", "size"], rows: rows).text
    }

    private func summary(of value: Value) -> String {
        switch value {
        case .tensor(let t): return "\(shapeText(t.shape)) float32"
        case .object(let o): return o.summary
        case .list(let items): return "\(items.count) item\(items.count == 1 ? "" : "s")"
        case .string(let s): return "\(s.count) character\(s.count == 1 ? "" : "s")"
        default: return format.render(value)
        }
    }

    /// `:info`: what ebm is running on, so a slow machine can be diagnosed at a glance.
    func infoText() -> String {
        var rows: [[String]] = [
            ["BLAS", BLAS.configuration],
            ["BLAS kernels", BLAS.coreName + (BLASCoreSelection.note.map { ", \($0)" } ?? "")],
            ["BLAS threads", String(BLAS.threads)],
        ]
        rows += LibraryVersions.all.map { [$0.0, $0.1] }
        rows += hostInfo.map { [$0.0, $0.1] }
        return Table(header: nil, rows: rows).text
    }
}
