import EBM

/// A deep belief network as a language value (003 §13.3). Like an RBM it is a reference:
/// `train(d, ...)` changes `d` in place. It keeps the greedy trainer of each layer (so training a
/// layer again with the same settings continues it) and the up-down trainer.
public final class DBNValue: ModelValue {
    public var network: DeepBeliefNetwork
    /// The image shape of the visible layer, once known, so samples and receptive fields draw.
    public var imageShape: (height: Int, width: Int)?
    var greedy = GreedyLayerwiseTrainer()
    var upDown: UpDownFineTuning?

    public init(_ network: DeepBeliefNetwork, imageShape: (height: Int, width: Int)? = nil) {
        self.network = network
        self.imageShape = imageShape
    }

    public var kindName: String { "dbn" }

    public var summary: String {
        let d = network.depth
        return "\(d) layer\(d == 1 ? "" : "s"), \(network.sizes.map(String.init).joined(separator: "-")), \(network.parameterCount) parameters"
    }

    /// The header, then one line per layer: its sizes, its role, where it came from and how it
    /// was trained.
    public func render(_ format: ValueFormat) -> String {
        var out = "dbn: \(summary)"
        let L = network.depth
        for l in 1...L {
            let m = network.layer(l)
            let p = network.provenance[l - 1]
            let role = l == L ? "top RBM p(h^(\(l - 1)), h^(\(l)))" : "sigmoid belief net P(h^(\(l - 1)) | h^(\(l)))"
            var line = "\n  layer \(l): \(m.visible) → \(m.hidden), \(role); "
            switch p.origin {
            case .random(let seed): line += "random start (seed \(seed))"
            case .tiedStart(let below): line += "tied start: W = W^(\(below))ᵀ, biases swapped"
            case .untiedStart(let seed): line += "random start on top (seed \(seed)), not tied"
            case .given: line += "from a trained RBM"
            }
            if p.epochs > 0 {
                // A DBN read from .npy files knows its layers' epochs but not their settings text.
                line += "; trained \(p.epochs) epoch\(p.epochs == 1 ? "" : "s")" + (p.settings.map { " with \($0)" } ?? "")
                line += l == 1 ? " on the data" : " on Q(h^(\(l - 1)) | x) as \(p.input?.rawValue ?? "probabilities")"
            } else if p.origin != .given {
                line += "; not trained yet"
            }
            out += line
        }
        if network.upDownEpochs > 0 {
            out += "\n  up-down: \(network.upDownEpochs) epoch\(network.upDownEpochs == 1 ? "" : "s") of fine-tuning; recognition weights untied below the top"
        }
        return out
    }

    public var propertyNames: [String] { ["layers", "sizes", "depth", "top", "parameters", "history", "up_down", "untied"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "layers":
            // Copies: changing one does not change the network.
            return .list((1...network.depth).map { l in
                .object(RBMValue(network.layer(l), imageShape: l == 1 ? imageShape : nil))
            })
        case "sizes": return .list(network.sizes.map { .number(Double($0)) })
        case "depth": return .number(Double(network.depth))
        case "top": return .object(RBMValue(network.top, imageShape: network.depth == 1 ? imageShape : nil))
        case "parameters": return .number(Double(network.parameterCount))
        case "history":
            // One history for every layer's greedy training, with a layer column.
            return .object(HistoryValue(history: greedy.history, settings: greedy.settings.summary))
        case "up_down":
            guard let u = upDown else { return Value.none }
            return .object(HistoryValue(history: u.history, settings: u.settings.summary))
        case "untied": return .bool(network.isUntied)
        default: return nil
        }
    }

    // MARK: ModelValue

    public var parameterized: any ParameterizedModel { network }
    /// The greedy history (a row per monitored epoch of each layer, with a layer column).
    public var historyValue: HistoryValue { HistoryValue(history: greedy.history, settings: greedy.settings.summary) }
    /// Greedy epochs over all layers, plus up-down epochs.
    public var trained: Int { greedy.completed + network.upDownEpochs }
    /// The layer-1 filters, for show, png and filters.
    public var filterTiles: [[Float]]? {
        let m = network.layer(1)
        return (0..<m.hidden).map { j in Array(m.W[(j * m.visible)..<((j + 1) * m.visible)]) }
    }
}
