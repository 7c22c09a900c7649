import EBM

/// A value holding the states of chains that may have stopped being numbers (a Langevin run
/// that diverged, Gibbs chains of a model with non-finite parameters). Statistics over samples
/// ask it to refuse first, so its own message (how many, from which step, what to lower) is the
/// one the user sees, whichever sampler made it.
protocol ChainStatesValue {
    /// Throws a located error at argument `name` when any chain holds NaN or ±inf; the message
    /// ends with `consequence` ("their moments are NaN and compare with nothing").
    func requireFiniteStates(_ args: Arguments, _ name: String, because consequence: String) throws
}

extension LangevinChainValue: ChainStatesValue {}

extension ChainValue: ChainStatesValue {
    func requireFiniteStates(_ args: Arguments, _ name: String, because consequence: String) throws {
        let n = nonFiniteChains
        guard n > 0 else { return }
        throw ScriptError(.numeric, "\(args.command.name): \(NonFiniteChainsError(count: n, total: chains).description), so \(consequence)",
                          at: args.location(of: name), hint: "the model's parameters are not finite: load or train it again")
    }
}
