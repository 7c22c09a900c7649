import EBM

/// ebm's own model files (`.ebm`): a short text header, then the parameters as raw little-endian
/// float32, so a model round-trips bit for bit and other tools can read it with a few lines of
/// code (docs/model-format.md shows how, from Python with `np.frombuffer`).
///
/// The header is ASCII, one `\n`-terminated line per entry, in this order:
///
///     ebm-model 1                      format name and version
///     kind rbm                         the kind of model
///     visible 784                      D, the number of visible units
///     hidden 500                       H, the number of hidden units
///     image 28 28                      optional: height and width of the images (height × width = D)
///     data W float32-le 500x784        W, H × D, row-major
///     data b float32-le 500            b, the hidden bias
///     data c float32-le 784            c, the visible bias
///     end
///
/// followed immediately by the arrays' bytes in the order of their `data` lines (4 × (H·D + H + D)
/// bytes) and nothing else. Reading checks every line and reports the line number of a bad one;
/// sizes that disagree, truncated data and trailing bytes are errors too.
public enum ModelFile {
    /// The format version this code writes and reads.
    public static let version = 1

    /// Writes `rbm` (and the image shape of its visible units, if any) atomically.
    public static func write(_ rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?, to path: String) throws {
        try AtomicFile.write(encode(rbm, imageShape: imageShape, path: path), to: path)
    }

    /// Reads a model written by `write`.
    public static func read(path: String) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        try decode(NPY.readBytes(path: path, kind: "an ebm model file"), path: path)
    }

    // MARK: Encoding

    /// The bytes `write` puts in the file; `path` only names the file in error messages.
    public static func encode(_ rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?, path: String) throws -> [UInt8] {
        let (h, d) = (rbm.hidden, rbm.visible)
        var header = "ebm-model \(version)\nkind rbm\nvisible \(d)\nhidden \(h)\n"
        if let shape = imageShape {
            let pixels = shape.height.multipliedReportingOverflow(by: shape.width)
            guard shape.height >= 1, shape.width >= 1, !pixels.overflow, pixels.partialValue == d else {
                throw FileError(path: path, message: "cannot write \(path): the image shape \(shape.height)×\(shape.width) does not fit the model's \(d) visible units (height × width must equal \(d)); pass no image shape or the right one")
            }
            header += "image \(shape.height) \(shape.width)\n"
        }
        header += "data W float32-le \(h)x\(d)\ndata b float32-le \(h)\ndata c float32-le \(d)\nend\n"
        var bytes = Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * rbm.parameterCount)
        for array in [rbm.W, rbm.b, rbm.c] {
            for x in array {
                let bits = x.bitPattern
                bytes += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                          UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
            }
        }
        return bytes
    }

    // MARK: Decoding

    /// The model in the bytes of a model file; `path` only names the file in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        let what = "cannot read \(path) as an ebm model"
        func fail(_ message: String) -> FileError { FileError(path: path, message: "\(what): \(message)") }

        guard bytes.starts(with: Array("ebm-model ".utf8)) || bytes.starts(with: Array("ebm-model\n".utf8)) else {
            var hint = ""
            if bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
                hint = " (it is a NumPy .npy file: read the parameters with import_npy instead)"
            } else if bytes.isEmpty {
                hint = " (the file is empty)"
            }
            throw fail("it does not start with the line `ebm-model \(version)`, so it is not an ebm model file\(hint)")
        }

        var reader = LineReader(bytes: bytes)
        func line(_ expected: String) throws -> (number: Int, words: [Substring]) {
            do {
                return try reader.next()
            } catch let e as LineReader.Failure {
                throw fail(e.message(expecting: expected))
            }
        }
        func number(_ word: Substring, _ name: String, line n: Int) throws -> Int {
            guard word.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  word.utf8.count <= 9, let value = Int(word), value >= 1 else {
                throw fail("line \(n): \(name) must be a whole number from 1 to 999999999, found `\(word)`")
            }
            return value
        }

        // ebm-model VERSION
        var (n, words) = try line("ebm-model \(version)")
        guard words.count == 2, words[0] == "ebm-model" else {
            throw fail("line 1: expected `ebm-model \(version)`, found `\(words.joined(separator: " "))`")
        }
        guard words[1] == "\(version)" else {
            let newer = Int(words[1]).map { $0 > version } ?? false
            throw fail("line 1: the file is format version \(words[1]), this ebm reads version \(version)" + (newer ? " (it was written by a newer ebm: update ebm)" : ""))
        }

        // kind rbm
        (n, words) = try line("kind rbm")
        guard words.count == 2, words[0] == "kind" else {
            throw fail("line \(n): expected `kind rbm`, found `\(words.joined(separator: " "))`")
        }
        guard words[1] == "rbm" else {
            throw fail("line \(n): the model kind `\(words[1])` is unknown; this ebm reads `kind rbm` (restricted Boltzmann machines)")
        }

        // visible D, hidden H
        (n, words) = try line("visible D")
        guard words.count == 2, words[0] == "visible" else {
            throw fail("line \(n): expected `visible D` (the number of visible units), found `\(words.joined(separator: " "))`")
        }
        let d = try number(words[1], "the number of visible units", line: n)
        (n, words) = try line("hidden H")
        guard words.count == 2, words[0] == "hidden" else {
            throw fail("line \(n): expected `hidden H` (the number of hidden units), found `\(words.joined(separator: " "))`")
        }
        let h = try number(words[1], "the number of hidden units", line: n)

        // image HEIGHT WIDTH (optional)
        var imageShape: (height: Int, width: Int)?
        (n, words) = try line("data W float32-le \(h)x\(d)")
        if words.first == "image" {
            guard words.count == 3 else {
                throw fail("line \(n): expected `image HEIGHT WIDTH`, found `\(words.joined(separator: " "))`")
            }
            let height = try number(words[1], "the image height", line: n)
            let width = try number(words[2], "the image width", line: n)
            guard height * width == d else {
                throw fail("line \(n): the image shape \(height)×\(width) has \(height * width) pixels, but the model has \(d) visible units")
            }
            imageShape = (height, width)
            (n, words) = try line("data W float32-le \(h)x\(d)")
        }

        // data NAME float32-le SHAPE, for W, b, c
        let arrays: [(name: String, shape: [Int], meaning: String)] = [
            ("W", [h, d], "hidden × visible"), ("b", [h], "hidden"), ("c", [d], "visible"),
        ]
        for (k, array) in arrays.enumerated() {
            if k > 0 { (n, words) = try line("data \(array.name) float32-le \(array.shape.map(String.init).joined(separator: "x"))") }
            let expected = "data \(array.name) float32-le \(array.shape.map(String.init).joined(separator: "x"))"
            guard words.count == 4, words[0] == "data", words[1] == array.name else {
                throw fail("line \(n): expected `\(expected)`, found `\(words.joined(separator: " "))`")
            }
            guard words[2] == "float32-le" else {
                throw fail("line \(n): the element type `\(words[2])` of \(array.name) is not supported; model files hold `float32-le` (little-endian float32)")
            }
            let dims = words[3].split(separator: "x", omittingEmptySubsequences: false)
                .flatMap { $0.split(separator: "×", omittingEmptySubsequences: false) }
            let parsed = try dims.map { try number(Substring($0), "each size of \(array.name)", line: n) }
            guard parsed == array.shape else {
                throw fail("line \(n): \(array.name) is declared as \(words[3]), but a model with \(h) hidden and \(d) visible units needs \(array.shape.map(String.init).joined(separator: "x")) (\(array.meaning))")
            }
        }

        // end
        (n, words) = try line("end")
        guard words == ["end"] else {
            throw fail("line \(n): expected `end` after the data lines, found `\(words.joined(separator: " "))`")
        }

        // The data.
        let count = h * d + h + d
        let needed = 4 * count
        let present = bytes.count - reader.position
        guard present >= needed else {
            throw fail("the file is truncated: the header declares \(count) float32 values (\(needed) bytes) but only \(present) bytes follow it")
        }
        guard present == needed else {
            throw fail("the file has \(present - needed) unexpected bytes after the \(needed) bytes of data its header declares (is the file damaged?)")
        }
        let values: [Float] = bytes.withUnsafeBytes { raw in
            (0..<count).map { k in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: reader.position + 4 * k, as: UInt32.self)))
            }
        }
        let rbm = RestrictedBoltzmannMachine(W: Array(values[0..<(h * d)]), b: Array(values[(h * d)..<(h * d + h)]),
                                             c: Array(values[(h * d + h)...]))
        return (rbm, imageShape)
    }

    /// Header lines, one at a time: ASCII, `\n`-terminated, at most 200 bytes each, split into words.
    private struct LineReader {
        struct Failure: Error {
            let line: Int
            let problem: String
            func message(expecting expected: String) -> String {
                "line \(line): \(problem) (expected `\(expected)`)"
            }
        }

        let bytes: [UInt8]
        var position = 0
        var lineNumber = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func next() throws -> (number: Int, words: [Substring]) {
            lineNumber += 1
            let start = position
            var end = start
            while end < bytes.count, bytes[end] != 0x0A {
                guard end - start < 200 else {
                    throw Failure(line: lineNumber, problem: "the header line is longer than 200 bytes (is the header damaged?)")
                }
                end += 1
            }
            guard end < bytes.count else {
                throw Failure(line: lineNumber, problem: end == start ? "the file ends before the header is complete"
                                                                      : "the file ends inside the header")
            }
            let raw = bytes[start..<end]
            if raw.last == 0x0D {
                throw Failure(line: lineNumber, problem: "the line ends in \\r\\n (Windows line endings): the file was probably converted as text, which also damages the binary data; copy it again in binary mode")
            }
            guard raw.allSatisfy({ ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x09 }) else {
                throw Failure(line: lineNumber, problem: "the header line contains control or binary bytes (is the header damaged?)")
            }
            position = end + 1
            let text = String(decoding: raw, as: UTF8.self)
            return (lineNumber, text.split(whereSeparator: { $0 == " " || $0 == "\t" }))
        }
    }
}
