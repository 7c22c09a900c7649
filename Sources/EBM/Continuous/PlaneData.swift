import Glibc

/// Two-dimensional data sets for continuous energy models (the usual test beds of EBM and
/// score-matching papers), generated from a seed.
public enum PlaneData: String, CaseIterable, Sendable {
    /// 8 Gaussians (σ = 0.1) evenly spaced on a circle of radius 2: `MixtureEnergy.ring()`.
    case ring
    /// Two interleaved half circles, with Gaussian noise (σ = 0.1).
    case moons
    /// Uniform on the black squares of a 4 × 4 checkerboard over [−2, 2]².
    case checkerboard
    /// Two arms of an Archimedean spiral, with Gaussian noise (σ = 0.05 of the radius scale).
    case spiral

    /// n × 2 points, row-major.
    public func sample(_ n: Int, seed: UInt64) -> [Float] {
        var g = Xoshiro256StarStar(seed: seed)
        var out = [Float](repeating: 0, count: 2 * n)
        for r in 0..<n {
            let (x, y): (Double, Double)
            switch self {
            case .ring:
                let k = Double(Int(g.nextUnitDouble() * 8) % 8)
                let a = 2 * Double.pi * k / 8
                (x, y) = (2 * cos(a) + 0.1 * g.nextNormal(), 2 * sin(a) + 0.1 * g.nextNormal())
            case .moons:
                let t = Double.pi * g.nextUnitDouble()
                if g.nextUnitDouble() < 0.5 {
                    (x, y) = (cos(t) - 0.5, sin(t) - 0.25)
                } else {
                    (x, y) = (0.5 - cos(t), 0.25 - sin(t))
                }
                out[2 * r] = Float(1.5 * x + 0.1 * g.nextNormal())
                out[2 * r + 1] = Float(1.5 * y + 0.1 * g.nextNormal())
                continue
            case .checkerboard:
                // A cell (i, j) of the 4 × 4 board is black when i + j is even.
                while true {
                    let (u, v) = (4 * g.nextUnitDouble() - 2, 4 * g.nextUnitDouble() - 2)
                    if (Int(floor(u + 2)) + Int(floor(v + 2))) % 2 == 0 { (x, y) = (u, v); break }
                }
            case .spiral:
                let t = 3 * Double.pi * g.nextUnitDouble().squareRoot()   // uniform along the arm's length
                let arm = g.nextUnitDouble() < 0.5 ? 0.0 : Double.pi
                let radius = t / (3 * Double.pi) * 2.5
                (x, y) = (radius * cos(t + arm) + 0.05 * g.nextNormal(), radius * sin(t + arm) + 0.05 * g.nextNormal())
            }
            out[2 * r] = Float(x)
            out[2 * r + 1] = Float(y)
        }
        return out
    }
}
