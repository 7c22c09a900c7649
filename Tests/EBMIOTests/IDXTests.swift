import CZlib
import Foundation
import XCTest
import EBM
import EBMIO

final class IDXTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "idx-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: Writing test files

    /// The bytes of an unsigned-byte IDX file with the given sizes.
    static func idx(_ sizes: [Int], _ data: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(sizes.count)]
        for s in sizes { bytes += [UInt8(s >> 24 & 255), UInt8(s >> 16 & 255), UInt8(s >> 8 & 255), UInt8(s & 255)] }
        return bytes + data
    }

    func write(_ name: String, _ bytes: [UInt8], gzip: Bool = false) throws -> String {
        let path = folder + "/" + name
        if gzip {
            guard let f = gzopen(path, "wb") else { throw FileError(path: path, message: "gzopen failed") }
            let written = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
            XCTAssertEqual(Int(written), bytes.count)
            XCTAssertEqual(gzclose(f), Z_OK)
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Three 2 × 3 images with pixel values 0, 51, …, and labels 7, 0, 9.
    static let pixels: [UInt8] = (0..<18).map { UInt8($0 * 15) }
    static let images = idx([3, 2, 3], pixels)
    static let labels = idx([3], [7, 0, 9])

    func assertError(_ body: @autoclosure () throws -> Any, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? FileError else { return XCTFail("not a FileError: \(error)", file: file, line: line) }
            for p in parts { XCTAssertTrue(e.message.contains(p), "“\(e.message)” lacks “\(p)”", file: file, line: line) }
        }
    }

    // MARK: Reading

    func testReadsImagesAndLabelsPlainAndGzipped() throws {
        for gz in [false, true] {
            let ext = gz ? ".gz" : ""
            let images = try write("imgs-idx3-ubyte" + ext, Self.images, gzip: gz)
            let labels = try write("labels-idx1-ubyte" + ext, Self.labels, gzip: gz)
            let d = try IDX.readImages(path: images, labels: labels)
            XCTAssertEqual(d.examples.shape, [3, 6])
            XCTAssertEqual(d.examples.scalars, Self.pixels.map { Float($0) / 255 })
            XCTAssertEqual(d.imageShape?.height, 2)
            XCTAssertEqual(d.imageShape?.width, 3)
            XCTAssertEqual(d.labels, [7, 0, 9])
            XCTAssertEqual(d.name, "imgs-idx3-ubyte")
            XCTAssertEqual(try IDX.readLabels(path: labels), [7, 0, 9])
        }
    }

    func testBinarizeLimitAndName() throws {
        let path = try write("x.idx", Self.images)
        let d = try IDX.readImages(path: path, binarizeThreshold: 0.5, limit: 2, name: "tiny")
        XCTAssertEqual(d.examples.shape, [2, 6])
        XCTAssertEqual(d.examples.scalars, Self.pixels.prefix(12).map { Float($0) / 255 > 0.5 ? 1 : 0 })
        XCTAssertEqual(d.name, "tiny")
        XCTAssertEqual(try IDX.readImages(path: path, limit: 10).count, 3)
        XCTAssertEqual(try IDX.readImages(path: path).name, "x")
        let labels = try write("l.idx", Self.labels)
        XCTAssertEqual(try IDX.readLabels(path: labels, limit: 2), [7, 0])
        XCTAssertEqual(try IDX.readImages(path: path, labels: labels, limit: 1).labels, [7])
    }

    func testRankTwoFilesHaveNoImageShape() throws {
        let path = try write("m.idx", Self.idx([2, 4], [0, 255, 0, 255, 255, 0, 255, 0]))
        let d = try IDX.readImages(path: path)
        XCTAssertEqual(d.examples.shape, [2, 4])
        XCTAssertNil(d.imageShape)
        XCTAssertEqual(d.examples.scalars, [0, 1, 0, 1, 1, 0, 1, 0])
    }

    // MARK: Defects

    func testBadMagicNumbers() throws {
        let png = try write("a.png", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0])
        assertError(try IDX.readImages(path: png), contains: [png, "0x89504e47", "not an IDX magic number", "0x00000803"])
        let floats = try write("f.idx", Self.idx([1, 1], [0, 0, 0, 0], type: 0x0D))
        assertError(try IDX.readImages(path: floats), contains: ["data type 0x0d", "only unsigned bytes"])
        let labels = try write("l.idx", Self.labels)
        assertError(try IDX.readImages(path: labels), contains: ["rank-1", "labels"])
        let images = try write("i.idx", Self.images)
        assertError(try IDX.readLabels(path: images), contains: ["rank-3", "0x00000801"])
        let empty = try write("e.idx", [])
        assertError(try IDX.readImages(path: empty), contains: ["truncated", "0 of the 4 bytes of the IDX magic number"])
    }

    func testTruncatedFiles() throws {
        for gz in [false, true] {
            let short = try write("short\(gz).idx", Array(Self.images.dropLast(5)), gzip: gz)
            assertError(try IDX.readImages(path: short), contains: [short, "truncated", "13 of the 18 bytes"])
            let header = try write("header\(gz).idx", Array(Self.images.prefix(9)), gzip: gz)
            assertError(try IDX.readImages(path: header), contains: ["truncated", "sizes of the IDX header"])
            // Reading only the first example of the short file works.
            XCTAssertEqual(try IDX.readImages(path: short, limit: 2).count, 2)
        }
    }

    func testTruncatedAndCorruptGzipStreams() throws {
        let full = try write("full.gz", Self.images + [UInt8](repeating: 7, count: 4000), gzip: true)
        let bytes = try readBytes(full)
        let cut = try write("cut.gz", Array(bytes.prefix(bytes.count / 2)))
        assertError(try IDX.readImages(path: cut), contains: ["\(cut): zlib says \"unexpected end of file\" (the gzip stream is truncated)"])
        var damaged = bytes
        for k in 12..<(bytes.count - 8) { damaged[k] ^= 0x5A }
        let corrupt = try write("corrupt.gz", damaged)
        assertError(try IDX.readImages(path: corrupt), contains: [corrupt, "zlib says"])
    }

    func testTrailingBytesAndMismatchedLabels() throws {
        let long = try write("long.idx", Self.images + [1, 2])
        assertError(try IDX.readImages(path: long), contains: ["more data than the 3 examples", "header corrupt"])
        let images = try write("i.idx", Self.images)
        let fewLabels = try write("l.idx", Self.idx([2], [1, 2]))
        assertError(try IDX.readImages(path: images, labels: fewLabels), contains: ["2 labels for 3 examples"])
        let huge = try write("huge.idx", Self.idx([1, 4096, 4096], [1, 2, 3]))
        assertError(try IDX.readImages(path: huge), contains: ["truncated"])
        let absurd = try write("absurd.idx", Self.idx([1, 65536, 65536, 65536], []))
        assertError(try IDX.readImages(path: absurd), contains: ["more than 2³¹"])
    }

    func testMissingFilesAndFolders() {
        assertError(try IDX.readImages(path: folder + "/nope.gz"), contains: ["nope.gz", "No such file"])
        assertError(try IDX.readImages(path: folder), contains: ["folder"])
    }

    // MARK: Fashion-MNIST

    static let fashion = "/usr/share/datasets/fashion-mnist/"

    func testFashionMNIST() throws {
        let images = Self.fashion + "t10k-images-idx3-ubyte.gz", labels = Self.fashion + "t10k-labels-idx1-ubyte.gz"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: images), "Fashion-MNIST is not installed")
        let d = try IDX.readImages(path: images, labels: labels)
        XCTAssertEqual(d.examples.shape, [10_000, 784])
        XCTAssertEqual(d.imageShape?.height, 28)
        XCTAssertEqual(d.imageShape?.width, 28)
        XCTAssertEqual(d.labels?.count, 10_000)
        XCTAssertEqual(Set(d.labels ?? []), Set(0..<10))
        XCTAssertEqual(d.labels?.first, 9)   // the first test image is an ankle boot
        XCTAssertEqual(d.examples.min, 0)
        XCTAssertEqual(d.examples.max, 1)
        let train = try IDX.readImages(path: Self.fashion + "train-images-idx3-ubyte.gz",
                                       labels: Self.fashion + "train-labels-idx1-ubyte.gz", binarizeThreshold: 0.5, limit: 100)
        XCTAssertEqual(train.examples.shape, [100, 784])
        XCTAssertTrue(train.examples.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(train.labels?.count, 100)
    }

    // MARK: Benchmark (opt-in)

    /// One CD-1 epoch on Fashion-MNIST train (60,000 × 784, binarized at 0.5), 500 hidden units,
    /// batch 100: seconds per epoch. Runs only with EBM_BENCHMARK=1; time it in a release build
    /// with OPENBLAS_CORETYPE=SkylakeX:
    ///
    ///     EBM_BENCHMARK=1 OPENBLAS_CORETYPE=SkylakeX swift test -c release -Xswiftc -enable-testing --filter IDXTests.testBenchmark
    ///
    /// (`-enable-testing` because other test files use `@testable import`.)
    func testBenchmarkCD1EpochOnFashionMNIST() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["EBM_BENCHMARK"] == "1", "set EBM_BENCHMARK=1 to run")
        let path = Self.fashion + "train-images-idx3-ubyte.gz"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "Fashion-MNIST is not installed")
        let clock = ContinuousClock()
        let t0 = clock.now
        let data = try IDX.readImages(path: path, binarizeThreshold: 0.5)
        print("benchmark: read and binarized \(data.count) × \(data.dimension) in \(clock.now - t0); BLAS core \(BLAS.coreName)")
        var rbm = RestrictedBoltzmannMachine(visible: 784, hidden: 500, seed: 1)
        var options = RBMTrainingOptions()
        options.sampler = ContrastiveDivergence(k: 1)
        options.learningRate = 0.1
        options.batchSize = 100
        options.epochs = 1
        var trainer = RBMTrainer(options: options)
        for _ in 0..<3 {
            XCTAssertEqual(trainer.train(&rbm, on: data.examples), .completed(step: trainer.epochsCompleted))
            let h = trainer.history
            print(String(format: "benchmark: CD-1 epoch %d: %.3f s (reconstruction error %.4f, PLL %.1f)",
                         h.lastStep, try XCTUnwrap(h.values("seconds").last ?? nil), try XCTUnwrap(h.values("recon").last ?? nil),
                         try XCTUnwrap(h.values("pll").last ?? nil)))
        }
    }
}
