/// A unified diff of a recorded output against a replayed one, where "equal" is the tolerant
/// match of `OutputComparison`, so that the diff shows only the lines that really differ.
///
/// A recorded `...` line is shown once as a context line; it spans the replayed lines it stands
/// for, so a hunk's replayed count includes them even though they are not printed.
public enum UnifiedDiff {
    enum Operation: Equatable {
        /// Lines that match: the recorded line shown, spanning `old` recorded and `new` replayed lines.
        case context(String, old: Int, new: Int)
        case delete(String)
        case insert(String)

        var isChange: Bool {
            if case .context = self { return false }
            return true
        }
        var spans: (old: Int, new: Int) {
            switch self {
            case .context(_, let old, let new): return (old, new)
            case .delete: return (1, 0)
            case .insert: return (0, 1)
            }
        }
        var line: String {
            switch self {
            case .context(let text, _, _): return " " + text
            case .delete(let text): return "-" + text
            case .insert(let text): return "+" + text
            }
        }
    }

    /// The diff with `---`/`+++` headers and `@@ -a,b +c,d @@` hunks, `context` lines around each
    /// change; "" when the lines match.
    public static func render(recorded: [String], replayed: [String],
                              recordedHeader: String, replayedHeader: String,
                              comparison: OutputComparison = OutputComparison(), context: Int = 3) -> String {
        let operations = align(recorded, replayed, comparison)
        guard operations.contains(where: \.isChange) else { return "" }
        var out = "--- \(recordedHeader)\n+++ \(replayedHeader)\n"
        for hunk in hunks(operations, context: context) {
            out += hunk
        }
        return out
    }

    /// A shortest edit script: D[i][j] is the fewest deletions and insertions that turn
    /// recorded[i...] into replayed[j...]; a wildcard consumes replayed lines for free.
    static func align(_ a: [String], _ b: [String], _ comparison: OutputComparison) -> [Operation] {
        let n = a.count, m = b.count
        let infinity = Int.max / 2
        var cost = [[Int]](repeating: [Int](repeating: infinity, count: m + 1), count: n + 1)
        var equal = [[Bool]](repeating: [Bool](repeating: false, count: m), count: n)
        for i in 0..<n where a[i] != OutputComparison.wildcard {
            for j in 0..<m { equal[i][j] = comparison.lineMatches(a[i], b[j]) }
        }
        for i in stride(from: n, through: 0, by: -1) {
            for j in stride(from: m, through: 0, by: -1) {
                if i == n { cost[i][j] = m - j; continue }
                if a[i] == OutputComparison.wildcard {
                    cost[i][j] = min(cost[i + 1][j], j < m ? cost[i][j + 1] : infinity)
                    continue
                }
                var best = 1 + cost[i + 1][j]
                if j < m {
                    best = min(best, 1 + cost[i][j + 1])
                    if equal[i][j] { best = min(best, cost[i + 1][j + 1]) }
                }
                cost[i][j] = best
            }
        }
        var operations: [Operation] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i == n {
                operations.append(.insert(b[j])); j += 1
            } else if a[i] == OutputComparison.wildcard {
                var k = j
                while k < m && cost[i][k] != cost[i + 1][k] { k += 1 }
                operations.append(.context(a[i], old: 1, new: k - j))
                i += 1; j = k
            } else if j < m && equal[i][j] && cost[i][j] == cost[i + 1][j + 1] {
                operations.append(.context(a[i], old: 1, new: 1)); i += 1; j += 1
            } else if cost[i][j] == 1 + cost[i + 1][j] {
                operations.append(.delete(a[i])); i += 1
            } else {
                operations.append(.insert(b[j])); j += 1
            }
        }
        return operations
    }

    /// Groups the operations into hunks: each change with up to `context` lines either side,
    /// hunks whose contexts touch merged.
    static func hunks(_ operations: [Operation], context: Int) -> [String] {
        let changes = operations.indices.filter { operations[$0].isChange }
        var ranges: [ClosedRange<Int>] = []
        for c in changes {
            let lower = max(0, c - context), upper = min(operations.count - 1, c + context)
            if let last = ranges.last, lower <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...max(last.upperBound, upper)
            } else {
                ranges.append(lower...upper)
            }
        }
        // Where each operation starts, in recorded and replayed lines (0-based).
        var starts: [(old: Int, new: Int)] = []
        var old = 0, new = 0
        for op in operations {
            starts.append((old, new))
            old += op.spans.old
            new += op.spans.new
        }
        return ranges.map { range in
            let slice = operations[range]
            let oldCount = slice.reduce(0) { $0 + $1.spans.old }
            let newCount = slice.reduce(0) { $0 + $1.spans.new }
            let start = starts[range.lowerBound]
            // As in GNU diff, an empty side names the line before it.
            let oldStart = oldCount == 0 ? start.old : start.old + 1
            let newStart = newCount == 0 ? start.new : start.new + 1
            return "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@\n"
                + slice.map { $0.line + "\n" }.joined()
        }
    }
}
