/// Single-site Gibbs sampling of a fully visible Boltzmann machine, many chains at once. A sweep
/// visits the units in order and redraws each from its conditional
///
///     p(xᵢ = 1 | x₋ᵢ) = σ(bᵢ + Σⱼ wᵢⱼ xⱼ)
///
/// (the units of a fully visible machine interact, so unlike an RBM layer they cannot be drawn
/// together). Each chain keeps its inputs aᵢ up to date as units flip, so a sweep costs O(n) per
/// unit that stays and O(n) more per flip. Chain c draws only from `stream(seed:index: c)`.
public struct BoltzmannGibbsChain: Sendable {
    /// chains × n, 0/1.
    public internal(set) var states: [[Double]]
    /// Sweeps taken so far.
    public internal(set) var sweeps = 0
    var inputs: [[Double]]
    var generators: [Xoshiro256StarStar]

    public var count: Int { states.count }

    /// `count` chains, started from the rows of `data` (row c mod N for chain c), or uniformly at random.
    public init(_ machine: FullyVisibleBoltzmannMachine, count: Int, seed: UInt64, start data: Tensor? = nil) {
        precondition(count >= 1, "a Gibbs sampler needs at least one chain")
        let n = machine.units
        var generators = (0..<count).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        var states: [[Double]] = []
        if let data {
            let rows = FullyVisibleBoltzmannMachine.rows(data, units: n)
            states = (0..<count).map { rows[$0 % rows.count] }
        } else {
            for c in 0..<count { states.append((0..<n).map { _ in generators[c].nextUnitDouble() < 0.5 ? 1 : 0 }) }
        }
        self.generators = generators
        self.states = states
        inputs = states.map { x in (0..<n).map { machine.input($0, x) } }
    }

    /// One sweep of every chain.
    public mutating func sweep(_ machine: FullyVisibleBoltzmannMachine) {
        let n = machine.units
        precondition(states.first?.count == n, "the chains were built for \(states.first?.count ?? 0) units, the machine has \(n)")
        machine.W.withUnsafeBufferPointer { w in
            for c in 0..<count {
                for i in 0..<n {
                    let p = ElementwiseKernels.sigmoid(inputs[c][i])
                    let new: Double = generators[c].nextUnitDouble() < p ? 1 : 0
                    let change = new - states[c][i]
                    if change != 0 {
                        states[c][i] = new
                        for j in 0..<n { inputs[c][j] += change * w[i * n + j] }
                    }
                }
            }
        }
        sweeps += 1
    }

    /// Recomputes the inputs from the states: after the machine's parameters change (training),
    /// the chains continue from their states under the new parameters.
    public mutating func refresh(_ machine: FullyVisibleBoltzmannMachine) {
        inputs = states.map { x in (0..<machine.units).map { machine.input($0, x) } }
    }

    /// The states as a chains × n matrix.
    public var samples: Tensor {
        Tensor(shape: [count, states.first?.count ?? 0], scalars: states.flatMap { $0.map(Float.init) })
    }

    /// The states after `sweeps` sweeps, in the form RBM chains snapshot (single-site Gibbs has
    /// no p(x | h) to show, so the probabilities are the states).
    public var snapshot: GibbsChain.Snapshot {
        let x = samples
        return GibbsChain.Snapshot(step: sweeps, samples: x, probabilities: x)
    }
}
