import XCTest
@testable import EBM

final class LineChartTests: XCTestCase {
    private func pixel(_ img: Image, _ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { img.pixel(x: x, y: y, channel: $0) } }

    private func count(_ img: Image, _ color: [UInt8]) -> Int {
        var n = 0
        for y in 0..<img.height { for x in 0..<img.width where pixel(img, x, y) == color { n += 1 } }
        return n
    }

    func testDrawsEachSeriesInItsColourOnWhite() {
        var chart = LineChart(series: [
            .init(label: "rising", points: [(x: 1, y: 1), (x: 2, y: 2), (x: 3, y: 3)]),
            .init(label: "flat", points: [(x: 1, y: 2), (x: 3, y: 2)], errors: [0.5, 0.5]),
        ])
        chart.title = "Title"
        let img = chart.image(width: 320, height: 240)
        XCTAssertEqual([img.width, img.height, img.channels], [320, 240, 3])
        XCTAssertEqual(pixel(img, 0, img.height - 1), [255, 255, 255])
        XCTAssertGreaterThan(count(img, LineChart.palette[0]), 50)
        XCTAssertGreaterThan(count(img, LineChart.palette[1]), 50)
        XCTAssertGreaterThan(count(img, [0, 0, 0]), 200, "axes, ticks and text")
    }

    func testDegenerateAndNonFiniteInputDrawWithoutTrapping() {
        let constant = LineChart(series: [.init(label: "one", points: [(x: 5, y: 7)])]).image(width: 200, height: 150)
        XCTAssertGreaterThan(count(constant, LineChart.palette[0]), 10)
        var logChart = LineChart(series: [.init(label: "s", points: [(x: 0, y: 1), (x: 10, y: .nan), (x: 100, y: 3)])])
        logChart.logX = true
        let img = logChart.image(width: 200, height: 150)
        XCTAssertGreaterThan(count(img, LineChart.palette[0]), 10)
        XCTAssertEqual(LineChart(series: []).image(width: 100, height: 80).width, 100)
    }

    func testLargerValuesDrawHigher() {
        let img = LineChart(series: [.init(label: "", points: [(x: 0, y: 0), (x: 1, y: 10)])]).image(width: 300, height: 200)
        let blue = LineChart.palette[0]
        var leftYs: [Int] = [], rightYs: [Int] = []
        for y in 0..<img.height {
            for x in 0..<img.width where pixel(img, x, y) == blue {
                if x < 120 { leftYs.append(y) } else if x > 200 { rightYs.append(y) }
            }
        }
        XCTAssertGreaterThan(leftYs.reduce(0, +) / max(1, leftYs.count), rightYs.reduce(0, +) / max(1, rightYs.count))
    }
}
