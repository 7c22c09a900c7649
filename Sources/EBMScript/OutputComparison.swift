import Foundation

/// Decides whether a replayed output still says what the recorded one says.
///
/// Outputs are compared line by line. Numbers are allowed to wobble in their last printed digit
/// (a different BLAS kernel or thread count changes the rounding of a sum), so that notebooks
/// check on every machine, while any change in the text, or a real change in a number, fails.
///
/// - A recorded line that is exactly `...` matches any number of replayed lines, none included.
/// - Other lines match when they are equal, or when they are equal once every number is replaced
///   by a placeholder and each pair of numbers agrees: |a − b| ≤ max(rtol · max(|a|, |b|), u),
///   where u is one unit in the last printed digit of whichever of the two is printed in full
///   (0.1234 vs 0.1235 match). A number is printed in full when it shows at least
///   `fullDigits` (4) significant digits, the fewest the program prints a float with (tensor
///   entries). A shorter number had its trailing zeros dropped — `0.5` is 0.5000 or
///   0.5000000000 — so it gets no last-digit allowance, only the relative tolerance: 0.5 vs 0.6
///   and 2.5 vs 2.4 do not match, and a short number is never checked more loosely than a long
///   one. Whole numbers without a fraction or exponent are counts (epochs, shapes, sizes) and
///   get no allowance either: 3 vs 4 do not match. A wrong leading digit never matches: the
///   allowance is at most a thousandth of the number's leading digit's unit.
/// - A number is an optional sign, digits, an optional fraction and an optional exponent; `nan`
///   and `inf` (optionally signed, as whole words) are numbers too, and only match themselves.
public struct OutputComparison: Sendable {
    /// The relative tolerance (default 1e-6).
    public var relativeTolerance: Double

    public init(relativeTolerance: Double = 1e-6) {
        self.relativeTolerance = relativeTolerance
    }

    /// The line that matches any number of lines.
    public static let wildcard = "..."

    /// The lines of an output: split at "\n", without the empty piece after a final "\n".
    public static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// True when the recorded output (text and image paths) matches the replayed one.
    public func matches(recorded: String, recordedImages: [String] = [],
                        replayed: String, replayedImages: [String] = []) -> Bool {
        recordedImages == replayedImages && matches(recorded: Self.lines(recorded), replayed: Self.lines(replayed))
    }

    /// True when the recorded lines (which may hold `...` wildcards) match the replayed lines.
    public func matches(recorded: [String], replayed: [String]) -> Bool {
        // reachable[j]: the recorded lines so far can match exactly the first j replayed lines.
        var reachable = [Bool](repeating: false, count: replayed.count + 1)
        reachable[0] = true
        for pattern in recorded {
            var next = [Bool](repeating: false, count: replayed.count + 1)
            if pattern == Self.wildcard {
                var seen = false
                for j in 0...replayed.count {
                    seen = seen || reachable[j]
                    next[j] = seen
                }
            } else {
                for j in 0..<replayed.count where reachable[j] && lineMatches(pattern, replayed[j]) {
                    next[j + 1] = true
                }
            }
            reachable = next
        }
        return reachable[replayed.count]
    }

    /// True when two lines (neither of them treated as a wildcard) match.
    public func lineMatches(_ recorded: String, _ replayed: String) -> Bool {
        if recorded == replayed { return true }
        let a = NumberScanner.split(recorded)
        let b = NumberScanner.split(replayed)
        guard a.text == b.text, a.numbers.count == b.numbers.count else { return false }
        return zip(a.numbers, b.numbers).allSatisfy { numbersMatch($0, $1) }
    }

    func numbersMatch(_ a: PrintedNumber, _ b: PrintedNumber) -> Bool {
        if a.value.isNaN || b.value.isNaN { return a.value.isNaN && b.value.isNaN }
        if a.value.isInfinite || b.value.isInfinite { return a.value == b.value }
        let difference = abs(a.value - b.value)
        var tolerance = relativeTolerance * max(abs(a.value), abs(b.value))
        for n in [a, b] where n.isPrintedInFull { tolerance = max(tolerance, n.lastDigitUnit) }
        // A hair of slack: 0.1235 − 0.1234 is a little more than 1e-4 in binary.
        return difference <= tolerance * (1 + 1e-9)
    }
}

/// A number as printed: its value, and the unit of its last printed digit.
struct PrintedNumber: Equatable {
    var value: Double
    /// 10^(exponent − digits after the point): 1e-4 for "0.1234", 1e-7 for "1.5e-6".
    var lastDigitUnit: Double
    /// No fraction and no exponent: a count, compared without a last-digit allowance.
    var isWhole: Bool
    /// Digits from the first non-zero one to the last printed one (for a zero, its fraction's
    /// digits): 4 for "0.005362", 2 for "1.5e-06", 1 for "0.5".
    var significantDigits: Int = 0

    /// The fewest significant digits a float is printed with when none were dropped (tensor
    /// entries print with 4); a number showing fewer lost its trailing zeros.
    static let fullDigits = 4

    /// True when the last printed digit is a real last digit, not the last one left after
    /// trailing zeros were dropped: only then may it wobble by one unit.
    var isPrintedInFull: Bool { !isWhole && significantDigits >= Self.fullDigits }
}

/// Splits a line into its text (numbers replaced by a placeholder) and its numbers.
enum NumberScanner {
    static let placeholder: Character = "\u{FFFC}"

    static func split(_ line: String) -> (text: String, numbers: [PrintedNumber]) {
        let chars = Array(line)
        var text = ""
        var numbers: [PrintedNumber] = []
        var i = 0
        while i < chars.count {
            if let (number, end) = number(in: chars, at: i) {
                numbers.append(number)
                text.append(placeholder)
                i = end
            } else {
                text.append(chars[i])
                i += 1
            }
        }
        return (text, numbers)
    }

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    private static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// The number starting at `start`, and the index after it.
    static func number(in chars: [Character], at start: Int) -> (PrintedNumber, Int)? {
        var i = start
        var sign = 1.0
        // A sign belongs to the number only where it cannot be a binary minus ("x-1", "2-1").
        if chars[i] == "-" || chars[i] == "+" {
            let before = start > 0 ? chars[start - 1] : " "
            guard !isWordCharacter(before), before != ")", before != "]", before != "." else { return nil }
            sign = chars[i] == "-" ? -1 : 1
            i += 1
        }
        guard i < chars.count else { return nil }
        // nan and inf, as whole words.
        for (word, value) in [("nan", Double.nan), ("inf", Double.infinity)] {
            let end = i + word.count
            if end <= chars.count, String(chars[i..<end]).lowercased() == word,
               start == 0 || !isWordCharacter(chars[start - 1]),
               end == chars.count || !isWordCharacter(chars[end]) {
                return (PrintedNumber(value: sign * value, lastDigitUnit: 0, isWhole: false, significantDigits: 0), end)
            }
        }
        guard isDigit(chars[i]) else { return nil }
        var mantissa = ""
        while i < chars.count, isDigit(chars[i]) { mantissa.append(chars[i]); i += 1 }
        var fractionDigits = 0
        var hasFraction = false
        if i + 1 < chars.count, chars[i] == ".", isDigit(chars[i + 1]) {
            hasFraction = true
            mantissa.append(".")
            i += 1
            while i < chars.count, isDigit(chars[i]) { mantissa.append(chars[i]); fractionDigits += 1; i += 1 }
        }
        var exponent = 0
        var hasExponent = false
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            var j = i + 1
            var exponentSign = 1
            if j < chars.count, chars[j] == "-" || chars[j] == "+" { exponentSign = chars[j] == "-" ? -1 : 1; j += 1 }
            var digits = ""
            while j < chars.count, isDigit(chars[j]) { digits.append(chars[j]); j += 1 }
            if !digits.isEmpty, let e = Int(digits.prefix(6)) {
                hasExponent = true
                exponent = exponentSign * e
                i = j
            }
        }
        guard let m = Double(mantissa) else { return nil }
        let value = sign * m * pow(10, Double(exponent))
        let unit = pow(10, Double(exponent - fractionDigits))
        let digits = mantissa.filter { $0 != "." }
        let significant = digits.drop { $0 == "0" }.count
        return (PrintedNumber(value: value, lastDigitUnit: unit, isWhole: !hasFraction && !hasExponent,
                              significantDigits: significant > 0 ? significant : fractionDigits), i)
    }
}

/// `ebm check` for one notebook: replay it and compare every block with its recorded output.
public struct NotebookCheck {
    public enum Status: Equatable {
        case passed
        /// Some blocks differ, or the replay stopped with an error.
        case failed
        /// A block printed `skip: reason` (its data are missing) and no block before it differed.
        case skipped(reason: String)
    }

    /// The notebook's path as given.
    public var name: String
    public var status: Status
    /// The ebm blocks in the notebook.
    public var blocks: Int
    /// The blocks whose replayed output does not match the recorded one.
    public var differing: Int
    /// The unified diffs of the differing blocks, in order (headers name `file:line`).
    public var diffs: String
    /// The error that stopped the replay (or the file from being read), rendered for the terminal.
    public var error: String?

    /// One line for the summary: `ok   x.ebm (12 blocks)`, `FAIL x.ebm: 2 of 12 blocks differ`,
    /// `skip x.ebm: reason`.
    public var summaryLine: String {
        switch status {
        case .passed:
            return "ok   \(name) (\(blocks) block\(blocks == 1 ? "" : "s"))"
        case .skipped(let reason):
            return "skip \(name): \(reason)"
        case .failed:
            if differing > 0 {
                return "FAIL \(name): \(differing) of \(blocks) block\(blocks == 1 ? "" : "s") \(differing == 1 ? "differs" : "differ")"
            }
            let first = error.flatMap { OutputComparison.lines($0).first } ?? "failed"
            return "FAIL \(name): \(first)"
        }
    }

    /// Replays the notebook at `path` (also the name shown) and compares its blocks.
    public static func check(path: String, comparison: OutputComparison = OutputComparison()) -> NotebookCheck {
        let replay: NotebookReplay
        do {
            replay = try NotebookReplay.replay(path: path)
        } catch let error as ScriptError {
            return NotebookCheck(name: path, status: .failed, blocks: 0, differing: 0, diffs: "", error: error.rendered(with: nil))
        } catch {
            return NotebookCheck(name: path, status: .failed, blocks: 0, differing: 0, diffs: "", error: "\(path): \(error)\n")
        }
        return check(replay, comparison: comparison)
    }

    /// Compares a finished replay with the notebook's recorded outputs.
    public static func check(_ replay: NotebookReplay, comparison: OutputComparison = OutputComparison()) -> NotebookCheck {
        let name = replay.notebook.name
        var report = NotebookCheck(name: name, status: .passed, blocks: replay.notebook.blocks.count,
                                   differing: 0, diffs: "", error: nil)
        // The last block that ran is left out when it stopped the replay (its error is reported
        // instead) or printed a skip notice (which is not what was recorded).
        let stopped = replay.failure != nil || replay.skipReason != nil
        for result in stopped ? replay.results.dropLast() : replay.results[...] {
            let recorded = result.block.recorded
            let recordedText = recorded?.text ?? ""
            let recordedImages = recorded?.images ?? []
            if comparison.matches(recorded: recordedText, recordedImages: recordedImages,
                                  replayed: result.output, replayedImages: result.images) { continue }
            report.differing += 1
            let line = recorded?.firstLine ?? result.block.firstLine
            report.diffs += UnifiedDiff.render(
                recorded: OutputComparison.lines(recordedText) + recordedImages.map(ImageReference.line(for:)),
                replayed: OutputComparison.lines(result.output) + result.images.map(ImageReference.line(for:)),
                recordedHeader: "\(name):\(line) (recorded)", replayedHeader: "\(name):\(line) (replayed)",
                comparison: comparison)
        }
        if let failure = replay.failure {
            report.status = .failed
            report.error = NotebookReplay.render(failure, in: replay.notebook)
        } else if report.differing > 0 {
            report.status = .failed
        } else if let reason = replay.skipReason {
            report.status = .skipped(reason: reason)
        }
        return report
    }
}
