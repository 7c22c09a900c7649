import Glibc

/// Parallel tempering, or replica exchange (Swendsen and Wang 1986; Geyer 1991; Earl and Deem
/// 2005 review it): K replicas of a model, replica at slot k sampling p_{βₖ}(s) ∝ e^(−βₖE(s)),
/// β₀ < … < β_{K−1} = 1. A round moves every replica once at its own β, then proposes swaps of
/// neighbouring slots, the pairs (0,1), (2,3), … in even rounds and (1,2), (3,4), … in odd ones,
/// each accepted with
///
///     min(1, e^((βᵢ − βⱼ)(E(sᵢ) − E(sⱼ))))
///
/// the Metropolis ratio of the product distribution Πₖ p_{βₖ}(sₖ) for exchanging sᵢ and sⱼ, so
/// that product is left invariant and the β = 1 slot samples p itself. Hot replicas cross the
/// barriers cold ones cannot, and swaps carry what they found down the ladder.
///
/// Written once against `TemperableModel`. Replica identities are tracked, so the sampler reports
/// each replica's slot over time (the replica-index traces), per gap the swap acceptance, and the
/// round trips: a replica's passage from the hottest slot to the coldest and back.
public struct ParallelTempering<Model: TemperableModel>: Sendable {
    public internal(set) var model: Model
    /// The ladder, hottest first, ending at 1.
    public internal(set) var betas: [Double]
    /// The state at each slot.
    public internal(set) var states: [[Double]]
    /// E of the state at each slot.
    public internal(set) var energies: [Double]
    /// The replica (identity) at each slot.
    public internal(set) var replicaAt: [Int]
    /// Rounds done.
    public internal(set) var rounds = 0
    /// Per gap k (slots k, k+1): swaps proposed and accepted.
    public internal(set) var proposed: [Int]
    public internal(set) var accepted: [Int]
    /// Completed round trips (hottest → coldest → hottest) over all replicas, and their lengths in rounds.
    public internal(set) var roundTrips = 0
    public internal(set) var roundTripRounds: [Int] = []
    /// Per replica (identity r, which started at slot r): its completed round trips and the rounds they took in all.
    public internal(set) var replicaRoundTrips: [Int]
    public internal(set) var replicaRoundTripRounds: [Int]
    /// Per replica: +1 if its last visit to an end of the ladder was the hottest slot, −1 the coldest, 0 neither yet.
    var direction: [Int]
    /// Per replica: the round it last left the hottest slot for a trip (its last arrival there).
    var tripStart: [Int]
    var generator: Xoshiro256StarStar
    /// Moves after which a replica's energy was NaN or ±inf (a replica there cannot move by
    /// Metropolis or swap, so it stays stuck silently): counted so the run can say so.
    public internal(set) var nonFiniteEnergies = 0
    /// The first round (1-based) and slot where that happened, or nil.
    public internal(set) var firstNonFinite: (round: Int, slot: Int)?
    /// Per slot: moves proposed and moves that changed the state (for MALA, the accepted ones).
    public internal(set) var moves: [Int] = []
    public internal(set) var changedMoves: [Int] = []

    /// K replicas at `betas` (checked by `TemperatureLadder.betas`), each started by
    /// `model.initialState` from one stream of `seed`.
    public init(_ model: Model, betas: [Double], seed: UInt64) throws {
        let b = try TemperatureLadder.betas(.list(betas), smallestBeta: model.smallestBeta)
        self.model = model
        self.betas = b
        var g = Xoshiro256StarStar(seed: seed)
        states = b.map { _ in model.initialState(&g) }
        energies = states.map { model.temperedEnergy($0) }
        replicaAt = Array(b.indices)
        proposed = [Int](repeating: 0, count: b.count - 1)
        accepted = proposed
        direction = b.indices.map { $0 == 0 ? 1 : ($0 == b.count - 1 ? -1 : 0) }
        tripStart = [Int](repeating: 0, count: b.count)
        replicaRoundTrips = [Int](repeating: 0, count: b.count)
        replicaRoundTripRounds = replicaRoundTrips
        generator = g
    }

    public var levels: Int { betas.count }

    /// The β = 1 slot's x.
    public var coldVisible: [Double] { Array(states[levels - 1].prefix(model.visibleWidth)) }

    /// Per gap, accepted / proposed swaps (nan before any proposal).
    public var swapAcceptance: [Double] {
        zip(accepted, proposed).map { $1 == 0 ? .nan : Double($0) / Double($1) }
    }

    /// The slot of each replica now.
    public var slotOfReplica: [Int] {
        var slot = [Int](repeating: 0, count: levels)
        for (k, r) in replicaAt.enumerated() { slot[r] = k }
        return slot
    }

    /// One round: a move of every replica at its β, then the even or odd swaps (`ReplicaExchange`).
    public mutating func round() {
        if moves.count != levels { (moves, changedMoves) = ([Int](repeating: 0, count: levels), [Int](repeating: 0, count: levels)) }
        for k in 0..<levels {
            let before = states[k]
            model.temperedMove(&states[k], beta: betas[k], &generator)
            energies[k] = model.temperedEnergy(states[k])
            moves[k] += 1
            if states[k] != before { changedMoves[k] += 1 }
            if !energies[k].isFinite {
                nonFiniteEnergies += 1
                if firstNonFinite == nil { firstNonFinite = (rounds + 1, k) }
            }
        }
        for i in ReplicaExchange.acceptedSwaps(round: rounds, betas: betas, energies: energies, generator: &generator,
                                               proposed: &proposed, accepted: &accepted) {
            states.swapAt(i, i + 1)
            energies.swapAt(i, i + 1)
            replicaAt.swapAt(i, i + 1)
        }
        rounds += 1
        trackRoundTrips()
    }

    /// The acceptance probability of swapping slots i and i + 1: min(1, e^((βᵢ − βⱼ)(Eᵢ − Eⱼ))).
    public func swapProbability(_ i: Int) -> Double {
        Self.swapProbability(betas: (betas[i], betas[i + 1]), energies: (energies[i], energies[i + 1]))
    }

    /// min(1, e^((βᵢ − βⱼ)(Eᵢ − Eⱼ))): the probability of exchanging the states of two replicas at
    /// βᵢ and βⱼ with energies Eᵢ and Eⱼ.
    public static func swapProbability(betas: (Double, Double), energies: (Double, Double)) -> Double {
        ReplicaExchange.swapProbability(betas: betas, energies: energies)
    }

    private mutating func trackRoundTrips() {
        let hot = replicaAt[0], cold = replicaAt[levels - 1]
        if direction[cold] == 1 { direction[cold] = -1 }   // arrived cold from hot: half a trip
        if direction[hot] == -1 {                          // back at the hot end: a round trip
            roundTrips += 1
            roundTripRounds.append(rounds - tripStart[hot])
            replicaRoundTrips[hot] += 1
            replicaRoundTripRounds[hot] += rounds - tripStart[hot]
            direction[hot] = 1
            tripStart[hot] = rounds
        } else if direction[hot] == 0 || direction[hot] == 1 {
            if direction[hot] == 0 { direction[hot] = 1 }
            tripStart[hot] = rounds
        }
    }

    /// Forgets the swap counts and round trips (after burn-in or adaptation).
    public mutating func resetStatistics() {
        proposed = proposed.map { _ in 0 }
        accepted = proposed
        roundTrips = 0
        roundTripRounds = []
        replicaRoundTrips = replicaRoundTrips.map { _ in 0 }
        replicaRoundTripRounds = replicaRoundTrips
        moves = [Int](repeating: 0, count: levels)
        changedMoves = moves
    }

    /// Adapts the ladder towards `target` swap acceptance on every gap, keeping β₀ and 1: `steps`
    /// times, runs `roundsPerStep` rounds, measures each gap's acceptance and places a new ladder
    /// (`TemperatureLadder.placed`), with as many levels as the target needs, up to `maxLevels`.
    /// Run it before sampling, never while: a ladder that moves with the states breaks detailed
    /// balance. Returns whether `maxLevels` sufficed for the target (on the last step).
    @discardableResult
    public mutating func adaptLadder(target: Double, steps: Int, roundsPerStep: Int, maxLevels: Int = 100) -> Bool {
        precondition(target > 0 && target < 1, "a target swap acceptance is in (0, 1)")
        var reachable = true
        for _ in 0..<steps {
            resetStatistics()
            for _ in 0..<roundsPerStep { round() }
            let placed = TemperatureLadder.placed(betas, acceptance: swapAcceptance, target: target, maxLevels: maxLevels)
            reachable = placed.reachable
            setLadder(placed.betas)
        }
        resetStatistics()
        return reachable
    }

    /// Replaces the ladder; each new slot starts from the state of the old slot whose β is nearest
    /// (a burn-in should follow). Replica identities restart as the slots.
    mutating func setLadder(_ newBetas: [Double]) {
        let old = (betas, states)
        betas = newBetas
        states = newBetas.map { beta in
            let k = old.0.indices.min { Swift.abs(old.0[$0] - beta) < Swift.abs(old.0[$1] - beta) } ?? 0
            return old.1[k]
        }
        energies = states.map { model.temperedEnergy($0) }
        let K = newBetas.count
        replicaAt = Array(0..<K)
        proposed = [Int](repeating: 0, count: K - 1)
        accepted = proposed
        direction = (0..<K).map { $0 == 0 ? 1 : ($0 == K - 1 ? -1 : 0) }
        tripStart = [Int](repeating: rounds, count: K)
        replicaRoundTrips = [Int](repeating: 0, count: K)
        replicaRoundTripRounds = replicaRoundTrips
    }

    /// What a run collected.
    public struct Run: Sendable {
        /// The β = 1 slot's x every `thin` rounds, samples × visibleWidth.
        public var samples: [[Double]]
        /// traces[r][t]: the slot of replica r at the t-th kept round.
        public var traces: [[Int]]
        public var betas: [Double]
        public var swapAcceptance: [Double]
        public var roundTrips: Int
        /// Per replica (which started at slot r): round trips, and mean rounds per trip (nan without one).
        public var replicaRoundTrips: [Int]
        public var replicaMeanRoundTripRounds: [Double]
        /// Mean rounds per round trip (nan without one).
        public var meanRoundTripRounds: Double
        /// Per slot, the share of moves that changed the state (MALA: the acceptance rate).
        public var moveAcceptance: [Double] = []
        /// Moves (burn-in included) after which an energy was NaN or ±inf, and the first.
        public var nonFiniteEnergies = 0
        public var firstNonFinite: (round: Int, slot: Int)?
        /// Set when `shouldStop` ended the run early: the sampling rounds done (0 if it stopped
        /// during burn-in) and the burn-in rounds done.
        public var stopped: (rounds: Int, burnIn: Int)?
    }

    /// `burnIn` rounds (statistics forgotten after them), then `rounds` rounds keeping the cold x
    /// and the replicas' slots every `thin` rounds. If `shouldStop` says so (polled every 100
    /// rounds, when `progress` gets the rounds done, burn-in included) the run so far comes back
    /// with `stopped` set: its samples are valid draws, only fewer. Never nil.
    public mutating func run(rounds count: Int, burnIn: Int = 0, thin: Int = 1,
                             shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) -> Run? {
        precondition(count >= 0 && burnIn >= 0 && thin >= 1, "rounds ≥ 0, burn-in ≥ 0, thin ≥ 1")
        for t in 0..<burnIn {
            if t % 100 == 99 {
                if shouldStop() { return result([], [[Int]](repeating: [], count: levels), stopped: (0, t)) }
                progress(t + 1)
            }
            round()
        }
        resetStatistics()
        var samples: [[Double]] = []
        var traces = [[Int]](repeating: [], count: levels)
        for t in 1...max(count, 1) where count > 0 {
            if t % 100 == 0 {
                if shouldStop() { return result(samples, traces, stopped: (t - 1, burnIn)) }
                progress(burnIn + t)
            }
            round()
            if t % thin == 0 {
                samples.append(coldVisible)
                for (r, k) in slotOfReplica.enumerated() { traces[r].append(k) }
            }
        }
        return result(samples, traces, stopped: nil)
    }

    private func result(_ samples: [[Double]], _ traces: [[Int]], stopped: (rounds: Int, burnIn: Int)?) -> Run {
        let mean = roundTripRounds.isEmpty ? .nan : Double(roundTripRounds.reduce(0, +)) / Double(roundTripRounds.count)
        let moved = zip(changedMoves, moves).map { $1 == 0 ? Double.nan : Double($0) / Double($1) }
        return Run(samples: samples, traces: traces, betas: betas, swapAcceptance: swapAcceptance,
                   roundTrips: roundTrips, replicaRoundTrips: replicaRoundTrips,
                   replicaMeanRoundTripRounds: zip(replicaRoundTrips, replicaRoundTripRounds).map { $0 == 0 ? .nan : Double($1) / Double($0) },
                   meanRoundTripRounds: mean, moveAcceptance: moved,
                   nonFiniteEnergies: nonFiniteEnergies, firstNonFinite: firstNonFinite, stopped: stopped)
    }
}
