import EBM

/// The `train(...)` arguments every minibatch RBM trainer shares, whatever its visible units
/// (`MinibatchTrainingOptions`): `method` ("cd", "pcd" or "pt") with `k` and, for PT only,
/// `betas`; `lr`, `batch` (at most the data's rows, as the history prints it), `epochs`, `seed`
/// and `monitor_every`. Throws a located error for `betas` without `method: "pt"` and for a
/// ladder that is not one (β must rise to 1, and start above `smallestBeta`'s bound).
func setMinibatchOptions<O: MinibatchTrainingOptions>(_ o: inout O, _ args: Arguments, rows: Int, smallestBeta: Double, stateWidth: Int = 0) throws {
    let k = args.int("k")
    switch args.string("method") {
    case "pcd": o.sampler = PersistentContrastiveDivergence(k: k)
    case "pt": o.sampler = try temperingSampler(args, k: k, smallestBeta: smallestBeta)
    default: o.sampler = ContrastiveDivergence(k: k)
    }
    if args.string("method") != "pt" && args.isGiven("betas") {
        throw args.error("betas", "betas is the ladder of method: \"pt\"", hint: "add method: \"pt\", or leave betas out")
    }
    o.learningRate = Float(args.number("lr"))
    o.batchSize = Swift.min(args.int("batch"), rows)
    // PT keeps one ladder per batch row: levels × (D + H) float64 states each.
    if let pt = o.sampler as? ParallelTemperingSampler {
        try args.reserveMemory(MemoryBudget.product(o.batchSize, pt.betas.count, Swift.max(stateWidth, 1), 8),
                               for: "\(o.batchSize) ladders (one per batch row) × \(pt.betas.count) levels (betas) × \(stateWidth) units",
                               lower: "betas or batch")
    }
    o.epochs = args.int("epochs")
    o.seed = UInt64(args.int("seed"))
    o.monitorEvery = args.int("monitor_every")
}
