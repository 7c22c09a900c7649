/// The closest of `candidates` to `name` by edit distance, if it is close enough to be a likely
/// typo (at most a third of the name's length, and at least 1 edit allowed).
func closestName(to name: String, among candidates: [String]) -> String? {
    let limit = max(1, name.count / 3)
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, best.map({ d < $0.1 }) ?? true { best = (c, d) }
    }
    if best == nil {
        // A prefix or containment is a good suggestion too ("bars" → "bars_and_stripes").
        return candidates.first { $0.hasPrefix(name) && name.count >= 3 }
    }
    return best?.0
}

/// Levenshtein distance, with adjacent transpositions counted as one edit.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous2 = [Int](repeating: 0, count: y.count + 1)
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[y.count]
}
