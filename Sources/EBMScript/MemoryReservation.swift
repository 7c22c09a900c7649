import EBM

/// The memory budget of the session that is running, bound by `Session.run` for the length of
/// the run, so operators (which see no context) and commands check the same budget.
enum ActiveMemoryBudget {
    @TaskLocal static var current: MemoryBudget = .standard
}

/// Throws a located error when an allocation of `bytes` would exceed the running session's
/// memory budget. Called before the allocation, with what sets its size and what to lower.
func reserveMemory(_ bytes: Int, for what: String, lower: String, at location: SourceLocation?) throws {
    do {
        try ActiveMemoryBudget.current.check(bytes, for: what, lower: lower)
    } catch {
        throw ScriptError(.value, error.description, at: location, hint: error.advice)
    }
}

/// Bytes of `count` float32 values.
func floatBytes(_ counts: Int...) -> Int { MemoryBudget.product(counts + [MemoryLayout<Float>.stride]) }

extension Arguments {
    /// `reserveMemory` for this command, located at the call: "gibbs: 100000 chains × … needs …".
    func reserveMemory(_ bytes: Int, for what: String, lower: String) throws {
        try EBMScript.reserveMemory(bytes, for: "\(command.name): \(what)", lower: lower, at: callLocation)
    }
}

/// Chains that keep snapshots: `copies` float arrays of chains × units per snapshot (a Gibbs
/// snapshot holds states and probabilities), one snapshot every `every` steps plus the start and
/// the end, and a working set of `working` floats per chain. One check for gibbs and langevin.
func reserveChainMemory(_ args: Arguments, chains: Int, units: Int, steps: Int, every: Int,
                        copies: Int, working: Int) throws {
    let snapshots = MemoryBudget.sum(steps / Swift.max(every, 1), 2)
    let bytes = MemoryBudget.sum(floatBytes(snapshots, chains, units, copies), floatBytes(chains, working))
    try args.reserveMemory(bytes, for: "\(chains) chains × \(snapshots) snapshots × \(units) units",
                           lower: "chains or steps, or raise every (fewer snapshots)")
}

/// A perceptron with layer widths `dims`: its parameters with their gradient and Adam's two
/// moments (four copies).
func reserveNetworkMemory(_ args: Arguments, dims: [Int]) throws {
    let parameters = (0..<(dims.count - 1)).reduce(0) { MemoryBudget.sum($0, MemoryBudget.product(dims[$1] + 1, dims[$1 + 1])) }
    try args.reserveMemory(floatBytes(parameters, 4), for: "a network of widths \(shapeText(dims)) (\(parameters) parameters)",
                           lower: "the widths")
}


/// Minibatch training: `rows` rows of `floatsPerRow` working floats (chains, activations,
/// replay buffer), checked before the trainer allocates them.
func reserveTrainingMemory(_ args: Arguments, rows: Int, floatsPerRow: Int, what: String, lower: String) throws {
    try args.reserveMemory(floatBytes(rows, floatsPerRow), for: what, lower: lower)
}

/// Annealed importance sampling: `runs` runs advanced together, each holding x and h with
/// their inputs (four copies of visible + hidden floats). One check for `ais` and for `train`'s
/// `ais_every` estimates, before AIS allocates the runs.
func reserveAnnealingMemory(_ args: Arguments, runs: Int, visible: Int, hidden: Int, lower: String) throws {
    try reserveTrainingMemory(args, rows: runs, floatsPerRow: MemoryBudget.product(4, MemoryBudget.sum(visible, hidden)),
                              what: "\(runs) AIS runs of \(visible) + \(hidden) units", lower: lower)
}
