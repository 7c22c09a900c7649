import EBM

/// A data set as a language value: `d.x` is its n × d matrix, `d[i]` one example, `d[i:j]` a
/// smaller data set.
extension Dataset: ScriptObject {
    public var kindName: String { "dataset" }

    public var summary: String {
        var s = "\(count) × \(dimension)"
        if let shape = imageShape { s += ", images \(shape.height)×\(shape.width)" }
        if labels != nil { s += ", labelled" }
        return s
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "dataset \(name): \(count) example\(count == 1 ? "" : "s") × \(dimension)"
        if let shape = imageShape { out += ", images \(shape.height)×\(shape.width)" }
        if labels != nil { out += ", with labels" }
        return out + "\n" + format.render(examples).split(separator: "\n", maxSplits: 1).dropFirst().joined()
    }

    public var propertyNames: [String] { ["x", "count", "dim", "name", "height", "width", "labels", "mean", "distinct"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "x": return .tensor(examples)
        case "count": return .number(Double(count))
        case "dim": return .number(Double(dimension))
        case "name": return .string(self.name)
        case "height": return imageShape.map { .number(Double($0.height)) } ?? Value.none
        case "width": return imageShape.map { .number(Double($0.width)) } ?? Value.none
        case "labels": return labels.map { .list($0.map { .number(Double($0)) }) } ?? Value.none
        case "distinct":
            // How many different examples there are (duplicates counted once).
            return .number(Double(Set((0..<count).map { examples.row($0).scalars }).count))
        case "mean":
            // The mean example: p̂(xᵢ = 1) for binary data, the base rates AIS starts from.
            let n = Float(count), d = dimension
            var m = [Float](repeating: 0, count: d)
            for i in 0..<count { for j in 0..<d { m[j] += examples.scalars[i * d + j] } }
            return .tensor(Tensor(shape: [d], scalars: m.map { $0 / n }))
        default: return nil
        }
    }

    public func element(_ selection: RowSelection) throws -> Value? {
        switch selection {
        case .single(let i): return .tensor(examples.row(i))
        case .many(let idx): return .object(subset(idx))
        }
    }

    public var tensorView: Tensor? { examples }
}
