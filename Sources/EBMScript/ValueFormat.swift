import EBM
import Foundation

/// How values print: numbers, strings, lists and a clipped view of tensors, as numpy does.
public struct ValueFormat: Sendable {
    /// Significant digits for scalar numbers (doubles).
    public var numberDigits = 10
    /// Significant digits for tensor entries (float32 holds about 7).
    public var tensorDigits = 4
    /// Rows and columns shown at each edge of a clipped tensor.
    public var edgeItems = 3
    /// Tensors with at most this many rows (columns) print in full along that axis: small
    /// things print whole (a 9-pixel image, 16 hidden units); `print(x, full: true)` lifts it.
    public var fullThreshold = 20
    /// Tensors with more entries than this get min, max and mean in their header.
    public var summaryThreshold = 64

    public init() {}

    public func render(_ value: Value) -> String {
        switch value {
        case .none: return "none"
        case .bool(let b): return b ? "true" : "false"
        case .number(let v): return formatNumber(v, digits: numberDigits)
        case .string(let s): return quoted(s)
        case .list(let items): return "[" + items.map { inline($0) }.joined(separator: ", ") + "]"
        case .tensor(let t): return render(t)
        case .object(let o): return o.render(self)
        case .command(let c): return "<command \(c.signature)>"
        }
    }

    /// A short, one-line form for values inside lists and messages.
    public func inline(_ value: Value) -> String {
        switch value {
        case .tensor(let t): return "tensor \(shapeText(t.shape))"
        case .object(let o): return "<\(o.kindName) \(o.summary)>"
        case .list(let items) where items.count > 20:
            return "[" + items.prefix(10).map { inline($0) }.joined(separator: ", ") + ", … (\(items.count) items)]"
        default: return render(value)
        }
    }

    func quoted(_ s: String) -> String {
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(c)
            }
        }
        return out + "\""
    }

    /// `tensor [32, 16] float32` then the values, clipped with `…` past `fullThreshold`.
    public func render(_ t: Tensor) -> String {
        var header = "tensor \(shapeText(t.shape)) float32"
        if t.count > 0, t.rank > 0, let lo = t.min, let hi = t.max, t.count > summaryThreshold {
            header += "  min \(formatNumber(Double(lo), digits: tensorDigits)) max \(formatNumber(Double(hi), digits: tensorDigits)) mean \(formatNumber(t.mean, digits: tensorDigits))"
        }
        if t.count == 0 { return header + "\n[]" }
        let scalars = zeroingNoise(t.scalars.map(Double.init))
        switch t.rank {
        case 0: return formatNumber(Double(t.scalars[0]), digits: tensorDigits) + "  (tensor [] float32)"
        case 1:
            let cells = clipped(t.shape[0]).map { $0.map { formatNumber(scalars[$0], digits: tensorDigits) } ?? "…" }
            return header + "\n[" + align(cells).joined(separator: " ") + "]"
        case 2:
            let rows = clipped(t.shape[0])
            let cols = clipped(t.shape[1])
            let c = t.shape[1]
            var table: [[String]] = []
            for r in rows {
                guard let r else { table.append(cols.map { _ in "⋮" }); continue }
                table.append(cols.map { $0.map { formatNumber(scalars[r * c + $0], digits: tensorDigits) } ?? "…" })
            }
            let width = table.flatMap { $0 }.map(\.count).max() ?? 1
            let lines = table.enumerated().map { (i, row) -> String in
                let body = row.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: " ")
                return (i == 0 ? "[[" : " [") + body + (i == table.count - 1 ? "]]" : "]")
            }
            return header + "\n" + lines.joined(separator: "\n")
        default:
            return header + "\n(a view prints for rank 1 and 2; index it, e.g. x[0])"
        }
    }

    /// Indices to show along an axis of length n; nil marks the elided middle.
    private func clipped(_ n: Int) -> [Int?] {
        if n <= fullThreshold { return Array(0..<n) }
        return Array(0..<edgeItems) + [nil] + Array((n - edgeItems)..<n)
    }

    private func align(_ cells: [String]) -> [String] {
        let width = cells.map(\.count).max() ?? 0
        return cells.map { $0 == "…" ? $0 : String(repeating: " ", count: width - $0.count) + $0 }
    }
}

/// Numbers printed side by side, with those that are zero up to float64 rounding noise set to 0:
/// an entry below 64 ulp of the largest magnitude (−1.39e-16 beside 1, the sum of a ring's
/// symmetric points) carries no digit the printing could show.
public func zeroingNoise(_ values: [Double], scale: Double? = nil) -> [Double] {
    let largest = scale ?? values.lazy.filter(\.isFinite).map(abs).max() ?? 0
    let noise = largest * 64 * Double.ulpOfOne
    return values.map { $0 != 0 && abs($0) < noise ? 0 : $0 }
}

public func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// A number as people write it: whole numbers without a fraction, others with up to `digits`
/// significant digits and no trailing zeros; exponent form only for very large or small values.
public func formatNumber(_ v: Double, digits: Int = 10) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), abs(v) < 1e15 {
        return v == 0 ? "0" : String(Int64(saturating: v))
    }
    var s = String(format: "%.\(digits)g", v)
    if s.contains("e") {
        // 1.500000e-07 → 1.5e-07
        let parts = s.split(separator: "e", maxSplits: 1)
        var mantissa = String(parts[0])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        s = mantissa + "e" + parts[1]
    } else if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}
