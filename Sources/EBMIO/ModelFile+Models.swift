import EBM

/// The parameters of each kind of model in a version 2 file (docs/model-format.md has the table).
extension ModelFile {
    static func encodeModel(_ model: Model, into file: ModelContainer) throws {
        switch model {
        case .rbm(let m, let shape):
            try encodeRBM(W: m.W, b: m.b, c: m.c, visible: m.visible, hidden: m.hidden, imageShape: shape, into: file)
        case .gaussianRBM(let m, let shape):
            try encodeRBM(W: m.W, b: m.b, c: m.c, visible: m.visible, hidden: m.hidden, imageShape: shape, into: file)
            file.append("sigma", m.sigma, shape: [m.visible])
        case .dbn(let d, let shape):
            try encodeDBN(d, imageShape: shape, into: file)
        case .boltzmann(let m):
            file.set("units", m.units)
            file.append("W", m.W, shape: [m.units, m.units])
            file.append("b", m.b, shape: [m.units])
        case .mlpEnergy(let e):
            encodeNetwork(e.network, into: file)
        case .scoreModel(let s):
            file.set("dimension", s.dimension)
            encodeNetwork(s.network, into: file)
            if s.conditional { file.append("sigmas", s.sigmas, shape: [s.sigmas.count]) }
        case .gaussian(let g):
            file.set("dimension", g.dimension)
            file.append("mean", g.mean, shape: [g.dimension])
            file.append("covariance", g.covariance, shape: [g.dimension, g.dimension])
        case .mixture(let m):
            file.set("dimension", m.dimension)
            file.set("components", m.means.count)
            file.append("means", m.means.flatMap { $0 }, shape: [m.means.count, m.dimension])
            file.append("stds", m.stds, shape: [m.stds.count])
            file.append("weights", m.weights, shape: [m.weights.count])
        case .doubleWell(let w):
            file.set("dimension", w.dimension)
            file.set("barrier", w.barrier)
        }
    }

    /// `visible`, `hidden`, `image` and W (hidden × visible), b (hidden), c (visible): the RBM
    /// layout, shared by Bernoulli and Gaussian visible units and by each layer of a DBN.
    static func encodeRBM(W: [Float], b: [Float], c: [Float], visible: Int, hidden: Int, imageShape shape: (height: Int, width: Int)?,
                          into file: ModelContainer, prefix: String = "") throws {
        file.set(prefix + "visible", visible)
        file.set(prefix + "hidden", hidden)
        if let shape {
            let pixels = shape.height.multipliedReportingOverflow(by: shape.width)
            guard shape.height >= 1, shape.width >= 1, !pixels.overflow, pixels.partialValue == visible else {
                throw FileError(path: file.path, message: "cannot write \(file.path): the image shape \(shape.height)×\(shape.width) does not fit the model's \(visible) visible units (height × width must equal \(visible)); pass no image shape or the right one")
            }
            file.set(prefix + "image", [String(shape.height), String(shape.width)])
        }
        file.append(prefix + "W", W, shape: [hidden, visible])
        file.append(prefix + "b", b, shape: [hidden])
        file.append(prefix + "c", c, shape: [visible])
    }

    /// `layers L`, `image`, `fine_tuning_epochs` (of up-down), then per layer l (prefix `layerl_`) the RBM layout
    /// (W upper × lower, b upper, c lower), `R`/`r` where up-down untied the recognition
    /// weights, and where the layer came from: `origin random SEED | tied BELOW | untied SEED |
    /// given`, `trained_epochs`, `input probabilities|samples`, and the settings text `settings`.
    static func encodeDBN(_ d: DeepBeliefNetwork, imageShape: (height: Int, width: Int)?, into file: ModelContainer) throws {
        let saved = file.prefix
        defer { file.prefix = saved }
        file.set("layers", d.depth)
        if let shape = imageShape {
            guard shape.height >= 1, shape.width >= 1, shape.height * shape.width == d.visible else {
                throw FileError(path: file.path, message: "cannot write \(file.path): the image shape \(shape.height)×\(shape.width) does not fit the network's \(d.visible) visible units")
            }
            file.set("image", [String(shape.height), String(shape.width)])
        }
        file.set("fine_tuning_epochs", d.upDownEpochs)
        for l in 1...d.depth {
            let m = d.layer(l), p = d.provenance[l - 1]
            file.prefix = saved + "layer\(l)_"
            try encodeRBM(W: m.W, b: m.b, c: m.c, visible: m.visible, hidden: m.hidden, imageShape: nil, into: file)
            if let rec = d.recognition[l - 1] {
                file.append("R", rec.R, shape: [m.hidden, m.visible])
                file.append("r", rec.r, shape: [m.hidden])
            }
            switch p.origin {
            case .random(let seed): file.set("origin", ["random", String(seed)])
            case .tiedStart(let below): file.set("origin", ["tied", String(below)])
            case .untiedStart(let seed): file.set("origin", ["untied", String(seed)])
            case .given: file.set("origin", ["given"])
            }
            file.set("trained_epochs", p.epochs)
            if let input = p.input { file.set("input", [input.rawValue]) }
            if let settings = p.settings { file.append("settings", text: settings) }
        }
    }

    static func decodeDBN(_ file: ModelContainer) throws -> Model {
        let saved = file.prefix
        defer { file.prefix = saved }
        let L = try file.int("layers", "the number of layers (weight matrices)", in: 1...10_000)
        var shapeWords: ([String], Int)?
        if file.has("image") { shapeWords = try file.words("image", "the image height and width", count: 2) }
        let upDown = try file.int("fine_tuning_epochs", "epochs of up-down fine-tuning", in: 0...1_000_000_000)
        var layers: [RestrictedBoltzmannMachine] = [], recognition: [DeepBeliefNetwork.RecognitionWeights?] = [], provenance: [DBNLayerProvenance] = []
        for l in 1...L {
            file.prefix = saved + "layer\(l)_"
            let r = try decodeRBM(file)
            if let below = layers.last, below.hidden != r.visible {
                throw file.fail(at: file.line(ofField: "visible"), "layer \(l) has \(r.visible) lower units, but layer \(l - 1) has \(below.hidden) upper units (they are the same units)")
            }
            layers.append(RestrictedBoltzmannMachine(W: r.W, b: r.b, c: r.c))
            if file.hasArray("R") || file.hasArray("r") {
                recognition.append(DeepBeliefNetwork.RecognitionWeights(R: try file.floats("R", shape: [r.hidden, r.visible], "the recognition weights, upper × lower"),
                                                                        r: try file.floats("r", shape: [r.hidden], "the recognition bias of the upper units")))
            } else {
                recognition.append(nil)
            }
            let (o, line) = try file.words("origin", "where the layer came from: random SEED, tied BELOW, untied SEED or given")
            let origin: DBNLayerProvenance.Origin
            switch (o.first, o.count) {
            case ("random", 2): origin = .random(seed: try seedWord(o[1], file, line))
            case ("untied", 2): origin = .untiedStart(seed: try seedWord(o[1], file, line))
            case ("tied", 2): origin = .tiedStart(below: try file.int(o[1], "the layer the start was tied to", in: 1...max(1, l - 1), line: line))
            case ("given", 1): origin = .given
            default: throw file.fail(at: line, "`origin` must be `random SEED`, `tied BELOW`, `untied SEED` or `given`, found `\(o.joined(separator: " "))`")
            }
            var p = DBNLayerProvenance(origin: origin, epochs: try file.int("trained_epochs", "epochs of greedy training of this layer", in: 0...1_000_000_000))
            if file.has("input") { p.input = DBNLayerInput(rawValue: try file.choice("input", "what the layer was trained on", DBNLayerInput.allCases.map(\.rawValue))) }
            if file.hasArray("settings") { p.settings = try file.text("settings", "the layer's training settings") }
            provenance.append(p)
        }
        file.prefix = saved
        var shape: (height: Int, width: Int)?
        if let sw = shapeWords {
            let (words, line) = sw
            let height = try file.int(words[0], "the image height", in: 1...sizeLimit, line: line)
            let width = try file.int(words[1], "the image width", in: 1...sizeLimit, line: line)
            guard height * width == layers[0].visible else {
                throw file.fail(at: line, "the image shape \(height)×\(width) has \(height * width) pixels, but the network has \(layers[0].visible) visible units")
            }
            shape = (height, width)
        }
        var d = DeepBeliefNetwork(layers: layers, recognition: recognition, provenance: provenance)
        d.upDownEpochs = upDown
        return .dbn(d, imageShape: shape)
    }

    private static func seedWord(_ w: String, _ file: ModelContainer, _ line: Int) throws -> UInt64 {
        guard let v = UInt64(w) else { throw file.fail(at: line, "the seed must be a whole number from 0 to \(UInt64.max), found `\(w)`") }
        return v
    }

    /// The arrays and sizes `encodeRBM` wrote.
    static func decodeRBM(_ file: ModelContainer, prefix: String = "")
        throws -> (W: [Float], b: [Float], c: [Float], visible: Int, hidden: Int, imageShape: (height: Int, width: Int)?) {
        let d = try file.int(prefix + "visible", "the number of visible units", in: 1...sizeLimit)
        let h = try file.int(prefix + "hidden", "the number of hidden units", in: 1...sizeLimit)
        var shape: (height: Int, width: Int)?
        if file.has(prefix + "image") {
            let (words, line) = try file.words(prefix + "image", "the image height and width", count: 2)
            let height = try file.int(words[0], "the image height", in: 1...sizeLimit, line: line)
            let width = try file.int(words[1], "the image width", in: 1...sizeLimit, line: line)
            guard height * width == d else {
                throw file.fail(at: line, "the image shape \(height)×\(width) has \(height * width) pixels, but the model has \(d) visible units")
            }
            shape = (height, width)
        }
        let W = try file.floats(prefix + "W", shape: [h, d], "hidden × visible")
        let b = try file.floats(prefix + "b", shape: [h], "the hidden bias")
        let c = try file.floats(prefix + "c", shape: [d], "the visible bias")
        return (W, b, c, d, h, shape)
    }

    /// `activation`, `widths` and W0, b0, W1, b1, … (W_l is widths[l+1] × widths[l], PyTorch's
    /// nn.Linear layout).
    private static func encodeNetwork(_ n: MultilayerPerceptron, into file: ModelContainer) {
        file.set("activation", [n.activation.rawValue])
        file.set("widths", n.dims.map(String.init))
        for l in 0..<n.layers {
            file.append("W\(l)", n.weights[l], shape: [n.dims[l + 1], n.dims[l]])
            file.append("b\(l)", n.biases[l], shape: [n.dims[l + 1]])
        }
    }

    static let sizeLimit = 999_999_999

    static func decodeModel(_ file: ModelContainer) throws -> Model {
        switch file.kind {
        case "rbm":
            let r = try decodeRBM(file)
            return .rbm(RestrictedBoltzmannMachine(W: r.W, b: r.b, c: r.c), imageShape: r.imageShape)
        case "gaussian-rbm":
            let r = try decodeRBM(file)
            let sigma = try file.floats("sigma", shape: [r.visible], "σ, each visible unit's standard deviation")
            guard GaussianUnits.isValid(sigma: sigma) else {
                throw file.fail(at: file.line(of: "sigma"), "every σ must be positive and finite (σ is a standard deviation)")
            }
            return .gaussianRBM(GaussianBernoulliRBM(W: r.W, b: r.b, c: r.c, sigma: sigma), imageShape: r.imageShape)
        case "dbn":
            return try decodeDBN(file)
        case "boltzmann":
            let n = try file.int("units", "the number of units", in: 1...100_000)
            let W = try file.doubles("W", shape: [n, n], "the symmetric weights, zero on the diagonal")
            let b = try file.doubles("b", shape: [n], "the biases")
            for i in 0..<n {
                guard W[i * n + i] == 0 else {
                    throw file.fail(at: file.line(of: "W"), "W must be zero on the diagonal, but W[\(i),\(i)] = \(W[i * n + i])")
                }
                for j in 0..<i where W[i * n + j].bitPattern != W[j * n + i].bitPattern {
                    throw file.fail(at: file.line(of: "W"), "W must be symmetric, but W[\(i),\(j)] = \(W[i * n + j]) and W[\(j),\(i)] = \(W[j * n + i])")
                }
            }
            return .boltzmann(FullyVisibleBoltzmannMachine(W: W, b: b))
        case "mlp-energy":
            let network = try decodeNetwork(file, outputs: 1, inputs: nil)
            var e = NeuralEnergy(dims: [1, 1], activation: network.activation, seed: 0)
            e.network = network
            return .mlpEnergy(e)
        case "score-model":
            let d = try file.int("dimension", "d, the data's dimension", in: 1...sizeLimit)
            var sigmas: [Double] = []
            if file.hasArray("sigmas") {
                sigmas = try file.doubles("sigmas", shape: [nil], "the noise levels, largest first")
                guard !sigmas.isEmpty, sigmas.allSatisfy({ $0 > 0 && $0.isFinite }), sigmas == sigmas.sorted(by: >) else {
                    throw file.fail(at: file.line(of: "sigmas"), "the noise levels must be positive finite numbers, largest first (leave the array out for an unconditional model)")
                }
            }
            let network = try decodeNetwork(file, outputs: d, inputs: sigmas.isEmpty ? d : d + 1)
            // Built with the file's widths, so it allocates no more than the file holds.
            var s = ScoreModel(dimension: d, hidden: Array(network.dims.dropFirst().dropLast()), activation: network.activation,
                               sigmas: sigmas, seed: 0)
            s.network = network
            return .scoreModel(s)
        case "gaussian":
            let d = try file.int("dimension", "d, the dimension", in: 1...100_000)
            let mean = try file.doubles("mean", shape: [d], "μ")
            let covariance = try file.doubles("covariance", shape: [d, d], "Σ, d × d")
            guard mean.allSatisfy(\.isFinite) else { throw file.fail(at: file.line(of: "mean"), "the mean must be finite") }
            guard covariance.allSatisfy(\.isFinite), let g = try? GaussianEnergy(mean: mean, covariance: covariance) else {
                throw file.fail(at: file.line(of: "covariance"), "the covariance must be symmetric and positive definite")
            }
            return .gaussian(g)
        case "mixture":
            let d = try file.int("dimension", "d, the dimension", in: 1...100_000)
            let k = try file.int("components", "the number of components", in: 1...1_000_000)
            let means = try file.doubles("means", shape: [k, d], "one mean per row")
            let stds = try file.doubles("stds", shape: [k], "each component's standard deviation")
            let weights = try file.doubles("weights", shape: [k], "the mixing weights, summing to 1")
            guard means.allSatisfy(\.isFinite) else { throw file.fail(at: file.line(of: "means"), "the means must be finite") }
            guard stds.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw file.fail(at: file.line(of: "stds"), "the standard deviations must be positive and finite") }
            let total = weights.reduce(0, +)
            guard weights.allSatisfy({ $0 > 0 && $0.isFinite }), abs(total - 1) < 1e-9 else {
                throw file.fail(at: file.line(of: "weights"), "the weights must be positive and sum to 1 (they sum to \(total))")
            }
            return .mixture(MixtureEnergy(means: (0..<k).map { Array(means[($0 * d)..<(($0 + 1) * d)]) }, stds: stds, normalizedWeights: weights))
        case "double-well":
            let d = try file.int("dimension", "d, the dimension", in: 1...100_000)
            let h = try file.double("barrier", "the barrier height h")
            guard h > 0 else { throw file.fail(at: file.line(ofField: "barrier"), "the barrier height must be positive, found \(h)") }
            return .doubleWell(DoubleWellEnergy(barrier: h, dimension: d))
        default:
            throw file.fail(at: file.kindLine, "the model kind `\(file.kind)` is unknown; this ebm reads \(Model.kinds.map { "`kind \($0)`" }.joined(separator: ", "))")
        }
    }

    /// The perceptron of an MLP energy or score model; the arrays are read (and their sizes
    /// checked against the data present) before anything is allocated from the widths.
    private static func decodeNetwork(_ file: ModelContainer, outputs: Int, inputs: Int?) throws -> MultilayerPerceptron {
        let name = try file.choice("activation", "the activation", Activation.allCases.map(\.rawValue))
        let widths = try file.ints("widths", "each width", in: 1...sizeLimit)
        let line = file.line(ofField: "widths")
        guard widths.count >= 2 else { throw file.fail(at: line, "`widths` needs the input and output widths at least, found \(widths.count) number\(widths.count == 1 ? "" : "s")") }
        guard widths.last == outputs else {
            throw file.fail(at: line, "the last width must be \(outputs) (\(file.kind == "mlp-energy" ? "an energy has one output" : "the score has one output per dimension")), found \(widths.last ?? 0)")
        }
        if let inputs, widths[0] != inputs {
            throw file.fail(at: line, "the first width must be \(inputs) (the dimension\(inputs > outputs ? " and log σ" : "")), found \(widths[0])")
        }
        var weights: [[Float]] = [], biases: [[Float]] = []
        for l in 0..<(widths.count - 1) {
            weights.append(try file.floats("W\(l)", shape: [widths[l + 1], widths[l]], "layer \(l)'s weights, outputs × inputs"))
            biases.append(try file.floats("b\(l)", shape: [widths[l + 1]], "layer \(l)'s bias"))
        }
        guard let activation = Activation(rawValue: name) else { throw file.fail(at: file.line(ofField: "activation"), "unknown activation") }
        var network = MultilayerPerceptron(dims: widths, activation: activation, seed: 0)
        network.weights = weights
        network.biases = biases
        return network
    }
}
