import COpenBLAS

/// What the linked BLAS says about itself, for `:info` and the benchmark.
public enum BLAS {
    /// The kernel family OpenBLAS chose at start-up (e.g. "SkylakeX", or "Prescott" when it did
    /// not recognise the CPU).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string (version and options).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: " ")
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
