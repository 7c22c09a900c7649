import EBM
import EBMIO
import Foundation
import XCTest

final class ModelFileTests: TemporaryFolderTestCase {

    /// 2 hidden × 3 visible units with easily recognised values.
    static let small = RestrictedBoltzmannMachine(W: [0.5, -1, 2, 0, 1, -0.25], b: [1, -1], c: [0.5, 0, -2])

    static func header(visible: String = "3", hidden: String = "2", image: String? = nil, kind: String = "rbm",
                       w: String = "data W float32-le 2x3", b: String = "data b float32-le 2",
                       c: String = "data c float32-le 3", end: String = "end") -> String {
        ["ebm-model 1", "kind \(kind)", "visible \(visible)", "hidden \(hidden)"].joined(separator: "\n") + "\n"
            + (image.map { $0 + "\n" } ?? "") + [w, b, c, end].joined(separator: "\n") + "\n"
    }

    /// The 11 parameters of `small`, as the file stores them.
    static let smallData = NPYTests.f4([0.5, -1, 2, 0, 1, -0.25, 1, -1, 0.5, 0, -2])

    static func assertError(_ body: @autoclosure () throws -> Any, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        NPYTests.assertError(try body(), contains: parts, file: file, line: line)
    }

    func decode(_ text: String, _ data: [UInt8] = smallData) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        try Self.rbm(ModelFile.decode(Array(text.utf8) + data, path: "m.ebm"))
    }

    /// The RBM in decoded contents (every file these tests decode holds one).
    static func rbm(_ contents: ModelFile.Contents) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        guard case .rbm(let m, let shape) = contents.model else { throw FileError(path: "", message: "not an RBM: \(contents.model.kind)") }
        return (m, shape)
    }

    // MARK: Round trips

    func testFileIsByteExact() throws {
        let path = folder + "/small.ebm"
        try ModelFile.write(Self.small, imageShape: (1, 3), to: path)
        let expected = Array("ebm-model 2\nkind rbm\nvisible 3\nhidden 2\nimage 1 3\ndata W float32-le 2x3\ndata b float32-le 2\ndata c float32-le 3\nend\n".utf8)
            + [0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x80, 0xBF, 0x00, 0x00, 0x00, 0x40,    // W row 0: 0.5, -1, 2
               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x80, 0xBE,    // W row 1: 0, 1, -0.25
               0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x80, 0xBF,                            // b: 1, -1
               0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0]    // c: 0.5, 0, -2
        XCTAssertEqual(try NPYTests.contents(path), expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["small.ebm"])   // no temporary file

        try ModelFile.write(Self.small, imageShape: nil, to: path)
        XCTAssertEqual(try NPYTests.contents(path), Array(Self.header().replacingOccurrences(of: "ebm-model 1", with: "ebm-model 2").utf8) + Self.smallData)
    }

    func testRoundTripIsExact() throws {
        let special = NPYTests.specialValues
        var rbm = RestrictedBoltzmannMachine(visible: 12, hidden: 5, seed: 7, initScale: 0.1)
        for k in 0..<rbm.W.count where k % 3 == 0 { rbm.W[k] = special[k % special.count] }
        rbm.b = (0..<5).map { special[($0 * 5 + 1) % special.count] }
        rbm.c = (0..<12).map { special[($0 + 4) % special.count] }
        let path = folder + "/model.ebm"
        for shape in [nil, (height: 3, width: 4), (height: 12, width: 1)] as [(height: Int, width: Int)?] {
            try ModelFile.write(rbm, imageShape: shape, to: path)
            let (back, backShape) = try ModelFile.readRBM(path: path)
            XCTAssertEqual(back.visible, 12)
            XCTAssertEqual(back.hidden, 5)
            XCTAssertEqual(back.W.map(\.bitPattern), rbm.W.map(\.bitPattern))
            XCTAssertEqual(back.b.map(\.bitPattern), rbm.b.map(\.bitPattern))
            XCTAssertEqual(back.c.map(\.bitPattern), rbm.c.map(\.bitPattern))
            XCTAssertEqual(backShape?.height, shape?.height)
            XCTAssertEqual(backShape?.width, shape?.width)
        }
        // A model of MNIST's size.
        let big = RestrictedBoltzmannMachine(visible: 784, hidden: 500, seed: 1)
        try ModelFile.write(big, imageShape: (28, 28), to: path)
        let (back, shape) = try ModelFile.readRBM(path: path)
        XCTAssertEqual(back, big)
        XCTAssertEqual(shape?.height, 28)
        XCTAssertEqual(try NPYTests.contents(path).count, 130 + 4 * big.parameterCount)
    }

    func testTimesSignInDataLinesIsAccepted() throws {
        let m = try decode(Self.header(w: "data W float32-le 2×3"))
        XCTAssertEqual(m.rbm, Self.small)
    }

    // MARK: Errors

    func testWriteErrors() throws {
        let path = folder + "/x.ebm"
        Self.assertError(try ModelFile.write(Self.small, imageShape: (2, 2), to: path),
                         contains: [path, "image shape 2×2 does not fit the model's 3 visible units"])
        Self.assertError(try ModelFile.write(Self.small, imageShape: (-1, -3), to: path), contains: ["image shape -1×-3"])
        Self.assertError(try ModelFile.write(Self.small, imageShape: (Int.max, 3), to: path), contains: ["does not fit"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let missing = folder + "/no/x.ebm"
        Self.assertError(try ModelFile.write(Self.small, imageShape: nil, to: missing), contains: [missing, "create the folder first"])
    }

    func testFileSystemErrors() throws {
        let missing = folder + "/nope.ebm"
        Self.assertError(try ModelFile.read(path: missing), contains: [missing, "No such file"])
        Self.assertError(try ModelFile.read(path: folder), contains: ["is a folder, not an ebm model file"])
        // A file of another kind, where an RBM is required.
        let path = folder + "/g.ebm"
        try ModelFile.write(ModelFile.Contents(model: .doubleWell(DoubleWellEnergy(barrier: 1))), to: path)
        Self.assertError(try ModelFile.readRBM(path: path), contains: ["cannot read \(path) as an RBM: it holds a model of kind `double-well`"])
    }

    func testNotAModelFile() throws {
        let npy = NPY.encode(Tensor(shape: [2], scalars: [1, 2]))
        let cases: [([UInt8], String)] = [
            (Array("hello\n".utf8), "not an ebm model file"),
            ([], "the file is empty"),
            (npy, "NumPy .npy file: read the parameters with import_npy"),
            (Array("ebm-mode 1\n".utf8), "does not start with the line `ebm-model 2`"),
        ]
        for (bytes, part) in cases {
            let path = try write("bad.ebm", bytes)
            Self.assertError(try ModelFile.read(path: path), contains: ["cannot read \(path) as an ebm model", part])
        }
    }

    func testHeaderLineErrorsNameTheLine() throws {
        let cases: [(String, [String])] = [
            (Self.header().replacingOccurrences(of: "ebm-model 1", with: "ebm-model 3"), ["line 1: the file is format version 3, this ebm reads versions 1 and 2", "update ebm"]),
            (Self.header().replacingOccurrences(of: "ebm-model 1", with: "ebm-model x"), ["line 1: the file is format version x"]),
            (Self.header().replacingOccurrences(of: "ebm-model 1", with: "ebm-model 1 extra"), ["line 1: expected `ebm-model 2`, found `ebm-model 1 extra`"]),
            (Self.header(kind: "dbn"), ["line 2: the model kind `dbn` is unknown", "`kind rbm`"]),
            (Self.header().replacingOccurrences(of: "kind rbm", with: "type rbm"), ["line 2: expected `kind rbm`, found `type rbm`"]),
            (Self.header(visible: "abc"), ["line 3: the number of visible units must be a whole number from 1 to 999999999, found `abc`"]),
            (Self.header(visible: "0"), ["line 3: the number of visible units must be a whole number", "found `0`"]),
            (Self.header(visible: "-3"), ["line 3:", "found `-3`"]),
            (Self.header(visible: "+3"), ["line 3:", "found `+3`"]),
            (Self.header(visible: "3.0"), ["line 3:", "found `3.0`"]),
            (Self.header(visible: "1e3"), ["line 3:", "found `1e3`"]),
            (Self.header(visible: "99999999999999999999999"), ["line 3:", "from 1 to 999999999"]),
            (Self.header(visible: "3 4"), ["line 3: expected `visible D` (the number of visible units), found `visible 3 4`"]),
            (Self.header(hidden: ""), ["line 4: expected `hidden H` (the number of hidden units), found `hidden`"]),
            (Self.header(hidden: "two"), ["line 4: the number of hidden units must be a whole number", "`two`"]),
            (Self.header().replacingOccurrences(of: "hidden 2\n", with: ""), ["line 4: expected `hidden H` (the number of hidden units), found `data W float32-le 2x3`"]),
            (Self.header(image: "image 2 2"), ["line 5: the image shape 2×2 has 4 pixels, but the model has 3 visible units"]),
            (Self.header(image: "image 3"), ["line 5: expected `image HEIGHT WIDTH`, found `image 3`"]),
            (Self.header(image: "image 0 3"), ["line 5: the image height must be a whole number", "`0`"]),
            (Self.header(image: "image 1 x"), ["line 5: the image width must be a whole number", "`x`"]),
            (Self.header(image: "picture 1 3"), ["line 5: expected `data W float32-le 2x3`, found `picture 1 3`"]),
            (Self.header(w: "data W float32-le 3x2"), ["line 5: W is declared as 3x2, but a model with 2 hidden and 3 visible units needs 2x3 (hidden × visible)"]),
            (Self.header(w: "data W float32-le 6"), ["line 5: W is declared as 6", "needs 2x3"]),
            (Self.header(w: "data W float32-le 2x3x1"), ["line 5: W is declared as 2x3x1"]),
            (Self.header(w: "data W float32-le 2x"), ["line 5: each size of W must be a whole number", "found ``"]),
            (Self.header(w: "data W float64-le 2x3"), ["line 5: the element type `float64-le` of W is not supported", "`float32-le`"]),
            (Self.header(w: "data b float32-le 2"), ["line 5: expected `data W float32-le 2x3`, found `data b float32-le 2`"]),
            (Self.header(b: "data b float32-le 3"), ["line 6: b is declared as 3", "needs 2 (hidden)"]),
            (Self.header(c: "data c float32-le 2"), ["line 7: c is declared as 2", "needs 3 (visible)"]),
            (Self.header(c: "data c float32-le"), ["line 7: expected `data c float32-le 3`, found `data c float32-le`"]),
            (Self.header(image: "image 1 3", c: "data x float32-le 3"), ["line 8: expected `data c float32-le 3`"]),
            (Self.header(end: "fin"), ["line 8: expected `end` after the data lines, found `fin`"]),
            (Self.header(image: "image 3 1", end: "end end"), ["line 9: expected `end`"]),
        ]
        for (text, parts) in cases {
            Self.assertError(try decode(text), contains: ["cannot read m.ebm as an ebm model: "] + parts)
        }
    }

    func testDamagedHeaders() throws {
        let text = Self.header()
        // The file ends inside the header, at several points.
        Self.assertError(try decode(String(text.prefix(30)), []), contains: ["line 3: the file ends inside the header", "expected `visible D`"])
        Self.assertError(try decode(String(text.prefix(31)), []), contains: ["line 4: the file ends before the header is complete", "expected `hidden H`"])
        Self.assertError(try decode(String(text.prefix(text.count - 4)), []), contains: ["line 8: the file ends before the header is complete", "expected `end`"])
        Self.assertError(try decode("ebm-model 1\nkind rbm\n", []), contains: ["line 3: the file ends before the header is complete", "expected `visible D`"])
        Self.assertError(try decode("ebm-model 1", []), contains: ["line 1: the file ends inside the header"])
        // Windows line endings.
        Self.assertError(try decode(text.replacingOccurrences(of: "\n", with: "\r\n")), contains: ["line 1: the line ends in \\r\\n", "binary mode"])
        // A line that never ends, and binary bytes.
        Self.assertError(try decode("ebm-model 1\nkind " + String(repeating: "r", count: 5000)), contains: ["line 2: the header line is longer than 200 bytes"])
        Self.assertError(try ModelFile.decode(Array("ebm-model 1\nkind rbm\nvisible 3\n".utf8) + [0, 0, 0x80, 0x3F, 0x0A], path: "m.ebm"),
                         contains: ["line 4: the header line contains control or binary bytes"])
    }

    func testTruncatedAndTrailingData() throws {
        let text = Self.header()
        Self.assertError(try decode(text, Array(Self.smallData.dropLast(4))),
                         contains: ["m.ebm", "truncated: the header declares 11 float32 values (44 bytes) but only 40 bytes follow it"])
        Self.assertError(try decode(text, []), contains: ["(44 bytes) but only 0 bytes follow it"])
        Self.assertError(try decode(text, Self.smallData + [0, 0, 0, 0]), contains: ["4 unexpected bytes after the 44 bytes of data"])
        Self.assertError(try decode(text + "\n", Self.smallData), contains: ["1 unexpected bytes"])
        // A header declaring an enormous model fails on the missing data, without allocating it.
        let huge = Self.header(visible: "999999999", hidden: "999999999", w: "data W float32-le 999999999x999999999",
                               b: "data b float32-le 999999999", c: "data c float32-le 999999999")
        Self.assertError(try decode(huge, []), contains: ["truncated", "999999999999999999 float32 values (3999999999999999996 bytes)"])
    }

    func testFuzzedInputNeverCrashes() throws {
        var g = Xoshiro256StarStar(seed: 99)
        let valid = try ModelFile.encode(Self.small, imageShape: (1, 3), path: "m.ebm")
        let alphabet = Array("0123456789 x×\n\r-+abcdefghijklmnopqrstuvwxyzWDHend".utf8)
        var outcomes = (ok: 0, failed: 0)
        for round in 0..<4000 {
            var m: [UInt8]
            if round % 4 == 0 {
                m = Array("ebm-model ".utf8) + (0..<Int.random(in: 0...150, using: &g)).map { _ in
                    Bool.random(using: &g) ? alphabet.randomElement(using: &g)! : UInt8.random(in: 0...255, using: &g)
                }
            } else {
                m = valid
                for _ in 0..<Int.random(in: 1...3, using: &g) {
                    let i = Int.random(in: 0..<m.count, using: &g)
                    m[i] = Bool.random(using: &g) ? alphabet.randomElement(using: &g)! : UInt8.random(in: 0...255, using: &g)
                }
                if Int.random(in: 0..<3, using: &g) == 0 { m = Array(m.prefix(Int.random(in: 0...m.count, using: &g))) }
            }
            do {
                let (rbm, shape) = try Self.rbm(ModelFile.decode(m, path: "fuzz.ebm"))
                XCTAssertEqual(rbm.W.count, rbm.visible * rbm.hidden)
                if let shape { XCTAssertEqual(shape.height * shape.width, rbm.visible) }
                outcomes.ok += 1
            } catch is FileError {
                outcomes.failed += 1
            } catch {
                XCTFail("not a FileError: \(error)")
            }
        }
        XCTAssertGreaterThan(outcomes.ok, 0)
        XCTAssertGreaterThan(outcomes.failed, 0)
    }

    // The Python of docs/model-format.md is run by ModelFilePythonTests.
}
