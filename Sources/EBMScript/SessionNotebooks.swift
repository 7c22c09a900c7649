/// `:save` and `:load`, which read and write notebooks. (Placeholders until the notebook reader
/// and writer land.)
extension Session {
    func saveTranscript(to path: String, at location: SourceLocation) throws {
        throw ScriptError(.io, ":save is not available yet", at: location)
    }

    func loadNotebook(_ path: String, at location: SourceLocation) throws {
        throw ScriptError(.io, ":load is not available yet", at: location)
    }
}
