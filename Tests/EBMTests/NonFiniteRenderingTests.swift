import XCTest
@testable import EBM

/// Every float → integer conversion in drawing goes through `init(saturating:)`: NaN and ±inf
/// (a diverged chain, a weight read from a file) draw as something defined, never a trap.
final class NonFiniteRenderingTests: XCTestCase {
    let awkward: [Float] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e30, -1e30, 0.5]

    func testSaturatingConversionMapsNaNAndInfinitiesToDefinedIntegers() {
        XCTAssertEqual(Int(saturating: Double.nan), 0)
        XCTAssertEqual(Int(saturating: Double.nan, nan: -7), -7)
        XCTAssertEqual(Int(saturating: Double.infinity), Int.max)
        XCTAssertEqual(Int(saturating: -Double.infinity), Int.min)
        XCTAssertEqual(Int(saturating: 1e300), Int.max)
        XCTAssertEqual(Int(saturating: -2.7), -2, "rounds toward zero, as Int(_:) does")
        XCTAssertEqual(Int32(saturating: Float(3e9)), Int32.max)
        XCTAssertEqual(Int(saturating: Double.infinity, clampedTo: 0...9, nan: 5), 9)
        XCTAssertEqual(Int(saturating: Double.nan, clampedTo: 0...9, nan: 5), 5)
        XCTAssertEqual(UInt8(saturating: Float(-3)), 0)
        XCTAssertEqual(UInt8(unitLevel: Float.nan), 0)
        XCTAssertEqual(UInt8(unitLevel: Float.infinity), 255)
        XCTAssertEqual(UInt8(unitLevel: -Float.infinity), 0)
        XCTAssertEqual(UInt8(unitLevel: 0.5), 128)
    }

    func testDensityTextOfNonFinitePointsDrawsOnlyTheFiniteOnes() {
        var points: [Float] = []
        for a in awkward { points += [a, 0]; points += [0, a] }
        let text = EnergyHeatmap.densityText(points, lo: -1, hi: 1, columns: 10, rows: 4)
        XCTAssertEqual(text.split(separator: "\n").count, 4)
        // The finite points near 0 land in the middle cells; nothing else does.
        XCTAssertTrue(text.contains("█"), text)
        // A box whose span overflows float (lo = −max, hi = +max) still draws.
        _ = EnergyHeatmap.densityText(points, lo: -.greatestFiniteMagnitude, hi: .greatestFiniteMagnitude)
        _ = EnergyHeatmap.densityText(points, lo: .nan, hi: .nan)
    }

    func testHeatmapWithNonFinitePointsAndPathsDraws() throws {
        let g = GaussianEnergy(mean: [0, 0], std: [1, 1])
        var points: [Float] = []
        for a in awkward { points += [a, a, a, 0] }
        // energy_map's picture, in both quantities, with axes and colour bar around the grid.
        for quantity in [EnergyMapPicture.Quantity.density, .energy] {
            let image = EnergyMapPicture(quantity: quantity, points: points, trajectories: [points]).image(g, lo: -3, hi: 3, size: 32)
            XCTAssertGreaterThan(image.width, 32)
            XCTAssertGreaterThan(image.height, 32)
        }
    }

    func testImageGridOfNonFiniteTilesDrawsInEveryScaling() {
        let tile = awkward + [0]   // 9 values: a 3 × 3 tile
        for scaling in [IntensityScaling.unit, .global, .perTile, .symmetric, .symmetricPerTile] {
            var layout = GridLayout()
            layout.scaling = scaling
            let image = Image.grid(tiles: [tile, tile.reversed()], tileHeight: 3, tileWidth: 3, layout: layout)
            XCTAssertEqual(image.height, 3, "\(scaling)")
        }
    }

    func testLineChartOfNonFiniteAndHugeValuesDraws() {
        let values: [Double] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, 2]
        let points = values.enumerated().map { (x: Double($0.offset), y: $0.element) } + values.map { (x: $0, y: 1.0) }
        for (logX, logY) in [(false, false), (true, true)] {
            var chart = LineChart(series: [.init(label: "s", points: points, errors: values)])
            chart.logX = logX
            chart.logY = logY
            XCTAssertEqual(chart.image(width: 200, height: 150).width, 200)
        }
        // Only extreme but finite values: the span overflows to inf.
        let extreme = LineChart(series: [.init(label: "s", points: [(-.greatestFiniteMagnitude, 0), (.greatestFiniteMagnitude, 1)])])
        XCTAssertEqual(extreme.image(width: 200, height: 150).height, 150)
        XCTAssertTrue(ChartTicks.linearTicks(0, .infinity, target: 5).isEmpty)
        XCTAssertTrue(ChartTicks.logTicks(-.infinity, 3, target: 5).major.isEmpty)
    }
}
