import Glibc

/// The density of 2-D points as a block-character map for terminals (the PNG picture of an
/// energy over a box is `EnergyMapPicture`).
public enum EnergyHeatmap {
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
