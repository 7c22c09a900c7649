import EBM

/// The result of `tempered(...)`: the β = 1 samples of parallel or simulated tempering, the
/// ladder with its swap (or level-move) statistics, round trips, and — on enumerable binary
/// models — a χ² test of the samples against the exact p(x).
public struct TemperedValue: ScriptObject {
    /// "parallel tempering" or "simulated tempering".
    public var method: String
    /// ST: how the weights were set ("Wang–Landau" or "AIS along the ladder"); nil for PT.
    public var weightsMethod: String? = nil
    public var moveDescription: String
    public var betas: [Double]
    /// PT: per gap k (βₖ, βₖ₊₁), accepted / proposed swaps.
    public var swapAcceptance: [Double]?
    public var roundTrips: Int?
    public var meanRoundTrip: Double?
    /// PT: per replica (replica r started at level r), round trips and mean rounds per trip.
    public var replicaRoundTrips: [Int]? = nil
    public var replicaMeanRoundTrip: [Double]? = nil
    /// PT with adapt: what the adaptation did to the ladder.
    public var adaptation: String? = nil
    /// ST: steps spent at each level; the weights gₖ (≈ −log Z(βₖ) + log Z(1)).
    public var occupancy: [Int]?
    public var weights: [Double]?
    public var levelAcceptance: Double?
    /// The β = 1 x's, samples × d.
    public var samples: [[Double]]
    /// PT: traces[r] = the slot of replica r at each kept round; ST: one trace, chain 0's level.
    public var traces: [[Int]]
    public var chiSquared: ChiSquaredTest?
    public var rounds: Int
    /// Why there is no χ² test although the model enumerates (too few samples), or nil.
    public var chiSquaredNote: String? = nil
    /// Entries of x, so an empty sample still has shape 0 × d.
    public var visibleWidth = 0
    /// Set when Ctrl-C stopped the run: where ("after round 300 of 100000"); the samples are
    /// those drawn so far.
    public var stopped: String? = nil
    /// Moves after which an energy was NaN or ±inf, and where the first was (PT).
    public var nonFiniteEnergies = 0
    public var firstNonFinite: String? = nil
    /// PT with MALA moves: per level, the share of moves accepted.
    public var moveAcceptance: [Double]? = nil

    /// What to tell a user whose energies stopped being numbers: such replicas never move
    /// (Metropolis rejects NaN) and never swap, so the samples are not from p.
    var nonFiniteWarning: String? {
        guard nonFiniteEnergies > 0 else { return nil }
        return "the energy was NaN or ±inf after \(nonFiniteEnergies) move\(nonFiniteEnergies == 1 ? "" : "s")"
            + (firstNonFinite.map { " (the first in \($0))" } ?? "")
            + "; a chain there cannot move or swap, so these samples are not from p: check the model's parameters, and make E finite wherever the chains can go (log and sqrt of negative numbers are NaN)"
    }

    public var kindName: String { "tempered" }
    public var summary: String { "\(method), \(betas.count) temperatures, \(samples.count) samples at β = 1" }

    public func render(_ format: ValueFormat) -> String {
        var out = "\(method): \(betas.count) inverse temperatures, \(rounds) \(swapAcceptance != nil ? "rounds" : "steps"); move: \(moveDescription)\n"
        if let adaptation { out += adaptation + "\n" }
        var rows: [[String]] = []
        for k in betas.indices {
            var row = ["\(k)", formatNumber(betas[k], digits: 4)]
            if let a = swapAcceptance { row.append(k < a.count ? formatNumber(a[k], digits: 3) : "") }
            if let a = moveAcceptance { row.append(k < a.count ? formatNumber(a[k], digits: 3) : "") }
            if let o = occupancy {
                let total = Swift.max(o.reduce(0, +), 1)
                row.append(formatNumber(Double(o[k]) / Double(total), digits: 3))
            }
            if let w = weights { row.append(formatNumber(w[k], digits: 5)) }
            if let trips = replicaRoundTrips, let means = replicaMeanRoundTrip, k < trips.count {
                row += ["\(trips[k])", means[k].isFinite ? formatNumber(means[k], digits: 4) : ""]
            }
            rows.append(row)
        }
        var header = ["level", "β"]
        if swapAcceptance != nil { header.append("swap acceptance to next") }
        if moveAcceptance != nil { header.append("MALA acceptance") }
        if occupancy != nil { header += ["share of steps", "weight g"] }
        if replicaRoundTrips != nil { header += ["replica k's round trips", "rounds each"] }
        out += Table(header: header, rows: rows).text
        if let roundTrips {
            out += "round trips (hottest → coldest → hottest): \(roundTrips)"
            if let m = meanRoundTrip, m.isFinite { out += ", mean \(formatNumber(m, digits: 4)) rounds each" }
            out += "\n"
        }
        if let weightsMethod { out += "weights g ≈ −log Z(β) + log Z(1) set by \(weightsMethod)\n" }
        if let levelAcceptance { out += "level moves accepted: \(formatNumber(levelAcceptance, digits: 3))\n" }
        if let warning = occupancyWarning { out += warning + "\n" }
        out += "\(samples.count) samples at β = 1"
        if let stopped { out += " (stopped early by Ctrl-C \(stopped))" }
        if let warning = nonFiniteWarning { out += "\nwarning: " + warning }
        if let chiSquaredNote { out += "\n" + chiSquaredNote }
        if let c = chiSquared {
            out += "\nχ² against the exact p(x): \(formatNumber(c.statistic, digits: 5)) on \(c.degreesOfFreedom) degrees of freedom, p = \(formatNumber(c.pValue, digits: 3))"
        }
        return out
    }

    /// ST: a warning when the levels are far from equally visited (a share below half or above
    /// twice 1/K), the sign of weights g far from −log Z(β) + log Z(1).
    var occupancyWarning: String? {
        guard let o = occupancy, let lo = o.min(), let hi = o.max() else { return nil }
        let total = Double(Swift.max(o.reduce(0, +), 1)), flat = 1 / Double(o.count)
        let (low, high) = (Double(lo) / total, Double(hi) / total)
        guard low < flat / 2 || high > 2 * flat else { return nil }
        return "warning: the levels are not visited evenly (shares \(formatNumber(low, digits: 3)) to \(formatNumber(high, digits: 3)), flat is \(formatNumber(flat, digits: 3))): "
            + "the weights are off; give more rounds" + (weightsMethod == "Wang–Landau" ? ", or weights: \"ais\"" : ", or more ais_runs and ais_steps")
    }

    public var propertyNames: [String] {
        ["samples", "betas", "acceptance", "round_trips", "replica_round_trips", "occupancy", "weights", "chi2", "p_value", "stopped", "non_finite", "move_acceptance"]
    }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "samples":
            let d = samples.first?.count ?? visibleWidth
            return .tensor(Tensor(shape: [samples.count, d], scalars: samples.flatMap { $0.map(Float.init) }))
        case "betas": return .tensor(Tensor(shape: [betas.count], scalars: betas.map(Float.init)))
        case "acceptance": return swapAcceptance.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        case "round_trips": return roundTrips.map { .number(Double($0)) } ?? Value.none
        case "replica_round_trips":
            return replicaRoundTrips.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        case "occupancy": return occupancy.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        case "weights": return weights.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        case "chi2": return chiSquared.map { .number($0.statistic) } ?? Value.none
        case "p_value": return chiSquared.map { .number($0.pValue) } ?? Value.none
        case "stopped": return .bool(stopped != nil)
        case "non_finite": return .number(Double(nonFiniteEnergies))
        case "move_acceptance": return moveAcceptance.map { .tensor(Tensor(shape: [$0.count], scalars: $0.map(Float.init))) } ?? Value.none
        default: return nil
        }
    }

    /// The replica-index traces (PT: the level of replicas 0 and 1 over the first 150 kept
    /// rounds; ST: chain 0's level), as a line chart for `png`.
    public var chart: LineChart {
        // Two replicas over the first 150 kept rounds: more lines only hide each other.
        let shown = traces.prefix(2)
        let series = shown.enumerated().map { (r, trace) -> LineChart.Series in
            let points = (0..<Swift.min(trace.count, 150)).map { (x: Double($0), y: Double(trace[$0])) }
            return LineChart.Series(label: traces.count == 1 ? "level of chain 0" : "replica \(r)", points: points)
        }
        var chart = LineChart(series: series)
        chart.title = "\(method): level of \(traces.count == 1 ? "chain 0" : "replicas 0 and 1") over time (0 = hottest, \(betas.count - 1) = β 1)"
        chart.xLabel = swapAcceptance != nil ? "kept round" : "step"
        chart.yLabel = "temperature level"
        return chart
    }
}
