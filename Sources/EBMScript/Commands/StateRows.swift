import EBM

// Reading an argument as rows of states, shared by every family's commands (RBM, Boltzmann,
// DBN, Langevin, score matching, AIS, sampling, derive, data files).

/// An argument as an n × width matrix: a vector becomes one row.
func rows(_ args: Arguments, _ name: String, width: Int, what: String) throws -> Tensor {
    let t = args.tensor(name)
    let matrix: Tensor
    switch t.rank {
    case 1: matrix = Tensor(shape: [1, t.count], scalars: t.scalars)
    case 2: matrix = t
    default: throw args.error(name, "\(name) must be a vector or a matrix of \(what), got a tensor \(shapeText(t.shape))")
    }
    guard matrix.shape[1] == width else {
        // "1 coordinate", "2 coordinates": `what` is plural.
        let noun = width == 1 && what.hasSuffix("s") ? String(what.dropLast()) : what
        throw args.error(name, "\(name) must have \(width) \(noun) per row, got \(matrix.shape[1])")
    }
    guard matrix.rows > 0 else { throw args.error(name, "\(name) has no rows") }
    return matrix
}

/// An argument as an n × width matrix whose entries are states of the model's units, checked by
/// `UnitStates` the same way for every command that reads rows as states.
/// `states` nil reads rows of x ∈ ℝᵈ, unchecked. Models call it through `ModelValue.stateRows`,
/// which passes the states their family declares.
func stateRows(_ args: Arguments, _ name: String, width: Int, what: String, states: UnitStates?,
               subject: String? = nil) throws -> Tensor {
    let x = try rows(args, name, width: width, what: what)
    if let states { try checkStates(x, states, args, name, subject: subject) }
    return x
}

/// A located error when `x` holds an entry that is no state: "data must be in [0, 1] (states of
/// binary units): row 0, column 0 is 2".
func checkStates(_ x: Tensor, _ states: UnitStates, _ args: Arguments, _ name: String, subject: String? = nil) throws {
    do { try states.check(x) } catch {
        let what: String, hint: String
        switch states {
        case .integer: (what, hint) = ("discrete states", "count discrete rows: binarize grey levels first, e.g. d.x > 0.5")
        case .real: (what, hint) = ("states of Gaussian units", "drop or replace the NaN and infinite entries")
        case .binary, .unitInterval: (what, hint) = ("states of binary units", "binarize it, e.g. d.x > 0.5")
        }
        throw args.error(name, "\(subject ?? name) must be \(states.requirement) (\(what)): \(error.entry)", hint: hint)
    }
}
