/// Four xoshiro256** generators advanced in the lanes of 256-bit vectors: lane i gives exactly
/// the draws of generator i, in the same order. The serial chain of one generator's update is
/// what limits Bernoulli sampling; in lanes, one vector update makes four draws. With AVX-512's
/// 64-bit rotates this runs about 2.2× faster than two scalar generators interleaved (0.37
/// against 0.81 ns per draw here); with AVX2 alone about 1.5× slower, so the samplers use it only
/// where Package.swift defines EBM_AVX512. The multiplications by 5 and 9 are shifts and adds.
struct Xoshiro256StarStarLanes {
    var s0: SIMD4<UInt64>, s1: SIMD4<UInt64>, s2: SIMD4<UInt64>, s3: SIMD4<UInt64>

    /// The generators at g[0..<4].
    init(_ g: UnsafePointer<Xoshiro256StarStar>) {
        s0 = SIMD4(g[0].s.0, g[1].s.0, g[2].s.0, g[3].s.0)
        s1 = SIMD4(g[0].s.1, g[1].s.1, g[2].s.1, g[3].s.1)
        s2 = SIMD4(g[0].s.2, g[1].s.2, g[2].s.2, g[3].s.2)
        s3 = SIMD4(g[0].s.3, g[1].s.3, g[2].s.3, g[3].s.3)
    }

    /// Writes the lanes' states back to g[0..<4].
    func store(_ g: UnsafeMutablePointer<Xoshiro256StarStar>) {
        for i in 0..<4 { g[i].s = (s0[i], s1[i], s2[i], s3[i]) }
    }

    @inline(__always)
    private static func rotl(_ x: SIMD4<UInt64>, _ k: UInt64) -> SIMD4<UInt64> { (x &<< k) | (x &>> (64 - k)) }

    /// The next draw of each of the four generators (`Xoshiro256StarStar.next`, lane by lane).
    @inline(__always)
    mutating func next() -> SIMD4<UInt64> {
        let times5 = s1 &+ (s1 &<< 2)
        let rotated = Self.rotl(times5, 7)
        let result = rotated &+ (rotated &<< 3)
        let t = s1 &<< 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }
}
