import EBMScript

/// Placeholder until the readline REPL lands.
struct REPL {
    func run() throws { try ScriptFromStandardInput.run() }
}
