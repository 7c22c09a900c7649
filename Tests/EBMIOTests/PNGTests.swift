import EBM
import EBMIO
import Foundation
import XCTest

final class PNGTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ebm-png-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func greyRamp() -> Image {
        Image(width: 16, height: 16, channels: 1, pixels: (0..<256).map { UInt8($0) })
    }

    private func colourful() -> Image {
        // Odd size so no row is a multiple of 4 bytes; every byte distinct from its neighbours.
        let pixels = (0..<(7 * 5 * 3)).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        return Image(width: 7, height: 5, channels: 3, pixels: pixels)
    }

    // MARK: Round trips through libpng

    func testGreyRoundTripIsByteExact() throws {
        let path = folder + "/grey.png"
        try PNG.write(greyRamp(), to: path)
        XCTAssertEqual(try PNG.read(path: path), greyRamp())
    }

    func testRGBRoundTripIsByteExact() throws {
        let path = folder + "/rgb.png"
        try PNG.write(colourful(), to: path)
        XCTAssertEqual(try PNG.read(path: path), colourful())
    }

    func testOverwriteReplacesImage() throws {
        let path = folder + "/x.png"
        try PNG.write(greyRamp(), to: path)
        try PNG.write(colourful(), to: path)
        XCTAssertEqual(try PNG.read(path: path), colourful())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["x.png"])
    }

    func testWrittenFileHasPNGSignatureAndHeader() throws {
        let path = folder + "/header.png"
        try PNG.write(colourful(), to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(bytes[12..<16]), Array("IHDR".utf8))
        func be32(_ i: Int) -> Int { bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(16), 7)      // width
        XCTAssertEqual(be32(20), 5)      // height
        XCTAssertEqual(bytes[24], 8)     // bit depth
        XCTAssertEqual(bytes[25], 2)     // colour type 2 = RGB
        XCTAssertEqual(Array(bytes.suffix(8).prefix(4)), Array("IEND".utf8))
    }

    func testWriteCreatesMissingFolders() throws {
        let path = folder + "/images/deep/er/x.png"
        try PNG.write(greyRamp(), to: path)
        XCTAssertEqual(try PNG.read(path: path), greyRamp())
    }

    // MARK: Errors

    func testFolderThatCannotBeCreatedGivesFileErrorNamingPath() throws {
        let blocker = folder + "/blocker"
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let path = blocker + "/sub/x.png"
        XCTAssertThrowsError(try PNG.write(greyRamp(), to: path)) { error in
            guard let error = error as? FileError else { return XCTFail("not a FileError: \(error)") }
            XCTAssertEqual(error.path, path)
            XCTAssertTrue(error.message.contains(path), error.message)
            XCTAssertTrue(error.message.contains(blocker), error.message)
            XCTAssertEqual(error.description, error.message)
        }
    }

    func testEmptyImageCannotBeWritten() {
        let path = folder + "/empty.png"
        XCTAssertThrowsError(try PNG.write(Image(width: 0, height: 0, pixels: []), to: path)) { error in
            XCTAssertTrue((error as? FileError)?.message.contains(path) ?? false, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testReadingMissingFileNamesPath() {
        let path = folder + "/missing.png"
        XCTAssertThrowsError(try PNG.read(path: path)) { error in
            let message = (error as? FileError)?.message ?? ""
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("No such file"), message)
        }
    }

    func testReadingNonPNGSaysSo() throws {
        let path = folder + "/text.png"
        try Data("hello, not a picture\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNG.read(path: path)) { error in
            let message = (error as? FileError)?.message ?? ""
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("PNG signature"), message)
        }
    }

    func testReadingFolderSaysSo() {
        XCTAssertThrowsError(try PNG.read(path: folder)) { error in
            XCTAssertEqual((error as? FileError)?.message, "cannot read \(folder): it is a folder, not a PNG file")
        }
    }

    /// A cut-off file gets past the signature check; libpng must then fail cleanly, not crash.
    func testReadingTruncatedPNGThrows() throws {
        let path = folder + "/cut.png"
        try PNG.write(greyRamp(), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PNG.read(path: path)) { error in
            let message = (error as? FileError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("cannot read \(path) as PNG: "), message)
        }
    }

    // MARK: Independent implementations

    /// A PNG assembled by hand (stored deflate blocks, our own CRC and Adler) is read correctly:
    /// the reader agrees with the format, not just with the writer.
    func testReadsHandBuiltPNG() throws {
        let width = 3, height = 2
        let rows: [[UInt8]] = [[0, 100, 255], [7, 8, 9]]
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }          // filter type 0 (None) per row
        var zlib: [UInt8] = [0x78, 0x01, 0x01]        // header; final stored block
        let n = UInt16(raw.count)
        zlib += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + raw
        zlib += bigEndian(adler32(raw))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 0, 0, 0, 0])
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        let path = folder + "/hand.png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try PNG.read(path: path), Image(width: 3, height: 2, pixels: rows[0] + rows[1]))
    }

    /// Python's zlib decodes what we wrote (filters undone by hand): an independent reader.
    func testPythonDecodesWrittenPNG() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
        else { throw XCTSkip("python3 not installed") }
        let path = folder + "/py.png"
        try PNG.write(colourful(), to: path)
        let script = """
        import sys, zlib, struct
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        pos, idat = 8, b''
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos+8])
            body = data[pos+8:pos+8+n]
            assert struct.unpack('>I', data[pos+8+n:pos+12+n])[0] == zlib.crc32(kind + body) & 0xffffffff
            if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if kind == b'IDAT': idat += body
            pos += 12 + n
        bpp = {0: 1, 2: 3}[ctype]; stride = w * bpp
        raw = zlib.decompress(idat); out = []; prev = [0] * stride
        for y in range(h):
            f = raw[y * (stride + 1)]; line = list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                if f == 1: line[i] = (line[i] + a) & 255
                elif f == 2: line[i] = (line[i] + b) & 255
                elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            out += line; prev = line
        print(w, h, ctype, ' '.join(map(str, out)))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let expected = "7 5 2 " + colourful().pixels.map(String.init).joined(separator: " ") + "\n"
        XCTAssertEqual(String(decoding: output, as: UTF8.self), expected)
    }

    // MARK: Helpers for the hand-built file

    private func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    private func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    private func chunk(_ kind: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(kind.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }
}
