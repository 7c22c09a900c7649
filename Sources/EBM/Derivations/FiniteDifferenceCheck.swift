/// The analytic gradient of a model's exact mean log-likelihood against central finite
/// differences of the log-likelihood itself, component by component: the check that a gradient
/// formula (and its code) is right, which needs no calculus.
public struct FiniteDifferenceCheck: Sendable {
    public struct Component: Sendable {
        public var name: String
        public var analytic: Double
        public var numeric: Double
        public var passed: Bool { Swift.abs(analytic - numeric) <= FiniteDifferenceCheck.tolerance * Swift.max(1, Swift.abs(numeric)) }
    }

    public var components: [Component]
    /// Parameters in the model (the check may cover a sample of them).
    public var parameterCount: Int
    public var step: Double
    /// |analytic − numeric| ≤ tolerance · max(1, |numeric|).
    public static let tolerance = 1e-6

    public var passed: Bool { components.allSatisfy(\.passed) }
    /// The largest |analytic − numeric|; NaN when any side is NaN (a NaN never agrees, and
    /// `max` would silently drop it).
    public var largestDifference: Double {
        var largest = 0.0
        for c in components {
            let d = Swift.abs(c.analytic - c.numeric)
            if d.isNaN { return .nan }
            largest = Swift.max(largest, d)
        }
        return largest
    }

    /// `count` components chosen at random with `seed` (all when the model has no more).
    static func sample(_ total: Int, count: Int, seed: UInt64) -> [Int] {
        guard count < total else { return Array(0..<total) }
        var g = Xoshiro256StarStar(seed: seed)
        var indices = Array(0..<total)
        for i in 0..<count { indices.swapAt(i, Int.random(in: i..<total, using: &g)) }
        return indices[0..<count].sorted()
    }

    public static func check(_ rbm: RestrictedBoltzmannMachine, data: Tensor, count: Int = 20, seed: UInt64 = 0) throws -> FiniteDifferenceCheck {
        let g = try rbm.exactGradient(data)
        let analytic = g.W + g.b + g.c
        let p = ExactParameters(rbm)
        let layer = rbm.smallerLayer
        let picked = sample(analytic.count, count: count, seed: seed)
        let f: ([Double]) -> Double = { θ in
            let q = ExactParameters(H: p.H, D: p.D, parameterVector: θ)
            let logZ = (try? LayerEnumeration(q, over: layer).logPartitionFunction()) ?? .nan
            let F = q.freeEnergy(data)
            return F.reduce(0, +) / Double(F.count) - logZ
        }
        let h = 1e-5
        let numeric = centralDifferences(at: p.parameterVector, components: picked, step: h, f)
        return FiniteDifferenceCheck(
            components: zip(picked, numeric).map { Component(name: p.parameterNames[$0.0], analytic: analytic[$0.0], numeric: $0.1) },
            parameterCount: analytic.count, step: h)
    }

    /// Any exactly enumerable float64 model: θ perturbed through `setParameterVector`.
    public static func check<M: ExactlyEnumerable>(_ model: M, data: Tensor, count: Int = 20, seed: UInt64 = 0) throws -> FiniteDifferenceCheck {
        let analytic = try model.exactMeanLogLikelihoodGradient(data)
        let picked = sample(analytic.count, count: count, seed: seed)
        let h = 1e-5
        let numeric = centralDifferences(at: model.parameterVector, components: picked, step: h) { θ in
            var m = model
            m.setParameterVector(θ)
            return (try? m.exactMeanLogLikelihood(data)) ?? .nan
        }
        return FiniteDifferenceCheck(
            components: zip(picked, numeric).map { Component(name: model.parameterEntryName($0.0), analytic: analytic[$0.0], numeric: $0.1) },
            parameterCount: analytic.count, step: h)
    }

    public static func check(_ machine: FullyVisibleBoltzmannMachine, data: Tensor, count: Int = 20, seed: UInt64 = 0) throws -> FiniteDifferenceCheck {
        let analytic = try machine.exactGradient(data)
        let picked = sample(analytic.count, count: count, seed: seed)
        let n = machine.units
        let h = 1e-5
        let numeric = centralDifferences(at: machine.parameterVector, components: picked, step: h) { θ in
            (try? FullyVisibleBoltzmannMachine(units: n, parameterVector: θ).exactLogLikelihood(data)) ?? .nan
        }
        return FiniteDifferenceCheck(
            components: zip(picked, numeric).map { Component(name: machine.parameterName($0.0), analytic: analytic[$0.0], numeric: $0.1) },
            parameterCount: analytic.count, step: h)
    }
}
