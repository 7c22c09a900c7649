import Glibc

/// The capability tempering needs (parallel tempering, simulated tempering): the energy E(s) of
/// a state s and one Markov move that leaves the tempered distribution
///
///     p_β(s) ∝ e^(−β E(s)),   0 ≤ β ≤ 1
///
/// invariant. The samplers are written once against it (Swendsen and Wang 1986; Geyer 1991;
/// Marinari and Parisi 1992).
///
/// A state is a row of `stateWidth` float64 numbers whose first `visibleWidth` entries are x,
/// the part a user sees. For an RBM the state is the joint (x, h) and E is the joint energy
/// E(x, h) (see the RBM's conformance for why), for a fully visible Boltzmann machine x with E(x),
/// for a continuous energy x ∈ ℝᵈ with E(x).
public protocol TemperableModel: Sendable {
    /// Entries of a state.
    var stateWidth: Int { get }
    /// The first `visibleWidth` entries of a state are x.
    var visibleWidth: Int { get }
    /// The smallest β at which p_β is a proper distribution: 0 on finite state spaces, above 0 on ℝᵈ
    /// (e^(−0·E) cannot be normalised there).
    var smallestBeta: Double { get }
    /// E(s) of a state, float64.
    func temperedEnergy(_ s: [Double]) -> Double
    /// A starting state (on finite spaces a draw from p₀, the uniform distribution).
    func initialState(_ g: inout Xoshiro256StarStar) -> [Double]
    /// One move s → s' that leaves p_β invariant.
    func temperedMove(_ s: inout [Double], beta: Double, _ g: inout Xoshiro256StarStar)
    /// What one move is, for printing.
    var temperedMoveDescription: String { get }
}

/// The RBM is tempered in its joint states (x, h), E(x, h) = −hᵀWx − cᵀx − bᵀh (003, §13.2), with
/// block Gibbs moves at β: h ~ Πⱼ σ(β(bⱼ + Wⱼx)), then x ~ Πᵢ σ(β(cᵢ + (Wᵀh)ᵢ)).
///
/// Why joint and not x with the free energy: e^(−β E(x, h)) summed over h is *not* e^(β F(x)) for
/// β ≠ 1, so a block Gibbs move at β leaves only the joint p_β(x, h) invariant; tempering x with
/// F would need a Metropolis move instead of Gibbs. The joint energy is also what the swap needs,
/// cheap (one pass over W), and at β = 0 the joint is uniform, so the hottest replica mixes in
/// one step (Desjardins et al. 2010 temper the joint too). At β = 1 the x part is a sample of p(x).
extension RestrictedBoltzmannMachine: TemperableModel {
    public var stateWidth: Int { visible + hidden }
    public var visibleWidth: Int { visible }
    public var smallestBeta: Double { 0 }

    public func temperedEnergy(_ s: [Double]) -> Double {
        let (D, H) = (visible, hidden)
        var e = 0.0
        for i in 0..<D { e -= Double(c[i]) * s[i] }
        for j in 0..<H where s[D + j] != 0 {
            var a = Double(b[j])
            for i in 0..<D where s[i] != 0 { a += Double(W[j * D + i]) * s[i] }
            e -= s[D + j] * a
        }
        return e
    }

    public func initialState(_ g: inout Xoshiro256StarStar) -> [Double] {
        (0..<(visible + hidden)).map { _ in g.nextUnitDouble() < 0.5 ? 1 : 0 }
    }

    public func temperedMove(_ s: inout [Double], beta: Double, _ g: inout Xoshiro256StarStar) {
        let (D, H) = (visible, hidden)
        for j in 0..<H {
            var a = Double(b[j])
            for i in 0..<D where s[i] != 0 { a += Double(W[j * D + i]) * s[i] }
            s[D + j] = g.nextUnitDouble() < ElementwiseKernels.sigmoid(beta * a) ? 1 : 0
        }
        for i in 0..<D {
            var a = Double(c[i])
            for j in 0..<H where s[D + j] != 0 { a += Double(W[j * D + i]) }
            s[i] = g.nextUnitDouble() < ElementwiseKernels.sigmoid(beta * a) ? 1 : 0
        }
    }

    public var temperedMoveDescription: String { "block Gibbs step at β: h ~ σ(β(b + Wx)), then x ~ σ(β(c + Wᵀh))" }
}

/// A fully visible Boltzmann machine is tempered in x with E(x) = −½xᵀWx − bᵀx, by single-site
/// Gibbs sweeps at β: xᵢ ~ σ(β(bᵢ + Σⱼ wᵢⱼxⱼ)).
extension FullyVisibleBoltzmannMachine: TemperableModel {
    public var stateWidth: Int { units }
    public var visibleWidth: Int { units }
    public var smallestBeta: Double { 0 }
    public func temperedEnergy(_ s: [Double]) -> Double { energy(s) }
    public func initialState(_ g: inout Xoshiro256StarStar) -> [Double] {
        (0..<units).map { _ in g.nextUnitDouble() < 0.5 ? 1 : 0 }
    }
    public func temperedMove(_ s: inout [Double], beta: Double, _ g: inout Xoshiro256StarStar) {
        for i in 0..<units {
            s[i] = g.nextUnitDouble() < ElementwiseKernels.sigmoid(beta * input(i, s)) ? 1 : 0
        }
    }
    public var temperedMoveDescription: String { "single-site Gibbs sweep at β: xᵢ ~ σ(β(bᵢ + Σⱼ wᵢⱼxⱼ))" }
}

/// A continuous energy tempered by MALA moves at β (003 §13.1's Langevin step on the energy βE,
/// with the Metropolis correction so p_β is left exactly invariant): the proposal
///
///     y = x − (ε/2) ∇E(x) + √(ε/β) z,   z ~ N(0, I)
///
/// is Langevin with step ε/β on βE (the step grows as the energy flattens, so hot replicas cross
/// barriers), accepted with min(1, e^(−βE(y) + βE(x)) q(x | y) / q(y | x)). β must be above 0.
public struct TemperedLangevin: TemperableModel {
    public var energy: any ContinuousEnergy
    /// ε at β = 1.
    public var stepSize: Double
    /// Where chains start: each coordinate uniform in [−startRange, startRange].
    public var startRange: Double

    public init(_ energy: any ContinuousEnergy, stepSize: Double = 0.01, startRange: Double = 4) {
        precondition(stepSize > 0, "the Langevin step size must be positive")
        (self.energy, self.stepSize, self.startRange) = (energy, stepSize, startRange)
    }

    public var stateWidth: Int { energy.dimension }
    public var visibleWidth: Int { energy.dimension }
    public var smallestBeta: Double { .leastNormalMagnitude }

    public func temperedEnergy(_ s: [Double]) -> Double {
        Double(energy.energies(s.map { Float($0) }, rows: 1)[0])
    }

    public func initialState(_ g: inout Xoshiro256StarStar) -> [Double] {
        (0..<energy.dimension).map { _ in (2 * g.nextUnitDouble() - 1) * startRange }
    }

    public func temperedMove(_ s: inout [Double], beta: Double, _ g: inout Xoshiro256StarStar) {
        let d = energy.dimension
        let eps = stepSize / beta
        let (e0, g0) = energy.energiesAndGradients(s.map { Float($0) }, rows: 1)
        var y = [Double](repeating: 0, count: d)
        var i = 0
        while i < d {
            let (z1, z2) = g.nextNormalPair()
            y[i] = s[i] - eps / 2 * beta * Double(g0[i]) + eps.squareRoot() * z1
            if i + 1 < d { y[i + 1] = s[i + 1] - eps / 2 * beta * Double(g0[i + 1]) + eps.squareRoot() * z2 }
            i += 2
        }
        let (e1, g1) = energy.energiesAndGradients(y.map { Float($0) }, rows: 1)
        // log q(x | y) − log q(y | x), q(b | a) = N(b; a − (ε/2)β∇E(a), εI).
        var forward = 0.0, backward = 0.0
        for k in 0..<d {
            let f = y[k] - s[k] + eps / 2 * beta * Double(g0[k])
            let r = s[k] - y[k] + eps / 2 * beta * Double(g1[k])
            forward += f * f
            backward += r * r
        }
        let logAlpha = -beta * (Double(e1[0]) - Double(e0[0])) - (backward - forward) / (2 * eps)
        if logAlpha.isFinite, log(1 - g.nextUnitDouble()) < logAlpha { s = y }
    }

    public var temperedMoveDescription: String { "MALA step at β with step ε/β on βE" }
}
