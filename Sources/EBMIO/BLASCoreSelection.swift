import EBM
import Foundation

/// Gets OpenBLAS's fast kernels with no action from the user.
///
/// Debian's OpenBLAS 0.3.21 does not know recent CPUs: on recent Xeons it falls back to its
/// generic Prescott kernels, and on AVX-512 EPYCs it picks its AVX2 (Haswell/Zen) kernels; either
/// way sgemm runs 2–5× slower than with its AVX-512 (SkylakeX) kernels, measured here at 420
/// against 220 GFLOP/s on two cores. It reads OPENBLAS_CORETYPE only while the library
/// initialises, which happens before `main`. So when the CPU can run faster kernels than the ones
/// in use, set the variable and exec this same program again (once). This also overrides an
/// OPENBLAS_CORETYPE that names slower kernels than the CPU runs (seen set to Haswell in the
/// environment of AVX-512 machines here); set EBM_KEEP_OPENBLAS_CORETYPE=1 to keep yours.
public enum BLASCoreSelection {
    static let marker = "EBM_BLAS_CORE_SELECTED"
    static let previous = "EBM_BLAS_CORE_REPLACED"

    /// What ebm did at start-up, for `:info`: nil when OpenBLAS's own choice stood.
    public static var note: String? {
        let env = ProcessInfo.processInfo.environment
        guard env[marker] != nil else { return nil }
        if let old = env[previous], !old.isEmpty { return "chosen by ebm from the CPU's features; OPENBLAS_CORETYPE was \(old)" }
        return "chosen by ebm from the CPU's features"
    }

    /// The kernels notebooks replay with: float32 GEMMs round differently under each kernel
    /// family, and a long training run carries the difference into every printed digit, so
    /// `ebm run`, `check` and `update` use one family on every x86-64 CPU that has it (AVX2 and
    /// FMA: all of them since 2013) and a notebook recorded on one machine checks on another.
    /// Interactive use and the benchmark keep the fastest kernels.
    public static let replayCore = "Haswell"

    /// `replay`: the command replays notebooks, so choose `replayCore` where the CPU runs it.
    public static func reexecIfNeeded(replay: Bool = false) {
        let env = ProcessInfo.processInfo.environment
        guard env[marker] == nil, env["EBM_KEEP_OPENBLAS_CORETYPE"] == nil, let best = coreForThisCPU() else { return }
        let core = replay && rank(of: best) >= rank(of: replayCore) ? replayCore : best
        let needed = replay ? BLAS.coreName.lowercased() != core.lowercased() : rank(of: BLAS.coreName) < rank(of: core)
        guard needed else { return }
        setenv(previous, env["OPENBLAS_CORETYPE"] ?? "", 1)
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(marker, core, 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // exec failed: carry on with the slower kernels rather than not at all.
    }

    /// The kernels `ebm check` would replay with on this CPU, and the environment that gives a
    /// child process those kernels, when they are not the ones this process runs (an
    /// interactive session on an AVX-512 CPU runs SkylakeX, replay Haswell); nil when a replay
    /// computes with the same kernels as this process.
    public static func replayEnvironment() -> (kernels: String, environment: [String: String])? {
        var env = ProcessInfo.processInfo.environment
        guard env["EBM_KEEP_OPENBLAS_CORETYPE"] == nil, let best = coreForThisCPU() else { return nil }
        let core = rank(of: best) >= rank(of: replayCore) ? replayCore : best
        guard BLAS.coreName.lowercased() != core.lowercased() else { return nil }
        // The environment this process was started with, so the child chooses its kernels (and
        // prints `:info`) exactly as `ebm check` started from the same shell does.
        if env[marker] != nil {
            if let old = env[previous], !old.isEmpty { env["OPENBLAS_CORETYPE"] = old } else { env["OPENBLAS_CORETYPE"] = nil }
            env[marker] = nil
            env[previous] = nil
        }
        return (core, env)
    }

    /// The best OpenBLAS core type for the CPU's features, from /proc/cpuinfo's flags.
    public static func coreForThisCPU() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Orders OpenBLAS's x86-64 kernel families by the widest vectors they use.
    static func rank(of core: String) -> Int {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 3
        case "haswell", "zen", "skylake": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
        default: return 0
        }
    }
}
