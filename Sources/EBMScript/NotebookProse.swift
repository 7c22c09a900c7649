/// The prose of a notebook around its ebm blocks, for `ebm run` to print as a reader sees it.
extension Notebook {
    /// The prose before each block, then the prose after the last one (blocks.count + 1 items;
    /// an item is empty where blocks follow each other), with surrounding blank lines trimmed.
    public var proseAroundBlocks: [String] {
        var out: [String] = []
        var current = ""
        for segment in segments {
            switch segment {
            case .prose(let range):
                current += String(decoding: bytes[range], as: UTF8.self)
            case .block:
                out.append(Self.trimmingBlankLines(current))
                current = ""
            }
        }
        out.append(Self.trimmingBlankLines(current))
        return out
    }

    private static func trimmingBlankLines(_ text: String) -> String {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
