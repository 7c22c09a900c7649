import Foundation

/// Where a notebook's relative paths start, and how paths show in messages.
///
/// A notebook's paths are relative to its own folder, unless its prose holds the line
/// `<!-- ebm working folder: PATH -->` (PATH relative to the notebook's folder). `:save` writes
/// that line when the session ran in another folder than the one it saves to, so the saved
/// commands write their files where they did in the session, and `ebm check` finds the same
/// image paths. Image references stay relative to the notebook's own folder (Markdown's rule).
extension Notebook {
    static let workingFolderPrefix = "<!-- ebm working folder: "
    static let workingFolderSuffix = " -->"

    /// The line `:save` writes for a session that ran in `folder` (relative to the notebook's).
    static func workingFolderLine(_ folder: String) -> String {
        workingFolderPrefix + folder + workingFolderSuffix
    }

    /// The working folder the notebook names in its prose (relative to its own folder), if any.
    public var workingFolder: String? {
        for segment in segments {
            guard case .prose(let range) = segment else { continue }
            for line in OutputComparison.lines(String(decoding: bytes[range], as: UTF8.self)) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(Self.workingFolderPrefix), trimmed.hasSuffix(Self.workingFolderSuffix),
                   trimmed.count > Self.workingFolderPrefix.count + Self.workingFolderSuffix.count {
                    let path = trimmed.dropFirst(Self.workingFolderPrefix.count).dropLast(Self.workingFolderSuffix.count)
                    return String(path).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}

extension NotebookReplay {
    /// The folder a notebook's commands run in: its own `folder`, or the working folder it names.
    public static func workingFolder(of notebook: Notebook, in folder: String) -> String {
        guard let relative = notebook.workingFolder else { return folder }
        return absolutePath(relative, against: folder)
    }

    /// `target` relative to `folder`, both absolute folders: ".", "..", "../out", "sub".
    static func relativeFolder(_ target: String, from folder: String) -> String {
        let t = normalized(target).split(separator: "/")
        let f = normalized(folder).split(separator: "/")
        var common = 0
        while common < t.count && common < f.count && t[common] == f[common] { common += 1 }
        let parts = Array(repeating: "..", count: f.count - common) + t[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}

/// How a host replays a notebook `:save` wrote with the BLAS kernels `ebm check` uses.
public struct SavedNotebookReplayer {
    /// The kernels `ebm check` replays with ("Haswell").
    public var replayKernels: String
    /// The kernels this session computes with ("SkylakeX").
    public var sessionKernels: String
    /// Re-records the notebook at the absolute path given, as `ebm update` does, with the
    /// replay kernels; returns nil when it did, or what went wrong.
    public var rerecord: (String) -> String?

    public init(replayKernels: String, sessionKernels: String, rerecord: @escaping (String) -> String?) {
        self.replayKernels = replayKernels
        self.sessionKernels = sessionKernels
        self.rerecord = rerecord
    }
}

extension Session {
    /// A path for a message: as the user wrote it, or, while `:load` runs a file from another
    /// folder, from the session's folder (`nb/images/a.png` for `images/a.png` in `nb/x.ebm`).
    func shownPath(_ path: String) -> String {
        guard let display = displayDirectory, !path.hasPrefix("/"), !path.hasPrefix("~/") else { return path }
        let here = NotebookReplay.normalized(workingDirectory)
        let there = NotebookReplay.normalized(display)
        guard here != there else { return path }
        let folder = NotebookReplay.relativeFolder(here, from: there)
        let joined = (folder as NSString).appendingPathComponent(path)
        // Tidy "./x" and "a/../x" without asking the file system (a root of our own, "/r").
        return NotebookReplay.relativePath(of: NotebookReplay.normalized("/r/" + joined), from: "/r")
    }

    /// Runs `body` with messages showing paths from this session's folder (the outermost
    /// `:load` keeps its own).
    func showingPathsFromHere<T>(_ body: () throws -> T) rethrows -> T {
        let saved = displayDirectory
        if displayDirectory == nil { displayDirectory = workingDirectory }
        defer { displayDirectory = saved }
        return try body()
    }
}

extension CallContext {
    /// A path for a message: as the user wrote it, or from the session's folder while `:load`
    /// runs a file in another folder. Write files at `resolve(path)`; show them with this.
    public func shownPath(_ path: String) -> String { session.shownPath(path) }
}
