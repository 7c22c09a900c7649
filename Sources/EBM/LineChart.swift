import Glibc

/// A line chart rasterised into an RGB image, for PNG files: axes with 1-2-5 ticks (powers of
/// ten on a log axis), labels in `BitmapFont`, one colour and marker per series, error bars,
/// and a legend. Non-finite points (and non-positive ones on a log axis) are left out.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [Point]
        /// ± half-widths, one per point, drawn as vertical bars.
        public var errors: [Double]?

        public struct Point: Sendable {
            public var x: Double
            public var y: Double
        }

        public init(label: String, points: [(x: Double, y: Double)], errors: [Double]? = nil) {
            self.label = label
            self.points = points.map { Point(x: $0.x, y: $0.y) }
            self.errors = errors
        }
    }

    public var series: [Series]
    public var title = ""
    public var xLabel = ""
    public var yLabel = ""
    public var logX = false
    public var logY = false

    public init(series: [Series]) { self.series = series }

    /// The Okabe–Ito palette: distinguishable with any common colour-vision deficiency.
    static let palette: [[UInt8]] = [
        [0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167], [230, 159, 0], [86, 180, 233], [0, 0, 0],
    ]

    public func image(width: Int = 640, height: Int = 400) -> Image {
        var img = Image(width: width, height: height, channels: 3, repeating: 255)
        let black: [UInt8] = [0, 0, 0], grey: [UInt8] = [225, 225, 225]
        let legendRows = series.count
        let (left, right, top) = (70, 20, 30 + (yLabel.isEmpty ? 0 : 12))
        let bottom = 45 + legendRows * 12
        let plotW = width - left - right, plotH = height - top - bottom
        guard plotW > 20, plotH > 20 else { return img }

        // Ranges over the finite points (with their error bars).
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (i, p) in s.points.enumerated() where usable(p) {
                xs.append(tx(p.x))
                let e = s.errors.map { i < $0.count ? $0[i] : 0 } ?? 0
                for y in [p.y - e, p.y, p.y + e] where y.isFinite && (!logY || y > 0) { ys.append(ty(y)) }
            }
        }
        var (x0, x1) = padded(xs.min() ?? 0, xs.max() ?? 1, margin: 0.03)
        var (y0, y1) = padded(ys.min() ?? 0, ys.max() ?? 1, margin: 0.08)
        let xTicks = ticks(x0, x1, log: logX), yTicks = ticks(y0, y1, log: logY)
        x0 = Swift.min(x0, xTicks.first ?? x0); x1 = Swift.max(x1, xTicks.last ?? x1)
        y0 = Swift.min(y0, yTicks.first ?? y0); y1 = Swift.max(y1, yTicks.last ?? y1)
        func px(_ v: Double) -> Int { left + Int(((v - x0) / (x1 - x0) * Double(plotW - 1)).rounded()) }
        func py(_ v: Double) -> Int { top + plotH - 1 - Int(((v - y0) / (y1 - y0) * Double(plotH - 1)).rounded()) }

        // Grid, axes, ticks and their labels.
        for t in xTicks { line(&img, px(t), top, px(t), top + plotH - 1, grey) }
        for t in yTicks { line(&img, left, py(t), left + plotW - 1, py(t), grey) }
        line(&img, left, top + plotH - 1, left + plotW - 1, top + plotH - 1, black)
        line(&img, left, top, left, top + plotH - 1, black)
        for t in xTicks {
            let text = tickLabel(t, log: logX)
            line(&img, px(t), top + plotH, px(t), top + plotH + 3, black)
            BitmapFont.draw(text, into: &img, x: px(t) - BitmapFont.width(of: text) / 2, y: top + plotH + 6, color: black)
        }
        for t in yTicks {
            let text = tickLabel(t, log: logY)
            line(&img, left - 4, py(t), left - 1, py(t), black)
            BitmapFont.draw(text, into: &img, x: left - 7 - BitmapFont.width(of: text), y: py(t) - 3, color: black)
        }
        BitmapFont.draw(title, into: &img, x: Swift.max(2, (width - BitmapFont.width(of: title)) / 2), y: 8, color: black)
        if !yLabel.isEmpty { BitmapFont.draw(yLabel, into: &img, x: 4, y: top - 14, color: black) }
        BitmapFont.draw(xLabel, into: &img, x: left + (plotW - BitmapFont.width(of: xLabel)) / 2, y: top + plotH + 18, color: black)

        // Series: lines, error bars, markers; then the legend.
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let points = s.points.enumerated().filter { usable($0.element) }
            for (a, b) in zip(points, points.dropFirst()) {
                thickLine(&img, px(tx(a.element.x)), py(ty(a.element.y)), px(tx(b.element.x)), py(ty(b.element.y)), color)
            }
            for (i, p) in points {
                let (cx, cy) = (px(tx(p.x)), py(ty(p.y)))
                if let e = s.errors, i < e.count, e[i].isFinite, e[i] > 0 {
                    let lo = p.y - e[i], hi = p.y + e[i]
                    let yLo = logY && lo <= 0 ? top + plotH - 1 : py(ty(lo))
                    line(&img, cx, yLo, cx, py(ty(hi)), color)
                    line(&img, cx - 3, yLo, cx + 3, yLo, color)
                    line(&img, cx - 3, py(ty(hi)), cx + 3, py(ty(hi)), color)
                }
                marker(&img, cx, cy, shape: k, color)
            }
            let ly = top + plotH + 32 + k * 12
            line(&img, left, ly + 3, left + 18, ly + 3, color)
            marker(&img, left + 9, ly + 3, shape: k, color)
            BitmapFont.draw(s.label, into: &img, x: left + 26, y: ly, color: black)
        }
        return img
    }

    private func usable(_ p: Series.Point) -> Bool {
        p.x.isFinite && p.y.isFinite && (!logX || p.x > 0) && (!logY || p.y > 0)
    }

    /// A range with a margin; a single value gets a unit-wide (or 10%) range around it.
    private func padded(_ lo: Double, _ hi: Double, margin: Double) -> (Double, Double) {
        if hi - lo <= 1e-12 * Swift.max(1, Swift.abs(hi)) {
            let w = Swift.max(Swift.abs(lo) * 0.1, 0.5)
            return (lo - w, hi + w)
        }
        let m = (hi - lo) * margin
        return (lo - m, hi + m)
    }

    /// Tick positions (in transformed units): steps of 1, 2 or 5 × 10^k, or whole powers of ten on a log axis.
    private func ticks(_ lo: Double, _ hi: Double, log: Bool) -> [Double] {
        if log {
            let a = floor(lo), b = ceil(hi)
            let step = Swift.max(1, ((b - a) / 8).rounded(.up))
            return stride(from: a, through: b, by: step).map { $0 }
        }
        let raw = (hi - lo) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = (lo / step).rounded(.down) * step
        return stride(from: first, through: hi + step * 0.5, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    private func tickLabel(_ t: Double, log: Bool) -> String {
        if log {
            let v = pow(10, t)
            return t >= 0 && t <= 5 ? format(v, digits: 6) : "1e\(Int(t.rounded()))"
        }
        return format(t, digits: 4)
    }

    private func format(_ v: Double, digits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 32)
        _ = withVaList([digits, v]) { vsnprintf(&buffer, buffer.count, "%.*g", $0) }
        return String(cString: buffer)
    }

    private func set(_ img: inout Image, _ x: Int, _ y: Int, _ color: [UInt8]) {
        guard x >= 0, y >= 0, x < img.width, y < img.height else { return }
        for c in 0..<3 { img.setPixel(x: x, y: y, channel: c, to: color[c]) }
    }

    /// Bresenham's line.
    private func line(_ img: inout Image, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: [UInt8]) {
        var (x, y) = (x0, y0)
        let dx = Swift.abs(x1 - x0), dy = -Swift.abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(&img, x, y, color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    private func thickLine(_ img: inout Image, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: [UInt8]) {
        line(&img, x0, y0, x1, y1, color)
        line(&img, x0, y0 + 1, x1, y1 + 1, color)
    }

    /// Filled circle, square, triangle, diamond, … by series index.
    private func marker(_ img: inout Image, _ cx: Int, _ cy: Int, shape: Int, _ color: [UInt8]) {
        for dy in -3...3 {
            for dx in -3...3 {
                let inside: Bool
                switch shape % 4 {
                case 0: inside = dx * dx + dy * dy <= 9
                case 1: inside = Swift.abs(dx) <= 2 && Swift.abs(dy) <= 2
                case 2: inside = dy >= -3 && Swift.abs(dx) * 2 <= dy + 3
                default: inside = Swift.abs(dx) + Swift.abs(dy) <= 3
                }
                if inside { set(&img, cx + dx, cy + dy, color) }
            }
        }
    }
}
