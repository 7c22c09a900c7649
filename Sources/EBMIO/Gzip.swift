import CZlib
import Glibc

/// A file read through zlib's gzip reader, which inflates gzip streams and passes other files
/// through unchanged, so one reader serves `x.idx` and `x.idx.gz`. Reads are exact: `read(_:)`
/// returns the requested bytes or throws (truncated stream, corrupt data, I/O error), so a
/// damaged file is an error with a message, never a crash or a silently short read.
final class GzipReader {
    let path: String
    private let file: gzFile

    init(path: String) throws {
        self.path = path
        // zlib opens folders without complaint and fails on the first read; say it plainly.
        var status = stat()
        if stat(path, &status) != 0 {
            throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))")
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            throw FileError(path: path, message: "cannot read \(path): it is a folder, not a file")
        }
        guard let f = gzopen(path, "rb") else {
            throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))")
        }
        file = f
        gzbuffer(f, 1 << 17)
    }

    deinit { gzclose_r(file) }

    /// Exactly `count` bytes; `what` names them in the error if the file ends first.
    func read(_ count: Int, what: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        try out.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while filled < count {
                // gzread takes an unsigned count; stay well inside it.
                let chunk = UInt32(Swift.min(count - filled, 1 << 30))
                let got = gzread(file, base + filled, chunk)
                if got < 0 { throw failure() }
                if got == 0 { break }
                filled += Int(got)
            }
        }
        guard filled == count else {
            if let error = streamError() { throw error }
            throw FileError(path: path, message: "cannot read \(path): the file is truncated: it ends after \(filled) of the \(count) bytes of \(what)")
        }
        return out
    }

    /// True if the (decompressed) file has no bytes left.
    func atEnd() throws -> Bool {
        var byte: UInt8 = 0
        let got = gzread(file, &byte, 1)
        if got < 0 { throw failure() }
        return got == 0
    }

    /// zlib's own message for a failed read ("unexpected end of file", "invalid distance too far back", …).
    private func failure() -> FileError {
        streamError() ?? FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))")
    }

    private func streamError() -> FileError? {
        var code: Int32 = 0
        guard let message = gzerror(file, &code), code != Z_OK else { return nil }
        if code == Z_ERRNO {
            return FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))")
        }
        var text = String(cString: message)
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }   // zlib prefixes the path
        let hint = code == Z_BUF_ERROR ? " (the gzip stream is truncated)" : " (the gzip data is corrupt)"
        return FileError(path: path, message: "cannot read \(path): zlib says \"\(text)\"\(hint)")
    }
}
