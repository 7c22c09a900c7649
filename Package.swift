// swift-tools-version:6.0
import PackageDescription
import Foundation

// The numerics' element-wise kernels (Sources/EBM/VectorMath.swift) are written for eight floats
// at a time; Swift compiles for baseline x86-64 (SSE2, four floats) unless told the CPU, and has
// no `-target-cpu native` that works. ebm is built from source on the machine that runs it, so
// when this machine has AVX2 and FMA (Haswell and later) the EBM target is compiled for Haswell,
// and when it also has AVX-512 (F, CD, BW, DQ, VL) for Skylake-AVX512: the RNG's four-lane
// update (`Xoshiro256StarStarLanes`, used when EBM_AVX512 is defined) needs its 64-bit rotates
// and runs 2.2× faster than two interleaved scalar generators there, and 1.5× slower with AVX2
// alone. The results are bit-identical either way (Swift does not contract a·b + c into an FMA,
// and the lanes draw exactly what the scalar generators draw); only the speed changes.
// EBM_TARGET_CPU overrides the choice (e.g. EBM_TARGET_CPU=x86-64 for a portable build).
let numericsTargetCPU: String? = {
    let environment = ProcessInfo.processInfo.environment
    if let cpu = environment["EBM_TARGET_CPU"] { return cpu.isEmpty ? nil : cpu }
    #if arch(x86_64) && os(Linux)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    guard ["avx", "avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy(flags.contains) else { return nil }
    return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) ? "skylake-avx512" : "haswell"
    #else
    return nil
    #endif
}()
/// LLVM's names of CPUs with AVX-512 F, CD, BW, DQ and VL.
let avx512CPUs: Set<String> = ["skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
                               "icelake-server", "rocketlake", "tigerlake", "sapphirerapids", "emeraldrapids",
                               "graniterapids", "graniterapids-d", "znver4", "znver5"]
let numericsSettings: [SwiftSetting] = numericsTargetCPU.map { cpu in
    [.unsafeFlags(["-target-cpu", cpu])] + (avx512CPUs.contains(cpu) ? [.define("EBM_AVX512")] : [])
} ?? []

// ebm: energy-based models, learned by doing.
// Data flows one way: text → EBMScript (parser, evaluator) → EBM (numerics) → EBMIO (files) / printer.
let package = Package(
    name: "ebm",
    products: [
        .executable(name: "ebm", targets: ["ebm"]),
        .library(name: "EBM", targets: ["EBM"]),
        .library(name: "EBMIO", targets: ["EBMIO"]),
        .library(name: "EBMScript", targets: ["EBMScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // Thin shims over Debian's C libraries; no code of ours lives in them.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Numerics and models: tensors on OpenBLAS, RNG, data sets, images in memory. No terminal, no files.
        .target(name: "EBM", dependencies: ["COpenBLAS"], swiftSettings: numericsSettings),
        // Files: PNG through libpng, gzip through zlib, atomic writes.
        .target(name: "EBMIO", dependencies: ["EBM", "CPNG", "CZlib"]),
        // The language: lexer, parser, values, evaluator, command table, notebooks.
        .target(name: "EBMScript", dependencies: [
            "EBM", "EBMIO",
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // The executable: command line, REPL on GNU readline, progress display.
        .executableTarget(name: "ebm", dependencies: [
            "EBMScript", "EBM", "EBMIO", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // A small Swift program that uses the libraries directly (exercised by the tests).
        .executableTarget(name: "library-example", dependencies: ["EBM", "EBMIO", "EBMScript"], path: "examples/library-example"),
        // The benchmark's measurements (bench/run prints them beside the peers').
        .executableTarget(name: "ebm-bench", dependencies: ["EBM", "EBMIO"], path: "bench/Sources/ebm-bench"),

        .testTarget(name: "EBMTests", dependencies: ["EBM"]),
        .testTarget(name: "EBMIOTests", dependencies: ["EBMIO", "EBM"]),
        .testTarget(name: "EBMScriptTests", dependencies: ["EBMScript", "EBM", "EBMIO"]),
    ],
    swiftLanguageModes: [.v5]
)
