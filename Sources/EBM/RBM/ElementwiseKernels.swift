import Glibc

/// Element-wise kernels of the RBM: the logistic sigmoid, softplus, log-sum-exp and Bernoulli
/// sampling over contiguous buffers (no allocation, no per-element calls into libm in the float32
/// paths). The float32 loops are written on eight-lane vectors with the exponential, logarithm
/// and Bernoulli comparisons of `VectorMath`, a buffer's tail in a partially filled vector.
///
/// The float32 kernels serve the training hot loop; the float64 ones serve exact enumeration,
/// where accuracy matters more than speed.
enum ElementwiseKernels {
    // MARK: float32 exponential and logarithm (implemented once, in `VectorMath`)

    /// e^x in float32, input clamped to [−87.3, 88.3] (`VectorMath.saturatingExp`).
    @inline(__always)
    static func exp(_ x: Float) -> Float { VectorMath.saturatingExp(x) }

    /// σ(z) = 1 / (1 + e^(−z)) in float32.
    @inline(__always)
    static func sigmoid(_ z: Float) -> Float { VectorMath.sigmoid(z) }

    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.saturatingExp(x) }

    @inline(__always)
    static func ln(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.ln(x) }

    /// For AIS at one temperature step β′ → β and hidden input z = b + Wx: the log-weight term
    /// softplus(βz) − softplus(β′z) and σ(βz). With u = βz and w = u − β′z = (β − β′)z,
    ///
    ///     softplus(u) − softplus(u − w) = −ln(1 + σ(u)(e^(−w) − 1)) = −log1p(σ(u) · expm1(−w))
    ///     σ(u) = (u ≥ 0 ? 1 : e^(−|u|)) / (1 + e^(−|u|))
    ///
    /// one exponential, and the difference to a few ulp of itself however small (β − β′) is: the
    /// form of two softplus values subtracted lost about ε·|u| to cancellation, a relative error
    /// of about 10⁻³ at 10⁴ temperatures and worse beyond (AIS − exact stalled near 4 · 10⁻⁵ at
    /// 10⁵ temperatures on an enumerable RBM). Where |w| ≥ 0.35 (few temperatures) there is no
    /// cancellation to avoid and e^(−w) could overflow, so those lanes keep that form,
    ///
    ///     max(u, 0) − max(u′, 0) + ln((1 + e^(−|u|)) / (1 + e^(−|u′|))),   u′ = β′z.
    ///
    /// β − β′ is computed in float, exactly when β′ ≥ β/2 (Sterbenz).
    @inline(__always)
    static func softplusStep(_ z: SIMD8<Float>, current: Float, previous: Float) -> (difference: SIMD8<Float>, sigmoid: SIMD8<Float>) {
        let u = current * z, w = (current - previous) * z
        let zero = SIMD8<Float>(repeating: 0), one = SIMD8<Float>(repeating: 1)
        let eu = exp(-VectorMath.absolute(u))
        let sigmoid = one.replacing(with: eu, where: u .< zero) / (1 + eu)
        let close = VectorMath.absolute(w) .< 0.35
        var difference = -VectorMath.log1p(sigmoid * VectorMath.expm1(-w))
        if VectorMath.anyLane(.!close) {
            let v = previous * z
            let ev = exp(-VectorMath.absolute(v))
            let apart = u.replacing(with: zero, where: u .< zero) - v.replacing(with: zero, where: v .< zero)
                + ln((1 + eu) / (1 + ev))
            difference = apart.replacing(with: difference, where: close)
        }
        return (difference, sigmoid)
    }

    /// `softplusStep` over the columns `columns` of one row: a[j] ← σ(β(a[j] + b[j])), and the
    /// sum of the log-weight terms. One vector loop: the tail (fewer than eight columns) runs the
    /// same vector code on a partially filled vector; the sum is the eight lanes of the body,
    /// then the tail's terms one by one in column order.
    static func softplusStepRow(_ a: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>, columns: Range<Int>,
                                current: Float, previous: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var j = columns.lowerBound
        while j + 8 <= columns.upperBound {
            let (difference, sigmoid) = softplusStep(load8(a, j) + load8(b, j), current: current, previous: previous)
            acc += difference
            store8(sigmoid, a, j)
            j += 8
        }
        var s = acc.sum()
        if j < columns.upperBound {
            let m = columns.upperBound - j
            let z = VectorMath.loadPartial(a, j, count: m) + VectorMath.loadPartial(b, j, count: m)
            let (difference, sigmoid) = softplusStep(z, current: current, previous: previous)
            for k in 0..<m { s += difference[k] }
            VectorMath.storePartial(sigmoid, a, j, count: m)
        }
        return s
    }

    /// The scalar `softplusStep`: one lane of the vector one.
    @inline(__always)
    static func softplusStep(_ z: Float, current: Float, previous: Float) -> (difference: Float, sigmoid: Float) {
        let lanes = softplusStep(SIMD8<Float>(repeating: z), current: current, previous: previous)
        return (lanes.difference[0], lanes.sigmoid[0])
    }

    /// Eight floats at p + i (any alignment).
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> { VectorMath.load(p, i) }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) { VectorMath.store(v, p, i) }

    /// a[k] ← a[k] · b[k] for k < n.
    static func multiply(_ a: UnsafeMutablePointer<Float>, by b: UnsafePointer<Float>, count n: Int) {
        var k = 0
        while k + 8 <= n { store8(load8(a, k) * load8(b, k), a, k); k += 8 }
        while k < n { a[k] *= b[k]; k += 1 }
    }

    /// y ← x − h g + σ z (the Langevin move), eight lanes at a time.
    static func langevinMove(_ x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, noise z: UnsafePointer<Float>,
                             halfStep h: Float, sigma: Float, into y: UnsafeMutablePointer<Float>, count n: Int) {
        var k = 0
        while k + 8 <= n {
            store8(load8(x, k) - h * load8(g, k) + sigma * load8(z, k), y, k)
            k += 8
        }
        while k < n { y[k] = x[k] - h * g[k] + sigma * z[k]; k += 1 }
    }

    /// out ← a s.
    static func scaled(_ a: UnsafePointer<Float>, by s: Float, into out: UnsafeMutablePointer<Float>, count n: Int) {
        var k = 0
        while k + 8 <= n { store8(load8(a, k) * s, out, k); k += 8 }
        while k < n { out[k] = a[k] * s; k += 1 }
    }

    /// out ← out + a s.
    static func addScaled(_ a: UnsafePointer<Float>, by s: Float, into out: UnsafeMutablePointer<Float>, count n: Int) {
        var k = 0
        while k + 8 <= n { store8(load8(out, k) + load8(a, k) * s, out, k); k += 8 }
        while k < n { out[k] += a[k] * s; k += 1 }
    }

    /// ln x in float32 for x > 0 (`VectorMath.ln`).
    @inline(__always)
    static func ln(_ x: Float) -> Float { VectorMath.ln(x) }

    /// Box–Muller in float32 on the bits of `count` 64-bit draws, two N(0, 1) values per draw into
    /// out[2i], out[2i + 1]: u₁ = (k₁ + 1)/2²⁴ ∈ (0, 1] from bits 40–63, an angle θ uniform on
    /// [−π/4, π/4) from bits 16–39 and a quadrant from bits 14–15, so (cos, sin) of a uniform
    /// angle on the circle comes from the short Cephes polynomials by a rotation through a
    /// multiple of π/2. r = √(−2 ln u₁) ≤ 5.77: draws beyond 5.77σ (probability 8·10⁻⁹) never occur.
    ///
    /// Blocks of 64 draws, each in three vector passes: the bits to u₁, θ and the quadrant in
    /// 64-bit lanes (shifts and masks SSE2 has) and −2 ln u₁; the square roots as a plain loop
    /// (which LLVM turns into packed `sqrtps`: the SIMD type's own `squareRoot()` runs lane by
    /// lane); the polynomials, the rotation and the interleaved stores, each pair's two floats
    /// packed into one 64-bit lane. A last partial block runs the same code on zero-padded draws
    /// and keeps its first values: one code path for every draw.
    static func boxMuller(_ words: UnsafePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<Float>) {
        let block = 64
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * block) { scratch in
          withUnsafeTemporaryAllocation(of: UInt32.self, capacity: block) { quadrants in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: block) { padding in
              guard let radii = scratch.baseAddress, let flips = quadrants.baseAddress, let padWords = padding.baseAddress else { return }
              let ts = radii + block, padOut = radii + 2 * block
              var i = 0
              while i < count {
                  let m = Swift.min(block, count - i)
                  var w = words + i, o = out + 2 * i
                  if m < block {
                      padWords.initialize(repeating: 0, count: block)
                      padWords.update(from: words + i, count: m)
                      w = UnsafePointer(padWords)
                      o = padOut
                  }
                  boxMullerBlock(w, radii: radii, angles: ts, quadrants: flips, into: o)
                  if m < block { (out + 2 * i).update(from: padOut, count: 2 * m) }
                  i += m
              }
            }
          }
        }
    }

    /// One block of 64 draws of `boxMuller`.
    @inline(__always)
    private static func boxMullerBlock(_ words: UnsafePointer<UInt64>, radii: UnsafeMutablePointer<Float>,
                                       angles ts: UnsafeMutablePointer<Float>, quadrants flips: UnsafeMutablePointer<UInt32>,
                                       into o: UnsafeMutablePointer<Float>) {
        let block = 64
        let unit = SIMD8<Float>(repeating: 1.0 / 16_777_216.0)
        let raw = UnsafeRawPointer(words)
        @inline(__always) func narrow(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD8<UInt32> {
            SIMD8(lowHalf: SIMD4<UInt32>(truncatingIfNeeded: a), highHalf: SIMD4<UInt32>(truncatingIfNeeded: b))
        }
        var k = 0
        while k < block {
            let w0 = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<UInt64>.self)
            let w1 = raw.loadUnaligned(fromByteOffset: 8 * k + 32, as: SIMD4<UInt64>.self)
            let high = SIMD8<Int32>(truncatingIfNeeded: narrow(w0 &>> 40, w1 &>> 40))
            let middle = SIMD8<Int32>(truncatingIfNeeded: narrow((w0 &>> 16) & 0xFF_FFFF, (w1 &>> 16) & 0xFF_FFFF))
            let u1 = SIMD8<Float>(high &+ 1) * unit
            store8(-2 * ln(u1), radii, k)
            store8(SIMD8<Float>(middle) * unit - 0.5, ts, k)
            UnsafeMutableRawPointer(flips + k).storeBytes(of: narrow((w0 &>> 14) & 3, (w1 &>> 14) & 3), as: SIMD8<UInt32>.self)
            k += 8
        }
        for j in 0..<block { radii[j] = radii[j].squareRoot() }
        k = 0
        while k < block {
            let r = load8(radii, k), t = load8(ts, k)
            let q = UnsafeRawPointer(flips + k).loadUnaligned(as: SIMD8<UInt32>.self)
            let a = t * 1.570_796_326_8                 // θ ∈ [−π/4, π/4)
            let z = a * a
            var sine = -1.951_529_589_1e-4 * z + 8.332_160_873_6e-3
            sine = sine * z - 1.666_665_461_1e-1
            sine = sine * z * a + a
            var cosine = 2.443_315_711_809_948e-5 * z - 1.388_731_625_493_765e-3
            cosine = cosine * z + 4.166_664_568_298_827e-2
            cosine = cosine * z * z - 0.5 * z + 1
            // Rotate (cos θ, sin θ) by q · π/2: odd q swaps the pair, q ∈ {1, 2} negates the
            // first, q ∈ {2, 3} the second. Selects and sign flips as bit operations (all ones
            // where q is odd): integer compares and masked selects compile to per-lane loops.
            let swap = SIMD8<UInt32>(repeating: 0) &- (q & 1)
            let sineBits = unsafeBitCast(sine, to: SIMD8<UInt32>.self), cosineBits = unsafeBitCast(cosine, to: SIMD8<UInt32>.self)
            let first = (sineBits & swap) | (cosineBits & ~swap), second = (cosineBits & swap) | (sineBits & ~swap)
            let flipFirst = ((q ^ (q &>> 1)) & 1) &<< 31, flipSecond = (q &>> 1) &<< 31
            let x = unsafeBitCast(r * unsafeBitCast(first ^ flipFirst, to: SIMD8<Float>.self), to: SIMD8<UInt32>.self)
            let y = unsafeBitCast(r * unsafeBitCast(second ^ flipSecond, to: SIMD8<Float>.self), to: SIMD8<UInt32>.self)
            // out[2k] = x, out[2k + 1] = y: each pair as one 64-bit lane, y in the high half.
            let pairsLow = SIMD4<UInt64>(truncatingIfNeeded: x.lowHalf) | (SIMD4<UInt64>(truncatingIfNeeded: y.lowHalf) &<< 32)
            let pairsHigh = SIMD4<UInt64>(truncatingIfNeeded: x.highHalf) | (SIMD4<UInt64>(truncatingIfNeeded: y.highHalf) &<< 32)
            let destination = UnsafeMutableRawPointer(o + 2 * k)
            destination.storeBytes(of: pairsLow, as: SIMD4<UInt64>.self)
            destination.storeBytes(of: pairsHigh, toByteOffset: 32, as: SIMD4<UInt64>.self)
            k += 8
        }
    }

    /// Σᵢ a[i] b[i] in float32, summed in 16 interleaved lanes (a fixed order, so the result does
    /// not depend on alignment or on the caller), then the lanes in a fixed tree.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= n {
            acc += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    // MARK: float32 loops

    /// For an m × n row-major block: z ← σ(z + bias) with `bias` (n) added to every row. This is
    /// the non-linear half of p(h = 1 | x) = σ(b + Wx) and p(x = 1 | h) = σ(c + Wᵀh).
    static func sigmoidAddingBias(_ z: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                  bias: UnsafePointer<Float>) {
        sigmoidAddingBias(z, rows: rows, columns: 0..<columns, stride: columns, bias: bias, negate: false)
    }

    /// z ← σ(z) over a contiguous buffer.
    static func sigmoid(_ z: UnsafeMutableBufferPointer<Float>) {
        guard let p = z.baseAddress else { return }
        VectorMath.sigmoid(p, into: p, count: z.count)
    }

    /// For `rows` rows of an n-column row-major block, on the columns `columns` only:
    /// z ← σ(z + bias), or −σ(z + bias) when `negate` (the negative phase's sign, folded into the
    /// division: the same value as negating afterwards). One vector loop, the tail in a
    /// partially filled vector.
    static func sigmoidAddingBias(_ z: UnsafeMutablePointer<Float>, rows: Int, columns: Range<Int>, stride: Int,
                                  bias: UnsafePointer<Float>, negate: Bool) {
        let one = SIMD8<Float>(repeating: negate ? -1 : 1)
        @inline(__always) func f(_ v: SIMD8<Float>) -> SIMD8<Float> { one / (1 + VectorMath.saturatingExp(-v)) }
        #if EBM_AVX512
        let wideOne = VectorMath.Wide(repeating: negate ? -1 : 1)
        #endif
        for r in 0..<rows {
            let row = z + r * stride
            var j = columns.lowerBound
            #if EBM_AVX512
            while j + 16 <= columns.upperBound {
                let v = VectorMath.load16(row, j) + VectorMath.load16(bias, j)
                VectorMath.store16(wideOne / (1 + VectorMath.saturatingExp(-v)), row, j)
                j += 16
            }
            #endif
            while j + 8 <= columns.upperBound {
                VectorMath.store(f(VectorMath.load(row, j) + VectorMath.load(bias, j)), row, j)
                j += 8
            }
            if j < columns.upperBound {
                let m = columns.upperBound - j
                VectorMath.storePartial(f(VectorMath.loadPartial(row, j, count: m) + VectorMath.loadPartial(bias, j, count: m)),
                                        row, j, count: m)
            }
        }
    }

    /// Bernoulli sampling of an m × n block: out[r, j] = 1 if u < p[r, j] else 0, with the
    /// uniforms u for row r drawn from `generators[r]` only (one stream per chain), so a row's
    /// samples do not depend on how many other rows are sampled or in what order. Each 64-bit
    /// draw gives two 24-bit uniforms (bits 40–63 and 16–39; xoshiro256** scrambles all bits).
    static func sampleBernoulli(probabilities p: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                rows: Int, columns: Int,
                                generators: UnsafeMutablePointer<Xoshiro256StarStar>) {
        sampleBernoulli(probabilities: p, stride: columns, into: out, stride: columns, rows: 0..<rows, columns: columns,
                        generators: generators)
    }

    /// `sampleBernoulli` for the rows `rows` of strided blocks (p may equal out): row r draws from
    /// `generators[r]` exactly as above. In chunks of 128 columns: the 64-bit draws first, then
    /// the comparisons eight at a time (`VectorMath.bernoulli`). The generator, not the
    /// comparison, is the bottleneck: with AVX-512 four rows' generators advance together in
    /// vector lanes (`Xoshiro256StarStarLanes`); the remaining rows (all of them without AVX-512)
    /// go in pairs, the two generators' serial updates interleaved (about 15% faster than one at
    /// a time). An odd last column takes the top bits of one more draw.
    static func sampleBernoulli(probabilities p: UnsafePointer<Float>, stride ldp: Int,
                                into out: UnsafeMutablePointer<Float>, stride ldo: Int,
                                rows: Range<Int>, columns: Int,
                                generators: UnsafeMutablePointer<Xoshiro256StarStar>) {
        let chunk = 128
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * (chunk / 2)) { buffer in
            guard let words = buffer.baseAddress else { return }
            let wg = words, wh = words + chunk / 2
            var r = rows.lowerBound
            #if EBM_AVX512
            let wi = words + chunk, wj = words + 3 * (chunk / 2)
            while r + 4 <= rows.upperBound {
                var lanes = Xoshiro256StarStarLanes(generators + r)
                let pg = p + r * ldp, og = out + r * ldo
                var j = 0
                while j < columns {
                    let m = Swift.min(chunk, columns - j), count = (m + 1) / 2
                    for k in 0..<count {
                        let w = lanes.next()
                        wg[k] = w[0]; wh[k] = w[1]; wi[k] = w[2]; wj[k] = w[3]
                    }
                    for lane in 0..<4 {
                        VectorMath.bernoulli(words: words + lane * (chunk / 2), probabilities: pg + lane * ldp + j,
                                             into: og + lane * ldo + j, count: m)
                    }
                    j += m
                }
                lanes.store(generators + r)
                r += 4
            }
            #endif
            while r < rows.upperBound {
                let pair = r + 1 < rows.upperBound
                var g = generators[r]
                var h = pair ? generators[r + 1] : g
                let pg = p + r * ldp, og = out + r * ldo
                var j = 0
                while j < columns {
                    let m = Swift.min(chunk, columns - j), words = (m + 1) / 2
                    if pair {
                        for k in 0..<words { wg[k] = g.next(); wh[k] = h.next() }
                        VectorMath.bernoulli(words: wg, probabilities: pg + j, into: og + j, count: m)
                        VectorMath.bernoulli(words: wh, probabilities: pg + ldp + j, into: og + ldo + j, count: m)
                    } else {
                        for k in 0..<words { wg[k] = g.next() }
                        VectorMath.bernoulli(words: wg, probabilities: pg + j, into: og + j, count: m)
                    }
                    j += m
                }
                generators[r] = g
                if pair { generators[r + 1] = h }
                r += pair ? 2 : 1
            }
        }
    }

    /// Column sums of an m × n row-major block on the columns `columns`, accumulated as
    /// `out = beta · out + alpha · Σ_rows`, row after row.
    static func columnSums(_ a: UnsafePointer<Float>, rows: Int, columns: Range<Int>, stride: Int, alpha: Float, beta: Float,
                           into out: UnsafeMutablePointer<Float>) {
        for j in columns { out[j] *= beta }
        for r in 0..<rows {
            let row = a + r * stride
            for j in columns { out[j] += alpha * row[j] }
        }
    }

    /// 0x8000_0000 if x is NaN or ±∞, else 0: all exponent bits set means non-finite, and adding
    /// one to the exponent field then carries into the sign bit. Integer-only, so loops that
    /// OR it together still vectorise (a float sum would serialise on the adds).
    @inline(__always)
    static func nonFiniteFlag(_ x: Float) -> UInt32 {
        ((x.bitPattern & 0x7F80_0000) &+ 0x0080_0000) & 0x8000_0000
    }

    /// The OR of `nonFiniteFlag` over x[0..<n], sixteen floats at a time.
    static func nonFiniteFlag(_ x: UnsafePointer<Float>, count n: Int) -> UInt32 {
        var acc = SIMD16<UInt32>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= n {
            let bits = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<UInt32>.self)
            acc |= ((bits & 0x7F80_0000) &+ 0x0080_0000) & 0x8000_0000
            i += 16
        }
        var flag = (acc.lowHalf | acc.highHalf).max()
        while i < n { flag |= nonFiniteFlag(x[i]); i += 1 }
        return flag
    }

    // MARK: float64, for exact computations and monitors

    /// softplus(z) = log(1 + e^z), computed as max(z, 0) + log1p(e^(−|z|)) so that it neither
    /// overflows for large z nor loses precision for very negative z.
    @inline(__always)
    static func softplus(_ z: Double) -> Double {
        z > 0 ? z + log1p(Glibc.exp(-z)) : log1p(Glibc.exp(z))
    }

    /// σ(z) in float64, without overflow for large |z|.
    @inline(__always)
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + Glibc.exp(-z)) }
        let e = Glibc.exp(z)
        return e / (1 + e)
    }

    /// log σ(z) = −softplus(−z), stable for all z.
    @inline(__always)
    static func logSigmoid(_ z: Double) -> Double { -softplus(-z) }

    /// log Σᵢ e^(vᵢ), shifting by the maximum; −∞ for an empty buffer.
    static func logSumExp(_ v: UnsafeBufferPointer<Double>) -> Double {
        var m = -Double.infinity
        for x in v where x > m { m = x }
        guard m.isFinite else { return m }
        var s = 0.0
        for x in v { s += Glibc.exp(x - m) }
        return m + log(s)
    }
}

/// A running log Σ e^(vᵢ) over values that arrive in blocks, rescaling when the maximum grows.
struct LogSumExpAccumulator {
    private(set) var maximum = -Double.infinity
    private(set) var scaledSum = 0.0

    mutating func add(_ v: UnsafeBufferPointer<Double>) {
        var m = maximum
        for x in v where x > m { m = x }
        guard m.isFinite else { return }
        if m > maximum {
            scaledSum *= Glibc.exp(maximum - m)
            maximum = m
        }
        var s = 0.0
        for x in v { s += Glibc.exp(x - m) }
        scaledSum += s
    }

    var value: Double { maximum.isFinite ? maximum + log(scaledSum) : maximum }
}
