import Glibc

/// The picture `energy_map` draws of a 2-D energy over the box [lo, hi]²: by default the density
/// p(x) = e^(−E(x)) / Z, with Z the sum of e^(−E) over the grid times a cell's area (so the
/// picture integrates to 1 over the box), shaded linearly from white (0) to dark blue (the
/// peak) — a mode with four times the mass of another of the same width is four times as
/// dark; or, on request, the energy itself, from its minimum (dark) to its 75th percentile
/// over the box (white), which shows the landscape's shape but not how mass splits between wells.
/// Axes with ticks in x's units, and a colour bar with ticks in the shaded quantity's units.
/// Samples are red dots, chain paths orange. Non-finite energies never reach an integer
/// conversion: E = +inf is density 0, NaN is drawn grey and left out of Z.
public struct EnergyMapPicture {
    public enum Quantity: String, Sendable {
        /// e^(−E)/Z, normalised over the grid.
        case density
        /// E itself, clipped at its 75th percentile over the box.
        case energy
    }

    public var quantity: Quantity = .density
    /// Points to draw (n × 2, flattened).
    public var points: [Float] = []
    /// Paths to draw, each a flattened sequence of 2-D points.
    public var trajectories: [[Float]] = []

    public init(quantity: Quantity = .density, points: [Float] = [], trajectories: [[Float]] = []) {
        self.quantity = quantity
        self.points = points
        self.trajectories = trajectories
    }

    static let ink: [UInt8] = [0, 0, 0]
    static let nanGrey: [UInt8] = [150, 150, 150]
    static let pad = 10

    /// The colour for a shade in [0, 1]: 0 is dark blue (probable, low energy), 1 white.
    static func color(shade s: Double) -> [UInt8] {
        let t = s.isFinite ? Swift.min(1, Swift.max(0, s)) : 1
        return [20 + 235 * t, 40 + 215 * t, 120 + 135 * t].map { UInt8(Swift.max(0, Swift.min(255, $0.rounded()))) }
    }

    /// What the pixels show: shades in [0, 1] (nil for NaN), and the colour bar's range in the
    /// quantity's units (value at shade 1 … value at shade 0).
    struct Field {
        var shades: [Double?]
        var barLow: Double
        var barHigh: Double
        /// The bar's value runs up (density: dark = high) or down (energy: dark = low).
        var darkIsHigh: Bool
    }

    /// The field over a `size` × `size` grid of cell centres (x to the right, y up).
    func field(_ energy: any ContinuousEnergy, lo: Float, hi: Float, size: Int) -> Field {
        var grid = [Float](repeating: 0, count: size * size * 2)
        for row in 0..<size {
            for col in 0..<size {
                let k = row * size + col
                grid[2 * k] = lo + (hi - lo) * (Float(col) + 0.5) / Float(size)
                grid[2 * k + 1] = hi - (hi - lo) * (Float(row) + 0.5) / Float(size)
            }
        }
        let E = energy.energies(grid, rows: size * size).map(Double.init)
        let notNaN = E.filter { !$0.isNaN }
        switch quantity {
        case .density:
            // p = e^(−(E − E_min)) / Σ e^(−(E − E_min)) ΔA: shifting by E_min keeps e^(−·) in range.
            let minE = notNaN.min() ?? 0
            let cell = Double(hi - lo) * Double(hi - lo) / Double(size * size)
            if minE == -.infinity {
                // Mass sits where E = −inf: draw those cells at the peak, the rest at 0.
                return Field(shades: E.map { $0.isNaN ? nil : ($0 == -.infinity ? 0 : 1) }, barLow: 0, barHigh: 1, darkIsHigh: true)
            }
            let weights = E.map { $0.isNaN || !minE.isFinite ? 0 : exp(-($0 - minE)) }
            let z = weights.reduce(0, +) * cell
            let peak = z > 0 ? 1 / z : 0   // the largest weight is e^0 = 1
            let shades: [Double?] = zip(E, weights).map { e, w in e.isNaN ? nil : (peak > 0 ? 1 - (w / z) / peak : 1) }
            return Field(shades: shades, barLow: 0, barHigh: peak, darkIsHigh: true)
        case .energy:
            let finite = notNaN.filter(\.isFinite).sorted()
            let minE = finite.first ?? 0
            let top = finite.isEmpty ? minE + 1 : Swift.max(finite[finite.count * 3 / 4], minE + 1e-6)
            let shades: [Double?] = E.map { e in
                if e.isNaN { return nil }
                if e == -.infinity { return 0 }
                return Swift.min(1, (e - minE) / (top - minE))
            }
            return Field(shades: shades, barLow: minE, barHigh: top, darkIsHigh: false)
        }
    }

    /// The picture: a `size` × `size` map with axes on the left and below, the colour bar on the
    /// right and a title above.
    public func image(_ energy: any ContinuousEnergy, lo: Float, hi: Float, size: Int = 256) -> Image {
        precondition(energy.dimension == 2, "an energy map needs a 2-D energy")
        let f = field(energy, lo: lo, hi: hi, size: size)
        let line = BitmapFont.lineHeight, pad = Self.pad

        let axisTicks = ChartTicks.linearTicks(Double(lo), Double(hi), target: Swift.max(2, Swift.min(8, size / 45)))
        let barTicks = ChartTicks.linearTicks(f.barLow, f.barHigh, target: Swift.max(2, Swift.min(6, size / 50)))
        let title = quantity == .density ? "density e^(−E)/Z" : "energy E (clipped at its 75th percentile)"
        let yLabelWidth = axisTicks.map { BitmapFont.width(of: Self.minus($0.label)) }.max() ?? 0
        let barLabelWidth = barTicks.map { BitmapFont.width(of: Self.minus($0.label)) }.max() ?? 0

        let left = pad + yLabelWidth + 8
        let top = pad + line + 8
        let barLeft = left + size + 14, barWidth = 14
        let width = Swift.max(barLeft + barWidth + 8 + barLabelWidth + pad, left + BitmapFont.width(of: title) + pad)
        let height = top + size + 7 + line + pad
        var canvas = ChartCanvas(width: width, height: height)

        // The map.
        for k in 0..<(size * size) {
            let color = f.shades[k].map { Self.color(shade: $0) } ?? Self.nanGrey
            canvas.set(left + k % size, top + k / size, color)
        }
        // Samples and paths, clipped to the map.
        canvas.clip = (left, top, left + size - 1, top + size - 1)
        func pixel(_ x: Float, _ y: Float) -> (Int, Int)? {
            guard x.isFinite, y.isFinite else { return nil }
            let c = Double((x - lo) / (hi - lo)) * Double(size), r = Double((hi - y) / (hi - lo)) * Double(size)
            guard c >= 0, r >= 0, c < Double(size), r < Double(size) else { return nil }
            return (left + Int(c), top + Int(r))
        }
        for path in trajectories {
            for t in 0..<(path.count / 2) {
                if let (c, r) = pixel(path[2 * t], path[2 * t + 1]) { canvas.set(c, r, [240, 160, 0]) }
            }
        }
        for k in 0..<(points.count / 2) {
            if let (c, r) = pixel(points[2 * k], points[2 * k + 1]) { canvas.set(c, r, [220, 30, 30]) }
        }
        canvas.clip = nil

        // Frame, axis ticks and labels (x below, y on the left; both in x's units).
        let (r, b) = (left + size - 1, top + size - 1)
        for (x0, y0, x1, y1) in [(left - 1, top - 1, r + 1, top - 1), (left - 1, b + 1, r + 1, b + 1),
                                 (left - 1, top - 1, left - 1, b + 1), (r + 1, top - 1, r + 1, b + 1)] {
            canvas.line(x0, y0, x1, y1, Self.ink)
        }
        func along(_ v: Double) -> Int { Int(((v - Double(lo)) / Double(hi - lo) * Double(size - 1)).rounded()) }
        for tick in axisTicks {
            let text = Self.minus(tick.label)
            let x = left + along(tick.position)
            canvas.line(x, b + 2, x, b + 4, Self.ink)
            BitmapFont.draw(text, into: &canvas.image, x: x - BitmapFont.width(of: text) / 2, y: b + 7, color: Self.ink)
            let y = b - along(tick.position)
            canvas.line(left - 4, y, left - 2, y, Self.ink)
            BitmapFont.draw(text, into: &canvas.image, x: left - 7 - BitmapFont.width(of: text), y: y - 3, color: Self.ink)
        }
        BitmapFont.draw(title, into: &canvas.image, x: left, y: pad, color: Self.ink)

        // The colour bar: the quantity's range bottom to top, with its ticks.
        let span = f.barHigh - f.barLow
        for row in 0..<size {
            let value = f.barLow + span * Double(size - 1 - row) / Double(Swift.max(1, size - 1))
            let fraction = span > 0 ? (value - f.barLow) / span : 0
            let color = Self.color(shade: f.darkIsHigh ? 1 - fraction : fraction)
            for col in 0..<barWidth { canvas.set(barLeft + col, top + row, color) }
        }
        for (x0, y0, x1, y1) in [(barLeft - 1, top - 1, barLeft + barWidth, top - 1), (barLeft - 1, b + 1, barLeft + barWidth, b + 1),
                                 (barLeft - 1, top - 1, barLeft - 1, b + 1), (barLeft + barWidth, top - 1, barLeft + barWidth, b + 1)] {
            canvas.line(x0, y0, x1, y1, Self.ink)
        }
        if span > 0 {
            for tick in barTicks {
                let y = b - Int(((tick.position - f.barLow) / span * Double(size - 1)).rounded())
                canvas.line(barLeft + barWidth + 1, y, barLeft + barWidth + 3, y, Self.ink)
                BitmapFont.draw(Self.minus(tick.label), into: &canvas.image, x: barLeft + barWidth + 6, y: y - 3, color: Self.ink)
            }
        }
        return canvas.image
    }

    /// Tick labels use the minus sign, not the (shorter) hyphen.
    static func minus(_ s: String) -> String { String(s.map { $0 == "-" ? "−" : $0 }) }
}
