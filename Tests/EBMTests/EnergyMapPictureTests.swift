import XCTest
@testable import EBM

final class EnergyMapPictureTests: XCTestCase {
    /// Two wells as wide as each other, weights 0.8 and 0.2 (the score-matching notebook's).
    let two = MixtureEnergy(means: [[-3, 0], [3, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])

    /// The shade of the field at the grid cell nearest (x, y).
    private func shade(_ f: EnergyMapPicture.Field, _ x: Float, _ y: Float, lo: Float, hi: Float, size: Int) -> Double? {
        let col = Int((x - lo) / (hi - lo) * Float(size)), row = Int((hi - y) / (hi - lo) * Float(size))
        return f.shades[row * size + col]
    }

    func testTheDensityShowsTheWeights() throws {
        let f = EnergyMapPicture().field(two, lo: -5, hi: 5, size: 200)
        // Density darkness is 1 − shade, proportional to p: the left peak is four times the right.
        let left = 1 - (try XCTUnwrap(shade(f, -3, 0, lo: -5, hi: 5, size: 200)))
        let right = 1 - (try XCTUnwrap(shade(f, 3, 0, lo: -5, hi: 5, size: 200)))
        XCTAssertEqual(left / right, 4, accuracy: 0.05)
        // The bar's top is the peak density: 0.8 · N(0; 0, 0.3² I) = 0.8 / (2π · 0.09).
        XCTAssertEqual(f.barHigh, 0.8 / (2 * Double.pi * 0.09), accuracy: 0.02)
        XCTAssertEqual(f.barLow, 0)
    }

    func testTheEnergyOnRequestDrawsBothWellsNearlyAlike() throws {
        let f = EnergyMapPicture(quantity: .energy).field(two, lo: -5, hi: 5, size: 200)
        let left = try XCTUnwrap(shade(f, -3, 0, lo: -5, hi: 5, size: 200))
        let right = try XCTUnwrap(shade(f, 3, 0, lo: -5, hi: 5, size: 200))
        // Both wells are in the darkest tenth: the energy picture does not show the 4 : 1 split.
        XCTAssertLessThan(left, 0.1)
        XCTAssertLessThan(right, 0.1)
        XCTAssertLessThan(f.barLow, f.barHigh)
    }

    func testTheImageHasAxesAColourBarAndDrawsSamples() {
        let size = 128
        let picture = EnergyMapPicture(points: [-3, 0]).image(two, lo: -5, hi: 5, size: size)
        XCTAssertEqual(picture.channels, 3)
        XCTAssertGreaterThan(picture.width, size + 40)    // tick labels on the left, the colour bar on the right
        XCTAssertGreaterThan(picture.height, size + 20)   // title above, tick labels below
        // Somewhere right of the map, the colour bar's top is dark blue and its bottom white.
        var foundBar = false
        for x in (size + 20)..<picture.width {
            let top = EnergyMapPicture.pad + 9 + 8   // below the title
            let topBlue = picture.pixel(x: x, y: top, channel: 2) == 120 && picture.pixel(x: x, y: top, channel: 0) == 20
            if topBlue { foundBar = true; break }
        }
        XCTAssertTrue(foundBar, "no colour bar with the peak's dark blue at its top")
        // A red dot somewhere (the sample).
        var red = 0
        for y in 0..<picture.height { for x in 0..<picture.width where picture.pixel(x: x, y: y, channel: 0) == 220 && picture.pixel(x: x, y: y, channel: 1) == 30 { red += 1 } }
        XCTAssertEqual(red, 1)
    }

    /// An energy that is NaN on the left half and +inf far right: no trap, grey and white cells.
    struct Broken: ContinuousEnergy {
        var dimension: Int { 2 }
        var description: String { "broken" }
        func energies(_ X: [Float], rows: Int) -> [Float] {
            (0..<rows).map { X[2 * $0] < 0 ? .nan : (X[2 * $0] > 2 ? .infinity : X[2 * $0] * X[2 * $0]) }
        }
        func energiesAndGradients(_ X: [Float], rows: Int) -> (energies: [Float], gradients: [Float]) {
            (energies(X, rows: rows), [Float](repeating: 0, count: 2 * rows))
        }
    }

    func testNonFiniteEnergiesNeitherTrapNorSpoilTheRest() throws {
        for quantity in [EnergyMapPicture.Quantity.density, .energy] {
            let f = EnergyMapPicture(quantity: quantity).field(Broken(), lo: -3, hi: 3, size: 60)
            XCTAssertNil(shade(f, -1, 0, lo: -3, hi: 3, size: 60))
            XCTAssertEqual(try XCTUnwrap(shade(f, 2.5, 0, lo: -3, hi: 3, size: 60)), 1, accuracy: 1e-9)
            XCTAssertLessThan(try XCTUnwrap(shade(f, 0.05, 0, lo: -3, hi: 3, size: 60)), 0.05)
            XCTAssertTrue(f.barHigh.isFinite && f.barLow.isFinite)
            let picture = EnergyMapPicture(quantity: quantity, points: [.nan, 1, .infinity, 0]).image(Broken(), lo: -3, hi: 3, size: 60)
            XCTAssertGreaterThan(picture.width, 60)
        }
    }
}
