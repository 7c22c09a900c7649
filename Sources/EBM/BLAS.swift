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

extension BLAS {
    /// The best rate of `cblas_sgemm` on an m × k by k × n product over `repeats` runs, in
    /// GFLOP/s (2mnk flops per product), for the benchmark's lower bound.
    public static func measureSGEMM(m: Int, n: Int, k: Int, repeats: Int = 5, seed: UInt64 = 1) -> Double {
        var rng = Xoshiro256StarStar(seed: seed)
        let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() }
        let b = (0..<(k * n)).map { _ in rng.nextUnitFloat() }
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = ContinuousClock.now
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                        1, a, blasint(k), b, blasint(n), 0, &c, blasint(n))
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = min(best, seconds)
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
}
