import EBM
import EBMIO
import Foundation
import XCTest

final class NPYTests: TemporaryFolderTestCase {
    // MARK: Helpers (also used by ModelFileTests)

    static func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// An .npy file with the given version, header dict text and data bytes; the header is padded
    /// like NumPy's (to 64 bytes, ending in a newline) unless `pad` is false.
    static func npy(_ dict: String, _ data: [UInt8] = [], major: UInt8 = 1, pad: Bool = true) -> [UInt8] {
        var header = Array(dict.utf8)
        let prefix = major == 1 ? 10 : 12
        if pad {
            header += [UInt8](repeating: 0x20, count: 63 - (prefix + header.count) % 64)
            header.append(0x0A)
        }
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        out += (0..<(prefix - 8)).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        return out + header + data
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    static func bigEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    static func f4(_ values: [Float]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }

    /// Checks that `body` throws a `FileError` whose message holds every part.
    static func assertError(_ body: @autoclosure () throws -> Any, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? FileError else { return XCTFail("not a FileError: \(error)", file: file, line: line) }
            for p in parts { XCTAssertTrue(e.message.contains(p), "“\(e.message)” lacks “\(p)”", file: file, line: line) }
        }
    }

    /// Runs `python3 -c script args…`; nil if python3 with numpy is not installed.
    static func python(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String)? {
        guard numpyAvailable else { return nil }
        return try run(["python3", "-c", script] + arguments)
    }

    static let numpyAvailable: Bool = {
        guard let r = try? run(["python3", "-c", "import numpy"]) else { return false }
        return r.status == 0
    }()

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Floats whose bit patterns must survive: zeros of both signs, denormals, extremes, NaN.
    static let specialValues: [Float] = [
        0, -0.0, 1, -1, .pi, 1e-3, -123456.78, .infinity, -.infinity, .nan,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, Float(bitPattern: 0x007F_FFFF), Float(bitPattern: 0x0000_1234),
        .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne,
    ]

    // MARK: Writing

    func testHeaderIsByteExactForKnownShapes() throws {
        let cases: [([Int], String, Int)] = [
            ([2, 3], "(2, 3)", 58), ([5], "(5,)", 60), ([], "()", 62), ([500, 784], "(500, 784)", 54),
        ]
        for (shape, tuple, spaces) in cases {
            let t = Tensor(shape: shape, repeating: 0)
            let bytes = NPY.encode(t)
            let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }" + String(repeating: " ", count: spaces) + "\n"
            let expected: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00] + Array(header.utf8)
            XCTAssertEqual(Array(bytes.prefix(128)), expected, "\(shape)")
            XCTAssertEqual(bytes.count, 128 + 4 * t.count)
        }
    }

    func testDataIsLittleEndianFloat32InCOrder() throws {
        let t = Tensor(shape: [2, 2], scalars: [1, -2, 0.5, -0.0])
        let bytes = NPY.encode(t)
        XCTAssertEqual(Array(bytes[128...]), [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F, 0, 0, 0, 0x80])
        XCTAssertEqual(bytes.count % 4, 0)
    }

    func testRoundTripKeepsBitPatternsAndShapes() throws {
        let values = Self.specialValues
        let shapes: [[Int]] = [[values.count], [2, values.count / 2], [3, 2, 3], [1, 1, 18], [], [0], [3, 0, 2], [18, 1]]
        for shape in shapes {
            let n = shape.reduce(1, *)
            let t = Tensor(shape: shape, scalars: (0..<n).map { values[$0 % values.count] })
            let path = folder + "/t.npy"
            try NPY.write(t, to: path)
            let back = try NPY.read(path: path)
            XCTAssertEqual(back.shape, shape)
            XCTAssertEqual(back.scalars.map(\.bitPattern), t.scalars.map(\.bitPattern), "\(shape)")
            XCTAssertEqual(try NPY.decode(Self.contents(path), path: path).scalars.map(\.bitPattern), t.scalars.map(\.bitPattern))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["t.npy"])   // no temporary files
    }

    func testLongHeaderSwitchesToVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)
        let bytes = NPY.encode(Tensor(shape: shape, scalars: [7]))
        XCTAssertEqual(bytes[6], 2)
        let length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        XCTAssertEqual((12 + length) % 64, 0)
        XCTAssertEqual(bytes[12 + length - 1], 0x0A)
        let back = try NPY.decode(bytes, path: "long.npy")
        XCTAssertEqual(back.shape, shape)
        XCTAssertEqual(back.scalars, [7])
    }

    func testWriteErrorsNameThePath() throws {
        let path = folder + "/missing/t.npy"
        Self.assertError(try NPY.write(Tensor(scalar: 1), to: path), contains: [path, "create the folder first"])
    }

    // MARK: Reading hand-made files

    func testReadsEveryElementType() throws {
        let d = "'fortran_order': False, 'shape': (4,)"
        let cases: [(String, [UInt8], [Float])] = [
            ("<f4", Self.f4([1.5, -2, 0, 3]), [1.5, -2, 0, 3]),
            (">f4", Self.bigEndian([Float(1.5), -2, 0, 3].map(\.bitPattern)), [1.5, -2, 0, 3]),
            ("<f8", Self.littleEndian([1.5, -2, 0.1, 1e300].map(\.bitPattern)), [1.5, -2, Float(0.1), .infinity]),
            (">f8", Self.bigEndian([1.5, -2, 0.1, -1e-300].map(\.bitPattern)), [1.5, -2, Float(0.1), -0.0]),
            ("<f2", Self.littleEndian([Float16(1.5), -2, 0, 65504].map(\.bitPattern)), [1.5, -2, 0, 65504]),
            ("|u1", [0, 1, 128, 255], [0, 1, 128, 255]),
            ("|i1", [0, 1, 128, 255], [0, 1, -128, -1]),
            ("|b1", [0, 1, 1, 0], [0, 1, 1, 0]),
            ("<i2", Self.littleEndian([Int16(-300), 0, 1, .max]), [-300, 0, 1, 32767]),
            (">u2", Self.bigEndian([UInt16(300), 0, 1, .max]), [300, 0, 1, 65535]),
            ("<i4", Self.littleEndian([Int32(-7), 0, 1 << 20, .min]), [-7, 0, 1_048_576, -2_147_483_648]),
            (">i4", Self.bigEndian([Int32(-7), 0, 1 << 20, .min]), [-7, 0, 1_048_576, -2_147_483_648]),
            ("<u4", Self.littleEndian([UInt32(7), 0, 1 << 20, .max]), [7, 0, 1_048_576, 4_294_967_296]),
            ("<i8", Self.littleEndian([Int64(-7), 0, 1 << 40, .min]), [-7, 0, Float(1 << 40), Float(Int64.min)]),
            (">i8", Self.bigEndian([Int64(-7), 0, 1 << 40, .min]), [-7, 0, Float(1 << 40), Float(Int64.min)]),
            ("<u8", Self.littleEndian([UInt64(7), 0, 1 << 40, .max]), [7, 0, Float(1 << 40), Float(UInt64.max)]),
        ]
        for (descr, data, expected) in cases {
            let t = try NPY.decode(Self.npy("{'descr': '\(descr)', \(d), }", data), path: "x.npy")
            XCTAssertEqual(t.shape, [4], descr)
            XCTAssertEqual(t.scalars, expected, descr)
        }
    }

    func testFortranOrderIsReorderedToCOrder() throws {
        // A 2 × 3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
        let m = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Self.f4([0, 3, 1, 4, 2, 5])), path: "f.npy")
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m.scalars, [0, 1, 2, 3, 4, 5])
        // 2 × 3 × 4 with value 100i + 10j + k, stored with i varying fastest.
        var fortran: [Float] = []
        for k in 0..<4 { for j in 0..<3 { for i in 0..<2 { fortran.append(Float(100 * i + 10 * j + k)) } } }
        let t = try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", Self.f4(fortran)), path: "f.npy")
        var c: [Float] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { c.append(Float(100 * i + 10 * j + k)) } } }
        XCTAssertEqual(t.shape, [2, 3, 4])
        XCTAssertEqual(t.scalars, c)
        // Rank 0 and 1, and empty arrays, are the same in both orders.
        XCTAssertEqual(try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", Self.f4([1, 2, 3])), path: "f").scalars, [1, 2, 3])
        XCTAssertEqual(try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (), }", Self.f4([9])), path: "f").scalars, [9])
        XCTAssertEqual(try NPY.decode(Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 3), }"), path: "f").shape, [0, 3])
    }

    func testHeaderVariants() throws {
        let data = Self.f4([1, 2, 3, 4, 5, 6])
        let headers = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",     // NumPy's own
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",       // no trailing comma
            "{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}", // Python 2, other order and quotes
            "{'descr':'<f4','fortran_order':False,'shape':[2,3],'extra':None,}", // a list shape and an unknown key
            "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }",     // native byte order
        ]
        for h in headers {
            for major in [UInt8(1), 2, 3] {
                let t = try NPY.decode(Self.npy(h, data, major: major), path: "v.npy")
                XCTAssertEqual(t.shape, [2, 3], h)
                XCTAssertEqual(t.scalars, [1, 2, 3, 4, 5, 6], h)
            }
        }
        // Unpadded headers (data not aligned) are read too.
        let t = try NPY.decode(Self.npy(headers[0], data, pad: false), path: "u.npy")
        XCTAssertEqual(t.scalars, [1, 2, 3, 4, 5, 6])
    }

    func testReadsAFileWrittenToDisk() throws {
        let path = try write("w.npy", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Self.littleEndian([Double(2.5).bitPattern])))
        let t = try NPY.read(path: path)
        XCTAssertEqual(t.shape, [])
        XCTAssertEqual(t.scalars, [2.5])
    }

    // MARK: Errors

    func testFileSystemErrors() throws {
        let missing = folder + "/nope.npy"
        Self.assertError(try NPY.read(path: missing), contains: [missing, "No such file", "check the file name"])
        Self.assertError(try NPY.read(path: folder), contains: [folder, "is a folder, not an .npy file"])
    }

    func testNotAnNpyFile() throws {
        let cases: [([UInt8], String)] = [
            (Array("hello, world".utf8), "is it an .npy file?"),
            ([], "the file is empty"),
            ([0x93, 0x4E, 0x55], "is it an .npy file?"),
            ([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0], "unzip it"),
            (Array("ebm-model 1\n".utf8), "ebm model file"),
        ]
        for (bytes, hint) in cases {
            let path = try write("bad.npy", bytes)
            Self.assertError(try NPY.read(path: path), contains: ["cannot read \(path) as .npy", "does not start with the NumPy magic string \\x93NUMPY", hint])
        }
    }

    func testVersionAndHeaderLengthErrors() throws {
        let good = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Self.f4([1]))
        var v4 = good
        v4[6] = 4
        Self.assertError(try NPY.decode(v4, path: "v.npy"), contains: ["format version 4.0", "1.0, 2.0 and 3.0 are supported"])
        Self.assertError(try NPY.decode(Array(good.prefix(7)), path: "v.npy"), contains: ["truncated", "version bytes"])
        Self.assertError(try NPY.decode(Array(good.prefix(9)), path: "v.npy"), contains: ["truncated", "header length"])
        Self.assertError(try NPY.decode(Array(good.prefix(100)), path: "v.npy"), contains: ["truncated", "the header should be 118 bytes but only 90 bytes follow"])
    }

    func testUnsupportedTypes() throws {
        for descr in ["<c8", "<U5", "|O", "|f4", "<f16", "<i3", "f", "", "<m8[s]", "|S10", "<u16", "<f+4", "<f04", "<"] {
            let bytes = Self.npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0])
            Self.assertError(try NPY.decode(bytes, path: "d.npy"),
                             contains: ["cannot read d.npy as .npy", "data type '\(descr)' is not supported", "'<f4', '<f8'", "'>f4'", "arr.astype(np.float32)"])
        }
        let structured = Self.npy("{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0])
        Self.assertError(try NPY.decode(structured, path: "s.npy"), contains: ["structured type", "'<f4'"])
    }

    func testTruncatedAndOverlongData() throws {
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        Self.assertError(try NPY.decode(Self.npy(h, Self.f4([1, 2, 3, 4, 5])), path: "t.npy"),
                         contains: ["t.npy", "truncated", "shape (2, 3) of '<f4' needs 24 bytes of data, but only 20 bytes follow the header"])
        Self.assertError(try NPY.decode(Self.npy(h), path: "t.npy"), contains: ["needs 24 bytes of data, but only 0 bytes"])
        Self.assertError(try NPY.decode(Self.npy(h, Self.f4([1, 2, 3, 4, 5, 6, 7])), path: "t.npy"),
                         contains: ["4 bytes after the 24 bytes of data its header declares"])
        // A huge declared shape fails on the missing data, without allocating it.
        Self.assertError(try NPY.decode(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000), }"), path: "h.npy"),
                         contains: ["needs 8000000000000 bytes of data, but only 0 bytes"])
        Self.assertError(try NPY.decode(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"), path: "h.npy"),
                         contains: ["shape (4294967296, 4294967296) holds too many values", "corrupt"])
        Self.assertError(try NPY.decode(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3037000499, 3037000499), }"), path: "h.npy"),
                         contains: ["holds too many values"])
    }

    func testMalformedHeaders() throws {
        let cases: [(String, [String])] = [
            ("", ["does not start with '{'"]),
            ("descr: <f4", ["does not start with '{'"]),
            ("{'descr': '<f4', 'fortran_order': False}", ["no 'shape' entry"]),
            ("{'shape': (1,), 'fortran_order': False}", ["no 'descr'"]),
            ("{'descr': '<f4', 'shape': (1,)}", ["no 'fortran_order' entry"]),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", ["'fortran_order' must be True or False"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", ["'shape' must be a tuple of non-negative whole numbers"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 4}", ["'shape' must be a tuple"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}", ["'shape' must be a tuple"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", ["ends before the closing '}'"]),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", ["expected ',' or '}' at character 18"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", ["expected ',' or ')'"]),
            ("{'descr': '<f4', 'fortran_order': Fals, 'shape': (1,)}", ["unexpected character 'F'"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", ["unexpected text after the dict"]),
            ("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", ["'descr' appears twice"]),
            ("{1: 2}", ["dict keys must be strings"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ["number is too large"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-,)}", ["expected digits after '-'"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': '\u{7}", ["string is not closed"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': " + String(repeating: "(", count: 5000), ["nested too deeply"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': \u{1}}", ["unexpected character '\\x01'"]),
            ("[]", ["does not start with '{'"]),
        ]
        for (dict, parts) in cases {
            Self.assertError(try NPY.decode(Self.npy(dict, Self.f4([1])), path: "m.npy"),
                             contains: ["cannot read m.npy as .npy: the header is malformed"] + parts)
        }
        // The position of the problem is given.
        Self.assertError(try NPY.decode(Self.npy("{'descr' '<f4'}"), path: "m.npy"), contains: ["expected ':' at character 10 of the header", "such as {'descr': '<f4'"])
    }

    // MARK: Files from NumPy itself

    func testReadsFilesWrittenByNumPy() throws {
        // Each array is saved as NAME.npy, and as NAME.expected: its C-order float32 bytes and shape.
        let script = """
        import sys, numpy as np
        d = sys.argv[1]
        a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1
        cases = {
            'f8_3d': a,
            'f4_2d': np.array([[1.5, -0.0, np.inf], [np.nan, 1e-45, -3e38]], dtype=np.float32),
            'f4_fortran': np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
            'f8_fortran_3d': np.asfortranarray(a),
            'u1': np.array([[0, 1, 2], [127, 128, 255]], dtype=np.uint8),
            'b1': np.array([True, False, True]),
            'i4': np.array([-5, 0, 7, 2**31 - 1], dtype=np.int32),
            'i8': np.array([[-5, 0], [7, 2**40]], dtype=np.int64),
            'be_f4': np.array([1.5, -2.25, 3], dtype='>f4'),
            'be_f8': np.array([1.5, -2.25, 0.1], dtype='>f8'),
            'f2': np.array([0.5, -1, 65504], dtype=np.float16),
            'scalar': np.array(3.25),
            'scalar_f4': np.float32(-1.5),
            'empty': np.zeros((0, 5), dtype=np.float32),
            'one_d': np.array([1, 2, 3, 4, 5], dtype=np.float32),
        }
        for name, x in cases.items():
            np.save(f'{d}/{name}.npy', x)
            x = np.asarray(x)
            with open(f'{d}/{name}.expected', 'wb') as f:
                f.write((' '.join(map(str, x.shape)) + '\\n').encode())
                f.write(np.ascontiguousarray(x, dtype='<f4').tobytes())
        print(len(cases))
        """
        guard let r = try Self.python(script, [folder]) else { throw XCTSkip("python3 with numpy is not installed") }
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output, "15\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".npy") }.sorted()
        XCTAssertEqual(names.count, 15)
        for name in names {
            let base = String(name.dropLast(4))
            let expected = try Self.contents(folder + "/" + base + ".expected")
            let newline = expected.firstIndex(of: 0x0A)!
            let shape = String(decoding: expected[..<newline], as: UTF8.self).split(separator: " ").map { Int($0)! }
            let values = stride(from: newline + 1, to: expected.count, by: 4).map { k in
                Float(bitPattern: UInt32(expected[k]) | UInt32(expected[k + 1]) << 8 | UInt32(expected[k + 2]) << 16 | UInt32(expected[k + 3]) << 24)
            }
            let t = try NPY.read(path: folder + "/" + name)
            XCTAssertEqual(t.shape, shape, base)
            XCTAssertEqual(t.scalars.map(\.bitPattern), values.map(\.bitPattern), base)
        }
    }

    func testNumPyReadsOurFilesAndWritesTheSameBytes() throws {
        let tensors: [String: Tensor] = [
            "m": Tensor(shape: [3, 6], scalars: Self.specialValues),
            "v": Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]),
            "s": Tensor(scalar: -0.0),
            "c": Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) / 3 }),
            "e": Tensor(shape: [0, 7], scalars: []),
            "w": Tensor(shape: [500, 784], repeating: 0.25),
        ]
        for (name, t) in tensors { try NPY.write(t, to: folder + "/\(name).npy") }
        let script = """
        import sys, io, glob, numpy as np
        for path in sorted(glob.glob(sys.argv[1] + '/*.npy')):
            x = np.load(path)
            assert x.dtype == np.float32 and x.flags.c_contiguous, path
            b = io.BytesIO()
            np.save(b, x)
            same = b.getvalue() == open(path, 'rb').read()
            print(path.rsplit('/', 1)[1], x.shape, same)
        """
        guard let r = try Self.python(script, [folder]) else { throw XCTSkip("python3 with numpy is not installed") }
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output, """
        c.npy (2, 3, 4) True
        e.npy (0, 7) True
        m.npy (3, 6) True
        s.npy () True
        v.npy (5,) True
        w.npy (500, 784) True

        """)
    }

    // MARK: Hostile input

    func testFuzzedInputNeverCrashes() throws {
        var g = Xoshiro256StarStar(seed: 2024)
        let valid = NPY.encode(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let fortran = Self.npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }", [UInt8](repeating: 0x3F, count: 32))
        var outcomes = (ok: 0, failed: 0)
        func attempt(_ bytes: [UInt8]) {
            do {
                let t = try NPY.decode(bytes, path: "fuzz.npy")
                XCTAssertEqual(t.count, t.shape.reduce(1, *))
                outcomes.ok += 1
            } catch is FileError {
                outcomes.failed += 1
            } catch {
                XCTFail("not a FileError: \(error)")
            }
        }
        for _ in 0..<3000 {
            // Random bytes, sometimes behind a valid magic string and version.
            let n = Int.random(in: 0...200, using: &g)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            if Bool.random(using: &g) { bytes = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, UInt8.random(in: 1...3, using: &g), 0] + bytes }
            attempt(bytes)

            // A valid file with a few bytes changed, truncated or extended.
            var m = Bool.random(using: &g) ? valid : fortran
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                let i = Int.random(in: 0..<m.count, using: &g)
                m[i] = Bool.random(using: &g) ? UInt8.random(in: 0...255, using: &g)
                                               : Array("(),:'\"{}[]-0123456789 TrueFalse<>|fiub".utf8).randomElement(using: &g)!
            }
            switch Int.random(in: 0..<3, using: &g) {
            case 0: m = Array(m.prefix(Int.random(in: 0...m.count, using: &g)))
            case 1: m += (0..<Int.random(in: 1...9, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            default: break
            }
            attempt(m)
        }
        XCTAssertGreaterThan(outcomes.ok, 0)
        XCTAssertGreaterThan(outcomes.failed, 0)
    }
}
