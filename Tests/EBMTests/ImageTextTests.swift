import XCTest
@testable import EBM

final class ImageTextTests: XCTestCase {
    func testBinaryImageUsesHalfBlocksTwoRowsPerLine() {
        let image = Image(width: 3, height: 3, pixels: [255, 0, 255,
                                                        255, 255, 0,
                                                        0, 255, 0])
        // Line 1 = rows 0 and 1; line 2 = row 2 over nothing. Trailing space trimmed.
        XCTAssertEqual(image.blockText(), "█▄▀\n ▀\n")
    }

    func testNearlyBinaryCountsAsBinary() {
        let image = Image(width: 2, height: 1, pixels: [20, 240])
        XCTAssertEqual(image.blockText(), " ▀\n")
    }

    func testGreyImageUsesShadesTwoCharactersPerPixel() {
        let image = Image(width: 3, height: 2, pixels: [0, 128, 255,
                                                        64, 192, 0])
        XCTAssertEqual(image.blockText(), "  ▒▒██\n░░▓▓\n")
    }

    func testRGBIsConvertedToLuminance() {
        // Red → 76 (░), green → 150 (▒).
        let image = Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0])
        XCTAssertEqual(image.blockText(), "░░▒▒\n")
    }

    func testWideBinaryImageIsShrunkByAnIntegerFactor() {
        let row: [UInt8] = [255, 255, 0, 0, 255, 255, 0, 0]
        let image = Image(width: 8, height: 2, pixels: row + row)
        // Factor 2 shrinks both dimensions: 4×1, so one row over nothing.
        XCTAssertEqual(image.blockText(maxColumns: 4), "▀ ▀\n")
        XCTAssertEqual(image.blockText(maxColumns: 8), "██  ██\n")
    }

    func testWideGreyImageIsShrunkByBoxAverage() {
        let row: [UInt8] = [100, 100, 200, 200]
        let image = Image(width: 4, height: 2, pixels: row + row)
        XCTAssertEqual(image.blockText(maxColumns: 4), "▒▒▓▓\n")
    }

    func testBinaryImageThatTurnsGreyWhenShrunkUsesShades() {
        var pixels: [UInt8] = []
        for y in 0..<4 { for x in 0..<4 { pixels.append((x + y) % 2 == 0 ? 255 : 0) } }
        let image = Image(width: 4, height: 4, pixels: pixels)
        XCTAssertEqual(image.blockText(maxColumns: 2), "▒▒\n")
    }

    func testLinesFitHaveNoTrailingSpacesOrEscapes() {
        var rng = Xoshiro256StarStar(seed: 1)
        let pixels = (0..<(200 * 30)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let text = Image(width: 200, height: 30, pixels: pixels).blockText(maxColumns: 80)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertFalse(text.contains("\u{1B}"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertFalse(lines.isEmpty)
        for line in lines {
            XCTAssertLessThanOrEqual(line.count, 80)
            XCTAssertFalse(line.hasSuffix(" "))
        }
    }

    func testEmptyImageGivesEmptyString() {
        XCTAssertEqual(Image(width: 0, height: 0, pixels: []).blockText(), "")
    }
}
