import Glibc

/// A line chart rasterised into an RGB image, so a notebook or a command can write it as a PNG.
///
/// White background; a framed plot area with light grid lines at the major ticks; "nice" ticks
/// (1, 2 or 5 × 10^k; whole powers of ten on a log axis, with unlabelled 2…9 minor ticks); tick
/// labels, axis labels and a title in `BitmapFont`; one colour (Okabe–Ito, safe for every common
/// colour-vision deficiency) and one marker shape per series, so series stay distinct in grey
/// print too; optional vertical ± error bars; a legend under the x axis.
///
/// Points that cannot be placed are left out and break their line: non-finite ones, and those
/// ≤ 0 on a log axis. A lone point or a constant series gets a padded range instead of a zero
/// one, so nothing divides by zero. The y label is drawn horizontally above the y axis.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        /// ± half-widths, one per point, drawn as vertical bars; missing or non-finite entries draw none.
        public var errors: [Double]?

        public init(label: String, points: [(x: Double, y: Double)], errors: [Double]? = nil) {
            self.label = label
            self.points = points
            self.errors = errors
        }
    }

    public var series: [Series]
    public var title: String = ""
    public var xLabel: String = ""
    public var yLabel: String = ""
    public var logX: Bool = false
    public var logY: Bool = false
    /// Whole-number x ticks only (an epoch or iteration axis has no epoch 1.5).
    public var wholeX: Bool = false

    public init(series: [Series]) { self.series = series }

    /// The series colours in order (RGB): Okabe & Ito's palette without its yellow, which is too
    /// faint on white.
    public static let palette: [[UInt8]] = [
        [0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167], [230, 159, 0], [86, 180, 233], [0, 0, 0],
    ]
    static let ink: [UInt8] = [0, 0, 0]
    static let gridGrey: [UInt8] = [230, 230, 230]

    public func image(width: Int = 640, height: Int = 400) -> Image {
        var canvas = ChartCanvas(width: Swift.max(0, width), height: Swift.max(0, height))
        guard let layout = layout(width: width, height: height) else { return canvas.image }   // too small to plot
        let plot = layout.plot
        if !title.isEmpty {
            let x = Swift.max(Layout.pad, (width - BitmapFont.width(of: title, scale: layout.titleScale)) / 2)
            BitmapFont.draw(title, into: &canvas.image, x: x, y: layout.titleY, color: Self.ink, scale: layout.titleScale)
        }
        drawAxes(&canvas, plot, xTicks: layout.xTicks, yTicks: layout.yTicks)
        BitmapFont.draw(yLabel, into: &canvas.image, x: Layout.pad, y: layout.yLabelY, color: Self.ink)
        let x = Swift.max(Layout.pad, plot.left + (plot.width - BitmapFont.width(of: xLabel)) / 2)
        BitmapFont.draw(xLabel, into: &canvas.image, x: x, y: layout.xLabelY, color: Self.ink)

        canvas.clip = (plot.left, plot.top, plot.left + plot.width - 1, plot.top + plot.height - 1)
        for k in series.indices { drawSeries(k, on: &canvas, plot) }
        canvas.clip = nil

        for (k, place) in layout.legend.enumerated() {
            let (x, y) = (place.x, layout.legendTop + place.row * (BitmapFont.lineHeight + 5))
            let color = Self.palette[k % Self.palette.count]
            canvas.line(x, y + 3, x + 22, y + 3, color, thick: true)
            canvas.marker(k, x + 11, y + 3, color)
            BitmapFont.draw(series[k].label, into: &canvas.image, x: x + 28, y: y, color: Self.ink)
        }
        return canvas.image
    }

    /// Where a data point lands in the image (nil when it cannot be drawn), for tests and callers
    /// that annotate a chart.
    func pixel(of point: (x: Double, y: Double), width: Int = 640, height: Int = 400) -> (x: Int, y: Int)? {
        guard let plot = layout(width: width, height: height)?.plot,
              let x = axisX(point.x), let y = axisY(point.y) else { return nil }
        return (plot.px(x), plot.py(y))
    }

    /// Positions of everything but the series, in pixels.
    struct Layout {
        static let pad = 10
        var plot: PlotArea
        var titleY, titleScale, yLabelY, xLabelY, legendTop: Int
        var xTicks, yTicks: ChartTicks.TickSet
        var legend: [(x: Int, row: Int)]
    }

    /// Lays the chart out top to bottom (title, y label, plot, tick labels, x label, legend) with
    /// margins sized to their text; nil when the image is too small for a plot area.
    func layout(width: Int, height: Int) -> Layout? {
        let line = BitmapFont.lineHeight, pad = Layout.pad
        let titleScale = BitmapFont.width(of: title, scale: 2) <= width - 2 * pad ? 2 : 1
        let titleY = pad
        let yLabelY = titleY + (title.isEmpty ? 0 : line * titleScale + 6)
        let top = yLabelY + (yLabel.isEmpty ? 0 : line + 6) + 4   // half a tick label sticks out above the top tick

        // Data ranges in axis units (log10 of the value on a log axis), error bars included.
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (i, p) in s.points.enumerated() {
                guard let x = axisX(p.x), let y = axisY(p.y) else { continue }
                xs.append(x)
                ys.append(y)
                if let e = error(of: s, at: i) {
                    for end in [p.y - e, p.y + e] { if let v = axisY(end) { ys.append(v) } }
                }
            }
        }
        let (x0, x1) = ChartTicks.paddedRange(xs, log: logX, margin: 0.04)
        let (y0, y1) = ChartTicks.paddedRange(ys, log: logY, margin: 0.06)

        // Left margin from the widest y tick label; x ticks thinned until their labels stand apart.
        let yTicks = ChartTicks.ticks(y0, y1, log: logY, target: Swift.max(2, Swift.min(10, (height - 120) / 35)))
        let left = pad + (yTicks.major.map { BitmapFont.width(of: $0.label) }.max() ?? 0) + 8, right = pad + 14
        let plotW = width - left - right
        var xTicks = ChartTicks.ticks(x0, x1, log: logX, target: 2)
        for target in stride(from: Swift.max(2, Swift.min(12, plotW / 50)), through: 2, by: -1) {
            xTicks = ChartTicks.ticks(x0, x1, log: logX, target: target)
            let widest = xTicks.major.map { BitmapFont.width(of: $0.label) }.max() ?? 0
            let gaps = zip(xTicks.major, xTicks.major.dropFirst()).map { $1.position - $0.position }
            if Double(plotW) * (gaps.min() ?? (x1 - x0)) / (x1 - x0) >= Double(widest + 10) { break }
        }
        if wholeX && !logX { xTicks.major.removeAll { $0.position != $0.position.rounded() } }

        // Bottom margin: tick labels, x label, legend rows.
        let legend = legendLayout(from: left, to: width - right)
        var bottom = pad + 7 + line
        if !xLabel.isEmpty { bottom += 6 + line }
        if !series.isEmpty { bottom += 8 + legend.rows * (line + 5) }
        let plotH = height - top - bottom
        guard plotW >= 20, plotH >= 20 else { return nil }
        let xLabelY = top + plotH + 7 + line + 6
        return Layout(plot: PlotArea(left: left, top: top, width: plotW, height: plotH, x0: x0, x1: x1, y0: y0, y1: y1),
                      titleY: titleY, titleScale: titleScale, yLabelY: yLabelY, xLabelY: xLabelY,
                      legendTop: xLabelY + (xLabel.isEmpty ? 0 : line + 6) + 2,
                      xTicks: xTicks, yTicks: yTicks, legend: legend.places)
    }

    /// Grid, frame, ticks and tick labels ("−" for minus, as typeset).
    private func drawAxes(_ canvas: inout ChartCanvas, _ plot: PlotArea, xTicks: ChartTicks.TickSet, yTicks: ChartTicks.TickSet) {
        let (l, t, r, b) = (plot.left, plot.top, plot.left + plot.width - 1, plot.top + plot.height - 1)
        for tick in xTicks.major { canvas.line(plot.px(tick.position), t, plot.px(tick.position), b, Self.gridGrey) }
        for tick in yTicks.major { canvas.line(l, plot.py(tick.position), r, plot.py(tick.position), Self.gridGrey) }
        for (x0, y0, x1, y1) in [(l, t, r, t), (l, b, r, b), (l, t, l, b), (r, t, r, b)] { canvas.line(x0, y0, x1, y1, Self.ink) }
        for m in xTicks.minor { canvas.line(plot.px(m), b + 1, plot.px(m), b + 2, Self.ink) }
        for m in yTicks.minor { canvas.line(l - 2, plot.py(m), l - 1, plot.py(m), Self.ink) }
        for tick in xTicks.major {
            let x = plot.px(tick.position), text = tick.label.replacingMinus()
            canvas.line(x, b + 1, x, b + 4, Self.ink)
            BitmapFont.draw(text, into: &canvas.image, x: x - BitmapFont.width(of: text) / 2, y: b + 7, color: Self.ink)
        }
        for tick in yTicks.major {
            let y = plot.py(tick.position), text = tick.label.replacingMinus()
            canvas.line(l - 4, y, l - 1, y, Self.ink)
            BitmapFont.draw(text, into: &canvas.image, x: l - 7 - BitmapFont.width(of: text), y: y - 3, color: Self.ink)
        }
    }

    /// Error bars under the line, the line (broken where a point is left out), markers on top.
    private func drawSeries(_ k: Int, on canvas: inout ChartCanvas, _ plot: PlotArea) {
        let s = series[k], color = Self.palette[k % Self.palette.count]
        var placed: [(x: Int, y: Int)?] = []
        for (i, p) in s.points.enumerated() {
            guard let ax = axisX(p.x), let ay = axisY(p.y) else { placed.append(nil); continue }
            let (x, y) = (plot.px(ax), plot.py(ay))
            placed.append((x, y))
            guard let e = error(of: s, at: i) else { continue }
            // On a log axis a lower end ≤ 0 runs off the bottom of the plot.
            let low = axisY(p.y - e).map(plot.py) ?? plot.top + plot.height - 1
            let high = axisY(p.y + e).map(plot.py) ?? y
            canvas.line(x, low, x, high, color)
            canvas.line(x - 3, low, x + 3, low, color)
            canvas.line(x - 3, high, x + 3, high, color)
        }
        for (a, b) in zip(placed, placed.dropFirst()) {
            if let a, let b { canvas.line(a.x, a.y, b.x, b.y, color, thick: true) }
        }
        for case let p? in placed { canvas.marker(k, p.x, p.y, color) }
    }

    /// Legend entries flow left to right and wrap; each is a line sample with its marker and the label.
    private func legendLayout(from start: Int, to end: Int) -> (places: [(x: Int, row: Int)], rows: Int) {
        var places: [(x: Int, row: Int)] = [], x = start, row = 0
        for s in series {
            let w = 28 + BitmapFont.width(of: s.label)
            if x > start && x + w > end { x = start; row += 1 }
            places.append((x, row))
            x += w + 18
        }
        return (places, series.isEmpty ? 0 : row + 1)
    }

    private func axisX(_ v: Double) -> Double? { ChartTicks.axisValue(v, log: logX) }
    private func axisY(_ v: Double) -> Double? { ChartTicks.axisValue(v, log: logY) }

    private func error(of s: Series, at i: Int) -> Double? {
        guard let e = s.errors, i < e.count, e[i].isFinite, e[i] > 0 else { return nil }
        return e[i]
    }
}

/// The plot rectangle in pixels and the axis ranges it shows (in axis units).
struct PlotArea {
    var left, top, width, height: Int
    var x0, x1, y0, y1: Double

    func px(_ v: Double) -> Int { left + Self.pixel((v - x0) / (x1 - x0) * Double(width - 1)) }
    func py(_ v: Double) -> Int { top + height - 1 - Self.pixel((v - y0) / (y1 - y0) * Double(height - 1)) }

    /// Rounded and clamped, since `Int(_:)` traps on values it cannot hold.
    private static func pixel(_ d: Double) -> Int { Int(saturating: d.rounded(), clampedTo: -1_000_000...1_000_000, nan: 0) }
}

/// An RGB image with the few drawing operations a chart needs; pixels outside the image, or
/// outside `clip` when set, are skipped.
struct ChartCanvas {
    var image: Image
    /// (left, top, right, bottom), inclusive.
    var clip: (Int, Int, Int, Int)?

    init(width: Int, height: Int) { image = Image(width: width, height: height, channels: 3, repeating: 255) }

    mutating func set(_ x: Int, _ y: Int, _ color: [UInt8]) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        if let c = clip, x < c.0 || x > c.2 || y < c.1 || y > c.3 { return }
        for c in 0..<3 { image.setPixel(x: x, y: y, channel: c, to: color[c]) }
    }

    /// Bresenham's line; `thick` stamps a 2 × 2 block per step, so the line is 2 pixels wide at any slope.
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: [UInt8], thick: Bool = false) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(x, y, color)
            if thick { set(x + 1, y, color); set(x, y + 1, color); set(x + 1, y + 1, color) }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Filled circle, square, triangle up, diamond, triangle down, ×, + (by series index, cycling),
    /// about 7 pixels across.
    mutating func marker(_ shape: Int, _ cx: Int, _ cy: Int, _ color: [UInt8]) {
        for dy in -3...3 {
            for dx in -3...3 {
                let (ax, ay) = (abs(dx), abs(dy))
                let inside: Bool
                switch shape % 7 {
                case 0: inside = dx * dx + dy * dy <= 10
                case 1: inside = ax <= 2 && ay <= 2
                case 2: inside = 2 * ax <= dy + 4
                case 3: inside = ax + ay <= 3
                case 4: inside = 2 * ax <= 4 - dy
                case 5: inside = abs(ax - ay) <= 1
                default: inside = (ax <= 1) || (ay <= 1)
                }
                if inside { set(cx + dx, cy + dy, color) }
            }
        }
    }
}

private extension String {
    /// Tick labels use the minus sign, not the (shorter) hyphen.
    func replacingMinus() -> String { String(map { $0 == "-" ? "−" : $0 }) }
}

/// Axis ranges, tick positions and tick labels, in axis units (log10 of the value on a log axis).
enum ChartTicks {
    struct Tick: Equatable {
        var position: Double
        var label: String
    }

    /// Labelled ticks and, on a log axis, unlabelled minor ones.
    struct TickSet {
        var major: [Tick]
        var minor: [Double] = []
    }

    /// A value's position on an axis, or nil when it cannot be drawn there.
    static func axisValue(_ v: Double, log: Bool) -> Double? {
        guard v.isFinite, !log || v > 0 else { return nil }
        return log ? log10(v) : v
    }

    /// The range of `values` widened by `margin` of its span on each side, so markers clear the
    /// frame. A single value (or none) gets a range around it: ±½ decade on a log axis, ±10 % of
    /// the value (±1 for 0) on a linear one.
    static func paddedRange(_ values: [Double], log: Bool, margin: Double) -> (Double, Double) {
        guard let lo = values.min(), let hi = values.max() else { return (0, 1) }
        let span = hi - lo
        guard span.isFinite else { return (lo, hi) }
        if !(span > 1e-12 * Swift.max(abs(lo), abs(hi))) {
            let w = log ? 0.5 : (lo == 0 ? 1 : abs(lo) * 0.1)
            return (lo - w, hi + w)
        }
        return (lo - span * margin, hi + span * margin)
    }

    /// About `target` ticks between lo and hi.
    static func ticks(_ lo: Double, _ hi: Double, log: Bool, target: Int) -> TickSet {
        log ? logTicks(lo, hi, target: target) : TickSet(major: linearTicks(lo, hi, target: target))
    }

    /// Multiples of a step of 1, 2 or 5 × 10^p, the smallest such step giving at most `target`
    /// intervals; labels are exact decimals of the multiple, not of a rounded Double.
    static func linearTicks(_ lo: Double, _ hi: Double, target: Int) -> [Tick] {
        let span = hi - lo
        guard span > 0, span.isFinite else { return [] }
        let raw = span / Double(Swift.max(1, target))
        var p = Int(saturating: floor(log10(raw)), clampedTo: -400...400, nan: 0)
        var m = [1, 2, 5].first { Double($0) * pow(10, Double(p)) >= raw * (1 - 1e-9) } ?? 10
        if m == 10 { (m, p) = (1, p + 1) }
        let step = Double(m) * pow(10, Double(p))
        let (a, b) = (lo / step, hi / step)
        guard abs(a) < 1e15, abs(b) < 1e15 else { return [] }
        let first = Int(saturating: ceil(a - 1e-9)), last = Int(saturating: floor(b + 1e-9))
        guard first <= last, last - first <= 100 else { return [] }
        return (first...last).map { i in
            let n = i * m
            let position = p >= 0 ? Double(n) * pow(10, Double(p)) : Double(n) / pow(10, Double(-p))
            return Tick(position: position, label: decimalText(n, exponent: p))
        }
    }

    /// Powers of ten (every k-th one when there are more than `target`) with 2…9 as minor ticks.
    /// When fewer than three powers of ten fall in range and there is room: 1, 2, 5 × 10^k, so
    /// a short axis still has several labels; under two of those: linear ticks.
    static func logTicks(_ lo: Double, _ hi: Double, target: Int) -> TickSet {
        guard hi > lo, hi - lo < 600 else { return TickSet(major: []) }
        let first = Int(saturating: ceil(lo - 1e-9)), last = Int(saturating: floor(hi + 1e-9))
        let inRange = { (v: Double) in v >= lo - 1e-9 && v <= hi + 1e-9 }
        let decades = Int(saturating: floor(lo))...Int(saturating: ceil(hi))
        let oneTwoFive = decades.flatMap { d in [1, 2, 5].map { (m: $0, d: d) } }
            .map { Tick(position: log10(Double($0.m)) + Double($0.d), label: decimalText($0.m, exponent: $0.d)) }
            .filter { inRange($0.position) }
        let powers = last - first + 1
        if oneTwoFive.count >= 2 && (powers < 2 || (powers < 3 && oneTwoFive.count <= target + 1)) {
            let minor = decades.flatMap { d in [3, 4, 6, 7, 8, 9].map { log10(Double($0)) + Double(d) } }.filter(inRange)
            return TickSet(major: oneTwoFive, minor: minor)
        }
        if powers >= 2 {
            let every = Swift.max(1, Int(saturating: (Double(powers) / Double(Swift.max(1, target))).rounded(.up)))
            // Multiples of `every` read best (1e-6, 1e-3, 1), unless that leaves a single label.
            var labelled = (first...last).filter { $0.isMultiple(of: every) }
            if labelled.count < 2 { labelled = Array(stride(from: first, through: last, by: every)) }
            let major = labelled.map { Tick(position: Double($0), label: decimalText(1, exponent: $0)) }
            let minor = every > 1 ? (first...last).filter { !labelled.contains($0) }.map(Double.init)
                : decades.flatMap { d in (2...9).map { log10(Double($0)) + Double(d) } }.filter(inRange)
            return TickSet(major: major, minor: minor)
        }
        let linear = linearTicks(pow(10, lo), pow(10, hi), target: Swift.max(2, target / 2))
        return TickSet(major: linear.filter { $0.position > 0 }.map { Tick(position: log10($0.position), label: $0.label) })
    }

    /// n × 10^exponent written out exactly: "0.05", "-120", "2.5e-6"; exponent form when the
    /// value is at least 10^6 or below 10^-4, where plain digits would be too long to read.
    static func decimalText(_ n: Int, exponent: Int) -> String {
        if n == 0 { return "0" }
        var digits = String(n.magnitude), k = exponent
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast(); k += 1 }
        let sign = n < 0 ? "-" : ""
        let e = k + digits.count - 1   // the exponent in scientific notation
        if e >= 6 || e <= -5 {
            let rest = digits.dropFirst()
            return sign + String(digits.prefix(1)) + (rest.isEmpty ? "" : "." + rest) + "e\(e)"
        }
        if k >= 0 { return sign + digits + String(repeating: "0", count: k) }
        let whole = digits.count + k   // digits before the decimal point
        if whole <= 0 { return sign + "0." + String(repeating: "0", count: -whole) + digits }
        return sign + String(digits.prefix(whole)) + "." + String(digits.dropFirst(whole))
    }
}
