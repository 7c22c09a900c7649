/// xoshiro256** (Blackman and Vigna 2018): a small, fast generator with 2^256 − 1 period.
///
/// Seeded through SplitMix64 so that nearby seeds give unrelated streams. `stream(_:)` derives an
/// independent generator for chain (or worker) `i`, so results never depend on the order in
/// which chains are advanced.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
        if s == (0, 0, 0, 0) { s.0 = 1 }
    }

    /// An independent generator for sub-stream `index` of this seed.
    public static func stream(seed: UInt64, index: UInt64) -> Xoshiro256StarStar {
        var sm = SplitMix64(state: seed ^ 0x9E37_79B9_7F4A_7C15 &* (index &+ 1))
        return Xoshiro256StarStar(seed: sm.next() ^ index)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform float in [0, 1) from the top 24 bits.
    @inline(__always)
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    @inline(__always)
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea and Flood 2014), used only to expand seeds.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Xoshiro256StarStar {
    /// `count` N(0, 1) draws in float32 into out[0..<count], in bulk: the 64-bit draws first
    /// (⌈count/2⌉ of them, in order), then Box–Muller on all of them in one vectorised loop
    /// (`ElementwiseKernels.boxMuller`: both values of each pair used, |z| ≤ 5.77). For the
    /// hot loops of Langevin dynamics, where the scalar double-precision Box–Muller cost as much
    /// as the gradient; the values differ from `nextNormal`'s.
    public mutating func fillStandardNormals(_ out: UnsafeMutablePointer<Float>, count: Int) {
        let chunk = 64
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunk) { words in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunk) { values in
                guard let w = words.baseAddress, let v = values.baseAddress else { return }
                var done = 0
                while done < count {
                    let wanted = Swift.min(2 * chunk, count - done)
                    let pairs = (wanted + 1) / 2
                    for i in 0..<pairs { w[i] = next() }
                    if wanted == 2 * pairs {
                        ElementwiseKernels.boxMuller(w, count: pairs, into: out + done)
                    } else {
                        ElementwiseKernels.boxMuller(w, count: pairs, into: v)
                        (out + done).update(from: v, count: wanted)
                    }
                    done += wanted
                }
            }
        }
    }
}
