import Glibc

/// Pictures of a 2-D energy: E over a box as a heatmap (low energy dark, the probable regions),
/// with points drawn over it; and the density of points as a block-character map for terminals.
public enum EnergyHeatmap {
    /// A `size` × `size` RGB image of E over [lo, hi]² (x to the right, y up), low energy dark
    /// blue, with `points` (n × 2) as small red dots and `trajectories` in orange.
    public static func image(_ energy: any ContinuousEnergy, lo: Float, hi: Float, size: Int = 256,
                             points: [Float] = [], trajectories: [[Float]] = []) -> Image {
        precondition(energy.dimension == 2, "a heatmap needs a 2-D energy")
        var grid = [Float](repeating: 0, count: size * size * 2)
        for row in 0..<size {
            for col in 0..<size {
                let k = row * size + col
                grid[2 * k] = lo + (hi - lo) * (Float(col) + 0.5) / Float(size)
                grid[2 * k + 1] = hi - (hi - lo) * (Float(row) + 0.5) / Float(size)
            }
        }
        let E = energy.energies(grid, rows: size * size)
        let finite = E.filter(\.isFinite).sorted()
        let minE = finite.first ?? 0
        // Shade from E_min (deep blue) to the 75th percentile of E over the box (white): the
        // low-energy, probable regions stand out whatever scale or offset the energy has.
        let top = finite.isEmpty ? 1 : Swift.max(finite[finite.count * 3 / 4] - minE, 1e-6)
        var img = Image(width: size, height: size, channels: 3, repeating: 255)
        for k in 0..<(size * size) {
            let shade = E[k].isFinite ? Swift.min(1, (E[k] - minE) / top) : 1
            let color: [Float] = [20 + 235 * shade, 40 + 215 * shade, 120 + 135 * shade]
            for c in 0..<3 { img.setPixel(x: k % size, y: k / size, channel: c, to: UInt8(saturating: color[c], clampedTo: 0...255, nan: 255)) }
        }
        func pixel(_ x: Float, _ y: Float) -> (Int, Int)? {
            let col = cell(x - lo, of: hi - lo, count: size), row = cell(hi - y, of: hi - lo, count: size)
            return col >= 0 && row >= 0 && col < size && row < size ? (col, row) : nil
        }
        for path in trajectories {
            for t in 0..<(path.count / 2) {
                guard let (c, r) = pixel(path[2 * t], path[2 * t + 1]) else { continue }
                for (ch, v) in [UInt8(240), 160, 0].enumerated() { img.setPixel(x: c, y: r, channel: ch, to: v) }
            }
        }
        for k in 0..<(points.count / 2) {
            guard let (c, r) = pixel(points[2 * k], points[2 * k + 1]) else { continue }
            for (ch, v) in [UInt8(220), 30, 30].enumerated() { img.setPixel(x: c, y: r, channel: ch, to: v) }
        }
        return img
    }

    /// A text density map of 2-D points over [lo, hi]²: `columns` × `rows` cells, shaded
    /// ` ░▒▓█` by count relative to the fullest cell.
    public static func densityText(_ points: [Float], lo: Float, hi: Float, columns: Int = 60, rows: Int = 24) -> String {
        var counts = [Int](repeating: 0, count: columns * rows)
        for k in 0..<(points.count / 2) {
            let c = cell(points[2 * k] - lo, of: hi - lo, count: columns), r = cell(hi - points[2 * k + 1], of: hi - lo, count: rows)
            if c >= 0 && r >= 0 && c < columns && r < rows { counts[r * columns + c] += 1 }
        }
        let top = Swift.max(counts.max() ?? 1, 1)
        let shades: [Character] = [" ", "░", "▒", "▓", "█"]
        var out = ""
        for r in 0..<rows {
            var line = ""
            for c in 0..<columns {
                let n = counts[r * columns + c]
                line.append(n == 0 ? " " : shades[Swift.min(4, 1 + (3 * n) / top)])
            }
            while line.last == " " { line.removeLast() }
            out += "│" + line + "\n"
        }
        return out
    }

    /// The cell of a point `offset` into a span cut into `count` cells, offset/span · count
    /// rounded toward zero; −1 for NaN and ±inf (outside every cell) and saturated far outside,
    /// so a diverged chain's states draw as nothing instead of trapping.
    static func cell(_ offset: Float, of span: Float, count: Int) -> Int {
        guard offset.isFinite else { return -1 }
        return Int(saturating: offset / span * Float(count), nan: -1)
    }
}
