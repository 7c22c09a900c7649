import EBM

/// IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.), gzipped or not.
///
/// Layout: a 4-byte magic number — two zero bytes, a type code (0x08 = unsigned byte, the only type
/// read here) and the number of dimensions r — then r big-endian UInt32 sizes, then the data in
/// row-major order. Images are 0x00000803 (n × rows × columns), labels 0x00000801 (n).
///
/// Every defect (wrong magic, unsupported type, truncated data, trailing bytes, corrupt gzip) is a
/// `FileError` whose message names the file and what is wrong with it.
public enum IDX {
    /// Reads the examples of an unsigned-byte IDX file of rank ≥ 2 as a data set, scaled to [0, 1]
    /// (byte / 255). A rank-3 file (n × rows × columns) keeps its image shape.
    ///
    /// - Parameters:
    ///   - labels: an IDX label file (rank 1) whose labels go with the examples.
    ///   - binarizeThreshold: if given, each value becomes 1 if byte / 255 > threshold, else 0.
    ///   - limit: read only the first `limit` examples (≥ 1).
    ///   - name: the data set's name; by default the file name without `.gz` and extension.
    public static func readImages(path: String, labels labelPath: String? = nil, binarizeThreshold: Float? = nil,
                                  limit: Int? = nil, name: String? = nil) throws -> Dataset {
        precondition(limit.map { $0 >= 1 } ?? true, "an IDX limit must be at least 1")
        let reader = try GzipReader(path: path)
        let dims = try header(reader, expectedRank: nil)
        guard dims.count >= 2 else {
            throw FileError(path: path, message: "cannot read \(path) as images: it is a rank-1 IDX file (labels?), images need rank 2 or more")
        }
        let total = dims[0]
        let d = try product(dims.dropFirst(), path: path)
        guard total > 0, d > 0 else {
            throw FileError(path: path, message: "cannot read \(path) as images: its header declares \(dims.map(String.init).joined(separator: " × ")) values, which holds no examples")
        }
        let n = Swift.min(total, limit ?? total)
        let scalars = try readScaled(reader, rows: n, rowLength: d, threshold: binarizeThreshold)
        if n == total { try checkEnd(reader, items: total, what: "examples") }

        var labels: [Int]?
        if let labelPath {
            let l = try readLabels(path: labelPath, limit: n)
            guard l.count == n else {
                throw FileError(path: labelPath, message: "cannot use \(labelPath) as labels of \(path): it holds \(l.count) labels for \(n) examples")
            }
            labels = l
        }
        let shape = dims.count == 3 ? (height: dims[1], width: dims[2]) : nil
        return Dataset(name: name ?? defaultName(path), examples: Tensor(shape: [n, d], scalars: scalars),
                       imageShape: shape, labels: labels)
    }

    /// Reads an IDX label file (magic 0x00000801): one unsigned byte per example.
    public static func readLabels(path: String, limit: Int? = nil) throws -> [Int] {
        precondition(limit.map { $0 >= 1 } ?? true, "an IDX limit must be at least 1")
        let reader = try GzipReader(path: path)
        let dims = try header(reader, expectedRank: 1)
        let n = Swift.min(dims[0], limit ?? dims[0])
        let bytes = try reader.read(n, what: "\(n) labels")
        if n == dims[0] { try checkEnd(reader, items: n, what: "labels") }
        return bytes.map { Int($0) }
    }

    // MARK: Parts

    /// The sizes of the header, after checking the magic number.
    private static func header(_ reader: GzipReader, expectedRank: Int?) throws -> [Int] {
        let path = reader.path
        let magic = try reader.read(4, what: "the IDX magic number")
        guard magic[0] == 0, magic[1] == 0, magic[3] >= 1 else {
            let hex = magic.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            throw FileError(path: path, message: "cannot read \(path) as IDX: it starts with 0x\(hex), not an IDX magic number such as 0x00000803 (images) or 0x00000801 (labels)")
        }
        guard magic[2] == 0x08 else {
            throw FileError(path: path, message: "cannot read \(path): IDX data type 0x\(String(magic[2], radix: 16).leftPadded(to: 2)) is not supported; only unsigned bytes (0x08) are")
        }
        let rank = Int(magic[3])
        if let expectedRank, rank != expectedRank {
            throw FileError(path: path, message: "cannot read \(path) as labels: it is a rank-\(rank) IDX file, labels have rank \(expectedRank) (magic 0x00000801)")
        }
        let raw = try reader.read(4 * rank, what: "the \(rank) sizes of the IDX header")
        return (0..<rank).map { k in
            raw[(4 * k)..<(4 * k + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
    }

    private static func product<C: Collection>(_ sizes: C, path: String) throws -> Int where C.Element == Int {
        var p = 1
        for s in sizes {
            let (q, overflow) = p.multipliedReportingOverflow(by: s)
            guard !overflow, q <= Int(Int32.max) else {
                throw FileError(path: path, message: "cannot read \(path): its header declares examples of more than 2³¹ values (is the header corrupt?)")
            }
            p = q
        }
        return p
    }

    /// n rows of d bytes as floats in [0, 1], read in chunks so a corrupt header that declares
    /// absurd sizes fails on the missing data instead of on a giant allocation.
    private static func readScaled(_ reader: GzipReader, rows n: Int, rowLength d: Int, threshold: Float?) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(Swift.min(n * d, 1 << 24))
        let rowsPerChunk = Swift.max(1, (1 << 22) / d)
        var done = 0
        while done < n {
            let rows = Swift.min(rowsPerChunk, n - done)
            let which = rows == 1 ? "example \(done + 1)" : "examples \(done + 1)–\(done + rows)"
            let bytes = try reader.read(rows * d, what: "\(which) of \(n) (\(d) bytes each)")
            if let t = threshold {
                out.append(contentsOf: bytes.lazy.map { Float($0) / 255 > t ? 1 : 0 })
            } else {
                out.append(contentsOf: bytes.lazy.map { Float($0) / 255 })
            }
            done += rows
        }
        return out
    }

    private static func checkEnd(_ reader: GzipReader, items: Int, what: String) throws {
        guard try reader.atEnd() else {
            throw FileError(path: reader.path, message: "cannot read \(reader.path): it has more data than the \(items) \(what) its IDX header declares (is the header corrupt?)")
        }
    }

    private static func defaultName(_ path: String) -> String {
        var name = Substring(path.split(separator: "/").last ?? Substring(path))
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
        return String(name)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
