import XCTest
@testable import EBM

final class ImageGridTests: XCTestCase {
    // MARK: Image

    func testPixelAccessIsRowMajorInterleaved() {
        var image = Image(width: 3, height: 2, channels: 3, repeating: 0)
        image.setPixel(x: 2, y: 1, channel: 1, to: 9)
        XCTAssertEqual(image.pixels[(1 * 3 + 2) * 3 + 1], 9)
        XCTAssertEqual(image.pixel(x: 2, y: 1, channel: 1), 9)
        XCTAssertEqual(image.pixel(x: 2, y: 1, channel: 0), 0)
    }

    func testScaledRepeatsEachPixelAsABlock() {
        let image = Image(width: 2, height: 1, channels: 1, pixels: [10, 20])
        let big = image.scaled(by: 3)
        XCTAssertEqual(big.width, 6)
        XCTAssertEqual(big.height, 3)
        XCTAssertEqual(big.pixels, [10, 10, 10, 20, 20, 20,
                                    10, 10, 10, 20, 20, 20,
                                    10, 10, 10, 20, 20, 20])
        XCTAssertEqual(image.scaled(by: 1), image)
    }

    func testScaledKeepsRGBChannelsTogether() {
        let image = Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        XCTAssertEqual(image.scaled(by: 2).pixels, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
    }

    // MARK: Layout

    func testGridWithPaddingAndScaleHasExactSizeAndPixels() {
        let tiles: [[Float]] = [[1, 0, 0, 1], [0.5, 0.5, 0.5, 0.5], [0, 1, 1, 0]]
        let layout = GridLayout(columns: 2, padding: 1, scale: 2, background: 50, scaling: .unit)
        let image = Image.grid(tiles: tiles, tileHeight: 2, tileWidth: 2, layout: layout)
        // Unscaled: 2 columns × 2 px + 1 padding = 5 wide; 2 rows × 2 px + 1 padding = 5 high.
        XCTAssertEqual(image.width, 10)
        XCTAssertEqual(image.height, 10)
        XCTAssertEqual(image.channels, 1)
        XCTAssertEqual(image.pixel(x: 0, y: 0), 255)   // tile 0 (0,0) = 1
        XCTAssertEqual(image.pixel(x: 1, y: 1), 255)   // same source pixel, scaled
        XCTAssertEqual(image.pixel(x: 2, y: 0), 0)     // tile 0 (1,0) = 0
        XCTAssertEqual(image.pixel(x: 3, y: 3), 255)   // tile 0 (1,1) = 1
        XCTAssertEqual(image.pixel(x: 4, y: 0), 50)    // vertical padding
        XCTAssertEqual(image.pixel(x: 5, y: 5), 50)    // padding crossing
        XCTAssertEqual(image.pixel(x: 0, y: 4), 50)    // horizontal padding
        XCTAssertEqual(image.pixel(x: 6, y: 0), 128)   // tile 1: 0.5 → 127.5 → 128
        XCTAssertEqual(image.pixel(x: 0, y: 6), 0)     // tile 2 (0,0) = 0
        XCTAssertEqual(image.pixel(x: 2, y: 6), 255)   // tile 2 (1,0) = 1
        XCTAssertEqual(image.pixel(x: 8, y: 8), 50)    // no fourth tile: background
        XCTAssertEqual(image.pixel(x: 9, y: 9), 50)
    }

    func testNilColumnsGivesNearSquareGrid() {
        func size(_ n: Int) -> (Int, Int) {
            let image = Image.grid(tiles: Array(repeating: [0], count: n), tileHeight: 1, tileWidth: 1,
                                   layout: GridLayout(padding: 0))
            return (image.width, image.height)
        }
        XCTAssertTrue(size(1) == (1, 1))
        XCTAssertTrue(size(4) == (2, 2))
        XCTAssertTrue(size(5) == (3, 2))
        XCTAssertTrue(size(10) == (4, 3))
        XCTAssertTrue(size(100) == (10, 10))
    }

    func testColumnsAreClampedToTileCount() {
        let image = Image.grid(tiles: [[0], [1]], tileHeight: 1, tileWidth: 1,
                               layout: GridLayout(columns: 10, padding: 1))
        XCTAssertEqual(image.width, 3)
        XCTAssertEqual(image.height, 1)
    }

    func testNoTilesGivesEmptyImage() {
        let image = Image.grid(tiles: [], tileHeight: 2, tileWidth: 2)
        XCTAssertEqual(image.width, 0)
        XCTAssertEqual(image.height, 0)
        XCTAssertTrue(image.pixels.isEmpty)
    }

    func testTilesAreRowMajor() {
        let image = Image.grid(tiles: [[0, 1, 0,
                                        0, 0, 0]], tileHeight: 2, tileWidth: 3)
        XCTAssertEqual(image.width, 3)
        XCTAssertEqual(image.height, 2)
        XCTAssertEqual(image.pixels, [0, 255, 0, 0, 0, 0])
    }

    // MARK: Scaling

    private func bytes(_ tiles: [[Float]], _ scaling: IntensityScaling, background: UInt8 = 0) -> [UInt8] {
        // One row of 1×n tiles with no padding: the pixels are the tiles, concatenated.
        Image.grid(tiles: tiles, tileHeight: 1, tileWidth: tiles[0].count,
                   layout: GridLayout(columns: tiles.count, padding: 0, background: background, scaling: scaling)).pixels
    }

    func testUnitClipsOutOfRange() {
        XCTAssertEqual(bytes([[-1, 0, 0.25, 0.5, 1, 2]], .unit), [0, 0, 64, 128, 255, 255])
    }

    func testPerTileStretchesEachTile() {
        XCTAssertEqual(bytes([[2, 4, 6], [-1, 0, 1]], .perTile), [0, 128, 255, 0, 128, 255])
    }

    func testGlobalUsesOneRangeForAllTiles() {
        // min 0, max 4 over both tiles.
        XCTAssertEqual(bytes([[0, 1, 2], [2, 3, 4]], .global), [0, 64, 128, 128, 191, 255])
    }

    /// Documented choice: 0 maps to 128 (0.5 · 255 = 127.5 rounds up).
    func testSymmetricMapsZeroTo128() {
        // m = max |v| = 2 over all tiles: −2 → 0, 0 → 128, 1 → 191.25 → 191, 0.5 → 159.375 → 159.
        XCTAssertEqual(bytes([[-2, 0, 1], [0.5, 0, 0]], .symmetric), [0, 128, 191, 159, 128, 128])
        // Per tile: the second tile has m = 0.5, so 0.5 → 255.
        XCTAssertEqual(bytes([[-2, 0, 1], [0.5, 0, 0]], .symmetricPerTile), [0, 128, 191, 255, 128, 128])
    }

    func testNaNIsDrawnAsBackgroundAndIgnoredByRanges() {
        XCTAssertEqual(bytes([[.nan, 0.5]], .unit, background: 7), [7, 128])
        XCTAssertEqual(bytes([[.nan, 1, 3]], .perTile, background: 7), [7, 0, 255])
        XCTAssertEqual(bytes([[.nan, -1, 2]], .symmetric, background: 7), [7, 64, 255])
        XCTAssertEqual(bytes([[.nan, .nan]], .global, background: 7), [7, 7])
    }

    func testInfinitiesClipAndDoNotSpoilRanges() {
        XCTAssertEqual(bytes([[-.infinity, 0, 1, .infinity]], .perTile), [0, 0, 255, 255])
    }

    func testConstantTilesDoNotDivideByZero() {
        // No range to stretch: drawn as `.unit` would draw them.
        XCTAssertEqual(bytes([[0, 0], [1, 1], [0.3, 0.3]], .perTile), [0, 0, 255, 255, 77, 77])
        XCTAssertEqual(bytes([[5, 5], [5, 5]], .global), [255, 255, 255, 255])
        XCTAssertEqual(bytes([[0, 0], [0, 0]], .symmetric), [128, 128, 128, 128])
        XCTAssertEqual(bytes([[0, 0], [0, 0]], .symmetricPerTile), [128, 128, 128, 128])
    }

    // MARK: Chains and colour

    func testRowsOfTilesPutsChainsInRowsAndTimeInColumns() {
        let chains: [[[Float]]] = [[[0], [0.5], [1]],
                                   [[1], [0]]]          // shorter chain: last slot stays background
        let image = Image.grid(rowsOfTiles: chains, tileHeight: 1, tileWidth: 1,
                               layout: GridLayout(columns: 1, padding: 1, background: 9))
        XCTAssertEqual(image.width, 5)     // 3 steps + 2 padding; `columns` is ignored
        XCTAssertEqual(image.height, 3)    // 2 chains + 1 padding
        XCTAssertEqual(image.pixels, [0, 9, 128, 9, 255,
                                      9, 9, 9, 9, 9,
                                      255, 9, 0, 9, 9])
    }

    func testRGBTilesAreInterleavedAndPaddingFillsAllChannels() {
        let tiles: [[Float]] = [[1, 0, 0, 0, 0, 1], [0, 1, 0, 1, 1, 1]]
        let image = Image.grid(tiles: tiles, tileHeight: 1, tileWidth: 2, channels: 3,
                               layout: GridLayout(columns: 2, padding: 1, background: 40))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.width, 5)
        XCTAssertEqual(image.height, 1)
        XCTAssertEqual(image.pixels, [255, 0, 0, 0, 0, 255, 40, 40, 40, 0, 255, 0, 255, 255, 255])
    }
}
