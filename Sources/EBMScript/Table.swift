/// A plain-text table with columns padded to their widest cell; numbers align right.
struct Table {
    var header: [String]?
    var rows: [[String]]

    var text: String {
        let all = (header.map { [$0] } ?? []) + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        // A column of numbers aligns right, so digits line up; anything else aligns left.
        let numeric = (0..<columns).map { i in
            !rows.isEmpty && rows.allSatisfy { i < $0.count && Double($0[i]) != nil }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { (i, cell) in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric[i] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingBlanks()
        }
        var out = ""
        if let header {
            out += line(header) + "\n"
            out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        }
        for row in rows { out += line(row) + "\n" }
        return out
    }
}
