import EBM

/// The result of `langevin(...)`: chains of points in ℝᵈ over time.
public struct LangevinChainValue: ScriptObject {
    public var run: LangevinRun
    public var settings: String
    /// The image shape of each state, when the chains started from images (so samples draw as a grid).
    public var imageShape: (height: Int, width: Int)? = nil
    /// ε, named in the advice when chains diverge.
    public var stepSize: Double? = nil
    /// The energy's dimension-2 box for pictures, from the states.
    var box: (lo: Float, hi: Float) {
        let all = run.snapshots.flatMap(\.states).filter(\.isFinite)
        let m = Swift.max(abs(all.min() ?? 1), abs(all.max() ?? 1), 1e-3)
        return (-m * 1.05, m * 1.05)
    }

    public var kindName: String { "langevin" }
    public var summary: String {
        "\(run.chains) chains × \(run.dimension) dimension\(run.dimension == 1 ? "" : "s"), \(run.snapshots.last?.step ?? 0) steps"
            + (run.acceptanceRate.map { ", acceptance \(formatNumber($0, digits: 3))" } ?? "")
            + (run.finished ? "" : " (stopped early)")
    }

    public func render(_ format: ValueFormat) -> String {
        var out = "langevin: \(summary) (\(settings))"
        let m = LangevinDynamics.moments(run.final, chains: run.chains, dimension: run.dimension)
        // The states are float32: a std or mean below float32 noise on their common scale is 0.
        let scale = largestMagnitude(m.mean, m.std)
        out += "\nfinal states: mean " + list(zeroingNoise(m.mean, scale: scale, relative: float32Noise))
            + ", std " + list(zeroingNoise(m.std, scale: scale, relative: float32Noise))
        if let warning = nonFiniteWarning { out += "\n" + warning }
        if run.dimension == 2 && run.nonFiniteChains == run.chains {
            out += "\nno finite final state to draw a density of"
        } else if run.dimension == 2 {
            let (lo, hi) = box
            out += "\ndensity of the final states over [\(formatNumber(Double(lo), digits: 3)), \(formatNumber(Double(hi), digits: 3))]²:\n"
            out += EnergyHeatmap.densityText(run.final, lo: lo, hi: hi, columns: 48, rows: 16).dropLast()
        }
        return out
    }

    /// "warning: 100 of 100 chains hold NaN or ±inf …" with what to lower, or nil when every
    /// chain is finite.
    var nonFiniteWarning: String? {
        do { try run.requireFiniteStates() } catch { return "warning: \(error.description): \(divergenceAdvice)" }
        return nil
    }

    /// What to lower when the chains diverge.
    var divergenceAdvice: String {
        "the chains diverged; lower step_size" + (stepSize.map { " (ε = \(formatNumber($0, digits: 6)) is too large for this energy)" } ?? "")
    }

    /// Throws a located error when any chain ended non-finite: moments of NaN compare as nothing.
    func requireFiniteStates(_ args: Arguments, _ name: String, because consequence: String) throws {
        do { try run.requireFiniteStates() } catch {
            throw ScriptError(.numeric, "\(args.command.name): \(error.description), so \(consequence)",
                              at: args.location(of: name), hint: divergenceAdvice)
        }
    }

    private func list(_ v: [Double]) -> String { "[" + v.map { formatNumber($0, digits: 4) }.joined(separator: ", ") + "]" }

    /// The final states, chains × d.
    public var tensorView: Tensor? { Tensor(shape: [run.chains, run.dimension], scalars: run.final) }

    public var propertyNames: [String] { ["samples", "acceptance", "steps", "chains", "snapshots", "stopped"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "samples": return .object(Dataset(name: "langevin samples", examples: tensorView!, imageShape: imageShape))
        case "acceptance": return run.acceptanceRate.map(Value.number) ?? Value.none
        case "steps": return .number(Double(run.snapshots.last?.step ?? 0))
        case "chains": return .number(Double(run.chains))
        case "snapshots": return .number(Double(run.snapshots.count))
        case "stopped": return .bool(!run.finished)
        default: return nil
        }
    }
}
