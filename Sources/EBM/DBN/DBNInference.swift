/// The recognition (up) pass of a DBN: q(h^(l) = 1 | h^(l−1)) = σ(b^(l) + W^(l) h^(l−1)) layer by
/// layer (003, §13.3: "a feed-forward (sigmoidal) layer, followed by sampling"), with R and r in
/// place of W and b once up-down has untied them. Every layer is one `cblas_sgemm` over all rows.
extension DeepBeliefNetwork {
    /// Features of layer `layer` for every row of `data` (n × D): the mean-field probabilities
    /// q(h^(layer) = 1 | …) of the up pass, n × n_layer. Layer 0 is the data itself.
    public func features(_ data: Tensor, layer: Int) -> Tensor {
        precondition(data.rank == 2 && data.shape[1] == visible, "features need an n × \(visible) matrix, got \(data.shape)")
        precondition(layer >= 0 && layer <= depth, "layer must be 0…\(depth), got \(layer)")
        var x = data
        for l in stride(from: 1, through: layer, by: 1) { x = recognitionMachine(l).hiddenProbabilities(x) }
        return x
    }

    /// What layer `l` (1-based) is trained on by the greedy procedure: the data for l = 1, else
    /// Q(h^(l−1) | h^(l−2)) of the frozen layers below, as probabilities or as samples (each level
    /// sampled from the previous level's sample; row r draws from stream r of a per-level seed).
    /// With samples, `copies` > 1 stacks that many independent samples of every row (n·copies
    /// rows), so the layer sees q(h | x) rather than one draw of it: 003's "training an RBM on
    /// data generated from q(h^(1) | x)".
    public func layerInput(_ data: Tensor, forLayer l: Int, input: DBNLayerInput, seed: UInt64, copies: Int = 1) -> Tensor {
        precondition(l >= 1 && l <= depth, "layer \(l) of a \(depth)-layer DBN")
        precondition(copies >= 1, "copies must be ≥ 1")
        guard input == .samples, copies > 1, l > 1 else { return layerInput(data, forLayer: l, input: input, seed: seed) }
        var rows: [Float] = []
        var width = 0
        for copy in 0..<copies {
            let x = layerInput(data, forLayer: l, input: .samples, seed: copy == 0 ? seed : Self.levelSeed(seed, -copy))
            rows += x.scalars
            width = x.rowLength
        }
        return Tensor(shape: [rows.count / width, width], scalars: rows)
    }

    private func layerInput(_ data: Tensor, forLayer l: Int, input: DBNLayerInput, seed: UInt64) -> Tensor {
        var x = data
        for k in stride(from: 1, to: l, by: 1) {
            let p = recognitionMachine(k).hiddenProbabilities(x)
            x = input == .samples ? Self.sampleBernoulli(p, seed: Self.levelSeed(seed, k)) : p
        }
        return x
    }

    /// Layer-l receptive fields (n_l × D): how each unit of h^(l) looks in the visible layer.
    /// Layer 1 gives the filters W^(1); layer l the weighted sums of the layer-1 filters,
    /// W^(l) ⋯ W^(2) W^(1) (one sgemm per layer; Lee et al. 2009 draw higher units this way).
    public func receptiveFields(layer: Int) -> Tensor {
        precondition(layer >= 1 && layer <= depth, "layer must be 1…\(depth), got \(layer)")
        var fields = self.layer(1).weightMatrix
        for l in stride(from: 2, through: layer, by: 1) {
            guard let product = Tensor.matmul(self.layer(l).weightMatrix, fields) else {
                preconditionFailure("layer sizes of a DBN always chain")
            }
            fields = product
        }
        return fields
    }

    /// Bernoulli samples of a probability matrix, row r from `Xoshiro256StarStar.stream(seed:index: r)`.
    static func sampleBernoulli(_ p: Tensor, seed: UInt64) -> Tensor {
        let (n, m) = (p.rows, p.rowLength)
        var out = [Float](repeating: 0, count: p.count)
        var generators = (0..<n).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        p.scalars.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { ob in
                generators.withUnsafeMutableBufferPointer { g in
                    guard let pp = pb.baseAddress, let op = ob.baseAddress, let gp = g.baseAddress else { return }
                    ElementwiseKernels.sampleBernoulli(probabilities: pp, into: op, rows: n, columns: m, generators: gp)
                }
            }
        }
        return Tensor(shape: p.shape, scalars: out)
    }

    static func levelSeed(_ seed: UInt64, _ level: Int) -> UInt64 {
        var g = Xoshiro256StarStar.stream(seed: seed ^ 0x5EED_1E7E1, index: UInt64(bitPattern: Int64(level)))
        return g.next()
    }
}
