import EBM

/// The result of `gibbs(...)`: snapshots of many chains over time. `show` and `png` draw it as a
/// grid with one row per chain and time running left to right; `chain.samples` is the final
/// states as a data set, to use as data.
public struct ChainValue: ScriptObject {
    public var snapshots: [GibbsChain.Snapshot]
    public var imageShape: (height: Int, width: Int)?
    public var every: Int
    /// True when Ctrl-C stopped the run early: the snapshots are those drawn before it.
    public var stopped = false

    public var kindName: String { "chain" }

    var last: GibbsChain.Snapshot? { snapshots.last }
    var chains: Int { last?.samples.shape[0] ?? 0 }
    var visible: Int { last?.samples.shape[1] ?? 0 }

    public var summary: String {
        let steps = last?.step ?? 0
        return "\(chains) chain\(chains == 1 ? "" : "s") × \(visible) visible, \(steps) step\(steps == 1 ? "" : "s"), "
            + "\(snapshots.count) snapshot\(snapshots.count == 1 ? "" : "s")" + (stopped ? " (stopped early)" : "")
    }

    /// When the snapshots were taken: "every 10 steps" when that is what happened, else the steps.
    var snapshotSteps: String {
        let steps = snapshots.map(\.step)
        let regular = steps.dropLast().enumerated().allSatisfy { $0.element == $0.offset * every }
        if regular && steps.count > 2, let final = steps.last {
            return "every \(every) step\(every == 1 ? "" : "s")" + (final == (steps.count - 1) * every ? "" : " and at step \(final)")
        }
        return "at step\(steps.count == 1 ? "" : "s") " + steps.map(String.init).joined(separator: ", ")
    }

    public func render(_ format: ValueFormat) -> String {
        "chain: \(summary) (\(snapshotSteps))\n"
            + "show it or png it (rows = chains, columns = time); chain.samples is the final states as data"
            + (nonFiniteWarning.map { "\n" + $0 } ?? "")
    }

    /// Chains whose last p(x | h) or states hold NaN or ±inf (a model with non-finite parameters).
    public var nonFiniteChains: Int { last?.nonFiniteChains ?? 0 }

    var nonFiniteWarning: String? {
        let n = nonFiniteChains
        guard n > 0 else { return nil }
        return "warning: \(n) of \(chains) chains hold NaN or ±inf: the model's parameters are not finite, so its samples mean nothing"
    }

    public var propertyNames: [String] { ["samples", "probabilities", "steps", "chains", "snapshots", "stopped"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "samples": return last.map { .object(dataset($0.samples, name: "gibbs samples")) } ?? Value.none
        case "probabilities": return last.map { .object(dataset($0.probabilities, name: "p(x | h) of the last step")) } ?? Value.none
        case "steps": return .number(Double(last?.step ?? 0))
        case "chains": return .number(Double(chains))
        case "snapshots": return .number(Double(snapshots.count))
        case "stopped": return .bool(stopped)
        default: return nil
        }
    }

    /// `chain[i]`: snapshot i (the states of every chain at that time) as a data set.
    public func element(_ selection: RowSelection) throws -> Value? {
        switch selection {
        case .single(let i): return .object(dataset(snapshots[i].samples, name: "step \(snapshots[i].step)"))
        case .many(let idx):
            var part = ChainValue(snapshots: idx.map { snapshots[$0] }, imageShape: imageShape, every: every)
            part.stopped = stopped
            return .object(part)
        }
    }

    public var elementCount: Int? { snapshots.count }

    private func dataset(_ t: Tensor, name: String) -> Dataset {
        Dataset(name: name, examples: t, imageShape: imageShape)
    }

    /// Tiles for a grid: row r = chain r, column t = snapshot t.
    var rowsOfTiles: [[[Float]]] {
        (0..<chains).map { r in snapshots.map { Array($0.samples.row(r).scalars) } }
    }
}
