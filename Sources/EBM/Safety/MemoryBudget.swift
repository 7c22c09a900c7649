import Glibc

/// How much memory one computation may ask for, checked before any allocation whose size the
/// user chooses (tensor shapes, chains × snapshots, runs, batches, image sizes).
///
/// Without it `gibbs(m, chains: 100000, steps: 10000, every: 1)` is accepted and the process
/// dies minutes later asking the allocator for 64 GB. With it the call fails at once with the
/// size it needed and what to lower. The session owns its budget (a value, no global state);
/// the default is a quarter of physical memory, and `EBM_MEMORY_BUDGET` (or `ebm --memory-budget`)
/// changes it: "4G", "512M", "2.5GB", "25%" (of physical memory) or a number of bytes.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    /// The most one allocation path may ask for, in bytes.
    public var bytes: Int
    /// Where the budget came from, for messages ("half the physical memory", "EBM_MEMORY_BUDGET").
    public var source: String

    public init(bytes: Int, source: String = "the memory budget") {
        self.bytes = Swift.max(0, bytes)
        self.source = source
    }

    /// The share of physical memory one session may use by default.
    public static let defaultShare = 0.25
    /// The environment variable that sets the budget.
    public static let environmentVariable = "EBM_MEMORY_BUDGET"

    /// Physical memory in bytes (sysconf), or 4 GiB when the system does not say.
    public static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 4 << 30 }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }

    /// A quarter of the physical memory: one computation should leave room for the rest of the
    /// machine (and a second session), and a 10 GB product on a 24 GB machine is far more
    /// likely a slip than a plan.
    public static var standard: MemoryBudget {
        MemoryBudget(bytes: Int(saturating: Double(physicalMemory) * defaultShare), source: "a quarter of the physical memory")
    }

    /// The budget `EBM_MEMORY_BUDGET` asks for, or `standard` when it is unset. Throws when the
    /// variable is set but unreadable, rather than ignoring it.
    public static func fromEnvironment(_ environment: [String: String]) throws(MemoryBudgetParseError) -> MemoryBudget {
        guard let text = environment[environmentVariable], !text.isEmpty else { return standard }
        guard let bytes = parse(text) else { throw MemoryBudgetParseError(text: text) }
        return MemoryBudget(bytes: bytes, source: "\(environmentVariable)=\(text)")
    }

    /// Bytes from "4G", "512M", "64k", "2.5GB", "1GiB", "25%" (of physical memory) or "1000000".
    public static func parse(_ text: String, physicalMemory: Int = MemoryBudget.physicalMemory) -> Int? {
        var t = text.trimmingCharacters(in: " \t").lowercased()
        if t.hasSuffix("%") {
            guard let share = Double(t.dropLast()), share > 0, share <= 100 else { return nil }
            return Int(saturating: Double(physicalMemory) * share / 100)
        }
        for suffix in ["ib", "b"] where t.hasSuffix(suffix) && t.count > suffix.count { t.removeLast(suffix.count); break }
        var scale = 1.0
        if let last = t.last, let power = ["k": 1, "m": 2, "g": 3, "t": 4][last] {
            scale = pow(1024, Double(power))
            t.removeLast()
        }
        guard let value = Double(t), value.isFinite, value > 0 else { return nil }
        return Int(saturating: value * scale)
    }

    /// Throws when `bytes` is more than the budget.
    ///
    /// - Parameters:
    ///   - what: what needs the memory, with the sizes that set it ("100000 chains × 10001 snapshots × 16 units").
    ///   - lower: the arguments to lower ("chains, steps or raise every").
    public func check(_ bytes: Int, for what: String, lower: String) throws(MemoryBudgetExceeded) {
        if bytes > self.bytes { throw MemoryBudgetExceeded(needed: bytes, budget: self, what: what, lower: lower) }
    }

    /// ∏ factors, saturating at Int.max instead of overflowing (sizes multiply fast).
    public static func product(_ factors: Int...) -> Int { product(factors) }

    public static func product(_ factors: [Int]) -> Int {
        var p = 1
        for f in factors {
            let (r, overflow) = p.multipliedReportingOverflow(by: Swift.max(f, 0))
            if overflow { return Int.max }
            p = r
        }
        return p
    }

    /// a + b + …, saturating.
    public static func sum(_ terms: Int...) -> Int {
        var s = 0
        for t in terms {
            let (r, overflow) = s.addingReportingOverflow(Swift.max(t, 0))
            if overflow { return Int.max }
            s = r
        }
        return s
    }

    public var description: String { "\(MemoryBudget.format(bytes)) (\(source))" }

    /// "64 GB", "512 MB", "12 KB", "800 bytes" (powers of 1024, three significant digits).
    public static func format(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than 9 EB" }
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(bytes), k = 0
        while v >= 1024 && k < units.count - 1 { v /= 1024; k += 1 }
        if k == 0 { return "\(bytes) bytes" }
        let text = v >= 100 ? String(Int(saturating: v.rounded())) : v >= 10 ? trimmed(v, 1) : trimmed(v, 2)
        return "\(text) \(units[k])"
    }

    private static func trimmed(_ v: Double, _ decimals: Int) -> String {
        let scale = pow(10, Double(decimals))
        let r = (v * scale).rounded() / scale
        var s = "\(r)"
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s
    }
}

/// An allocation the budget refuses: how much it needed, for what, and what to lower.
public struct MemoryBudgetExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public var needed: Int
    public var budget: MemoryBudget
    public var what: String
    public var lower: String

    public init(needed: Int, budget: MemoryBudget, what: String, lower: String) {
        (self.needed, self.budget, self.what, self.lower) = (needed, budget, what, lower)
    }

    public var description: String {
        "\(what) needs \(MemoryBudget.format(needed)) of memory, more than the budget of \(budget)"
    }

    /// "lower chains or steps, or raise the budget with ebm --memory-budget or EBM_MEMORY_BUDGET".
    public var advice: String {
        "lower \(lower), or raise the budget with ebm --memory-budget SIZE or \(MemoryBudget.environmentVariable)=SIZE (e.g. 16G, 75%)"
    }
}

/// `EBM_MEMORY_BUDGET` (or `--memory-budget`) holds something that is not a size.
public struct MemoryBudgetParseError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public init(text: String) { self.text = text }
    public var description: String {
        "the memory budget \"\(text)\" is not a size: write e.g. 4G, 512M, 2.5GB, 25% (of physical memory) or a number of bytes"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
