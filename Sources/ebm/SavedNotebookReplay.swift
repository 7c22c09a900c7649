import EBM
import EBMIO
import EBMScript
import Foundation

/// Gives a session's `:save` a replay with the BLAS kernels `ebm check` uses, when this process
/// runs other ones: `ebm update` on the saved notebook, in a child process started with them.
enum SavedNotebookReplay {
    static func install(on session: Session) {
        guard let (kernels, environment) = BLASCoreSelection.replayEnvironment() else { return }
        session.savedNotebookReplayer = SavedNotebookReplayer(
            replayKernels: kernels, sessionKernels: BLAS.coreName,
            rerecord: { path in rerecord(path, environment: environment) })
    }

    /// Runs `ebm update PATH` with `environment`; nil when it succeeded, else its first error line.
    static func rerecord(_ path: String, environment: [String: String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["update", path]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // The session's input (a terminal, a piped script) is not the replay's.
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "could not start ebm update: \(error.localizedDescription)"
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let firstError = text.split(separator: "\n").first { $0.contains("error") } ?? text.split(separator: "\n").first
        return firstError.map(String.init) ?? "ebm update exited with status \(process.terminationStatus)"
    }
}
