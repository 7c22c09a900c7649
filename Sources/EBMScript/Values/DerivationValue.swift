import EBM

/// The result of `derive(...)`: a derivation printed line by line, each line with its value and
/// whether it equals the line it claims to.
public struct DerivationValue: ScriptObject {
    public var derivation: Derivation

    public var kindName: String { "derivation" }
    public var summary: String {
        let lines = derivation.sections.reduce(0) { $0 + $1.lines.count }
        return "\(derivation.title): \(lines) lines, \(derivation.allChecksPass ? "every check passes" : "a check FAILS")"
    }

    /// Columns: label (8), formula (up to 46), value.
    public func render(_ format: ValueFormat) -> String {
        let d = derivation
        var out = [d.title]
        out += d.preamble.map { "  " + $0 }
        let formulaWidth = min(48, d.sections.flatMap(\.lines).map { $0.formula.count }.max() ?? 0)
        for section in d.sections {
            out.append("")
            out.append(section.heading)
            for line in section.lines {
                let label = line.label.padding(toLength: 8, withPad: " ", startingAt: 0)
                let value = render(line.value)
                let mark = render(line.check)
                let result = [value, mark].filter { !$0.isEmpty }.joined(separator: "  ")
                var text = label + line.formula
                if line.formula.count > formulaWidth && !result.isEmpty {
                    // A long formula gets its own line; the value goes under it, in the value column.
                    out.append(text)
                    text = String(repeating: " ", count: 8 + formulaWidth)
                } else {
                    text += String(repeating: " ", count: max(0, formulaWidth - line.formula.count))
                }
                out.append((text + "  " + result).trimmingTrailingBlanks())
                out += wrap(line.method, indent: 10)
                if let note = line.note { out += wrap("note: " + note, indent: 10) }
            }
        }
        out.append("")
        out.append(d.allChecksPass ? "every line checks." : "SOME LINE DOES NOT CHECK: see ✗ above.")
        return out.joined(separator: "\n")
    }

    private var isNorm: Bool { derivation.components.count > 1 }

    private func render(_ q: Derivation.Quantity) -> String {
        switch q {
        case .none: return ""
        case .scalar(let v): return formatNumber(v, digits: 6)
        case .vector(let v):
            return isNorm ? "‖·‖ = " + formatNumber(norm(v), digits: 6) : formatNumber(v.first ?? .nan, digits: 6)
        case .estimate(let v, let se, _):
            if isNorm { return "‖·‖ = " + formatNumber(norm(v), digits: 4) }
            return formatNumber(v.first ?? .nan, digits: 4) + " ± " + formatNumber(se.first ?? .nan, digits: 2)
        }
    }

    private func render(_ c: Derivation.Check) -> String {
        switch c {
        case .none: return ""
        case .equal(let name, let passed, let difference):
            return passed ? "✓ = \(name)" : "✗ differs from \(name) by \(formatNumber(difference, digits: 3))"
        case .withinErrorBars(let name, let passed, let distance, let expected):
            let what = isNorm
                ? "‖estimate − \(name)‖ = \(formatNumber(distance, digits: 2)), √Σ SE² = \(formatNumber(expected, digits: 2))"
                : "\(formatNumber(distance / max(expected, .leastNonzeroMagnitude), digits: 2)) SE from \(name)"
            return (passed ? "✓ " : "✗ ") + what
        case .textDiffers(let difference):
            // At some points the slip changes nothing (sign and σ both times xᵢ = 0): say so.
            return difference <= Derivation.tolerance ? "✓ the text's version agrees at this x"
                : "✗ as the text writes it: off by \(formatNumber(difference, digits: 4))"
        }
    }

    private func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    private func wrap(_ text: String, indent: Int, width: Int = 100) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && indent + current.count + 1 + word.count > width {
                lines.append(String(repeating: " ", count: indent) + current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        if !current.isEmpty { lines.append(String(repeating: " ", count: indent) + current) }
        return lines
    }

    public var propertyNames: [String] { ["ok", "title", "lines"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "ok": return .bool(derivation.allChecksPass)
        case "title": return .string(derivation.title)
        case "lines": return .number(Double(derivation.sections.reduce(0) { $0 + $1.lines.count }))
        default: return nil
        }
    }
}
