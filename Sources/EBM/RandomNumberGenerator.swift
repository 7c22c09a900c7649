import Glibc

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

    /// Two independent N(0, 1) draws by the Box–Muller transform (Box and Muller 1958),
    ///
    ///     r = √(−2 log u₁),   (r cos 2πu₂, r sin 2πu₂)
    ///
    /// from two uniforms U₁, U₂ ∈ [0, 1). The one normal sampler of ebm: every N(0, 1) draw goes
    /// through it. u₁ must be in (0, 1] for the log to be finite: by default u₁ = max(U₁, 2⁻¹⁰⁷⁴);
    /// `complement: true` takes u₁ = 1 − U₁ instead, the stream RBM weights and `randn` have always
    /// drawn (kept so their recorded numbers stay valid). Both are exact N(0, 1) transforms.
    @inline(__always)
    public mutating func nextNormalPair(complement: Bool = false) -> (Double, Double) {
        let u = nextUnitDouble()
        let u1 = complement ? 1 - u : Swift.max(u, .leastNonzeroMagnitude)
        let u2 = nextUnitDouble()
        let r = (-2 * Glibc.log(u1)).squareRoot(), a = 2 * Double.pi * u2
        return (r * Glibc.cos(a), r * Glibc.sin(a))
    }

    /// One N(0, 1) draw (the first of a Box–Muller pair; the second is discarded).
    @inline(__always)
    public mutating func nextNormal() -> Double { nextNormalPair().0 }

    /// `count` N(0, 1) draws into z[start...], both values of each Box–Muller pair used.
    public mutating func fillStandardNormal(_ z: inout [Float], from start: Int = 0, count: Int, complement: Bool = false) {
        precondition(start >= 0 && start + count <= z.count, "fillStandardNormal: range outside the buffer")
        var i = 0
        while i < count {
            let (a, b) = nextNormalPair(complement: complement)
            z[start + i] = Float(a)
            if i + 1 < count { z[start + i + 1] = Float(b) }
            i += 2
        }
    }

    /// `count` N(0, 1) draws as float32, both values of each pair used.
    public mutating func standardNormals(_ count: Int, complement: Bool = false) -> [Float] {
        var z = [Float](repeating: 0, count: count)
        fillStandardNormal(&z, count: count, complement: complement)
        return z
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
