/// A named block of a model's flat parameter vector θ: "W" (H × D), "b" (H), "c" (D).
public struct ParameterBlock: Sendable, Equatable {
    public var name: String
    /// The block's shape as users see it (e.g. [H, D] for an RBM's W).
    public var shape: [Int]
    /// Where the block starts in θ.
    public var offset: Int
    /// Entries in θ (the product of `shape`, except for a symmetric W stored as its upper triangle).
    public var count: Int
    /// How θ's entries fill `shape`.
    public var layout: Layout

    public enum Layout: Sendable, Equatable {
        /// Row-major, every entry.
        case dense
        /// A symmetric n × n matrix with a zero diagonal, stored as its strict upper triangle row
        /// by row (a fully visible Boltzmann machine's pair weights wᵢⱼ, i < j).
        case symmetricZeroDiagonal
    }

    public init(name: String, shape: [Int], offset: Int, count: Int? = nil, layout: Layout = .dense) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.layout = layout
        self.count = count ?? (layout == .dense ? shape.reduce(1, *) : shape[0] * (shape[0] - 1) / 2)
    }

    public var range: Range<Int> { offset..<(offset + count) }

    /// The block of θ as a tensor of `shape` (a symmetric block expanded to its full matrix).
    public func tensor(from θ: [Double]) -> Tensor {
        switch layout {
        case .dense:
            return Tensor(shape: shape, scalars: θ[range].map { Float($0) })
        case .symmetricZeroDiagonal:
            let n = shape[0]
            var m = [Float](repeating: 0, count: n * n)
            var k = offset
            for i in 0..<n { for j in (i + 1)..<Swift.max(i + 1, n) { m[i * n + j] = Float(θ[k]); m[j * n + i] = Float(θ[k]); k += 1 } }
            return Tensor(shape: [n, n], scalars: m)
        }
    }

    /// The name of entry `k` of θ (which must lie in this block): "W[1,3]", "b[2]", 0-based.
    public func entryName(_ k: Int) -> String {
        var rest = k - offset
        switch layout {
        case .dense:
            var index: [Int] = []
            for size in shape.reversed() { index.append(rest % size); rest /= size }
            return "\(name)[" + index.reversed().map(String.init).joined(separator: ",") + "]"
        case .symmetricZeroDiagonal:
            let n = shape[0]
            for i in 0..<n {
                let row = n - 1 - i
                if rest < row { return "\(name)[\(i),\(i + 1 + rest)]" }
                rest -= row
            }
            return "\(name)[?]"
        }
    }
}

/// Lays out consecutive blocks.
public func layoutParameterBlocks(_ blocks: [(name: String, shape: [Int])]) -> [ParameterBlock] {
    var offset = 0
    return blocks.map { b in
        let block = ParameterBlock(name: b.name, shape: b.shape, offset: offset)
        offset += block.count
        return block
    }
}

/// A model with parameters: θ as one flat vector with named blocks. Every family conforms
/// (energies, score models), so parameter counts, `show`, files and finite differences are
/// written once.
public protocol ParameterizedModel: Sendable {
    /// d, the width of a row x.
    var dimension: Int { get }
    /// The blocks of `parameterVector`, in order; they tile it.
    var parameterBlocks: [ParameterBlock] { get }
    /// θ, flat (float64 so both float32 and float64 models round-trip).
    var parameterVector: [Double] { get }
    /// Sets θ (laid out as `parameterVector`).
    mutating func setParameterVector(_ θ: [Double])
    /// One line: what the model is ("16 visible × 8 hidden binary RBM").
    var modelDescription: String { get }
}

extension ParameterizedModel {
    /// The number of entries of θ.
    public var parameterTotal: Int { parameterBlocks.last.map { $0.offset + $0.count } ?? 0 }

    /// The block named `name`.
    public func parameterBlock(_ name: String) -> ParameterBlock? { parameterBlocks.first { $0.name == name } }

    /// The entries of block `name` of θ.
    public func parameters(_ name: String) -> [Double]? {
        guard let b = parameterBlock(name) else { return nil }
        return Array(parameterVector[b.range])
    }

    /// The name of entry k of θ, from its block: "W[0,1]", "b[2]".
    public func parameterEntryName(_ k: Int) -> String {
        parameterBlocks.first { $0.range.contains(k) }?.entryName(k) ?? "θ[\(k)]"
    }
}

/// The capability every energy-based model has: an unnormalised log density of rows.
///
/// For a model with latent variables the density is the marginal: an RBM's log p̃(x) is 003's
/// F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx); for a fully visible Boltzmann machine, an MLP energy or
/// a closed-form one it is −E(x). So `energies(X)` is the energy of the marginal, −log p̃(x),
/// and p(x) = e^(−E(x)) / Z for every family.
public protocol EnergyModel: ParameterizedModel {
    /// log p̃(x) for each row of X (n × d), float64.
    func logUnnormalizedDensity(_ X: Tensor) -> [Double]
    /// What each entry of x may be when x is a state of discrete units (an RBM's visible layer:
    /// its `UnitLayer.states`; a fully visible Boltzmann machine: 0 or 1, since its sums run over
    /// {0, 1}ⁿ), or nil for x ∈ ℝᵈ. Declared once per family; every command that reads rows
    /// as this model's states checks them against it.
    var unitStates: UnitStates? { get }
}

extension EnergyModel {
    /// Continuous by default: x ∈ ℝᵈ.
    public var unitStates: UnitStates? { nil }

    /// E(x) = −log p̃(x) for each row.
    public func marginalEnergies(_ X: Tensor) -> [Double] { logUnnormalizedDensity(X).map { -$0 } }
}

/// A model whose units are binary, so its data must be rows in [0, 1] (0/1 for sampling).
public protocol BinaryUnitModel: EnergyModel {}

/// A model with latent units h beside x, whose energy is of the pair: E(x, h).
public protocol LatentVariableModel: EnergyModel {
    /// The width of h.
    var latentDimension: Int { get }
    /// What each entry of h may be (an RBM's hidden `UnitLayer.states`).
    var latentUnitStates: UnitStates { get }
    /// E(x, h) for each row pair (X n × d, H n × latentDimension).
    func jointEnergies(x X: Tensor, h H: Tensor) -> [Double]
    /// E[h | x] for each row of X (n × d → n × latentDimension).
    func hiddenMeans(_ X: Tensor) -> Tensor
    /// E[x | h] for each row of H (n × latentDimension → n × d).
    func visibleMeans(_ H: Tensor) -> Tensor
    /// mean (E[x | h] − x)² with h ~ p(h | x): the reconstruction error monitor.
    func reconstructionError(_ X: Tensor, seed: UInt64) -> Double
}

/// A model that gives the score s(x) ≈ ∇ₓ log p(x) directly (score models), or through −∇ₓE.
public protocol ScoreFunctionModel: ParameterizedModel {
    /// s(x, σ) for each row of X (n × d); σ is ignored by models without noise levels.
    func scores(_ X: [Float], rows: Int, sigma: Float) -> [Float]
    /// The noise levels the model was built for, largest first (empty: unconditional).
    var noiseLevels: [Double] { get }
    /// Floats of working memory per row that `scores` needs beyond the row (a network's activations).
    var workingFloatsPerRow: Int { get }
}

extension ScoreFunctionModel {
    public var workingFloatsPerRow: Int { 0 }
}
