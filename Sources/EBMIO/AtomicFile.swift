import Glibc

/// Whole-file writes that readers never see half done: an interrupted run (Ctrl-C, full disk,
/// crash) leaves either the old file or the new one, never a truncated PNG or notebook.
///
/// The bytes go to a uniquely named temporary file in the target's own folder (`.name.tmp-PID-hex`,
/// same file system, so the final rename(2) is atomic), are fsync'd, and the temporary file is
/// renamed over the target. On any failure the temporary file is removed and a `FileError` is
/// thrown. An existing target keeps its permission bits; a symbolic link at the target path is
/// replaced by a regular file.
public enum AtomicFile {
    /// - Parameter createDirectories: create missing parent folders first (like `mkdir -p`).
    public static func write(_ bytes: [UInt8], to path: String, createDirectories: Bool = false) throws {
        guard !path.isEmpty else { throw FileError(path: path, message: "cannot write a file with an empty name") }
        let (prefix, name) = split(path)
        let folder = prefix.isEmpty ? "." : prefix
        guard !name.isEmpty, name != ".", name != ".." else {
            throw FileError(path: path, message: "cannot write \(path): the path names a folder, not a file")
        }
        if createDirectories { try makeDirectories(folder, for: path) }

        let temporary = prefix + ".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure(errno, writing: path) }

        var closed = false
        do {
            defer { if !closed { close(fd) } }
            var target = stat()
            if stat(path, &target) == 0, fchmod(fd, target.st_mode & 0o7777) != 0 {
                throw failure(errno, writing: path)
            }
            try writeAll(fd, bytes, path: path)
            if fsync(fd) != 0 { throw failure(errno, writing: path) }
            closed = true
            if close(fd) != 0 { throw failure(errno, writing: path) }
            if rename(temporary, path) != 0 { throw failure(errno, writing: path) }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(folder)
    }

    /// The text as UTF-8, written atomically; see `write(_:to:createDirectories:)` for bytes.
    public static func write(_ text: String, to path: String, createDirectories: Bool = false) throws {
        try write(Array(text.utf8), to: path, createDirectories: createDirectories)
    }

    /// ("dir/sub/", "file") for "dir/sub/file"; ("", "file") when there is no folder part.
    static func split(_ path: String) -> (prefix: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let afterSlash = path.index(after: slash)
        return (String(path[..<afterSlash]), String(path[afterSlash...]))
    }

    /// `mkdir -p folder`, with errors that name both the folder and the file being written.
    static func makeDirectories(_ folder: String, for path: String) throws {
        var prefix = folder.hasPrefix("/") ? "/" : ""
        for component in folder.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o777) != 0 {
                let code = errno
                var info = stat()
                let isFolder = stat(prefix, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                if !isFolder {
                    let reason = code == EEXIST ? "a file with that name is in the way" : describe(code)
                    throw FileError(path: path, message: "cannot write \(path): cannot create folder \(prefix): \(reason)")
                }
            }
            prefix += "/"
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno, writing: path)
                }
                offset += n
            }
        }
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse to fsync a folder,
    /// and by now the new content is complete either way.
    private static func syncDirectory(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func describe(_ code: Int32) -> String {
        guard let c = strerror(code) else { return "error \(code)" }
        return String(cString: c)
    }

    /// A `FileError` for errno `code`, with a hint for the failures people can fix themselves.
    static func failure(_ code: Int32, writing path: String) -> FileError {
        let hint: String
        switch code {
        case ENOENT: hint = " (create the folder first)"
        case EACCES, EPERM: hint = " (check the folder's permissions)"
        case ENOSPC, EDQUOT: hint = " (free some disk space)"
        case EROFS: hint = " (choose a folder on a writable disk)"
        case EISDIR: hint = " (a folder has that name; choose another file name)"
        case ENOTDIR: hint = " (part of the path is a file, not a folder)"
        default: hint = ""
        }
        return FileError(path: path, message: "cannot write \(path): \(describe(code))\(hint)")
    }
}
