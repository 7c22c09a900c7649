import EBMIO
import Foundation
import XCTest

final class AtomicFileTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ebm-atomic-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testWriteReplacesContentAndLeavesNoTemporaryFile() throws {
        let path = folder + "/data.bin"
        try AtomicFile.write([1, 2, 3, 4, 5], to: path)
        XCTAssertEqual(try contents(path), [1, 2, 3, 4, 5])
        try AtomicFile.write([9], to: path)                 // shorter: no leftover tail
        XCTAssertEqual(try contents(path), [9])
        XCTAssertEqual(try listing(), ["data.bin"])
    }

    func testTextIsWrittenAsUTF8() throws {
        let path = folder + "/notes.txt"
        try AtomicFile.write("énergie █\n", to: path)
        XCTAssertEqual(try contents(path), Array("énergie █\n".utf8))
    }

    func testEmptyContentGivesEmptyFile() throws {
        let path = folder + "/empty"
        try AtomicFile.write([UInt8](), to: path)
        XCTAssertEqual(try contents(path), [])
    }

    func testPermissionBitsOfExistingTargetArePreserved() throws {
        let path = folder + "/script.sh"
        try AtomicFile.write("old", to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: path)
        try AtomicFile.write("new", to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o750)
        XCTAssertEqual(try contents(path), Array("new".utf8))
    }

    func testMissingFolderIsAnErrorUnlessAskedToCreateIt() throws {
        let path = folder + "/images/x.bin"
        XCTAssertThrowsError(try AtomicFile.write([1], to: path)) { error in
            guard let error = error as? FileError else { return XCTFail("not a FileError: \(error)") }
            XCTAssertEqual(error.path, path)
            XCTAssertEqual(error.message, "cannot write \(path): No such file or directory (create the folder first)")
        }
        try AtomicFile.write([1], to: path, createDirectories: true)
        XCTAssertEqual(try contents(path), [1])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/images"), ["x.bin"])
    }

    func testFailedRenameRemovesTemporaryFile() throws {
        // The target is a folder: the temporary file is written, then rename(2) fails.
        let path = folder + "/taken"
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write([1, 2], to: path)) { error in
            let message = (error as? FileError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("cannot write \(path): "), message)
        }
        XCTAssertEqual(try listing(), ["taken"])
    }

    func testFileInTheWayOfFolderCreationIsNamed() throws {
        try AtomicFile.write("x", to: folder + "/plain")
        let path = folder + "/plain/sub/x.txt"
        XCTAssertThrowsError(try AtomicFile.write("y", to: path, createDirectories: true)) { error in
            XCTAssertEqual((error as? FileError)?.message,
                           "cannot write \(path): cannot create folder \(folder)/plain: a file with that name is in the way")
        }
    }

    func testRelativePathWithoutFolder() throws {
        let manager = FileManager.default
        let previous = manager.currentDirectoryPath
        XCTAssertTrue(manager.changeCurrentDirectoryPath(folder))
        defer { _ = manager.changeCurrentDirectoryPath(previous) }
        try AtomicFile.write("here", to: "local.txt")
        XCTAssertEqual(try contents(folder + "/local.txt"), Array("here".utf8))
        XCTAssertEqual(try listing(), ["local.txt"])
    }
}
