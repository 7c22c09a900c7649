/// The table of every command the language knows. Adding a command is one entry here plus its
/// implementation file; help, completion and argument checking read this table.
public struct CommandTable: Sendable {
    public let commands: [Command]
    private let index: [String: Int]

    public init(_ commands: [Command]) {
        self.commands = commands
        var index: [String: Int] = [:]
        for (i, c) in commands.enumerated() {
            precondition(index[c.name] == nil, "command \(c.name) is in the table twice")
            index[c.name] = i
        }
        self.index = index
    }

    public subscript(name: String) -> Command? { index[name].map { commands[$0] } }

    public var names: [String] { commands.map(\.name) }

    /// The standard table.
    public static let standard = CommandTable([
        // Session and help
        .help, .apropos, .seed, .print, .str, .assert, .sleep,
        // Numbers, tensors and lists
        .tensor, .zeros, .ones, .rand, .randn, .range, .len, .reshape, .transpose,
        .sum, .mean, .std, .min, .max, .abs, .exp, .log, .sqrt, .sigmoid, .softplus,
        // Data sets
        .barsAndStripes, .dataset, .bestLoglik, .shuffle, .split, .idx, .fashionMNIST, .downsample, .needsData,
        // Boltzmann machines
        .rbm, .boltzmann, .energyFn, .energy, .freeEnergy, .pHGivenX, .pXGivenH, .logZ, .loglik, .grad, .pll, .reconError, .reconstruct,
        // Sampling and training
        .gibbs, .train, .tempered,
        // Estimating the partition function
        .ais,
        // Derivations
        .derive, .gradcheck,
        // Continuous energies
        .mlpEnergy, .gaussian, .mixture, .doubleWell, .planeData, .laplaceMixture, .langevin, .compare, .modes, .energyMap,
        .scoreModel, .ladder, .annealedLangevin, .score,
        // Deep belief networks (003 §13.3)
        .dbn, .stack, .elbo, .sample, .receptiveFields, .features, .probe,
        // Model files
        .save, .load, .exportNPY, .importNPY,
        // Images
        .image, .png, .show, .filters, .plot,
    ])
}
