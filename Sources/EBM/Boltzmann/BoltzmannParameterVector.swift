/// The parameters of a fully visible Boltzmann machine as one vector θ, the form the derivations
/// differentiate: the pair weights wᵢⱼ (i < j, row by row), then the biases bᵢ.
extension FullyVisibleBoltzmannMachine {
    public var parameterVector: [Double] {
        var v: [Double] = []
        v.reserveCapacity(parameterCount)
        for i in 0..<units { for j in (i + 1)..<max(i + 1, units) { v.append(W[i * units + j]) } }
        return v + b
    }

    /// The machine with parameters θ (laid out as `parameterVector`).
    public init(units n: Int, parameterVector θ: [Double]) {
        precondition(θ.count == n * (n - 1) / 2 + n, "θ must have \(n * (n - 1) / 2 + n) entries for \(n) units")
        var W = [Double](repeating: 0, count: n * n)
        var k = 0
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                W[i * n + j] = θ[k]
                W[j * n + i] = θ[k]
                k += 1
            }
        }
        self.init(W: W, b: Array(θ[k...]))
    }

    /// "W[i,j]" (i < j) or "b[i]", 0-based like the language's indices.
    public func parameterName(_ k: Int) -> String {
        let pairs = units * (units - 1) / 2
        if k >= pairs { return "b[\(k - pairs)]" }
        var rest = k
        for i in 0..<units {
            let row = units - 1 - i
            if rest < row { return "W[\(i),\(i + 1 + rest)]" }
            rest -= row
        }
        preconditionFailure("parameter index \(k) out of range")
    }

    /// The index in θ of wᵢⱼ (either order, i ≠ j).
    public func weightIndex(_ i: Int, _ j: Int) -> Int {
        let (r, c) = (min(i, j), max(i, j))
        return r * units - r * (r + 1) / 2 + (c - r - 1)
    }

    /// The index in θ of bᵢ.
    public func biasIndex(_ i: Int) -> Int { units * (units - 1) / 2 + i }
}
