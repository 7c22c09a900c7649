import EBM

/// The layout of a version 2 model file (docs/model-format.md): a text header of named fields and
/// typed arrays, then the arrays' bytes. Every kind of model (and its training state) is stored
/// in it; `ModelFile` maps models to and from it.
///
///     ebm-model 2                          format name and version
///     kind mlp-energy                      the kind of model
///     activation swish                     fields: a key, then words (numbers or names)
///     widths 2 64 1
///     data W0 float32-le 64x2              arrays: name, element type, sizes joined by x
///     …
///     end
///
/// followed by the arrays' bytes, in the order of their `data` lines, with nothing between and
/// nothing after. Element types: `float32-le`, `float64-le`, `uint64-le` (little-endian) and
/// `utf8` (text as bytes). Keys and array names are unique. Reading checks every line and names
/// the line of anything wrong; a reader that takes every field and array it knows calls
/// `finish()`, which refuses lines it did not take (a misspelled key is an error, not ignored).
public final class ModelContainer {
    public enum Element: String, Sendable {
        case float32 = "float32-le", float64 = "float64-le", uint64 = "uint64-le", utf8
        var size: Int {
            switch self {
            case .float32: return 4
            case .float64, .uint64: return 8
            case .utf8: return 1
            }
        }
    }

    public struct ArrayEntry {
        public let name: String
        public let element: Element
        public let shape: [Int]
        /// Offset of the array's first byte in `bytes`.
        let offset: Int
        let line: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let version: Int
    public private(set) var kind: String
    private(set) var kindLine = 2
    private(set) var fields: [(key: String, values: [String], line: Int)] = []
    private(set) var arrays: [ArrayEntry] = []
    private var bytes: [UInt8] = []
    private var taken = Set<Int>()

    /// An empty container to fill for writing.
    public init(kind: String, path: String) {
        self.kind = kind
        self.path = path
        version = 2
    }

    /// Prepended to every key and array name this container sets or reads, so a model made of
    /// parts (a DBN's layers, `layer2_W`, and their trainers, `layer2_trainer`) stores each part
    /// with the same code as a model of its own.
    public var prefix = ""

    // MARK: Writing

    private var data: [UInt8] = []
    func writtenByte(_ k: Int) -> UInt8 { data[k] }

    /// Adds a field line `key word word…`; the words must be ASCII without spaces.
    public func set(_ key: String, _ values: [String]) {
        let key = prefix + key
        precondition(!fields.contains { $0.key == key } && key != "data" && key != "end", "field \(key) set twice")
        fields.append((key, values, 0))
    }

    public func set(_ key: String, _ value: Int) { set(key, [String(value)]) }
    public func set(_ key: String, _ value: UInt64) { set(key, [String(value)]) }
    /// Float and Double print as the shortest text that reads back to the same bits.
    public func set(_ key: String, _ value: Float) { set(key, ["\(value)"]) }
    public func set(_ key: String, _ value: Double) { set(key, ["\(value)"]) }

    public func append(_ name: String, _ values: [Float], shape: [Int]) {
        addEntry(name, .float32, shape, count: values.count)
        for x in values { appendLittleEndian(UInt64(x.bitPattern), bytes: 4) }
    }

    public func append(_ name: String, _ values: [Double], shape: [Int]) {
        addEntry(name, .float64, shape, count: values.count)
        for x in values { appendLittleEndian(x.bitPattern, bytes: 8) }
    }

    public func append(_ name: String, _ values: [UInt64], shape: [Int]) {
        addEntry(name, .uint64, shape, count: values.count)
        for x in values { appendLittleEndian(x, bytes: 8) }
    }

    public func append(_ name: String, text: String) {
        let utf8 = Array(text.utf8)
        addEntry(name, .utf8, [utf8.count], count: utf8.count)
        data += utf8
    }

    private func addEntry(_ name: String, _ element: Element, _ shape: [Int], count: Int) {
        let name = prefix + name
        precondition(shape.reduce(1, *) == count && !arrays.contains { $0.name == name }, "array \(name): \(count) values for shape \(shape)")
        arrays.append(ArrayEntry(name: name, element: element, shape: shape, offset: data.count, line: 0))
    }

    private func appendLittleEndian(_ v: UInt64, bytes n: Int) {
        for k in 0..<n { data.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    /// The file's bytes.
    public func encode() -> [UInt8] {
        var header = "ebm-model \(version)\nkind \(kind)\n"
        for f in fields { header += ([f.key] + f.values).joined(separator: " ") + "\n" }
        for a in arrays { header += "data \(a.name) \(a.element.rawValue) \(a.shape.map(String.init).joined(separator: "x"))\n" }
        header += "end\n"
        return Array(header.utf8) + data
    }

    // MARK: Reading

    /// Parses the header and checks the data's size; the fields and arrays are checked when taken.
    /// `lines` holds the first two lines already read (`ebm-model 2`, `kind K`).
    init(decoding bytes: [UInt8], path: String) throws {
        self.path = path
        self.bytes = bytes
        version = 2
        kind = ""
        var reader = HeaderLines(bytes: bytes, maxLength: 4096)
        func line(_ expected: String) throws -> (number: Int, words: [Substring]) {
            do { return try reader.next() } catch let e as HeaderLines.Failure { throw fail(e.message(expecting: expected)) }
        }
        var (n, words) = try line("ebm-model 2")
        guard words.count == 2, words[0] == "ebm-model", words[1] == "2" else {
            throw fail("line 1: expected `ebm-model 2`, found `\(words.joined(separator: " "))`")
        }
        (n, words) = try line("kind KIND")
        guard words.count == 2, words[0] == "kind" else {
            throw fail("line \(n): expected `kind KIND` (such as `kind rbm`), found `\(words.joined(separator: " "))`")
        }
        kind = String(words[1])
        kindLine = n
        var offset = 0
        while true {
            (n, words) = try line("end")
            guard let first = words.first else { throw fail("line \(n): the line is empty; every header line starts with a key (expected `end` after the last)") }
            if first == "end" {
                guard words.count == 1 else { throw fail("line \(n): expected `end`, found `\(words.joined(separator: " "))`") }
                break
            }
            if first == "data" {
                guard words.count == 4 else {
                    throw fail("line \(n): expected `data NAME TYPE SIZES` (such as `data W float32-le 16x4`), found `\(words.joined(separator: " "))`")
                }
                let name = String(words[1])
                guard !arrays.contains(where: { $0.name == name }) else { throw fail("line \(n): the array \(name) is declared twice") }
                guard let element = Element(rawValue: String(words[2])) else {
                    throw fail("line \(n): the element type `\(words[2])` of \(name) is not supported; model files hold `float32-le`, `float64-le`, `uint64-le` and `utf8`")
                }
                let dims = words[3].split(separator: "x", omittingEmptySubsequences: false)
                    .flatMap { $0.split(separator: "×", omittingEmptySubsequences: false) }
                var count = 1
                var shape: [Int] = []
                for dim in dims {
                    guard dim.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), (1...9).contains(dim.utf8.count),
                          let value = Int(dim) else {
                        throw fail("line \(n): each size of \(name) must be a whole number from 0 to 999999999, found `\(dim)`")
                    }
                    shape.append(value)
                    let (p, overflow) = count.multipliedReportingOverflow(by: value)
                    guard !overflow, p <= Int.max / 8 else { throw fail("line \(n): \(name) declares more values than can be addressed (is the header damaged?)") }
                    count = p
                }
                arrays.append(ArrayEntry(name: name, element: element, shape: shape, offset: offset, line: n))
                let (next, overflow) = offset.addingReportingOverflow(count * element.size)
                guard !overflow else { throw fail("line \(n): the arrays declare more bytes than can be addressed (is the header damaged?)") }
                offset = next
            } else {
                let key = String(first)
                guard !fields.contains(where: { $0.key == key }) else { throw fail("line \(n): the field `\(key)` appears twice") }
                fields.append((key, words.dropFirst().map(String.init), n))
            }
        }
        let start = reader.position
        let present = bytes.count - start
        guard present >= offset else {
            throw fail("the file is truncated: the header declares \(offset) bytes of data but only \(present) bytes follow it")
        }
        guard present == offset else {
            throw fail("the file has \(present - offset) unexpected bytes after the \(offset) bytes of data its header declares (is the file damaged?)")
        }
        arrays = arrays.map { ArrayEntry(name: $0.name, element: $0.element, shape: $0.shape, offset: $0.offset + start, line: $0.line) }
    }

    /// What the reader calls the source in errors ("cannot read P as an ebm model").
    var what: String?
    /// Names for header lines when the container was assembled from other files (an `.npy`
    /// folder): line 5 is then "W0.npy" rather than "line 5".
    var lineLabels: [Int: String] = [:]

    /// A located error about this file.
    public func fail(_ message: String) -> FileError {
        FileError(path: path, message: "\(what ?? "cannot read \(path) as an ebm model"): \(message)")
    }

    /// An error about the line of field `key` or array `name`.
    public func fail(at line: Int, _ message: String) -> FileError { fail("\(lineLabels[line] ?? "line \(line)"): \(message)") }

    // MARK: Fields

    public func has(_ key: String) -> Bool { fields.contains { $0.key == prefix + key } }

    /// The words of field `key`; `meaning` explains a missing line.
    public func words(_ key: String, _ meaning: String, count: Int? = nil) throws -> (values: [String], line: Int) {
        let key = prefix + key
        guard let f = fields.first(where: { $0.key == key }) else {
            throw fail("the file has no `\(key)` line (\(meaning)), which a `kind \(kind)` file needs")
        }
        taken.insert(f.line)
        if let count, f.values.count != count {
            throw fail(at: f.line, "`\(key)` takes \(count) value\(count == 1 ? "" : "s") (\(meaning)), found `\(([key] + f.values).joined(separator: " "))`")
        }
        return (f.values, f.line)
    }

    /// A whole number in `range` from field `key` (one word).
    public func int(_ key: String, _ meaning: String, in range: ClosedRange<Int>) throws -> Int {
        let (v, line) = try words(key, meaning, count: 1)
        return try int(v[0], meaning, in: range, line: line)
    }

    func int(_ word: String, _ meaning: String, in range: ClosedRange<Int>, line: Int) throws -> Int {
        guard word.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), (1...18).contains(word.utf8.count),
              let value = Int(word), range.contains(value) else {
            throw fail(at: line, "\(meaning) must be a whole number from \(range.lowerBound) to \(range.upperBound), found `\(word)`")
        }
        return value
    }

    /// Whole numbers in `range`, one per word.
    public func ints(_ key: String, _ meaning: String, in range: ClosedRange<Int>) throws -> [Int] {
        let (v, line) = try words(key, meaning)
        return try v.map { try int($0, meaning, in: range, line: line) }
    }

    public func uint64(_ key: String, _ meaning: String) throws -> UInt64 {
        let (v, line) = try words(key, meaning, count: 1)
        guard v[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = UInt64(v[0]) else {
            throw fail(at: line, "\(meaning) must be a whole number from 0 to \(UInt64.max), found `\(v[0])`")
        }
        return value
    }

    /// A finite number (Double) from field `key`.
    public func double(_ key: String, _ meaning: String) throws -> Double {
        let (v, line) = try words(key, meaning, count: 1)
        guard let value = Double(v[0]), value.isFinite else {
            throw fail(at: line, "\(meaning) must be a finite number, found `\(v[0])`")
        }
        return value
    }

    public func float(_ key: String, _ meaning: String) throws -> Float {
        let (v, line) = try words(key, meaning, count: 1)
        guard let value = Float(v[0]), value.isFinite else {
            throw fail(at: line, "\(meaning) must be a finite number, found `\(v[0])`")
        }
        return value
    }

    /// One word from `choices`.
    public func choice(_ key: String, _ meaning: String, _ choices: [String]) throws -> String {
        let (v, line) = try words(key, meaning, count: 1)
        guard choices.contains(v[0]) else {
            throw fail(at: line, "\(meaning) `\(v[0])` is unknown; expected one of \(choices.map { "`\($0)`" }.joined(separator: ", "))")
        }
        return v[0]
    }

    // MARK: Arrays

    public func hasArray(_ name: String) -> Bool { arrays.contains { $0.name == prefix + name } }

    /// The declared shape of array `name`, checked against `shape` (nil sizes are free).
    private func entry(_ name: String, _ element: Element, shape: [Int?], _ meaning: String) throws -> ArrayEntry {
        let name = prefix + name
        guard let a = arrays.first(where: { $0.name == name }) else {
            let sizes = shape.map { $0.map(String.init) ?? "N" }.joined(separator: "x")
            throw fail("the file has no `data \(name) \(element.rawValue) \(sizes)` line (\(meaning)), which a `kind \(kind)` file needs")
        }
        taken.insert(a.line)
        guard a.element == element else {
            throw fail(at: a.line, "\(name) must be `\(element.rawValue)` (\(meaning)), found `\(a.element.rawValue)`")
        }
        let fits = a.shape.count == shape.count && zip(a.shape, shape).allSatisfy { $1 == nil || $0 == $1 }
        guard fits else {
            let declared = a.shape.map(String.init).joined(separator: "x")
            let needed = shape.map { $0.map(String.init) ?? "N" }.joined(separator: "x")
            throw fail(at: a.line, "\(name) is declared as \(declared), but this \(kind) needs \(needed) (\(meaning))")
        }
        return a
    }

    public func shape(of name: String) -> [Int]? { arrays.first { $0.name == prefix + name }?.shape }

    public func floats(_ name: String, shape: [Int?], _ meaning: String) throws -> [Float] {
        let a = try entry(name, .float32, shape: shape, meaning)
        return bytes.withUnsafeBytes { raw in
            (0..<a.count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: a.offset + 4 * $0, as: UInt32.self))) }
        }
    }

    public func doubles(_ name: String, shape: [Int?], _ meaning: String) throws -> [Double] {
        try words64(name, .float64, shape: shape, meaning).map(Double.init(bitPattern:))
    }

    public func uint64s(_ name: String, shape: [Int?], _ meaning: String) throws -> [UInt64] {
        try words64(name, .uint64, shape: shape, meaning)
    }

    private func words64(_ name: String, _ element: Element, shape: [Int?], _ meaning: String) throws -> [UInt64] {
        let a = try entry(name, element, shape: shape, meaning)
        return bytes.withUnsafeBytes { raw in
            (0..<a.count).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: a.offset + 8 * $0, as: UInt64.self)) }
        }
    }

    public func text(_ name: String, _ meaning: String) throws -> String {
        let a = try entry(name, .utf8, shape: [nil], meaning)
        let slice = Array(bytes[a.offset..<(a.offset + a.count)])
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail(at: a.line, "\(name) is not valid UTF-8 text (\(meaning))") }
        return s
    }

    /// The line of array `name` (for errors about its values).
    public func line(of name: String) -> Int { arrays.first { $0.name == prefix + name }?.line ?? 0 }
    public func line(ofField key: String) -> Int { fields.first { $0.key == prefix + key }?.line ?? 0 }

    /// Refuses any field or array line no reader took: a misspelled or foreign line is an error.
    public func finish() throws {
        let lines = fields.map { ($0.line, "`\($0.key)`") } + arrays.map { ($0.line, "the array \($0.name)") }
        if let (line, what) = lines.filter({ !taken.contains($0.0) }).min(by: { $0.0 < $1.0 }) {
            throw fail(at: line, "\(what) is not part of a `kind \(kind)` file (is it misspelled, or from another kind of model?)")
        }
    }
}

/// Header lines, one at a time: ASCII, `\n`-terminated, at most `maxLength` bytes each, split into words.
struct HeaderLines {
    struct Failure: Error {
        let line: Int
        let problem: String
        func message(expecting expected: String) -> String {
            "line \(line): \(problem) (expected `\(expected)`)"
        }
    }

    let bytes: [UInt8]
    let maxLength: Int
    var position = 0
    var lineNumber = 0

    init(bytes: [UInt8], maxLength: Int = 200) {
        self.bytes = bytes
        self.maxLength = maxLength
    }

    mutating func next() throws -> (number: Int, words: [Substring]) {
        lineNumber += 1
        let start = position
        var end = start
        while end < bytes.count, bytes[end] != 0x0A {
            guard end - start < maxLength else {
                throw Failure(line: lineNumber, problem: "the header line is longer than \(maxLength) bytes (is the header damaged?)")
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
