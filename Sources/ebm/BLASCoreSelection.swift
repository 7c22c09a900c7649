import EBM
import Foundation

/// Gets OpenBLAS's fast kernels with no action from the user.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent Xeons: it falls back to its generic
/// Prescott kernels and runs sgemm 4–5× slower. It reads OPENBLAS_CORETYPE only while the
/// library initialises, which happens before `main`. So when it reports Prescott, the variable is
/// unset and the CPU has AVX-512 (or AVX2), set the variable and exec this same program again.
enum BLASCoreSelection {
    static let marker = "EBM_BLAS_CORE_SELECTED"

    static func reexecIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env[marker] == nil, BLAS.coreName == "Prescott",
              let core = coreForThisCPU() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(marker, core, 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // exec failed: carry on with the slow kernels rather than not at all.
    }

    /// The OpenBLAS core type for the CPU's features, from /proc/cpuinfo's flags.
    static func coreForThisCPU() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }
}
