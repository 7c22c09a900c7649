import EBM

/// A value that runs the user's own `def` functions where nothing can throw: a chain, a sampler,
/// a trainer or an enumeration calls an energy_fn's E, and an error inside E is recorded (the
/// numbers become NaN) instead of thrown. The interpreter asks every such argument of a command
/// for that error after the command, so the user sees their own error and its traceback wherever
/// E ran, never a silent NaN or a sampler's advice about step sizes.
protocol RunsUserCode: AnyObject {
    /// Before a command runs: the call site E's traceback names (the command's line, not the line
    /// that made the model), and no error left over from an earlier command.
    func beginCommand(at location: SourceLocation, source: SourceText)
    /// The first error the user's code raised since `beginCommand`; reading it clears it.
    func takeUserCodeError() -> (any Error)?
}

/// The arguments of one command call that run user code (directly or inside a list).
struct UserCodeArguments {
    private var values: [any RunsUserCode] = []

    /// Finds them among `args` and tells each where the command was called.
    init(_ args: Arguments, at location: SourceLocation, source: SourceText) {
        func visit(_ v: Value) {
            switch v {
            case .object(let o as any RunsUserCode):
                if !values.contains(where: { $0 === o }) { values.append(o) }
            case .list(let items): items.forEach(visit)
            default: break
            }
        }
        args.values.values.forEach(visit)
        args.rest.forEach(visit)
        for v in values { v.beginCommand(at: location, source: source) }
    }

    /// The first recorded error of user code the command ran, if any.
    func takeError() -> (any Error)? {
        for v in values { if let e = v.takeUserCodeError() { return e } }
        return nil
    }
}
