import XCTest
@testable import EBM

final class LineChartTests: XCTestCase {
    private let blue = LineChart.palette[0], vermillion = LineChart.palette[1]

    private func rgb(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] {
        (0..<3).map { image.pixel(x: x, y: y, channel: $0) }
    }

    /// Pixels of `color` within `radius` of (x, y).
    private func count(_ color: [UInt8], in image: Image, near p: (x: Int, y: Int), radius: Int = 4) -> Int {
        var n = 0
        for y in max(0, p.y - radius)...min(image.height - 1, p.y + radius) {
            for x in max(0, p.x - radius)...min(image.width - 1, p.x + radius) where rgb(image, x, y) == color { n += 1 }
        }
        return n
    }

    private func count(_ color: [UInt8], in image: Image, rows: Range<Int>) -> Int {
        var n = 0
        for y in rows { for x in 0..<image.width where rgb(image, x, y) == color { n += 1 } }
        return n
    }

    private func chart(_ points: [(x: Double, y: Double)], errors: [Double]? = nil) -> LineChart {
        LineChart(series: [.init(label: "series", points: points, errors: errors)])
    }

    func testImageHasTheRequestedSizeRGBAndAWhiteBackground() {
        let image = chart([(0, 1), (1, 2), (2, 0.5)]).image(width: 320, height: 200)
        XCTAssertEqual([image.width, image.height, image.channels], [320, 200, 3])
        XCTAssertEqual(rgb(image, 0, 0), [255, 255, 255])
        XCTAssertEqual(rgb(image, 319, 0), [255, 255, 255])
        let white = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0..<$0 + 3] == [255, 255, 255] }.count
        XCTAssertGreaterThan(white, image.width * image.height / 2, "mostly background")
        XCTAssertEqual(LineChart(series: []).image().width, 640, "default size 640 × 400")
    }

    func testEachPointIsMarkedInItsSeriesColourWhereItMaps() throws {
        var c = LineChart(series: [.init(label: "a", points: [(0, 0), (10, 5), (20, -3)]),
                                   .init(label: "b", points: [(0, 4), (20, 4)])])
        c.title = "t"
        let image = c.image()
        for p in c.series[0].points {
            let at = try XCTUnwrap(c.pixel(of: p))
            XCTAssertGreaterThan(count(blue, in: image, near: at, radius: 2), 8, "marker of \(p) at \(at)")
        }
        let b = try XCTUnwrap(c.pixel(of: (0, 4)))
        XCTAssertGreaterThan(count(vermillion, in: image, near: b, radius: 2), 8)
        // Higher values are drawn higher up, later x further right.
        let (p0, p1) = (try XCTUnwrap(c.pixel(of: (0, 0))), try XCTUnwrap(c.pixel(of: (10, 5))))
        XCTAssertLessThan(p1.y, p0.y)
        XCTAssertGreaterThan(p1.x, p0.x)
    }

    func testLinesJoinNeighbouringPoints() throws {
        let c = chart([(0, 0), (10, 10)])
        let image = c.image()
        let (a, b) = (try XCTUnwrap(c.pixel(of: (0, 0))), try XCTUnwrap(c.pixel(of: (10, 10))))
        XCTAssertGreaterThan(count(blue, in: image, near: ((a.x + b.x) / 2, (a.y + b.y) / 2), radius: 2), 0, "midpoint on the line")
    }

    func testLogAxesMapMonotonicallyAndEvenlyPerDecade() throws {
        var c = chart([(1, 1e-3), (10, 1e-2), (100, 1e-1), (1000, 1)])
        c.logX = true
        c.logY = true
        let px = try c.series[0].points.map { try XCTUnwrap(c.pixel(of: $0)) }
        for (a, b) in zip(px, px.dropFirst()) {
            XCTAssertGreaterThan(b.x, a.x)
            XCTAssertLessThan(b.y, a.y)
        }
        // Equal ratios, equal distances (within rounding).
        XCTAssertEqual(px[1].x - px[0].x, px[3].x - px[2].x, accuracy: 1)
        XCTAssertEqual(px[0].y - px[1].y, px[2].y - px[3].y, accuracy: 1)
        XCTAssertNil(c.pixel(of: (0, 1)), "x ≤ 0 has no place on a log axis")
        XCTAssertNil(c.pixel(of: (1, -1)))
    }

    func testLogTicksArePowersOfTen() {
        let ticks = ChartTicks.logTicks(-3.2, 2.1, target: 8)
        XCTAssertEqual(ticks.major.map(\.label), ["0.001", "0.01", "0.1", "1", "10", "100"])
        XCTAssertEqual(ticks.major.map(\.position), [-3, -2, -1, 0, 1, 2])
        XCTAssertTrue(ticks.minor.contains { abs($0 - log10(2)) < 1e-12 }, "2, 3, …, 9 as minor ticks")
        // Many decades: every k-th power, on multiples of k.
        XCTAssertEqual(ChartTicks.logTicks(-12, 12, target: 5).major.map(\.label), ["1e-10", "1e-5", "1", "100000", "1e10"])
        // Under two decades: 1, 2, 5 steps.
        XCTAssertEqual(ChartTicks.logTicks(log10(1.5), log10(60), target: 8).major.map(\.label), ["2", "5", "10", "20", "50"])
    }

    func testLinearTicksStepByOneTwoOrFive() {
        XCTAssertEqual(ChartTicks.linearTicks(-0.1, 1.05, target: 6).map(\.label), ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        XCTAssertEqual(ChartTicks.linearTicks(-6.2, -3.3, target: 6).map(\.label), ["-6", "-5.5", "-5", "-4.5", "-4", "-3.5"])
        XCTAssertEqual(ChartTicks.linearTicks(0, 1e-3, target: 5).map(\.label), ["0", "0.0002", "0.0004", "0.0006", "0.0008", "0.001"])
        XCTAssertEqual(ChartTicks.linearTicks(0, 3e6, target: 3).map(\.label), ["0", "1e6", "2e6", "3e6"])
        XCTAssertEqual(ChartTicks.linearTicks(1e-5, 5e-5, target: 4).map(\.label), ["1e-5", "2e-5", "3e-5", "4e-5", "5e-5"])
        XCTAssertEqual(ChartTicks.decimalText(-15, exponent: -4), "-0.0015")
        XCTAssertEqual(ChartTicks.decimalText(-15, exponent: -6), "-1.5e-5")
        XCTAssertEqual(ChartTicks.decimalText(120, exponent: 1), "1200")
    }

    func testConstantSingleAndEmptySeriesDrawWithoutTrapping() throws {
        for c in [chart([(3, 7), (4, 7), (5, 7)]), chart([(2, 2)]), chart([(0, 0)]), chart([]), LineChart(series: [])] {
            let image = c.image()
            XCTAssertEqual(image.width, 640)
        }
        var logConstant = chart([(1, 5), (1, 5)])
        logConstant.logX = true
        logConstant.logY = true
        _ = logConstant.image()
        let c = chart([(3, 7), (4, 7), (5, 7)])
        let at = try XCTUnwrap(c.pixel(of: (4, 7)))
        XCTAssertGreaterThan(count(blue, in: c.image(), near: at, radius: 2), 8, "the constant series is drawn")
        // Tiny and absurd sizes give an image, not a trap.
        XCTAssertEqual(c.image(width: 30, height: 20).width, 30)
        XCTAssertEqual(c.image(width: 0, height: 0).pixels.count, 0)
    }

    func testNonFinitePointsAreSkipped() throws {
        let c = chart([(0, 1), (1, .nan), (2, 3), (.infinity, 2), (3, -.infinity), (4, 2)])
        let image = c.image()
        XCTAssertNil(c.pixel(of: (1, .nan)))
        for p in [(0.0, 1.0), (2, 3), (4, 2)] {
            XCTAssertGreaterThan(count(blue, in: image, near: try XCTUnwrap(c.pixel(of: p)), radius: 2), 8)
        }
        // Range comes from finite points only: (2, 3) is the highest point, near the top.
        let top = try XCTUnwrap(c.pixel(of: (2, 3))), bottom = try XCTUnwrap(c.pixel(of: (0, 1)))
        XCTAssertGreaterThan(bottom.y - top.y, 150)
    }

    func testErrorBarsExtendAboveAndBelowThePoint() throws {
        let c = chart([(0, 0), (1, 1), (2, 0)], errors: [0, 0.5, .nan])
        let image = c.image()
        let bar = try XCTUnwrap(c.pixel(of: (1, 1.45)))
        let below = try XCTUnwrap(c.pixel(of: (1, 0.55)))
        XCTAssertGreaterThan(count(blue, in: image, near: bar, radius: 1), 0)
        XCTAssertGreaterThan(count(blue, in: image, near: below, radius: 1), 0)
    }

    func testLegendAndLabelsPutInkBelowAndAboveThePlot() throws {
        var c = LineChart(series: [.init(label: "CD-1 (k = 1)", points: [(0, 1), (1, 2)]),
                                   .init(label: "PCD-1", points: [(0, 2), (1, 1)])])
        c.title = "Log-likelihood"
        c.yLabel = "mean log p(x)"
        c.xLabel = "epoch"
        let image = c.image()
        let layout = try XCTUnwrap(c.layout(width: 640, height: 400))
        let legendRows = layout.legendTop..<(layout.legendTop + BitmapFont.lineHeight)
        XCTAssertGreaterThan(count([0, 0, 0], in: image, rows: legendRows), 60, "legend text")
        XCTAssertGreaterThan(count(blue, in: image, rows: legendRows), 10, "legend sample of series 1")
        XCTAssertGreaterThan(count(vermillion, in: image, rows: legendRows), 10, "legend sample of series 2")
        XCTAssertGreaterThan(count([0, 0, 0], in: image, rows: layout.titleY..<layout.titleY + 18), 60, "title")
        XCTAssertGreaterThan(count([0, 0, 0], in: image, rows: layout.yLabelY..<layout.yLabelY + 9), 40, "y label")
        XCTAssertGreaterThan(count([0, 0, 0], in: image, rows: layout.xLabelY..<layout.xLabelY + 9), 15, "x label")
        XCTAssertLessThan(layout.yLabelY, layout.plot.top)
        XCTAssertGreaterThan(layout.legendTop, layout.plot.top + layout.plot.height)
    }

    func testFontHasPrintableASCIIAndDrawsUnknownCharactersAsABox() {
        for scalar in 32...126 {
            let c = Character(UnicodeScalar(UInt8(scalar)))
            XCTAssertTrue(BitmapFont.hasGlyph(c), "no glyph for \(c)")
        }
        for c in "±·×−" { XCTAssertTrue(BitmapFont.hasGlyph(c)) }
        XCTAssertNotEqual(BitmapFont.glyph("a"), BitmapFont.glyph("A"), "lower case has its own glyphs")
        XCTAssertFalse(BitmapFont.hasGlyph("☃"))
        var image = Image(width: 12, height: 9, channels: 3, repeating: 255)
        BitmapFont.draw("☃", into: &image, x: 0, y: 0, color: [0, 0, 0])
        XCTAssertEqual(image.pixel(x: 0, y: 0), 0)
        XCTAssertEqual(image.pixel(x: 2, y: 3), 255, "a hollow box")
        XCTAssertEqual(BitmapFont.width(of: "ab"), 11)
    }

    func testAnEpochAxisHasWholeNumberTicks() {
        var c = LineChart(series: [.init(label: "a", points: [(1, 0), (2, 5)])])
        c.wholeX = true
        guard let layout = c.layout(width: 640, height: 400) else { return XCTFail("no layout") }
        XCTAssertFalse(layout.xTicks.major.isEmpty)
        XCTAssertTrue(layout.xTicks.major.allSatisfy { $0.position == $0.position.rounded() }, "\(layout.xTicks.major)")
        c.wholeX = false
        XCTAssertTrue(c.layout(width: 640, height: 400)?.xTicks.major.contains { $0.position != $0.position.rounded() } ?? false,
                      "the test needs a range whose ticks are fractional without wholeX")
    }
}
