/// Vectorised float32 element-wise math: the one implementation of e^x, ln x, σ, softplus, swish
/// and swish′ and of bulk Bernoulli comparisons that the hot loops use (the RBM epoch and AIS
/// through `ElementwiseKernels`, the neural Langevin kernel through `Activation.sweep`).
///
/// Everything is written on `SIMD8<Float>` with plain multiplies, adds, compares and integer bit
/// operations, so it compiles to packed SSE2 on baseline x86-64 (two registers per vector) with no
/// libm calls. A scalar overload runs the same operations in the same order, and Swift does not
/// contract a · b + c into a fused multiply-add, so every lane equals the scalar result: a value
/// never depends on its position in a buffer (or on whether it fell in the scalar tail).
///
/// Accuracy (measured in `VectorMathTests` against Glibc's `exp`/`expf`/`log`): `exp` within
/// 2 ulp over the whole float range with IEEE behaviour at the ends (∞ above ln(FLT_MAX), 0 below
/// about −103.97, NaN in → NaN out); `saturatingExp` the same on [−87.3, 88.3] and clamped to it
/// outside, which is what σ, softplus and swish are built on, so they saturate without 0/0 or
/// ∞/∞ (σ(−100) < 10⁻³⁸, σ(100) = 1, softplus(100) = 100, softplus(−100) < 10⁻³⁷).
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    // MARK: e^x

    /// e^x with the input clamped to [−87.3, 88.3] (so the result is a normal float, never 0 or
    /// ∞): Cody–Waite reduction x = n ln 2 + r with n = round(x / ln 2) (the 1.5 · 2²³ rounding
    /// trick, exact for |n| < 2²²), ln 2 split in a high part exact in float and a low part, so
    /// |r| ≤ ln 2 / 2 carries no cancellation error; e^r by the Cephes `expf` polynomial
    /// (1 + r + r² P(r), relative error below 1 ulp on that interval); 2ⁿ assembled in the
    /// exponent bits with wrapping integer arithmetic (no traps, no branches).
    @inline(__always)
    public static func saturatingExp(_ x: Vector) -> Vector {
        // `replacing(with:where:)` inlines to compares and masks (maxps/minps here);
        // `pointwiseMin` stays a call.
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let (er, t) = expReduced(clamped)
        let bits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
        let scale = unsafeBitCast((bits &- 0x4B40_0000 &+ 127) &<< 23, to: Vector.self)
        return er * scale
    }

    /// e^r for the reduced argument and n + 1.5 · 2²³ (whose low bits hold n), shared by both
    /// exponentials.
    @inline(__always)
    static func expReduced(_ x: Vector) -> (er: Vector, t: Vector) {
        let magic = Vector(repeating: 12_582_912)     // 1.5 · 2²³: adding it rounds to an integer
        let t = x * 1.442_695_04 + magic               // n + magic, n = round(x / ln 2)
        let n = t - magic
        var r = x - n * 0.693_359_375                  // ln 2, high part (exact in float)
        r = r - n * -2.121_944_4e-4                    // ln 2, low part
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        return (p * r * r + r + 1, t)
    }

    /// e^x over the whole float range: as `saturatingExp` on [−87.3, 88.3], and beyond it 2ⁿ is
    /// applied as two factors 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋) (each a normal float, the products exact
    /// until the last, which rounds once into the subnormals), so e^x is right up to ln(FLT_MAX)
    /// = 88.7228, +∞ above, and down through the subnormals to 0 below ≈ −103.97. NaN stays NaN
    /// (every compare with it is false, so no select replaces it).
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let low = Vector(repeating: -104), high = Vector(repeating: 88.75)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let (er, t) = expReduced(clamped)
        let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = n &>> 1
        let first = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let second = unsafeBitCast((n &- half &+ 127) &<< 23, to: Vector.self)
        let y = er * first * second
        return y.replacing(with: .infinity, where: x .> 88.722_839_1)
    }

    /// The scalar `saturatingExp`: the same operations, so equal to every lane of the vector one.
    @inline(__always)
    public static func saturatingExp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.3), 88.3)
        let magic: Float = 12_582_912
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        let scale = Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return er * scale
    }

    /// The scalar `exp` (one lane of the vector one).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    // MARK: ln x

    /// ln x for x > 0 (Cephes `logf`, about 1 ulp on normal inputs): x = m · 2ᵉ with
    /// m ∈ [√½, √2), ln m by a degree-9 polynomial in m − 1. Branch-free (the range fold is a
    /// select) and integer-only in the exponent handling. Normal positive inputs only (the
    /// callers pass 1 + e^(−|u|) ∈ (1, 2] and uniforms in (0, 1]).
    @inline(__always)
    public static func ln(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let exponent = SIMD8<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 126
        var e = Vector(exponent)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: Vector.self)
        let small = m .< 0.707_106_781
        e = e.replacing(with: e - 1, where: small)
        m = (m - 1).replacing(with: m + m - 1, where: small)
        let z = m * m
        // The coefficients come from memory: with them as literals LLVM splits this Horner chain
        // into one scalar chain per lane (measured: 44 mulss against 22 mulps); loaded, it stays
        // packed. p · m + (−c) is p · m − c exactly, so the values are those of the scalar `ln`.
        let c = lnCoefficients
        var p = c[0]
        p = p * m + c[1]
        p = p * m + c[2]
        p = p * m + c[3]
        p = p * m + c[4]
        p = p * m + c[5]
        p = p * m + c[6]
        p = p * m + c[7]
        p = p * m + c[8]
        var y = p * m * z
        y += e * -2.121_944_4e-4
        y += -0.5 * z
        return m + y + e * 0.693_359_375
    }

    /// The Cephes `logf` polynomial's coefficients, highest degree first, each in all lanes.
    static let lnCoefficients: UnsafePointer<Vector> = {
        let values: [Float] = [7.037_683_629_2e-2, -1.151_461_031_0e-1, 1.167_699_874_0e-1, -1.242_014_084_6e-1,
                               1.424_932_278_7e-1, -1.666_805_766_5e-1, 2.000_071_476_5e-1, -2.499_999_399_3e-1,
                               3.333_333_117_4e-1]
        let table = UnsafeMutablePointer<Vector>.allocate(capacity: values.count)
        for (i, v) in values.enumerated() { table[i] = Vector(repeating: v) }
        return UnsafePointer(table)
    }()

    /// The scalar `ln`, the same operations.
    @inline(__always)
    public static func ln(_ x: Float) -> Float {
        let bits = x.bitPattern
        var e = Float(Int32(truncatingIfNeeded: (bits >> 23) & 0xFF) &- 126)
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)   // [0.5, 1)
        let small = m < 0.707_106_781
        e = small ? e - 1 : e
        m = small ? m + m - 1 : m - 1
        let z = m * m
        var p: Float = 7.037_683_629_2e-2
        p = p * m - 1.151_461_031_0e-1
        p = p * m + 1.167_699_874_0e-1
        p = p * m - 1.242_014_084_6e-1
        p = p * m + 1.424_932_278_7e-1
        p = p * m - 1.666_805_766_5e-1
        p = p * m + 2.000_071_476_5e-1
        p = p * m - 2.499_999_399_3e-1
        p = p * m + 3.333_333_117_4e-1
        var y = p * m * z
        y += e * -2.121_944_4e-4
        y += -0.5 * z
        return m + y + e * 0.693_359_375
    }

    // MARK: e^x − 1 and ln(1 + x) near 0

    /// Whether any lane of `mask` is set, by halving ORs of its lanes (the standard library's
    /// `any` stayed a generic call in the hot loop).
    @inline(__always)
    static func anyLane(_ mask: SIMDMask<SIMD8<Int32>>) -> Bool {
        let bits = unsafeBitCast(mask, to: SIMD8<Int32>.self)
        let four = bits.lowHalf | bits.highHalf
        let two = four.lowHalf | four.highHalf
        return two[0] | two[1] != 0
    }

    /// e^x − 1 without the cancellation of exp(x) − 1 near 0. For |x| < 0.35 the Taylor
    /// polynomial of degree 7, x(1 + x/2(1 + x/3(… (1 + x/7)))), whose truncation error is below
    /// 0.35⁷/8! < 2 · 10⁻⁸ relative; elsewhere exp(x) − 1, within a few ulp there because
    /// e^x / |e^x − 1| < 3.4 for |x| ≥ 0.35 (−1 below about −17, ∞ above ln(FLT_MAX)). The
    /// exponential is skipped when every lane is small.
    @inline(__always)
    public static func expm1(_ x: Vector) -> Vector {
        let c = expm1Coefficients
        var p = c[0] + x * c[6]
        p = c[0] + x * c[5] * p
        p = c[0] + x * c[4] * p
        p = c[0] + x * c[3] * p
        p = c[0] + x * c[2] * p
        p = c[0] + x * c[1] * p
        p = x * p
        let large = absolute(x) .>= 0.35
        guard anyLane(large) else { return p }
        return expm1Far(x, near: p, large)
    }

    /// `expm1`'s lanes with |x| ≥ 0.35 (out of line, so the polynomial path inlines).
    @inline(never)
    static func expm1Far(_ x: Vector, near p: Vector, _ large: SIMDMask<SIMD8<Int32>>) -> Vector {
        p.replacing(with: exp(x) - 1, where: large)
    }

    /// 1/1 … 1/7 in all lanes (loaded, so LLVM keeps the Horner chains packed; see `ln`).
    static let expm1Coefficients: UnsafePointer<Vector> = {
        let table = UnsafeMutablePointer<Vector>.allocate(capacity: 7)
        for k in 1...7 { table[k - 1] = Vector(repeating: 1 / Float(k)) }
        return UnsafePointer(table)
    }()

    /// The scalar `expm1`, the same operations.
    @inline(__always)
    public static func expm1(_ x: Float) -> Float { expm1(Vector(repeating: x))[0] }

    /// ln(1 + x) for x > −1 without the rounding of 1 + x near 0. For |x| < 1/16 the Taylor
    /// polynomial x(1 − x(1/2 − x(1/3 − x(1/4 − x(1/5 − x/6))))), truncation error below
    /// (1/16)⁶/7 < 10⁻⁸ relative; elsewhere Goldberg's (1991) ln(u) · x / (u − 1) with u = 1 + x
    /// rounded, which restores what the rounding of u lost. For x > −1 (`ln` takes normal
    /// positive inputs only). The logarithm is skipped when every lane is small.
    @inline(__always)
    public static func log1p(_ x: Vector) -> Vector {
        let c = log1pCoefficients
        var p = c[0] - x * c[1]
        p = c[2] - x * p
        p = c[3] - x * p
        p = c[4] - x * p
        p = c[5] - x * p
        p = x * p
        let large = absolute(x) .>= 0.0625
        guard anyLane(large) else { return p }
        return log1pFar(x, near: p, large)
    }

    /// `log1p`'s lanes with |x| ≥ 1/16 (out of line, so the polynomial path inlines).
    @inline(never)
    static func log1pFar(_ x: Vector, near p: Vector, _ large: SIMDMask<SIMD8<Int32>>) -> Vector {
        let u = 1 + x
        return p.replacing(with: ln(u) * x / (u - 1), where: large)
    }

    /// 1/5, 1/6, 1/4, 1/3, 1/2, 1 in all lanes, in the order `log1p` uses them.
    static let log1pCoefficients: UnsafePointer<Vector> = {
        let values: [Float] = [1 / 5, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 1]
        let table = UnsafeMutablePointer<Vector>.allocate(capacity: values.count)
        for (i, v) in values.enumerated() { table[i] = Vector(repeating: v) }
        return UnsafePointer(table)
    }()

    /// The scalar `log1p`, the same operations.
    @inline(__always)
    public static func log1p(_ x: Float) -> Float { log1p(Vector(repeating: x))[0] }

    // MARK: σ, softplus, swish

    /// σ(z) = 1 / (1 + e^(−z)): exactly 1 for z ≥ 17, below 10⁻³⁸ for z ≤ −88.3, NaN for NaN.
    @inline(__always)
    public static func sigmoid(_ z: Vector) -> Vector { 1 / (1 + saturatingExp(-z)) }

    @inline(__always)
    public static func sigmoid(_ z: Float) -> Float { 1 / (1 + saturatingExp(-z)) }

    /// softplus(z) = ln(1 + e^z) = max(z, 0) + log1p(e^(−|z|)): no overflow for any z,
    /// softplus(z) = z for z ≥ 17, and for negative z relative accuracy down to e^z (log1p(e)
    /// as ln u − ((u − 1) − e)/u with u = 1 + e rounded: the correction restores what the
    /// rounding of u lost, Goldberg 1991), below 10⁻³⁷ for z ≤ −88.
    @inline(__always)
    public static func softplus(_ z: Vector) -> Vector {
        let e = saturatingExp(-absolute(z))
        let u = 1 + e
        return z.replacing(with: 0, where: z .< 0) + (ln(u) - ((u - 1) - e) / u)
    }

    @inline(__always)
    public static func softplus(_ z: Float) -> Float {
        let e = saturatingExp(-Swift.abs(z))
        let u = 1 + e
        return (z < 0 ? 0 : z) + (ln(u) - ((u - 1) - e) / u)
    }

    /// swish(z) = z σ(z) (Ramachandran et al. 2017) and its derivative
    /// swish′(z) = σ(z) + z σ(z)(1 − σ(z)), from one exponential.
    @inline(__always)
    public static func swishAndDerivative(_ z: Vector) -> (value: Vector, derivative: Vector) {
        let s = 1 / (1 + saturatingExp(-z))
        return (z * s, s + z * s * (1 - s))
    }

    @inline(__always)
    public static func swishAndDerivative(_ z: Float) -> (value: Float, derivative: Float) {
        let s = 1 / (1 + saturatingExp(-z))
        return (z * s, s + z * s * (1 - s))
    }

    /// |z|, by clearing the sign bit.
    @inline(__always)
    public static func absolute(_ z: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(z, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    // MARK: sixteen lanes (AVX-512)

    /// Sixteen floats: one AVX-512 register. The hot σ and swish sweeps run on it where
    /// Package.swift defines EBM_AVX512; its functions are lane for lane the eight-lane ones (the
    /// same operations in the same order; `VectorMathTests` compares every lane), written again
    /// for the wider type because Swift's generic SIMD comparisons compile to a loop over lanes.
    public typealias Wide = SIMD16<Float>

    /// `saturatingExp` on sixteen lanes.
    @inline(__always)
    public static func saturatingExp(_ x: Wide) -> Wide {
        let low = Wide(repeating: -87.3), high = Wide(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let magic = Wide(repeating: 12_582_912)
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Wide(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        let bits = unsafeBitCast(t, to: SIMD16<UInt32>.self)
        return er * unsafeBitCast((bits &- 0x4B40_0000 &+ 127) &<< 23, to: Wide.self)
    }

    /// `swishAndDerivative` on sixteen lanes.
    @inline(__always)
    public static func swishAndDerivative(_ z: Wide) -> (value: Wide, derivative: Wide) {
        let s = 1 / (1 + saturatingExp(-z))
        return (z * s, s + z * s * (1 - s))
    }

    /// `sigmoid` on sixteen lanes.
    @inline(__always)
    public static func sigmoid(_ z: Wide) -> Wide { 1 / (1 + saturatingExp(-z)) }

    /// Sixteen floats at p + i (any alignment).
    @inline(__always)
    public static func load16(_ p: UnsafePointer<Float>, _ i: Int) -> Wide {
        UnsafeRawPointer(p + i).loadUnaligned(as: Wide.self)
    }

    @inline(__always)
    public static func store16(_ v: Wide, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Wide.self)
    }

    // MARK: loads and stores

    /// Eight floats at p + i (any alignment).
    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
        UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
    }

    /// The `count` < 8 floats at p + i in the first lanes, `fill` in the others: a buffer's tail
    /// goes through the same vector code as its body, so one loop serves both.
    @inline(__always)
    public static func loadPartial(_ p: UnsafePointer<Float>, _ i: Int, count: Int, fill: Float = 0) -> Vector {
        var v = Vector(repeating: fill)
        for k in 0..<count { v[k] = p[i + k] }
        return v
    }

    /// The first `count` lanes of v to p + i.
    @inline(__always)
    public static func storePartial(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int, count: Int) {
        for k in 0..<count { p[i + k] = v[k] }
    }

    /// Applies `f` to the n floats at x, writing to y (which may be x): whole vectors, then the
    /// tail through the same `f` in one partially filled vector.
    @inline(__always)
    public static func map(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
                           _ f: (Vector) -> Vector) {
        var i = 0
        while i + 8 <= n { store(f(load(x, i)), y, i); i += 8 }
        if i < n { storePartial(f(loadPartial(x, i, count: n - i)), y, i, count: n - i) }
    }

    // MARK: buffers

    /// y ← e^x (full range) over n floats; y may be x.
    public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        map(x, into: y, count: n) { exp($0) }
    }

    /// y ← σ(x) over n floats; y may be x.
    public static func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        map(x, into: y, count: n) { sigmoid($0) }
    }

    /// y ← softplus(x) over n floats; y may be x.
    public static func softplus(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        map(x, into: y, count: n) { softplus($0) }
    }

    /// y ← swish(x) over n floats; y may be x.
    public static func swish(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        map(x, into: y, count: n) { swishAndDerivative($0).value }
    }

    /// y ← swish′(x) over n floats; y may be x.
    public static func swishDerivative(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        map(x, into: y, count: n) { swishAndDerivative($0).derivative }
    }

    /// One sweep over n floats: a ← swish(z + bias), d ← swish′(z + bias) (a may be z), the
    /// bias added element-wise (n floats at `bias`).
    public static func swishAndDerivative(_ z: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                          values a: UnsafeMutablePointer<Float>, derivatives d: UnsafeMutablePointer<Float>,
                                          count n: Int) {
        var i = 0
        #if EBM_AVX512
        while i + 16 <= n {
            let (v, g) = swishAndDerivative(load16(z, i) + load16(bias, i))
            store16(v, a, i)
            store16(g, d, i)
            i += 16
        }
        #endif
        while i + 8 <= n {
            let (v, g) = swishAndDerivative(load(z, i) + load(bias, i))
            store(v, a, i)
            store(g, d, i)
            i += 8
        }
        if i < n {
            let m = n - i
            let (v, g) = swishAndDerivative(loadPartial(z, i, count: m) + loadPartial(bias, i, count: m))
            storePartial(v, a, i, count: m)
            storePartial(g, d, i, count: m)
        }
    }

    // MARK: Bernoulli

    /// Two 24-bit uniforms per 64-bit draw, as integers k (u = k / 2²⁴): lane 2i holds bits
    /// 40–63 of w[i], lane 2i + 1 bits 16–39 (xoshiro256** scrambles all bits). Done in 64-bit
    /// lanes, which SSE2 shifts and masks natively: (low ≪ 32) | high puts the two in the
    /// order of the output.
    @inline(__always)
    static func uniformIntegers(_ w: SIMD4<UInt64>) -> SIMD8<Int32> {
        let high = w &>> 40, low = (w &>> 16) & 0xFF_FFFF
        return unsafeBitCast((low &<< 32) | high, to: SIMD8<Int32>.self)
    }

    /// Bernoulli samples of n probabilities: out[k] = 1 if u_k < p[k] else 0, u_k the uniforms of
    /// `uniformIntegers` (u_{2i} from the top bits of words[i], u_{2i+1} from the middle bits;
    /// ⌈n/2⌉ words), eight comparisons at a time. out may be p. NaN probabilities give 0.
    public static func bernoulli(words: UnsafePointer<UInt64>, probabilities p: UnsafePointer<Float>,
                                 into out: UnsafeMutablePointer<Float>, count n: Int) {
        let unit = Vector(repeating: 1.0 / 16_777_216.0)
        let zero = Vector(repeating: 0)
        @inline(__always) func sample(_ w: SIMD4<UInt64>, _ q: Vector) -> Vector {
            let u = Vector(uniformIntegers(w)) * unit
            return zero.replacing(with: 1, where: u .< q)
        }
        var i = 0
        let raw = UnsafeRawPointer(words)
        while i + 8 <= n {
            store(sample(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<UInt64>.self), load(p, i)), out, i)
            i += 8
        }
        if i < n {
            let m = n - i
            var w = SIMD4<UInt64>(repeating: 0)
            for k in 0..<(m + 1) / 2 { w[k] = words[i / 2 + k] }
            storePartial(sample(w, loadPartial(p, i, count: m)), out, i, count: m)
        }
    }
}
