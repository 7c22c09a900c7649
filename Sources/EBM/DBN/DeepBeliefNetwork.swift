/// A deep belief network (Hinton, Osindero and Teh 2006; 003, §13.3): the top two layers form an
/// RBM p(h^(L−1), h^(L)), and every layer below is a sigmoid belief net
///
///     P(h^(l−1)_i = 1 | h^(l)) = σ(b^(l−1)_i + (W^(l)ᵀ h^(l))_i)
///
/// (003 writes sign(·) for the logistic sigmoid σ: a slip). The joint factorises as
///
///     P(x, h^(1), …, h^(L)) = p(h^(L−1), h^(L)) Π_{l=1}^{L−1} P(h^(l−1) | h^(l)),   h^(0) = x.
///
/// Layer l (1-based) is stored as the RBM `layers[l − 1]` between h^(l−1) (its visible side,
/// n_(l−1) units) and h^(l) (its hidden side, n_l units), in the RBM layout: W^(l) is n_l × n_(l−1),
/// `b` the bias of the upper units h^(l), `c` the bias of the lower units h^(l−1). For l < L, `c`
/// is the generative bias b^(l−1) of the belief net and `b` the recognition bias of
/// q(h^(l) | h^(l−1)) = σ(b + W h^(l−1)); the top layer is an RBM and uses both.
///
/// After up-down fine-tuning the recognition weights of the layers below the top are untied from
/// the generative ones: `recognition[l − 1]` holds R^(l) (n_l × n_(l−1)) and r^(l) (n_l); before,
/// it is nil and q uses W^(l) and b.
public struct DeepBeliefNetwork: Sendable, Equatable {
    /// Layer l is `layers[l − 1]`; at least one.
    public internal(set) var layers: [RestrictedBoltzmannMachine]
    /// Untied recognition weights of each layer (nil: tied to the generative W and b).
    public internal(set) var recognition: [RecognitionWeights?]
    /// Where each layer came from and how it was trained, for printing and files.
    public var provenance: [DBNLayerProvenance]
    /// Epochs of up-down fine-tuning applied to the whole network.
    public var upDownEpochs = 0

    /// Untied recognition weights q(h^(l) = 1 | h^(l−1)) = σ(r + R h^(l−1)).
    public struct RecognitionWeights: Sendable, Equatable {
        /// R, n_l × n_(l−1), row-major (the layout of W).
        public var R: [Float]
        /// r, the bias of the upper units (n_l).
        public var r: [Float]
        public init(R: [Float], r: [Float]) { (self.R, self.r) = (R, r) }
    }

    /// A network with layer sizes `sizes` = [n_0 = D, n_1, …, n_L] (at least two), each layer a
    /// fresh RBM with W ~ N(0, initScale²) from its own stream of `seed` and zero biases.
    public init(sizes: [Int], seed: UInt64, initScale: Float = 0.01) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 >= 1 }, "a DBN needs at least two layer sizes, each ≥ 1, got \(sizes)")
        layers = (1..<sizes.count).map { l in
            RestrictedBoltzmannMachine(visible: sizes[l - 1], hidden: sizes[l], seed: Self.layerSeed(seed, l), initScale: initScale)
        }
        recognition = Array(repeating: nil, count: sizes.count - 1)
        provenance = (1..<sizes.count).map { _ in DBNLayerProvenance(origin: .random(seed: seed)) }
    }

    /// A network from given layers (adjacent sizes must match: layer l's hidden count is layer
    /// l + 1's visible count). `recognition` and `provenance` default to tied and "given".
    public init(layers: [RestrictedBoltzmannMachine], recognition: [RecognitionWeights?]? = nil,
                provenance: [DBNLayerProvenance]? = nil) {
        precondition(!layers.isEmpty, "a DBN needs at least one layer")
        for l in 1..<layers.count {
            precondition(layers[l].visible == layers[l - 1].hidden,
                         "layer \(l + 1) has \(layers[l].visible) lower units but layer \(l) has \(layers[l - 1].hidden) upper units")
        }
        self.layers = layers
        self.recognition = recognition ?? Array(repeating: nil, count: layers.count)
        self.provenance = provenance ?? layers.map { _ in DBNLayerProvenance(origin: .given) }
        precondition(self.recognition.count == layers.count && self.provenance.count == layers.count,
                     "one recognition entry and one provenance per layer")
        for (l, rec) in self.recognition.enumerated() {
            guard let rec else { continue }
            precondition(rec.R.count == layers[l].W.count && rec.r.count == layers[l].hidden,
                         "recognition weights of layer \(l + 1) must be \(layers[l].hidden) × \(layers[l].visible)")
        }
    }

    /// A one-layer network: an RBM seen as a DBN (its only layer is the top RBM).
    public init(rbm: RestrictedBoltzmannMachine, provenance: DBNLayerProvenance = DBNLayerProvenance(origin: .given)) {
        self.init(layers: [rbm], provenance: [provenance])
    }

    /// L, the number of layers (weight matrices).
    public var depth: Int { layers.count }
    /// [n_0, n_1, …, n_L].
    public var sizes: [Int] { [layers[0].visible] + layers.map(\.hidden) }
    /// D = n_0.
    public var visible: Int { layers[0].visible }
    /// The top RBM p(h^(L−1), h^(L)).
    public var top: RestrictedBoltzmannMachine { layers[layers.count - 1] }
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.parameterCount } + recognition.reduce(0) { $0 + ($1.map { $0.R.count + $0.r.count } ?? 0) }
    }
    /// Whether any layer has untied recognition weights (after up-down).
    public var isUntied: Bool { recognition.contains { $0 != nil } }

    /// Layer l's RBM (1-based), for reading.
    public func layer(_ l: Int) -> RestrictedBoltzmannMachine {
        precondition(l >= 1 && l <= depth, "layer \(l) of a \(depth)-layer DBN")
        return layers[l - 1]
    }

    /// Replaces layer l's RBM (same sizes), e.g. after training it greedily.
    public mutating func setLayer(_ l: Int, _ rbm: RestrictedBoltzmannMachine) {
        precondition(l >= 1 && l <= depth && rbm.visible == layers[l - 1].visible && rbm.hidden == layers[l - 1].hidden,
                     "layer \(l) must keep its sizes")
        layers[l - 1] = rbm
    }

    /// Sets (or with nil, ties again) the recognition weights of layer l.
    public mutating func setRecognition(_ l: Int, _ weights: RecognitionWeights?) {
        precondition(l >= 1 && l <= depth)
        if let weights {
            precondition(weights.R.count == layers[l - 1].W.count && weights.r.count == layers[l - 1].hidden)
        }
        recognition[l - 1] = weights
    }

    /// The recognition half of layer l as an RBM (W = R or W, b = r or b, c unchanged), so that
    /// its `hiddenProbabilities` is q(h^(l) = 1 | h^(l−1)) = σ(r + R h^(l−1)) through one sgemm.
    public func recognitionMachine(_ l: Int) -> RestrictedBoltzmannMachine {
        let layer = layer(l)
        guard let rec = recognition[l - 1] else { return layer }
        return RestrictedBoltzmannMachine(W: rec.R, b: rec.r, c: layer.c)
    }

    /// Puts a new layer of `hidden` units on top (003, §13.3: "weights of the second layer RBM
    /// are initialized as the transpose of the first layer weights").
    ///
    /// When `hidden` equals the lower size of the current top layer, the new layer starts tied:
    /// W^(L+1) = W^(L)ᵀ, its upper bias is the top layer's lower bias c^(L) and its lower bias is
    /// the top layer's upper bias b^(L). Then p(h^(L)) under the new top RBM equals the old top
    /// RBM's marginal of h^(L), the network's p(x) is unchanged and the bound (13.3) is tight.
    /// Otherwise the new layer gets W ~ N(0, initScale²) from `seed`, upper bias 0 and lower
    /// bias b^(L) (so p(h^(L)) starts near the old prior's factorial part); the start is not tied.
    public func stacking(hidden: Int, seed: UInt64 = 0, initScale: Float = 0.01) -> DeepBeliefNetwork {
        precondition(hidden >= 1, "a layer needs at least one unit")
        let below = top
        let new: RestrictedBoltzmannMachine
        let origin: DBNLayerProvenance.Origin
        if hidden == below.visible {
            new = RestrictedBoltzmannMachine(W: Self.transpose(below.W, rows: below.hidden, columns: below.visible),
                                             b: below.c, c: below.b)
            origin = .tiedStart(below: depth)
        } else {
            let fresh = RestrictedBoltzmannMachine(visible: below.hidden, hidden: hidden, seed: Self.layerSeed(seed, depth + 1),
                                                   initScale: initScale)
            new = RestrictedBoltzmannMachine(W: fresh.W, b: fresh.b, c: below.b)
            origin = .untiedStart(seed: seed)
        }
        var out = self
        out.layers.append(new)
        out.recognition.append(nil)
        out.provenance.append(DBNLayerProvenance(origin: origin))
        return out
    }

    /// The layers that have not been trained yet (no epochs and not given trained), 1-based.
    public var untrainedLayers: [Int] {
        (1...depth).filter { provenance[$0 - 1].epochs == 0 && provenance[$0 - 1].origin != .given }
    }

    /// W as n_l × n_(l−1) rows transposed to n_(l−1) × n_l.
    static func transpose(_ W: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: W.count)
        for j in 0..<rows { for i in 0..<columns { out[i * rows + j] = W[j * columns + i] } }
        return out
    }

    /// Layer l's own weight stream of `seed`.
    static func layerSeed(_ seed: UInt64, _ l: Int) -> UInt64 {
        if l == 1 { return seed }   // a 1-layer DBN starts with the same weights as rbm(…, seed:)
        var g = Xoshiro256StarStar.stream(seed: seed ^ 0xDB_4E7, index: UInt64(l))
        return g.next()
    }
}

/// Where a layer came from and how it was trained.
public struct DBNLayerProvenance: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// Fresh random weights from `dbn(sizes, seed:)`.
        case random(seed: UInt64)
        /// `stack` on top of layer `below`, with W = W^(below)ᵀ and the biases swapped (tight bound).
        case tiedStart(below: Int)
        /// `stack` with a size that cannot tie: random weights.
        case untiedStart(seed: UInt64)
        /// Given as a trained model (an RBM, a file).
        case given
    }
    public var origin: Origin
    /// Epochs of greedy (RBM) training of this layer.
    public var epochs: Int = 0
    /// The training settings, e.g. "CD-1, lr 0.1, batch 100".
    public var settings: String?
    /// What the layer was trained on (nil for layer 1, which sees the data).
    public var input: DBNLayerInput?

    public init(origin: Origin, epochs: Int = 0, settings: String? = nil, input: DBNLayerInput? = nil) {
        (self.origin, self.epochs, self.settings, self.input) = (origin, epochs, settings, input)
    }
}

/// What a layer above the first is trained on: Q(h^(l−1) | h^(l−2)) of the layer below as
/// probabilities (mean field, deterministic) or as one sample per row (003: "a feed-forward
/// (sigmoidal) layer, followed by sampling").
public enum DBNLayerInput: String, Sendable, Equatable, CaseIterable {
    case probabilities, samples
}
