import Foundation
import XCTest
@testable import EBMScript

final class SaveLoadTests: NotebookTestCase {
    /// Runs each entry in `session` as the REPL would (one source per entry).
    private func runEntries(_ entries: [String], in session: Session) -> [Session.Execution] {
        entries.map { session.run(SourceText(name: "<repl>", text: $0)) }
    }

    func testSaveWritesTheTranscriptAsANotebook() throws {
        let session = Session(workingDirectory: folder)
        let results = runEntries(["x = 6", "x * 7", "print(\"a\")\nprint(\"b\")", "nope", ":save first.ebm",
                                  "png(bars_and_stripes(2), \"images/bs.png\")", ":sa s/session.ebm"], in: session)
        XCTAssertEqual(results.last?.output, "saved 5 blocks to s/session.ebm\n")
        XCTAssertNil(results.last?.error)
        XCTAssertEqual(try read(folder + "/s/session.ebm"), """
        # ebm session

        <!-- ebm working folder: .. -->

        ```ebm
        x = 6
        ```

        ```ebm
        x * 7
        ```

        ```output
        42
        ```

        ```ebm
        print("a")
        print("b")
        ```

        ```output
        a
        b
        ```

        ```ebm fails
        nope
        ```

        ```output
        session.ebm:28:1: error: unknown name 'nope'
            nope
            ^
        hint: assign it first ('nope = ...'), or see 'help' for the commands
        ```

        ```ebm
        png(bars_and_stripes(2), "images/bs.png")
        ```

        ```output
        wrote images/bs.png (8×8 grey)
        ```

        ![bs](../images/bs.png)

        """)
    }

    func testSaveThenLoadReproducesTheOutputs() throws {
        let session = Session(workingDirectory: folder)
        let entries = ["x = 0.25", "y = [x, x * 2]\ny", "rand([2, 2], seed: 7)", "print(\"sum\", x + 1)", "missing_name",
                       "png(bars_and_stripes(2), \"pics/b.png\")"]
        let original = runEntries(entries, in: session)
        XCTAssertEqual(original[4].error?.kind, .name)
        _ = runEntries([":save round.ebm"], in: session)

        // Replaying the saved notebook checks clean, error message included.
        let path = folder + "/round.ebm"
        let report = NotebookCheck.check(path: path)
        XCTAssertEqual(report.status, .passed, report.diffs + (report.error ?? ""))
        XCTAssertEqual(report.blocks, entries.count)

        // :load into a fresh session prints the same outputs, in order.
        let output = TextBuffer()
        let fresh = Session(output: output, workingDirectory: folder)
        let load = fresh.run(SourceText(name: "<repl>", text: ":load round.ebm"))
        XCTAssertNil(load.error)
        let expected = original.map { r in
            r.output + (r.error.map { $0.rendered(with: SourceText(name: "<repl>", text: "missing_name")) } ?? "")
        }.joined()
        XCTAssertEqual(output.text, expected.replacingOccurrences(of: "<repl>:1:1", with: "round.ebm:35:1"))
        XCTAssertEqual(load.filesWritten, [folder + "/pics/b.png"])
        guard case .number(let x)? = fresh.variables["x"] else { return XCTFail("x was not loaded") }
        XCTAssertEqual(x, 0.25)
    }

    /// An error inside a function defined by an earlier entry names lines of that entry and a
    /// traceback; the saved notebook records them where the entries now sit, so it checks clean.
    func testSavedErrorsInsideFunctionsCheckClean() throws {
        let session = Session(workingDirectory: folder)
        var line = 1
        for entry in ["def g(x):\n    return x + \"a\"", "def f(x):\n    return g(x)", "y = 1", "f(y)", ":save fn.ebm"] {
            let result = session.run(SourceText(name: "<repl>", text: entry, firstLine: line))
            line += entry.split(separator: "\n").count
            if entry == "f(y)" { XCTAssertEqual(result.error?.traceback.count, 2) }
        }
        let report = NotebookCheck.check(path: folder + "/fn.ebm")
        XCTAssertEqual(report.status, .passed, report.diffs + (report.error ?? ""))
        XCTAssertTrue(try read(folder + "/fn.ebm").contains("in f, called at fn.ebm:"))
    }

    func testLoadResolvesPathsAgainstTheLoadedFile() throws {
        try write("```ebm\npng(bars_and_stripes(2), \"out/a.png\")\nk = 3\n```\n", to: "lib/pics.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load lib/pics.ebm\nk + 1"))
        XCTAssertNil(result.error)
        // The message names the file from the session's folder, where the user is.
        XCTAssertEqual(output.text, "wrote lib/out/a.png (8×8 grey)\n4\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/lib/out/a.png"))
        XCTAssertEqual(session.workingDirectory, folder)
    }

    func testLoadRunsAPlainScript() throws {
        try write("# a plain script\na = 2\nb = [a,\n     a]\nprint(b)\n", to: "script.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        XCTAssertNil(session.run(SourceText(name: "<repl>", text: ":load script.ebm")).error)
        XCTAssertEqual(output.text, "[2, 2]\n")
    }

    func testLoadStopsAtTheFirstUnexpectedErrorWithFileAndLine() throws {
        try write("```ebm\nprint(1)\n```\n\n```ebm fails\nbad_one\n```\n\n```ebm\nprint(2)\nbad_two\nprint(3)\n```\n", to: "stops.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load stops.ebm"))
        XCTAssertEqual(result.error?.message, "stops.ebm:11:1: unknown name 'bad_two'")
        XCTAssertEqual(result.error?.location, SourceLocation(source: "<repl>", line: 1, column: 1))
        XCTAssertTrue(output.text.hasPrefix("1\nstops.ebm:6:1: error: unknown name 'bad_one'\n"), output.text)
        XCTAssertTrue(output.text.hasSuffix("2\n"), output.text)
    }

    func testLoadRefusesALoop() throws {
        try write("```ebm\n:load loop.ebm\n```\n", to: "loop.ebm")
        let session = Session(workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load loop.ebm"))
        XCTAssertEqual(result.error?.message.contains("already being loaded"), true, result.error?.message ?? "no error")
    }

    func testLoadOfAMissingFileIsAnError() {
        let session = Session(workingDirectory: folder)
        let result = session.run(SourceText(name: "<repl>", text: ":load nowhere.ebm"))
        XCTAssertEqual(result.error?.kind, .io)
        XCTAssertEqual(result.error?.location?.source, "<repl>")
    }

    func testSavedNotebookChecksWhateverFolderItIsSavedTo() throws {
        for (sessionFolder, target) in [("", "sess/s.ebm"), ("", "a/b/deep.ebm"), ("work", "../up.ebm"), ("work", "here.ebm")] {
            let here = folder + (sessionFolder.isEmpty ? "" : "/" + sessionFolder)
            try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
            let session = Session(workingDirectory: here)
            let results = runEntries(["d = bars_and_stripes(2)", "png(d, \"sess/imgs/d.png\")", "d.count", ":save \(target)"], in: session)
            XCTAssertNil(results.last?.error, target)
            let saved = NotebookReplay.absolutePath(target, against: here)
            let report = NotebookCheck.check(path: saved)
            XCTAssertEqual(report.status, .passed, "\(target): " + report.diffs + (report.error ?? ""))
            // The replay wrote the image where the session did, not below the notebook's folder.
            XCTAssertTrue(FileManager.default.fileExists(atPath: here + "/sess/imgs/d.png"), target)
            XCTAssertFalse(FileManager.default.fileExists(atPath: here + "/sess/sess"), target)
            // The Markdown image reference is relative to the notebook, so a viewer finds it.
            let notebook = try Notebook.read(path: saved)
            let image = try XCTUnwrap(notebook.blocks[1].recorded?.images.first, target)
            let notebookFolder = NotebookReplay.folder(of: saved)
            XCTAssertEqual(NotebookReplay.absolutePath(image, against: notebookFolder), here + "/sess/imgs/d.png", target)
        }
    }

    func testWorkingFolderLineAndRelativeFolders() throws {
        XCTAssertEqual(NotebookReplay.relativeFolder("/a/b", from: "/a/b/c/d"), "../..")
        XCTAssertEqual(NotebookReplay.relativeFolder("/a/b/c", from: "/a/b"), "c")
        XCTAssertEqual(NotebookReplay.relativeFolder("/a/x", from: "/a/b"), "../x")
        XCTAssertEqual(NotebookReplay.relativeFolder("/a/b/", from: "/a/b"), ".")
        let notebook = try Notebook.parse("# t\n\n<!-- ebm working folder: ../work -->\n\n```ebm\n1\n```\n", name: "t.ebm")
        XCTAssertEqual(notebook.workingFolder, "../work")
        XCTAssertEqual(NotebookReplay.workingFolder(of: notebook, in: "/p/nb"), "/p/work")
        // Inside a block it is code, not the notebook's working folder.
        XCTAssertNil(try Notebook.parse("```ebm\nprint(\"<!-- ebm working folder: .. -->\")\n```\n", name: "u.ebm").workingFolder)
    }

    func testSavedNotebookInTheSessionsFolderNamesNoWorkingFolder() throws {
        let session = Session(workingDirectory: folder)
        _ = runEntries(["1 + 1", ":save plain.ebm"], in: session)
        XCTAssertFalse(try read(folder + "/plain.ebm").contains("working folder"))
        XCTAssertNil(try Notebook.read(path: folder + "/plain.ebm").workingFolder)
    }

    func testLoadShowsWrittenPathsFromTheSessionsFolder() throws {
        try write("```ebm\npng(bars_and_stripes(2), \"images/a.png\")\nplot([1, 2, 3], file: \"images/p.png\")\n```\n", to: "nb/tour.ebm")
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        XCTAssertNil(session.run(SourceText(name: "<repl>", text: ":load nb/tour.ebm")).error)
        XCTAssertTrue(output.text.hasPrefix("wrote nb/images/a.png (8×8 grey)\n"), output.text)
        XCTAssertTrue(output.text.contains("wrote nb/images/p.png ("), output.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/nb/images/a.png"))
        // After the load, paths show as written again.
        XCTAssertEqual(eval(session, "png(bars_and_stripes(2), \"x.png\")"), "wrote x.png (8×8 grey)\n")
        // The notebook replayed by itself still records paths from its own folder.
        let replay = try NotebookReplay.replay(path: folder + "/nb/tour.ebm")
        XCTAssertTrue(replay.results[0].output.hasPrefix("wrote images/a.png (8×8 grey)\n"), replay.results[0].output)
    }

    func testSaveRerecordsWithTheReplayKernelsAndSaysWhatChanged() throws {
        // A session that prints other digits than a replay will (here: a shorter number format,
        // standing in for other BLAS kernels) is saved, then re-recorded as replay computes it.
        let output = TextBuffer()
        let session = Session(output: output, workingDirectory: folder)
        session.format.numberDigits = 3
        var rerecorded: [String] = []
        session.savedNotebookReplayer = SavedNotebookReplayer(replayKernels: "Haswell", sessionKernels: "SkylakeX") { path in
            rerecorded.append(path)
            do { try NotebookUpdate.update(path: path) } catch { return "\(error)" }
            return nil
        }
        _ = runEntries(["x = 1 / 3", "x", "2 + 2", ":save out/s.ebm"], in: session)
        XCTAssertEqual(rerecorded, [folder + "/out/s.ebm"])
        XCTAssertTrue(output.text.hasSuffix("""
            saved 3 blocks to out/s.ebm
            replaying it with the Haswell BLAS kernels ebm check uses (this session runs SkylakeX)…
            1 block's output now records what the replay computed

            """), output.text)
        XCTAssertTrue(try read(folder + "/out/s.ebm").contains("0.3333333333"))
        let report = NotebookCheck.check(path: folder + "/out/s.ebm")
        XCTAssertEqual(report.status, .passed, report.diffs + (report.error ?? ""))

        // A replay that fails is reported as a warning, not hidden.
        session.savedNotebookReplayer?.rerecord = { _ in "replay stopped" }
        _ = runEntries([":save out/t.ebm"], in: session)
        XCTAssertTrue(output.text.hasSuffix("warning: the replay failed, so ebm check may not pass: replay stopped\n"), output.text)
    }
}
