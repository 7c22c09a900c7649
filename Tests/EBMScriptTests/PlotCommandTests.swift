import Foundation
import XCTest
import EBM
import EBMIO
@testable import EBMScript

final class PlotCommandTests: NotebookTestCase {
    private func pixels(of color: [UInt8], in image: Image) -> Int {
        stride(from: 0, to: image.pixels.count, by: 3).filter { Array(image.pixels[$0..<$0 + 3]) == color }.count
    }

    func testPlotWritesAPNGBesideTheTextChartAndReadsBack() throws {
        let session = Session(workingDirectory: folder)
        let source = SourceText(name: "test.ebm", text: """
        plot [3, 1, 2], [[1, 0.5, 0.1], [2, 0.2, 0.05], [5, 0.1, 0.02], [10, 0.05, 0.01]], labels: ["list", "against k"], title: "Bias", log_y: true, file: "images/plot.png", pixels: [480, 320]
        """)
        let result = session.run(source)
        XCTAssertNil(result.error.map { $0.rendered(with: source) })
        XCTAssertTrue(result.output.hasPrefix("(log scale)\n"), result.output)
        XCTAssertTrue(result.output.contains("* list   o against k\n"), result.output)
        XCTAssertTrue(result.output.hasSuffix("wrote images/plot.png (480×320 RGB)\n"), result.output)
        XCTAssertEqual(result.filesWritten, [folder + "/images/plot.png"], "a notebook references the picture")

        let image = try PNG.read(path: folder + "/images/plot.png")
        XCTAssertEqual([image.width, image.height, image.channels], [480, 320, 3])
        XCTAssertEqual(Array(image.pixels[0..<3]), [255, 255, 255])
        XCTAssertGreaterThan(pixels(of: LineChart.palette[0], in: image), 50, "the list's colour")
        XCTAssertGreaterThan(pixels(of: LineChart.palette[1], in: image), 50, "the matrix's colour")
        XCTAssertGreaterThan(pixels(of: [0, 0, 0], in: image), 300, "axes and text")
    }

    func testHistoriesPlotAgainstTheEpochAtTheDefaultSize() throws {
        let session = Session(workingDirectory: folder)
        eval(session, """
        m = rbm(visible: 4, hidden: 3, seed: 1)
        h = train(m, bars_and_stripes(2), method: "cd", lr: 0.1, batch: 4, epochs: 20, seed: 1, monitor_every: 5)
        """)
        let out = eval(session, "plot h, labels: [\"CD-1\"], file: \"h.png\"")
        XCTAssertTrue(out.hasPrefix("exact mean log-likelihood\n"), out)
        XCTAssertTrue(out.contains("  epoch\n"), out)
        XCTAssertTrue(out.hasSuffix("* CD-1\nwrote h.png (640×400 RGB)\n"), out)
        let image = try PNG.read(path: folder + "/h.png")
        XCTAssertEqual([image.width, image.height], [640, 400])
        XCTAssertTrue(errorText("plot h, y: \"ais\"", in: session).contains("has no AIS estimates"))
    }

    func testBadFilesSizesAndShapesAreRefused() {
        XCTAssertTrue(errorText("plot [1, 2], file: \"chart.jpg\"").contains("should end in .png"))
        XCTAssertTrue(errorText("plot [1, 2], file: \"c.png\", pixels: [10, 10]").contains("[width, height], whole numbers from 100 to 4000"))
        XCTAssertTrue(errorText("plot [[1, 2, 3, 4], [5, 6, 7, 8]]").contains("a matrix with 2 or 3 columns"))
        let session = Session(workingDirectory: folder)
        try? Data().write(to: URL(fileURLWithPath: folder + "/blocker"))
        XCTAssertTrue(errorText("plot [1, 2], file: \"blocker/c.png\"", in: session).contains("blocker"))
    }
}
