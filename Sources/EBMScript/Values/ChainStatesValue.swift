import EBM

/// A value holding the states of chains that may have stopped being numbers (a Langevin run
/// that diverged). Statistics over samples ask it to refuse first, so its own message (how
/// many, from which step, what to lower) is the one the user sees, whichever sampler made it;
/// a later sampler's chain value conforms instead of being named in the commands.
protocol ChainStatesValue {
    /// Throws a located error at argument `name` when any chain holds NaN or ±inf; the message
    /// ends with `consequence` ("their moments are NaN and compare with nothing").
    func requireFiniteStates(_ args: Arguments, _ name: String, because consequence: String) throws
}

extension LangevinChainValue: ChainStatesValue {}
