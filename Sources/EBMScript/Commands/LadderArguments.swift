import EBM

/// The most levels a ladder may have, as `help tempered` and `help train` say ("a whole number
/// from 2 to 1000"); a longer given list is refused too. Each level is a replica (PT) or a weight
/// (ST) moved every round, so 10⁷ levels is a slip, not a plan.
let maximumLadderLevels = 1000

/// The inverse temperatures of a `betas:` argument, checked with errors located at the argument
/// that is wrong:
/// - a number: a whole number of levels from 2 to 1000, geometric from `smallest` to 1
///   (`smallest` nil: 0 on finite state spaces, 0.01 on ℝᵈ);
/// - a list or a one-dimensional tensor: the β themselves, finite, in [0, 1], strictly increasing
///   to 1 and distinct as float32 (how tensors and `t.betas` hold them).
/// The values are float32 values widened to float64, as they always were, so a given ladder runs
/// exactly as before. `smallestName` is the option that set `smallest` ("smallest"), for errors.
func ladderBetas(_ args: Arguments, smallest: Double?, smallestName: String? = nil, smallestBeta: Double) throws -> [Double] {
    let given = args["betas"]
    if case .number(let k) = given {
        guard k == k.rounded(), k >= 2, k <= Double(maximumLadderLevels) else {
            throw args.error("betas", "betas must be a whole number of levels from 2 to \(maximumLadderLevels), or the inverse temperatures themselves; got \(formatNumber(k))",
                             hint: k > Double(maximumLadderLevels) ? "lower betas: tens of levels are typical (swap acceptance ≈ 0.2–0.5 per gap)"
                                                                   : "for example betas: 10, or betas: [0, 0.5, 1]")
        }
        let lowest = smallest ?? (smallestBeta > 0 ? 0.01 : 0)
        let name = smallest != nil ? (smallestName ?? "betas") : "betas"
        let betas: [Double]
        do {
            betas = try TemperatureLadder.betas(.geometric(levels: Int(k), smallest: lowest), smallestBeta: smallestBeta)
        } catch let e as TemperatureLadder.Invalid {
            throw args.error(name, e.message)
        }
        // A tiny smallest (1e-300 with 3 levels) gives levels distinct in float64 that are one
        // float32 value (0, 0, 1 in t.betas): refuse it rather than print a ladder that is not one.
        for j in 1..<betas.count where Float(betas[j]) <= Float(betas[j - 1]) {
            throw args.error(name, "with smallest β \(formatNumber(lowest, digits: 7)) and \(Int(k)) levels, β\(j - 1) = \(formatNumber(betas[j - 1], digits: 7)) and β\(j) = \(formatNumber(betas[j], digits: 7)) are the same float32 value \(formatNumber(Double(Float(betas[j])), digits: 7))",
                             hint: "raise smallest (e.g. 1e-6), give fewer levels, or use smallest: 0")
        }
        return betas
    }
    // The numbers as written, when written as a list, to tell two different numbers that float32
    // makes one from a repeated number.
    var written: [Double]?
    if case .list(let items) = given {
        written = items.compactMap { if case .number(let v) = $0 { return v } else { return nil } }
        if written?.count != items.count { written = nil }
    }
    guard let t = tensorValue(given) else {
        throw args.error("betas", "betas must be a number of levels or a list of inverse temperatures, got \(describe(given))")
    }
    guard t.rank == 1 else {
        throw args.error("betas", "betas must be a list of inverse temperatures (one axis), got a tensor \(shapeText(t.shape))",
                         hint: t.rank > 1 ? "give the β as one row, e.g. betas: [0, 0.5, 1]" : nil)
    }
    guard t.count <= maximumLadderLevels else {
        throw args.error("betas", "a ladder has at most \(maximumLadderLevels) levels, got \(t.count)", hint: "tens of levels are typical")
    }
    let b = t.scalars
    for (k, v) in b.enumerated() where !v.isFinite {
        throw args.error("betas", "β\(k) is \(v.isNaN ? "NaN" : (v < 0 ? "-inf" : "inf")): inverse temperatures are numbers in [0, 1]")
    }
    func show(_ k: Int) -> String { formatNumber(written.map { $0[k] } ?? Double(b[k]), digits: written == nil ? 7 : 10) }
    for k in b.indices where b[k] < 0 || b[k] > 1 {
        throw args.error("betas", "inverse temperatures are in [0, 1], but β\(k) = \(show(k))")
    }
    if b.count >= 2 {
        for k in 1..<b.count where !(b[k] > b[k - 1]) {
            if let w = written, w[k] > w[k - 1] {
                throw args.error("betas", "β\(k - 1) = \(show(k - 1)) and β\(k) = \(show(k)) coincide in float32 (both are \(formatNumber(Double(b[k]), digits: 9))): tensors keep about 7 significant digits",
                                 hint: "space the β further apart")
            }
            throw args.error("betas", "the inverse temperatures must increase strictly, but β\(k - 1) = \(show(k - 1)) and β\(k) = \(show(k))")
        }
    }
    if let last = b.last, last != 1, b.count >= 2 {
        throw args.error("betas", "a ladder must end at β = 1 (the model itself), got β\(b.count - 1) = \(show(b.count - 1))")
    }
    if let first = b.first, first == 0, smallestBeta > 0 {
        throw args.error("betas", "this model lives on ℝᵈ, where e^(−0·E) cannot be normalised: β0 must be above 0, got 0",
                         hint: "start the ladder at a small β such as 0.01")
    }
    do {
        return try TemperatureLadder.betas(.list(b.map(Double.init)), smallestBeta: smallestBeta)
    } catch let e as TemperatureLadder.Invalid {
        throw args.error("betas", e.message)
    }
}
