import EBM

/// Deep belief networks (003 §13.3; Hinton, Osindero and Teh 2006): building and stacking, the
/// bound (13.3), sampling, receptive fields, features and a linear probe. Training goes through
/// `train` (greedy layer-wise, or up-down), log-likelihoods through `loglik`.
extension Command {
    static let dbn = Command(
        "dbn", category: .models,
        summary: "a deep belief network: sigmoid belief net layers under a top RBM (003 §13.3)",
        parameters: [
            Parameter("layers", .list, "the layer sizes [D, n_1, …, n_L], e.g. [784, 500, 500, 2000]; at least two"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed of the initial weights (each layer its own stream)"),
            Parameter("init", .positiveNumber, default: .number(0.01), "the standard deviation σ of the initial weights, W ~ N(0, σ²); biases start at 0"),
            Parameter("height", .optional(.integer(min: 1, max: nil)), default: Value.none, "image height of the visible layer (for samples and receptive fields)"),
            Parameter("width", .optional(.integer(min: 1, max: nil)), default: Value.none, "image width of the visible layer"),
        ],
        details: """
        The model (003 §13.3, with σ where 003 writes sign):
          p(x, h^(1), …, h^(L)) = p(h^(L-1), h^(L)) Π_l P(h^(l-1) | h^(l))
          P(h^(l-1)_i = 1 | h^(l)) = σ(b^(l-1)_i + (W^(l)ᵀ h^(l))_i)
        Layer l is stored as an RBM between h^(l-1) and h^(l): W (n_l × n_(l-1)), b (upper
        units: the recognition bias), c (lower units: the generative bias b^(l-1)).
        Train it greedily with train(d, data, ...): layer 1 on the data, each next layer on
        Q(h^(l-1) | x) of the frozen layers below. Printing shows each layer and its training.
        Properties: d.layers (RBMs, copies), d.sizes, d.depth, d.top, d.history (one row per
        monitored epoch of each layer, with a layer column), d.up_down (its history).
        Example:
          d = dbn(layers: [784, 500, 500], seed: 1)
          d2 = stack(m, hidden: 16)     # on a trained RBM m: the tied start
        """
    ) { args, _ in
        guard case .list(let items) = args["layers"] else { throw args.error("layers", "expected a list of layer sizes") }
        var sizes: [Int] = []
        for item in items {
            guard case .number(let v) = item, v == v.rounded(), v >= 1, v <= 1_000_000 else {
                throw args.error("layers", "each layer size must be a whole number from 1 to 1000000, got \(describe(item))")
            }
            sizes.append(Int(v))
        }
        guard sizes.count >= 2 else {
            throw args.error("layers", "a DBN needs at least two sizes (visible and one hidden layer), got \(sizes.count)",
                             hint: "e.g. dbn(layers: [16, 12, 8])")
        }
        for l in 1..<sizes.count where sizes[l - 1].multipliedReportingOverflow(by: sizes[l]).partialValue > 200_000_000 {
            throw args.error("layers", "layer \(l) has \(sizes[l - 1]) × \(sizes[l]) weights, too many (the limit is 200 million)")
        }
        let shape = try imageShape(args, count: sizes[0])
        let network = DeepBeliefNetwork(sizes: sizes, seed: UInt64(args.int("seed")), initScale: Float(args.number("init")))
        return .object(DBNValue(network, imageShape: shape))
    }

    static let stack = Command(
        "stack", category: .models,
        summary: "a DBN with one more layer on a trained RBM or DBN: the tied start W^(L+1) = W^(L)ᵀ",
        parameters: [
            Parameter("model", .object(["rbm", "dbn"]), "a trained RBM or DBN (it is not changed)"),
            Parameter("hidden", .optional(.integer(min: 1, max: 1_000_000)), default: Value.none,
                      "units of the new top layer; default (and for the tied start): the lower size of the current top layer"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed when the new layer cannot be tied"),
        ],
        details: """
        003 §13.3: "Weights of the second layer RBM is initialized as the transpose of the first
        layer weights. Thus, the bound become initially tight". With hidden equal to the top
        layer's lower size, the new layer starts with W = Wᵀ of the layer below, its upper bias
        the lower bias c below and its lower bias the upper bias b below: p(x) is unchanged and
        elbo equals loglik. Another size starts from small random weights (not tied).
        train(d2, data) then trains only the new layer.
        Example:
          d2 = stack(m, hidden: 16)
          elbo(d2, data)     # equal to loglik(m, data)
        """
    ) { args, _ in
        let hidden = args.optionalInt("hidden")
        var base: DeepBeliefNetwork
        var shape: (height: Int, width: Int)?
        var keep: DBNValue?
        if let rbm = args.object("model", as: RBMValue.self) {
            var provenance = DBNLayerProvenance(origin: .given)
            if let t = rbm.trainer, t.epochsCompleted > 0 {
                provenance.epochs = t.epochsCompleted
                provenance.settings = t.options.summary
            }
            base = DeepBeliefNetwork(rbm: rbm.machine, provenance: provenance)
            shape = rbm.imageShape
        } else if let d = args.object("model", as: DBNValue.self) {
            base = d.network
            shape = d.imageShape
            keep = d
        } else {
            throw args.error("model", "expected an RBM or a DBN")
        }
        let units = hidden ?? base.top.visible
        let result = DBNValue(base.stacking(hidden: units, seed: UInt64(args.int("seed"))), imageShape: shape)
        if let keep { result.greedy = keep.greedy; result.upDown = keep.upDown }
        return .object(result)
    }

    static let elbo = Command(
        "elbo", category: .models,
        summary: "the variational bound (13.3) of a DBN on a data set: exact when h^(1) can be enumerated, else estimated",
        parameters: [
            Parameter("model", .object(["dbn"]), "a DBN"),
            Parameter("data", .tensor, "a data set or an n × D matrix"),
            Parameter("exact", .choice(["auto", "yes", "no"]), default: .string("auto"),
                      "\"auto\": exact when affordable; \"yes\": exact or an error; \"no\": always estimate"),
            Parameter("samples", .integer(min: 2, max: 100_000), default: .number(10), "estimate: samples of q(h^(1) | x) per row"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "estimate: seeds the samples and AIS"),
            Parameter("ais_runs", .integer(min: 2, max: 100_000), default: .number(100), "estimate: AIS runs for the top RBM's log Z (when it cannot be enumerated)"),
            Parameter("ais_betas", .integer(min: 2, max: 10_000_000), default: .number(10_000), "estimate: AIS inverse temperatures"),
        ],
        details: """
        003 (13.3), with q(h^(1) | x) = Π_j σ(b_j + W_j x) the first layer's posterior:
          log p(x) ≥ Σ_h q(h|x) [log p(h^(1)) + log P(x | h^(1))] - Σ_h q(h|x) log q(h|x)
        (003's second bound writes log p(h^(1)) + log p(h^(1)); it means log p(h^(1)) + log P(x | h^(1)).)
        Exact: sums over every h^(1), with p(h^(1)) from the top RBM's exact log Z (and, for
        L ≥ 3, exact sums down the belief net); prints log p(x) and the gap KL(q ‖ p(h^(1)|x)).
        Estimated: samples of q, the entropy of q in closed form, and log Z of the top RBM exact
        when its smaller layer is small, else by AIS; prints ±1σ and a ±3σ interval that includes
        AIS's. For L ≥ 3 the estimate is of the layer-by-layer bound, below (13.3)'s.
        Properties: b.elbo, b.loglik, b.gap, b.prior, b.conditional, b.entropy, b.se, b.lower, b.upper.
        Example:
          b = elbo(d2, bars_and_stripes(3))
          b.gap
        """
    ) { args, context in
        guard let d = args.object("model", as: DBNValue.self) else { throw args.error("model", "expected a DBN") }
        let x = try rows(args, "data", width: d.network.visible, what: "visible units")
        let mode = args.string("exact")
        if mode != "no" {
            do {
                return .object(DBNBoundValue(kind: .exact(try d.network.exactEvidenceLowerBound(x))))
            } catch let e as DBNEnumerationTooLarge {
                if mode == "yes" { throw ScriptError(.value, "elbo: \(e.description)", at: args.callLocation, hint: "leave out exact: to estimate") }
            } catch let e as EnumerationTooLarge {
                if mode == "yes" { throw ScriptError(.value, "elbo: \(e.description)", at: args.callLocation, hint: "leave out exact: to estimate") }
            }
        }
        let estimator = DBNBoundEstimator(samples: args.int("samples"), seed: UInt64(args.int("seed")),
                                          ais: AnnealedImportanceSampling(runs: args.int("ais_runs"), temperatures: args.int("ais_betas"),
                                                                          seed: UInt64(args.int("seed"))))
        context.progress?.begin("elbo", total: nil)
        defer { context.progress?.end() }
        guard let estimate = estimator.estimate(d.network, data: x, shouldStop: { context.isInterrupted }) else {
            throw ScriptError(.interrupted, "elbo: interrupted during AIS", at: args.callLocation)
        }
        return .object(DBNBoundValue(kind: .estimated(estimate)))
    }

    static let sample = Command(
        "sample", category: .sampling,
        summary: "samples of a DBN: Gibbs steps in the top RBM, then one pass down the belief net",
        parameters: [
            Parameter("model", .object(["dbn"]), "a DBN"),
            Parameter("n", .integer(min: 1, max: 100_000), default: .number(16), "how many samples (chains)"),
            Parameter("steps", .integer(min: 0, max: 10_000_000), default: .number(1000), "alternating Gibbs steps in the top RBM"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed; chain i uses its own stream"),
            Parameter("mean", .bool, default: .bool(false), "return P(x = 1 | h^(1)) of the last step instead of the sampled x (smoother pictures)"),
        ],
        details: """
        003 §13.3: "Sample h^(2) using alternating Gibbs sampling from RBM. Sample lower layers
        using sigmoid belief network." The top chains start with every unit on with probability
        1/2. With a tied 2-layer DBN this walk is the RBM's own Gibbs chain (the steps are the same).
        The result is a data set (with the image shape), for png, show and loglik.
        Example:
          s = sample(d, n: 16, steps: 1000, seed: 1)
          png(s, "images/dbn-samples.png", scale: 4)
        """
    ) { args, context in
        guard let d = args.object("model", as: DBNValue.self) else { throw args.error("model", "expected a DBN") }
        let steps = args.int("steps")
        context.progress?.begin("sample", total: steps)
        defer { context.progress?.end() }
        let samples = DBNSampler(count: args.int("n"), steps: steps, seed: UInt64(args.int("seed")))
            .sample(d.network, shouldStop: { context.isInterrupted }) { context.progress?.update(done: $0, status: "") }
        try context.checkInterrupt()
        return .object(Dataset(name: "dbn samples", examples: args.bool("mean") ? samples.probabilities : samples.visible,
                               imageShape: d.imageShape))
    }

    static let receptiveFields = Command(
        "receptive_fields", category: .images,
        summary: "what each unit of a DBN layer looks for in the image: layer-1 filters, or weighted sums of them",
        parameters: [Parameter("model", .object(["dbn"]), "a DBN"),
                     Parameter("layer", .integer(min: 1, max: nil), default: .number(1), "the layer whose units to draw")]
            + ImageConversion.parameters,
        details: """
        Layer 1: the rows of W^(1) (as filters(m) draws an RBM). Layer l: the rows of
        W^(l) ⋯ W^(2) W^(1), each unit as the weighted sum of the layer-1 filters it connects to.
        Drawn with 0 as mid-grey, each tile at its own contrast (scaling: "symmetric_tile").
        Example:
          png(receptive_fields(d, layer: 2, limit: 64), "images/layer2.png", scale: 2)
        """
    ) { args, _ in
        guard let d = args.object("model", as: DBNValue.self) else { throw args.error("model", "expected a DBN") }
        let layer = args.int("layer")
        guard layer <= d.network.depth else {
            throw args.error("layer", "the DBN has \(d.network.depth) layer\(d.network.depth == 1 ? "" : "s"), so layer must be 1…\(d.network.depth)")
        }
        let D = d.network.visible
        guard let (h, w) = d.imageShape ?? ImageConversion.squareShape(D) else {
            throw args.error("model", "the DBN's \(D) visible units have no image shape",
                             hint: "create it with dbn(layers: ..., height: H, width: W), or train it on a data set of images")
        }
        let fields = d.network.receptiveFields(layer: layer)
        let tiles = (0..<fields.rows).prefix(args.int("limit")).map { Array(fields.scalars[($0 * D)..<(($0 + 1) * D)]) }
        var layout = GridLayout(columns: args.optionalInt("columns"), padding: args.int("padding"), scale: args.int("scale"),
                                background: UInt8((args.number("background") * 255).rounded()))
        layout.scaling = args.isGiven("scaling") ? imageScaling(args.string("scaling")) : .symmetricPerTile
        return .object(Image.grid(tiles: tiles, tileHeight: h, tileWidth: w, layout: layout))
    }

    static let features = Command(
        "features", category: .models,
        summary: "a DBN layer's features q(h^(l) = 1 | x) of every row: the up pass, as a data set with the labels",
        parameters: [
            Parameter("model", .object(["dbn", "rbm"]), "a DBN (or an RBM, as a 1-layer DBN)"),
            Parameter("data", .tensor, "a data set or an n × D matrix"),
            Parameter("layer", .integer(min: 0, max: nil), default: .number(1), "0 for the data itself, l for h^(l)"),
        ],
        details: """
        The recognition pass of 003 §13.3: q(h^(l) = 1 | h^(l-1)) = σ(b^(l) + W^(l) h^(l-1)) layer
        by layer, as probabilities (after up-down, the untied recognition weights). The labels
        of a data set come along, so probe can use them.
        Example:
          f1 = features(d, train_set, layer: 1)
        """
    ) { args, _ in
        let network: DeepBeliefNetwork
        if let d = args.object("model", as: DBNValue.self) { network = d.network }
        else if let m = args.object("model", as: RBMValue.self) { network = DeepBeliefNetwork(rbm: m.machine) }
        else { throw args.error("model", "expected a DBN or an RBM") }
        let layer = args.int("layer")
        guard layer <= network.depth else {
            throw args.error("layer", "the model has \(network.depth) layer\(network.depth == 1 ? "" : "s"), so layer must be 0…\(network.depth)")
        }
        let x = try rows(args, "data", width: network.visible, what: "visible units")
        let labels = args.dataset("data")?.labels
        let f = network.features(x, layer: layer)
        return .object(Dataset(name: "features of layer \(layer)", examples: f,
                               imageShape: layer == 0 ? args.dataset("data")?.imageShape : nil, labels: labels))
    }

    static let probe = Command(
        "probe", category: .models,
        summary: "a linear probe: multinomial logistic regression on features, with train and test accuracy",
        parameters: [
            Parameter("features", .tensor, "the training features: a labelled data set (e.g. from features(...)), or an n × d matrix with labels:"),
            Parameter("labels", .optional(.list), default: Value.none, "the class of every training row (0, 1, …), when features has none"),
            Parameter("test", .optional(.tensor), default: Value.none, "test features (a labelled data set, or a matrix with test_labels:)"),
            Parameter("test_labels", .optional(.list), default: Value.none, "the class of every test row, when test has none"),
            Parameter("epochs", .integer(min: 1, max: 10_000), default: .number(20), "passes of minibatch gradient descent"),
            Parameter("lr", .positiveNumber, default: .number(0.1), "the learning rate"),
            Parameter("l2", .number, default: .number(0.0001), "λ of the L2 penalty ½λ‖V‖²"),
            Parameter("batch", .integer(min: 1, max: 1_000_000), default: .number(100), "rows per minibatch"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "seeds the shuffles"),
        ],
        details: """
        p(y = k | f) = softmax(V f + a)_k, fitted by minibatch gradient descent with momentum 0.9
        on the mean cross-entropy. The test accuracy says how linearly separable the classes are
        in these features: raw pixels (layer 0) against a DBN's layers, 003's "better features".
        Example:
          p = probe(features(d, train_set, layer: 1), test: features(d, test_set, layer: 1))
          p.test_accuracy
        """
    ) { args, _ in
        let train = args.tensor("features")
        guard train.rank == 2, train.rows > 0 else { throw args.error("features", "features must be an n × d matrix or a data set") }
        let labels = try probeLabels(args, "features", "labels", rows: train.rows)
        let classes = Swift.max(labels.max() ?? 0, 1) + 1
        var testAccuracy: Double?
        var testSet: (Tensor, [Int])?
        if !args["test"].isNone {
            let test = args.tensor("test")
            guard test.rank == 2, test.shape[1] == train.shape[1] else {
                throw args.error("test", "test features must have \(train.shape[1]) columns like the training features, got \(shapeText(test.shape))")
            }
            let testLabels = try probeLabels(args, "test", "test_labels", rows: test.rows)
            testSet = (test, testLabels)
        }
        let allClasses = Swift.max(classes, (testSet?.1.max() ?? 0) + 1)
        var options = LinearProbe.Options()
        options.epochs = args.int("epochs")
        options.learningRate = Float(args.number("lr"))
        options.l2 = Float(args.number("l2"))
        options.batchSize = args.int("batch")
        options.seed = UInt64(args.int("seed"))
        let probe = LinearProbe(fitting: train, labels: labels, classes: allClasses, options: options)
        guard probe.V.allSatisfy(\.isFinite) else {
            throw ScriptError(.numeric, "probe: the fit diverged (a weight became NaN or infinite)", at: args.location(of: "lr"),
                              hint: "lower the learning rate (it was \(formatNumber(args.number("lr"))))")
        }
        if let (x, y) = testSet { testAccuracy = probe.accuracy(x, labels: y) }
        let what = args.dataset("features")?.name ?? "\(train.shape[1]) features"
        return .object(ProbeValue(probe: probe, trainAccuracy: probe.accuracy(train, labels: labels), testAccuracy: testAccuracy, what: what))
    }
}

/// The labels of a probe's features: the data set's own, or the list given as `labelName`.
private func probeLabels(_ args: Arguments, _ dataName: String, _ labelName: String, rows: Int) throws -> [Int] {
    var labels: [Int]
    if case .list(let items) = args[labelName] {
        labels = []
        for item in items {
            guard case .number(let v) = item, v == v.rounded(), v >= 0, v < 10_000 else {
                throw args.error(labelName, "labels must be whole numbers from 0, got \(describe(item))")
            }
            labels.append(Int(v))
        }
    } else if let l = args.dataset(dataName)?.labels {
        labels = l
    } else {
        throw args.error(dataName, "\(dataName) has no labels", hint: "pass a labelled data set (fashion_mnist(...) has labels) or give \(labelName):")
    }
    guard labels.count == rows else {
        throw args.error(labelName, "\(labels.count) labels for \(rows) rows")
    }
    return labels
}

/// The named intensity scaling of the drawing commands.
func imageScaling(_ name: String) -> IntensityScaling {
    switch name {
    case "unit": return .unit
    case "tile": return .perTile
    case "global": return .global
    case "symmetric": return .symmetric
    default: return .symmetricPerTile
    }
}
