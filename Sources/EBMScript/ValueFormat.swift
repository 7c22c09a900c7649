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
        case .list(let items):
            // A list holding tensors that print whole (grad's gradients: each axis up to
            // fullThreshold) shows each tensor's values, one item after another (every tensor
            // with full: true); other lists stay on one line.
            let tensors = items.compactMap { item -> Tensor? in if case .tensor(let t) = item { return t } else { return nil } }
            let printsWhole = { (t: Tensor) in t.shape.allSatisfy { $0 <= fullThreshold } && t.count <= fullThreshold * fullThreshold }
            let showValues = fullThreshold == .max || (items.count <= fullThreshold && tensors.allSatisfy(printsWhole))
            if !tensors.isEmpty, showValues {
                return "[" + items.map { item -> String in
                    if case .tensor(let t) = item { return render(t) }
                    return inline(item)
                }.joined(separator: ",\n ") + "]"
            }
            return "[" + items.map { inline($0) }.joined(separator: ", ") + "]"
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
            let mean = zeroingNoise([t.mean], scale: Swift.max(abs(Double(lo)), abs(Double(hi))))[0]
            header += "  min \(formatNumber(Double(lo), digits: tensorDigits)) max \(formatNumber(Double(hi), digits: tensorDigits)) mean \(formatNumber(mean, digits: tensorDigits))"
        }
        if t.count == 0 { return header + "\n[]" }
        // Entries are zeroed at float64 noise only: a float32 entry far below the largest is
        // usually real (a probability of 2e-7 beside means of 2 in g.components), not noise.
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
            // Rank ≥ 3: each matrix x[i, j, …, :, :] under its index, clipped along the leading
            // axes as rows are (numpy's layout, labelled).
            let matrixShape = Array(t.shape.suffix(2))
            let block = matrixShape.reduce(1, *)
            var leading: [[Int?]] = [[]]
            for n in t.shape.dropLast(2) {
                leading = leading.flatMap { prefix in clipped(n).map { prefix + [$0] } }
            }
            var lines = [header]
            var lastWasElided = false
            for index in leading {
                guard index.allSatisfy({ $0 != nil }) else {
                    if !lastWasElided { lines.append("⋮") }
                    lastWasElided = true
                    continue
                }
                lastWasElided = false
                let flat = index.enumerated().reduce(0) { offset, e in offset * t.shape[e.offset] + (e.element ?? 0) }
                let matrix = Tensor(shape: matrixShape, scalars: Array(t.scalars[(flat * block)..<((flat + 1) * block)]))
                let label = "[" + index.map { String($0 ?? 0) }.joined(separator: ", ") + ", :, :]"
                lines.append(label + "\n" + render(matrix).split(separator: "\n", maxSplits: 1).dropFirst().joined())
            }
            return lines.joined(separator: "\n")
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

/// Numbers printed side by side, with those that are zero up to rounding noise set to 0: an
/// entry below `relative` × the largest magnitude (or × `scale`, the size of the quantity, e.g.
/// a distribution's std for its mean) carries no digit the printing could show. The default,
/// 64 ulp of a double (≈ 1.4e-14), is for numbers computed in double precision (−1.39e-16 beside
/// 1, the sum of a ring's symmetric points); `float32Noise` is for summaries of float32 values
/// (the std of float32 chain states beside their mean).
public func zeroingNoise(_ values: [Double], scale: Double? = nil, relative: Double = float64Noise) -> [Double] {
    let largest = scale ?? values.lazy.filter(\.isFinite).map(abs).max() ?? 0
    let noise = largest * relative
    return values.map { $0 != 0 && abs($0) < noise ? 0 : $0 }
}

/// Rounding noise relative to the largest magnitude, for numbers computed in double precision.
public let float64Noise = 64 * Double.ulpOfOne
/// Rounding noise relative to the largest magnitude for float32 values: 8 ulp ≈ 9.5e-7.
public let float32Noise = 8 * Double(Float.ulpOfOne)

/// The largest finite magnitude among vectors (the scale of a mean beside its std).
public func largestMagnitude(_ vectors: [Double]...) -> Double {
    vectors.joined().lazy.filter(\.isFinite).map(abs).max() ?? 0
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
