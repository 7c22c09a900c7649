import EBM

/// `x[i]`, `x[i:j:k]`, `x[i, j]`: Python's rules (negative indices count from the end; slices
/// clip to the bounds) on lists, tensors (one subscript per axis) and indexable objects.
enum Subscripting {
    enum Item {
        case index(Int, SourceLocation)
        case slice(Int?, Int?, Int, SourceLocation)
    }

    static func apply(_ base: Value, _ items: [Item], at location: SourceLocation) throws -> Value {
        switch base {
        case .list(let values):
            guard items.count == 1 else {
                throw ScriptError(.type, "a list takes one subscript, got \(items.count)", at: location)
            }
            switch try select(items[0], count: values.count) {
            case .single(let i): return values[i]
            case .many(let idx): return .list(idx.map { values[$0] })
            }
        case .string(let s):
            let chars = Array(s)
            guard items.count == 1 else { throw ScriptError(.type, "a string takes one subscript", at: location) }
            switch try select(items[0], count: chars.count) {
            case .single(let i): return .string(String(chars[i]))
            case .many(let idx): return .string(String(idx.map { chars[$0] }))
            }
        case .tensor(let t):
            return try tensor(t, items, at: location)
        case .object(let o):
            guard items.count == 1 else {
                if let t = o.tensorView { return try tensor(t, items, at: location) }
                throw ScriptError(.type, "\(o.kindName) takes one subscript", at: location)
            }
            if let count = o.elementCount, let v = try o.element(try select(items[0], count: count)) { return v }
            throw ScriptError(.type, "\(kindDescription(o.kindName)) cannot be indexed", at: location)
        default:
            throw ScriptError(.type, "\(describe(base)) cannot be indexed", at: location)
        }
    }

    static func select(_ item: Item, count: Int) throws -> RowSelection {
        switch item {
        case .index(let i, let loc):
            let j = i < 0 ? i + count : i
            guard j >= 0 && j < count else {
                throw ScriptError(.value, "index \(i) is out of range for \(count) item\(count == 1 ? "" : "s")", at: loc,
                                  hint: count == 0 ? "it is empty" : "valid indices are 0 to \(count - 1), or -1 to -\(count) from the end")
            }
            return .single(j)
        case .slice(let start, let stop, let step, _):
            return .many(sliceIndices(start, stop, step, count: count))
        }
    }

    /// The indices a Python slice `start:stop:step` picks from `count` items.
    static func sliceIndices(_ start: Int?, _ stop: Int?, _ step: Int, count: Int) -> [Int] {
        func clamp(_ v: Int?, _ dflt: Int, lo: Int, hi: Int) -> Int {
            guard var x = v else { return dflt }
            if x < 0 { x += count }
            return min(max(x, lo), hi)
        }
        if step > 0 {
            let a = clamp(start, 0, lo: 0, hi: count), b = clamp(stop, count, lo: 0, hi: count)
            return a < b ? Array(stride(from: a, to: b, by: step)) : []
        } else {
            let a = clamp(start, count - 1, lo: -1, hi: count - 1), b = clamp(stop, -1, lo: -1, hi: count - 1)
            return a > b ? Array(stride(from: a, to: b, by: step)) : []
        }
    }

    /// One subscript per leading axis; an index drops its axis, a slice keeps it.
    /// The flat indices (row-major) of the entries `items` pick from a tensor of `shape`, and the
    /// selection's shape ([] for a single entry): what `tensor(_:_:at:)` picks, without the values.
    static func selection(_ shape: [Int], _ items: [Item], at location: SourceLocation) throws -> (indices: [Int], shape: [Int]) {
        let p = try Picks(shape, items, at: location)
        var out: [Int] = []
        out.reserveCapacity(p.count)
        try walk(p.picks, shape, p.block) { out.append(contentsOf: $0..<($0 + p.block)) }
        return (out, p.shape)
    }

    /// What subscripts pick from a tensor of some shape: the indices on each subscripted axis
    /// (an index drops its axis, `keep` false; a slice keeps it), and the trailing axes taken whole.
    private struct Picks {
        var picks: [[Int]] = []
        var keep: [Bool] = []
        let trailing: [Int]
        /// Elements of the trailing axes under each pick.
        let block: Int

        init(_ shape: [Int], _ items: [Item], at location: SourceLocation) throws {
            guard items.count <= shape.count else {
                throw ScriptError(.value, "\(items.count) subscripts for a tensor of rank \(shape.count) \(shapeText(shape))", at: location)
            }
            for (axis, item) in items.enumerated() {
                switch try select(item, count: shape[axis]) {
                case .single(let i): picks.append([i]); keep.append(false)
                case .many(let idx): picks.append(idx); keep.append(true)
                }
            }
            trailing = Array(shape.dropFirst(items.count))
            block = trailing.reduce(1, *)
        }

        /// The selection's shape ([] for a single entry) and its number of elements.
        var shape: [Int] { zip(picks, keep).compactMap { $1 ? $0.count : nil } + trailing }
        var count: Int { picks.reduce(block) { $0 * $1.count } }
    }

    static func tensor(_ t: Tensor, _ items: [Item], at location: SourceLocation) throws -> Value {
        let p = try Picks(t.shape, items, at: location)
        var out: [Float] = []
        out.reserveCapacity(p.count)
        try walk(p.picks, t.shape, p.block) { out.append(contentsOf: t.scalars[$0..<($0 + p.block)]) }
        let shape = p.shape
        if shape.isEmpty { return .number(Double(out[0])) }
        return .tensor(Tensor(shape: shape, scalars: out))
    }

    // MARK: Assignment to parts

    /// `x[…] = value`: changes the selected part of a list or tensor in place. A tensor takes a
    /// number (written to every selected element) or a tensor of exactly the selection's shape;
    /// a list takes any value at an index, and a list for a slice (of the same length when the
    /// step is not 1).
    static func assign(_ value: Value, to container: inout Value, _ items: [Item], at location: SourceLocation) throws {
        switch container {
        case .list(var values):
            guard items.count == 1 else {
                throw ScriptError(.type, "a list takes one subscript, got \(items.count)", at: location)
            }
            container = .none   // so `values` is the only copy and changes in place
            defer { container = .list(values) }
            switch try select(items[0], count: values.count) {
            case .single(let i):
                try Interpreter.checkNesting([value], at: location)
                values[i] = value
            case .many(let indices):
                guard case .list(let replacement) = value else {
                    throw ScriptError(.type, "a slice of a list takes a list, got \(describe(value))", at: location)
                }
                if case .slice(_, _, 1, _) = items[0] {
                    // Python's rule: a slice with step 1 is replaced, whatever the lengths.
                    let start: Int
                    if let first = indices.first { start = first } else {
                        guard case .slice(let a, _, _, _) = items[0] else { return }
                        let s = a.map { $0 < 0 ? $0 + values.count : $0 } ?? 0
                        start = Swift.min(Swift.max(s, 0), values.count)
                    }
                    values.replaceSubrange(start..<(start + indices.count), with: replacement)
                } else {
                    guard replacement.count == indices.count else {
                        throw ScriptError(.value, "the slice selects \(indices.count) items, the list has \(replacement.count)", at: location)
                    }
                    for (i, v) in zip(indices, replacement) { values[i] = v }
                }
            }
        case .tensor(var t):
            container = .none
            defer { container = .tensor(t) }
            try assign(value, to: &t, items, at: location)
        case .string:
            throw ScriptError(.type, "a string cannot be changed in place", at: location,
                              hint: "build a new string with + and slices")
        default:
            throw ScriptError(.type, "the parts of \(describe(container)) cannot be assigned to", at: location,
                              hint: "only lists and tensors can change a part; models change their parameters with m.W = …")
        }
    }

    /// The tensor case of `assign`.
    static func assign(_ value: Value, to t: inout Tensor, _ items: [Item], at location: SourceLocation) throws {
        let selected = try Picks(t.shape, items, at: location)
        let (picks, block) = (selected.picks, selected.block)
        let (selectionShape, selectionCount) = (selected.shape, selected.count)
        let source: [Float]?
        switch value {
        case .number(let v):
            source = nil
            let f = Float(v)
            try walk(picks, t.shape, block) { offset in
                for k in offset..<(offset + block) { t.scalars[k] = f }
            }
            return
        default:
            guard let v = tensorValue(value) else {
                throw ScriptError(.type, "a part of a tensor takes a number or a tensor, got \(describe(value))", at: location)
            }
            guard v.shape == selectionShape || (v.count == selectionCount && v.rank <= 1 && selectionShape.filter({ $0 != 1 }).count <= 1) else {
                throw ScriptError(.value, "cannot assign a tensor \(shapeText(v.shape)) to a part of shape \(shapeText(selectionShape))", at: location,
                                  hint: "give a number, or a tensor of exactly the part's shape")
            }
            source = v.scalars
        }
        guard let source else { return }
        var next = 0
        try walk(picks, t.shape, block) { offset in
            for k in 0..<block { t.scalars[offset + k] = source[next + k] }
            next += block
        }
    }

    /// Calls `body` with the flat offset of each selected block, in row-major order.
    private static func walk(_ picks: [[Int]], _ shape: [Int], _ block: Int, _ body: (Int) throws -> Void) throws {
        var strides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        // An odometer over the picked indices of each subscripted axis (no recursion).
        var position = [Int](repeating: 0, count: picks.count)
        if picks.contains(where: \.isEmpty) { return }
        while true {
            var offset = 0
            for a in 0..<picks.count { offset += picks[a][position[a]] * strides[a] }
            try body(offset)
            var a = picks.count - 1
            while a >= 0 {
                position[a] += 1
                if position[a] < picks[a].count { break }
                position[a] = 0
                a -= 1
            }
            if a < 0 { return }
        }
    }
}
