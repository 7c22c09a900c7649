import Glibc

/// The swap half of a parallel-tempering round, written once for `ParallelTempering` (any
/// `TemperableModel`) and for PT-k training's RBM replicas (`TemperedRBMReplicas`).
///
/// Round t proposes exchanging neighbouring slots (0,1), (2,3), … when t is even and (1,2),
/// (3,4), … when t is odd, each accepted with min(1, e^((βᵢ − βᵢ₊₁)(Eᵢ − Eᵢ₊₁)))
/// (`swapProbability`), the Metropolis ratio that leaves Πₖ p_{βₖ} invariant.
/// The pairs of one round are disjoint, so every decision can be made from the energies before
/// any swap; the caller then exchanges what it keeps per slot (states, energies, identities).
enum ReplicaExchange {
    /// The gaps i (slots i and i + 1) whose swap round `round` accepts, in order, given the
    /// ladder `betas` and the energy at each slot. Counts each proposal and acceptance per gap
    /// in `proposed` and `accepted`; draws one uniform from `generator` per proposal whose
    /// probability is below 1.
    static func acceptedSwaps(round: Int, betas: [Double], energies: [Double], generator: inout Xoshiro256StarStar,
                              proposed: inout [Int], accepted: inout [Int]) -> [Int] {
        var swaps: [Int] = []
        var i = round % 2
        while i + 1 < betas.count {
            proposed[i] += 1
            let a = swapProbability(betas: (betas[i], betas[i + 1]), energies: (energies[i], energies[i + 1]))
            if a >= 1 || generator.nextUnitDouble() < a {
                accepted[i] += 1
                swaps.append(i)
            }
            i += 2
        }
        return swaps
    }

    /// min(1, e^((βᵢ − βⱼ)(Eᵢ − Eⱼ))): the probability of exchanging the states of two replicas at
    /// βᵢ and βⱼ with energies Eᵢ and Eⱼ.
    static func swapProbability(betas: (Double, Double), energies: (Double, Double)) -> Double {
        let logA = (betas.0 - betas.1) * (energies.0 - energies.1)
        return logA >= 0 ? 1 : Glibc.exp(logA)
    }
}
