import EBM

/// `compare(chain, model)` for a chain from `gibbs(...)`: the χ² test of its snapshots (every
/// chain, steps after `burn_in`; the start at step 0 never) against the exact p(x), by the one
/// implementation `tempered` uses (`exactChiSquared`), so plain Gibbs and tempering are judged
/// alike.
func compareGibbsChain(_ chain: ChainValue, _ args: Arguments) throws -> Value {
    let model = try modelValue(args, "energy")
    guard let e = model.enumerable, model.binaryUnits else {
        throw args.error("energy", "\(model.article) has no exact p(x) to test a gibbs chain against",
                         hint: "compare takes a gibbs chain of an RBM or a fully visible Boltzmann machine small enough to enumerate")
    }
    guard e.dimension <= 16 else {
        throw args.error("energy", "the χ² test enumerates x: \(e.dimension) visible units are too many (at most 16)")
    }
    guard chain.visible == e.dimension else {
        throw args.error("energy", "the chain has \(chain.visible) visible units, the model \(e.dimension)")
    }
    if chain.nonFiniteChains > 0 {
        throw args.error("chain", "\(chain.nonFiniteChains) of \(chain.chains) chains hold NaN or ±inf, so their states match no p(x)")
    }
    let burnIn = args.int("burn_in")
    let kept = chain.snapshots.filter { $0.step > burnIn }
    guard let first = kept.first, let last = kept.last else {
        throw args.error("burn_in", "no snapshot of the chain comes after step \(burnIn)",
                         hint: "the chain's last snapshot is at step \(chain.last?.step ?? 0): run it longer or lower burn_in")
    }
    let d = e.dimension
    let rows = kept.flatMap { s in (0..<s.samples.shape[0]).map { r in (0..<d).map { Double(s.samples.scalars[r * d + $0]) } } }
    let (result, note) = exactChiSquared(model, rows)
    guard let test = result else {
        throw args.error("chain", note ?? "the exact log Z of \(model.article) could not be computed",
                         hint: note == nil ? nil : "run the chain longer, or more chains")
    }
    let what = "\(rows.count) samples (\(kept.count) snapshot\(kept.count == 1 ? "" : "s") of \(chain.chains) gibbs chain\(chain.chains == 1 ? "" : "s"), "
        + "steps \(first.step)…\(last.step))"
    return .object(ChiSquaredValue(test: test, what: what, against: model.article))
}
