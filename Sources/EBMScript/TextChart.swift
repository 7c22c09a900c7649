import EBM
import Foundation

/// A line chart drawn with characters, so a notebook records it as text: each series gets its
/// own marker, the y axis carries its range, the x axis its first and last value. On a log axis
/// points are placed by log10 and values ≤ 0 are left out, as in `LineChart`.
struct TextChart {
    struct Series {
        var label: String
        var points: [(x: Double, y: Double)]
    }

    var series: [Series]
    var width = 60
    var height = 15
    var yLabel = ""
    var xLabel = ""
    var logX = false
    var logY = false

    static let markers: [Character] = ["*", "o", "+", "x", "#", "@"]

    var text: String {
        let placed = series.map { s in s.points.compactMap(place) }
        let all = placed.flatMap { $0 }
        guard let xMin = all.map(\.x).min(), let xMax = all.map(\.x).max(),
              let yMin = all.map(\.y).min(), let yMax = all.map(\.y).max() else { return "(nothing to plot)\n" }
        let (y0, y1) = yMin == yMax ? (yMin - 1, yMax + 1) : (yMin, yMax)
        let (x0, x1) = xMin == xMax ? (xMin - 1, xMax + 1) : (xMin, xMax)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        func column(_ x: Double) -> Int { Int(saturating: ((x - x0) / (x1 - x0) * Double(width - 1)).rounded(), clampedTo: 0...(width - 1), nan: 0) }
        func row(_ y: Double) -> Int { Int(saturating: ((y1 - y) / (y1 - y0) * Double(height - 1)).rounded(), clampedTo: 0...(height - 1), nan: 0) }
        for k in series.indices {
            let marker = TextChart.markers[k % TextChart.markers.count]
            let points = placed[k]
            // Join neighbouring points with dots so a sparse series still reads as a line.
            for (a, b) in zip(points, points.dropFirst()) {
                let (ca, cb) = (column(a.x), column(b.x))
                guard cb > ca + 1 else { continue }
                for c in (ca + 1)..<cb {
                    let t = Double(c - ca) / Double(cb - ca)
                    let r = row(a.y + (b.y - a.y) * t)
                    if grid[r][c] == " " { grid[r][c] = "·" }
                }
            }
            for p in points { grid[row(p.y)][column(p.x)] = marker }
        }
        let top = formatNumber(value(y1, logY), digits: 5), bottom = formatNumber(value(y0, logY), digits: 5)
        let labelWidth = max(top.count, bottom.count)
        var out = ""
        if !yLabel.isEmpty || logY { out += [yLabel, logY ? "(log scale)" : ""].filter { !$0.isEmpty }.joined(separator: " ") + "\n" }
        for (r, line) in grid.enumerated() {
            let label = r == 0 ? top : (r == height - 1 ? bottom : "")
            out += String(repeating: " ", count: labelWidth - label.count) + label + " ┤" + String(line).trimmingTrailingBlanks() + "\n"
        }
        out += String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: width) + "\n"
        let left = formatNumber(value(x0, logX), digits: 6), right = formatNumber(value(x1, logX), digits: 6)
        let gap = max(1, width - left.count - right.count)
        let xText = [xLabel, logX ? "(log scale)" : ""].filter { !$0.isEmpty }.joined(separator: " ")
        out += String(repeating: " ", count: labelWidth + 2) + left + String(repeating: " ", count: gap) + right
            + (xText.isEmpty ? "" : "  " + xText) + "\n"
        out += series.enumerated().map { "\(TextChart.markers[$0.offset % TextChart.markers.count]) \($0.element.label)" }
            .joined(separator: "   ") + "\n"
        return out
    }

    /// A point in plotting units (log10 on a log axis), or nil when it cannot be placed.
    private func place(_ p: (x: Double, y: Double)) -> (x: Double, y: Double)? {
        guard p.x.isFinite, p.y.isFinite, !logX || p.x > 0, !logY || p.y > 0 else { return nil }
        return (logX ? log10(p.x) : p.x, logY ? log10(p.y) : p.y)
    }

    /// An axis end back in data units, for its label.
    private func value(_ v: Double, _ log: Bool) -> Double { log ? pow(10, v) : v }
}
