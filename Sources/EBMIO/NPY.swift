import EBM
import Glibc

/// NumPy `.npy` files: one array with its shape and element type, the format of `np.save` and
/// `np.load` (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// Layout: the magic string `\x93NUMPY`, a major and a minor version byte, the header length
/// (UInt16 little-endian in version 1.0, UInt32 in 2.0 and 3.0), then the header — a Python dict
/// literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (500, 784), }` padded with
/// spaces and ending in `\n` — then the raw data.
///
/// - Writing produces version 1.0, little-endian float32 (`<f4`), C order, with exactly the header
///   bytes `np.save` writes (including its spare spaces for growing the first axis), so the data
///   starts at a multiple of 64 bytes.
/// - Reading accepts versions 1.0, 2.0 and 3.0; booleans, signed and unsigned integers of 1, 2,
///   4 and 8 bytes and floats of 2, 4 and 8 bytes, little- or big-endian; C or Fortran order; any
///   rank, including 0-d arrays. Values are converted to `Float` (float32 data is kept bit for
///   bit); Fortran-order data is reordered to C order.
///
/// Every defect (not an .npy file, unsupported type, malformed header, truncated data, bytes after
/// the data) is a `FileError` whose message names the file, says what is wrong and how to fix it.
public enum NPY {
    /// The element types `read` accepts, as NumPy names them in the header (`descr`).
    public static let supportedTypes = "'<f4', '<f8', '<f2', '|u1', '|i1', '|b1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8' and their big-endian forms ('>f4', '>f8', …)"

    /// Writes `t` as a version 1.0 `.npy` file of little-endian float32 in C order, atomically.
    public static func write(_ t: Tensor, to path: String) throws {
        try AtomicFile.write(encode(t), to: path)
    }

    /// Reads an `.npy` file as a tensor of the same shape, converting the values to `Float`.
    public static func read(path: String) throws -> Tensor {
        try decode(readBytes(path: path, kind: "an .npy file"), path: path)
    }

    // MARK: Encoding

    /// The bytes of the `.npy` file `write` produces for `t`.
    public static func encode(_ t: Tensor) -> [UInt8] {
        var bytes = header(shape: t.shape)
        bytes.reserveCapacity(bytes.count + 4 * t.count)
        for x in t.scalars {
            let bits = x.bitPattern
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return bytes
    }

    /// Writes `values` (row-major, of `shape`) as a version 1.0 `.npy` file of little-endian
    /// float64 (`<f8`) in C order, atomically: for parameters kept in float64, bit for bit.
    public static func write(doubles values: [Double], shape: [Int], to path: String) throws {
        try AtomicFile.write(encode(doubles: values, shape: shape), to: path)
    }

    /// The bytes of the float64 `.npy` file `write(doubles:shape:to:)` produces.
    public static func encode(doubles values: [Double], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        var bytes = header(shape: shape, descr: "<f8")
        bytes.reserveCapacity(bytes.count + 8 * values.count)
        for x in values {
            let bits = x.bitPattern
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
        }
        return bytes
    }

    /// Magic, version, length and header, exactly as NumPy's `_write_array_header` makes them.
    static func header(shape: [Int], descr: String = "<f4") -> [UInt8] {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        // NumPy leaves room for the first axis to grow to 21 digits without rewriting the file.
        if let first = shape.first { text += String(repeating: " ", count: Swift.max(0, 21 - String(first).utf8.count)) }
        let body = Array(text.utf8)
        for (major, prefix) in [(UInt8(1), 10), (UInt8(2), 12)] {
            let unpadded = prefix + body.count + 1
            let padding = 64 - unpadded % 64
            let length = body.count + 1 + padding
            if major == 1 && length > Int(UInt16.max) { continue }
            var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
            out += (0..<(prefix - 8)).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
            out += body
            out += [UInt8](repeating: 0x20, count: padding)
            out.append(0x0A)
            return out
        }
        fatalError("unreachable: version 2.0 holds any header")
    }

    // MARK: Decoding

    /// The tensor in the bytes of an `.npy` file; `path` only names the file in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Tensor {
        let (shape, type, fortran, dataStart, count) = try parse(bytes, path: path)
        var scalars = bytes.withUnsafeBytes { raw in
            type.decode(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: count)
        }
        if fortran && shape.count > 1 && count > 0 { scalars = cOrder(fromFortran: scalars, shape: shape) }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Reads an `.npy` file's values as `Double` (float64 data is kept bit for bit), with its shape.
    public static func readDoubles(path: String) throws -> (shape: [Int], values: [Double]) {
        try decodeDoubles(readBytes(path: path, kind: "an .npy file"), path: path)
    }

    /// The values of an `.npy` file's bytes as `Double`, in C order, and its shape.
    public static func decodeDoubles(_ bytes: [UInt8], path: String) throws -> (shape: [Int], values: [Double]) {
        let (shape, type, fortran, dataStart, count) = try parse(bytes, path: path)
        var values = bytes.withUnsafeBytes { raw in
            type.decodeDoubles(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: count)
        }
        if fortran && shape.count > 1 && count > 0 { values = cOrder(fromFortran: values, shape: shape) }
        return (shape, values)
    }

    /// The checked header: shape, element type, order, where the data starts and how many values.
    static func parse(_ bytes: [UInt8], path: String) throws -> (shape: [Int], type: ScalarType, fortran: Bool, dataStart: Int, count: Int) {
        let what = "cannot read \(path) as .npy"
        func fail(_ message: String) -> FileError { FileError(path: path, message: "\(what): \(message)") }

        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 6, Array(bytes[0..<6]) == magic else {
            var hint = "is it an .npy file?"
            if bytes.starts(with: [0x50, 0x4B]) {
                hint = "it looks like a zip archive, such as an .npz file from np.savez: unzip it and read the .npy files inside"
            } else if bytes.starts(with: Array("ebm-model".utf8)) {
                hint = "it is an ebm model file: load it as a model instead"
            } else if bytes.isEmpty {
                hint = "the file is empty"
            }
            throw fail("it does not start with the NumPy magic string \\x93NUMPY (\(hint))")
        }
        guard bytes.count >= 8 else { throw fail("the file is truncated: it ends inside the version bytes after the magic string") }
        let major = bytes[6], minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else {
            throw fail("it is .npy format version \(major).\(minor); versions 1.0, 2.0 and 3.0 are supported (save it again with a current NumPy)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        let start = 8 + lengthBytes
        guard bytes.count >= start else { throw fail("the file is truncated: it ends inside the header length") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard bytes.count - start >= headerLength else {
            throw fail("the file is truncated: the header should be \(headerLength) bytes but only \(bytes.count - start) bytes follow the header length")
        }
        let dataStart = start + headerLength

        var parser = HeaderParser(text: Array(bytes[start..<dataStart]))
        let fields: [String: HeaderValue]
        do {
            fields = try parser.parseHeader()
        } catch let e as HeaderParser.Failure {
            throw fail("the header is malformed: \(e.message) (expected a dict such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), })")
        }

        // The data type.
        guard let descrValue = fields["descr"] else { throw fail("the header is malformed: it has no 'descr' (data type) entry") }
        guard case .string(let descr) = descrValue else {
            throw fail("its data type is a structured type (a record of named fields), which is not supported; supported types are \(supportedTypes)")
        }
        guard let type = ScalarType(descr) else {
            throw fail("its data type '\(descr)' is not supported; supported types are \(supportedTypes) (convert the array with arr.astype(np.float32) before saving it)")
        }

        // Order and shape.
        guard let orderValue = fields["fortran_order"] else { throw fail("the header is malformed: it has no 'fortran_order' entry") }
        guard case .bool(let fortran) = orderValue else { throw fail("the header is malformed: 'fortran_order' must be True or False") }
        guard let shapeValue = fields["shape"] else { throw fail("the header is malformed: it has no 'shape' entry") }
        var shape: [Int] = []
        switch shapeValue {
        case .tuple(let items), .list(let items):
            for item in items {
                guard case .int(let n) = item, n >= 0 else {
                    throw fail("the header is malformed: 'shape' must be a tuple of non-negative whole numbers, such as (2, 3)")
                }
                shape.append(n)
            }
        default:
            throw fail("the header is malformed: 'shape' must be a tuple of non-negative whole numbers, such as (2, 3)")
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"

        // Sizes, guarded against absurd headers.
        var count = 1
        for n in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("its shape \(shapeText) holds too many values to address (is the header corrupt?)") }
            count = p
        }
        let (dataBytes, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else { throw fail("its shape \(shapeText) holds too many values to address (is the header corrupt?)") }
        let present = bytes.count - dataStart
        guard present >= dataBytes else {
            throw fail("the file is truncated: shape \(shapeText) of '\(descr)' needs \(dataBytes) bytes of data, but only \(present) bytes follow the header")
        }
        guard present == dataBytes else {
            throw fail("the file has \(present - dataBytes) bytes after the \(dataBytes) bytes of data its header declares (shape \(shapeText) of '\(descr)'; is the header corrupt or the file damaged?)")
        }

        return (shape, type, fortran, dataStart, count)
    }

    /// Reorders values stored with the first index varying fastest into row-major order.
    static func cOrder<T: Numeric>(fromFortran values: [T], shape: [Int]) -> [T] {
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)          // C-order strides
        for k in stride(from: rank - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
        var out = [T](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        out.withUnsafeMutableBufferPointer { o in
            for v in values {
                o[offset] = v
                // Advance the Fortran-order odometer: axis 0 fastest.
                var k = 0
                while k < rank {
                    index[k] += 1
                    offset += strides[k]
                    if index[k] < shape[k] { break }
                    offset -= strides[k] * shape[k]
                    index[k] = 0
                    k += 1
                }
            }
        }
        return out
    }

    // MARK: Files

    /// The whole content of a file; `kind` (“an .npy file”) finishes the message for a folder.
    static func readBytes(path: String, kind: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let hint = code == ENOENT ? " (check the file name and folder)" : (code == EACCES ? " (check the file's permissions)" : "")
            throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(code))\(hint)")
        }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw FileError(path: path, message: "cannot read \(path): it is a folder, not \(kind)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(Swift.max(0, Swift.min(Int(status.st_size), 1 << 30)) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

// MARK: - Element types

extension NPY {
    /// A NumPy element type that `NPY.read` converts to `Float`.
    struct ScalarType {
        enum Kind { case bool, signed, unsigned, float }
        let kind: Kind
        let size: Int
        let bigEndian: Bool

        /// Parses a `descr` such as `<f4`, `>f8`, `|u1`; nil if unsupported.
        init?(_ descr: String) {
            let chars = Array(descr.utf8)
            guard chars.count >= 2 else { return nil }
            var i = 0
            var order: UInt8 = UInt8(ascii: "=")
            if [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "=")].contains(chars[0]) {
                order = chars[0]
                i = 1
            }
            guard i < chars.count else { return nil }
            let kindChar = chars[i]
            let digits = chars[(i + 1)...]
            guard digits.count == 1, let size = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
            switch (kindChar, size) {
            case (UInt8(ascii: "b"), 1): kind = .bool
            case (UInt8(ascii: "i"), 1), (UInt8(ascii: "i"), 2), (UInt8(ascii: "i"), 4), (UInt8(ascii: "i"), 8): kind = .signed
            case (UInt8(ascii: "u"), 1), (UInt8(ascii: "u"), 2), (UInt8(ascii: "u"), 4), (UInt8(ascii: "u"), 8): kind = .unsigned
            case (UInt8(ascii: "f"), 2), (UInt8(ascii: "f"), 4), (UInt8(ascii: "f"), 8): kind = .float
            default: return nil
            }
            // '|' means "byte order does not apply": only for one-byte types.
            if order == UInt8(ascii: "|") && size != 1 { return nil }
            self.size = size
            self.bigEndian = order == UInt8(ascii: ">")
        }

        /// `count` values from `raw` (which holds at least `count × size` bytes).
        func decode(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count)
            out.withUnsafeMutableBufferPointer { o in
                switch (kind, size) {
                case (.bool, _): for k in 0..<count { o[k] = raw[k] != 0 ? 1 : 0 }
                case (.unsigned, 1): for k in 0..<count { o[k] = Float(raw[k]) }
                case (.signed, 1): for k in 0..<count { o[k] = Float(Int8(bitPattern: raw[k])) }
                case (.unsigned, 2): for k in 0..<count { o[k] = Float(u16(raw, k)) }
                case (.signed, 2): for k in 0..<count { o[k] = Float(Int16(bitPattern: u16(raw, k))) }
                case (.float, 2): for k in 0..<count { o[k] = Float(Float16(bitPattern: u16(raw, k))) }
                case (.unsigned, 4): for k in 0..<count { o[k] = Float(u32(raw, k)) }
                case (.signed, 4): for k in 0..<count { o[k] = Float(Int32(bitPattern: u32(raw, k))) }
                case (.float, 4): for k in 0..<count { o[k] = Float(bitPattern: u32(raw, k)) }
                case (.unsigned, 8): for k in 0..<count { o[k] = Float(u64(raw, k)) }
                case (.signed, 8): for k in 0..<count { o[k] = Float(Int64(bitPattern: u64(raw, k))) }
                case (.float, 8): for k in 0..<count { o[k] = Float(Double(bitPattern: u64(raw, k))) }
                default: break
                }
            }
            return out
        }

        /// `count` values from `raw` as `Double` (float64 exactly, the others converted).
        func decodeDoubles(_ raw: UnsafeRawBufferPointer, count: Int) -> [Double] {
            guard kind == .float, size == 8 else { return decode(raw, count: count).map(Double.init) }
            return (0..<count).map { Double(bitPattern: u64(raw, $0)) }
        }

        @inline(__always) private func u16(_ raw: UnsafeRawBufferPointer, _ k: Int) -> UInt16 {
            let v = raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self)
            return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
        }

        @inline(__always) private func u32(_ raw: UnsafeRawBufferPointer, _ k: Int) -> UInt32 {
            let v = raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)
            return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }

        @inline(__always) private func u64(_ raw: UnsafeRawBufferPointer, _ k: Int) -> UInt64 {
            let v = raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)
            return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
        }
    }
}

// MARK: - The header dict

extension NPY {
    /// A Python literal as it appears in an `.npy` header.
    enum HeaderValue {
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
        case tuple([HeaderValue])
        case list([HeaderValue])
        case dict([(String, HeaderValue)])
    }

    /// A parser for the subset of Python literals NumPy writes in headers: dicts, tuples, lists,
    /// strings, whole numbers (with Python 2's `L` suffix), `True`, `False` and `None`. Nesting is
    /// limited so hostile input cannot exhaust the stack.
    struct HeaderParser {
        struct Failure: Error { let message: String }

        let text: [UInt8]
        var position = 0
        private var depth = 0

        init(text: [UInt8]) { self.text = text }

        /// The top-level dict, by key; trailing whitespace (the padding) is allowed.
        mutating func parseHeader() throws -> [String: HeaderValue] {
            skipSpace()
            guard peek == UInt8(ascii: "{") else { throw failure("it does not start with '{'") }
            guard case .dict(let items) = try value() else { throw failure("it is not a dict") }
            skipSpace()
            guard position == text.count else { throw failure("unexpected text after the dict") }
            var out: [String: HeaderValue] = [:]
            for (key, value) in items {
                guard out[key] == nil else { throw failure("the key '\(key)' appears twice") }
                out[key] = value
            }
            return out
        }

        private var peek: UInt8? { position < text.count ? text[position] : nil }

        private func failure(_ message: String) -> Failure {
            Failure(message: "\(message) at character \(position + 1) of the header")
        }

        private mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { position += 1 }
        }

        private mutating func expect(_ c: Character) throws {
            skipSpace()
            guard peek == c.asciiValue else { throw failure("expected '\(c)'") }
            position += 1
        }

        private mutating func value() throws -> HeaderValue {
            skipSpace()
            guard let c = peek else { throw failure("the header ends where a value should be") }
            switch c {
            case UInt8(ascii: "{"):
                let items = try sequence(close: "}") { p -> (String, HeaderValue) in
                    guard case .string(let key) = try p.value() else { throw p.failure("dict keys must be strings") }
                    try p.expect(":")
                    return (key, try p.value())
                }
                return .dict(items)
            case UInt8(ascii: "("):
                return .tuple(try sequence(close: ")") { try $0.value() })
            case UInt8(ascii: "["):
                return .list(try sequence(close: "]") { try $0.value() })
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .int(try integer())
            default:
                for (word, v) in [("True", HeaderValue.bool(true)), ("False", .bool(false)), ("None", .none)] {
                    let w = Array(word.utf8)
                    if text.count - position >= w.count, Array(text[position..<(position + w.count)]) == w {
                        position += w.count
                        return v
                    }
                }
                throw failure("unexpected character '\(Self.printable(c))'")
            }
        }

        /// Items between an opening bracket (at `position`) and `close`, separated by commas, with
        /// an optional trailing comma.
        private mutating func sequence<T>(close: Character, _ item: (inout HeaderParser) throws -> T) throws -> [T] {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { throw failure("the values are nested too deeply") }
            position += 1
            var items: [T] = []
            while true {
                skipSpace()
                if peek == close.asciiValue { position += 1; return items }
                items.append(try item(&self))
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; continue }
                guard peek == close.asciiValue else {
                    throw failure(peek == nil ? "the header ends before the closing '\(close)'" : "expected ',' or '\(close)'")
                }
            }
        }

        private mutating func string() throws -> String {
            let quote = text[position]
            position += 1
            var out: [UInt8] = []
            while let c = peek {
                position += 1
                if c == quote { return String(decoding: out, as: UTF8.self) }
                if c == UInt8(ascii: "\\") {
                    guard let next = peek else { break }
                    out.append(next)
                    position += 1
                } else {
                    out.append(c)
                }
            }
            throw failure("a string is not closed")
        }

        private mutating func integer() throws -> Int {
            var negative = false
            if peek == UInt8(ascii: "-") { negative = true; position += 1 }
            var n = 0
            var digits = 0
            while let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw failure("a number is too large") }
                n = s
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw failure("expected digits after '-'") }
            if peek == UInt8(ascii: "L") || peek == UInt8(ascii: "l") { position += 1 }   // Python 2 longs
            return negative ? -n : n
        }

        static func printable(_ c: UInt8) -> String {
            (0x20..<0x7F).contains(c) ? String(UnicodeScalar(c)) : "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16)
        }
    }
}
