import EBM
import EBMIO
import Foundation

/// A DBN's layers as NumPy files (issue 11's layout): folder/layer1, folder/layer2, …, each with
/// W.npy (upper × lower), b.npy (upper units), c.npy (lower units), and R.npy (upper × lower),
/// r.npy (upper units) for a layer whose recognition weights up-down untied. Every file goes
/// through EBMIO's atomic NPY writer.
func exportDBN(_ d: DBNValue, _ args: Arguments, _ context: CallContext) throws -> Value {
    let network = d.network
    let folder = context.resolve(args.string("folder"))
    try fileErrors(args, "folder") {
        for l in 1...network.depth {
            let m = network.layer(l)
            let dir = folder + "/layer\(l)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try NPY.write(m.weightMatrix, to: dir + "/W.npy")
            try NPY.write(Tensor(shape: [m.hidden], scalars: m.b), to: dir + "/b.npy")
            try NPY.write(Tensor(shape: [m.visible], scalars: m.c), to: dir + "/c.npy")
            if let rec = network.recognition[l - 1] {
                try NPY.write(Tensor(shape: [m.hidden, m.visible], scalars: rec.R), to: dir + "/R.npy")
                try NPY.write(Tensor(shape: [m.hidden], scalars: rec.r), to: dir + "/r.npy")
            }
        }
    }
    let untied = network.recognition.contains { $0 != nil } ? " (with R.npy, r.npy where untied)" : ""
    context.write("wrote layer1…layer\(network.depth) (W.npy, b.npy, c.npy each)\(untied) to \(args.string("folder"))\n")
    return .none
}

/// `loglik` of a model whose exact log-likelihood sums over hidden levels (a DBN), with a
/// located error pointing to elbo when the sum is too large.
func marginalLogLikelihood(_ m: any ExactMarginalLikelihoodModel, _ args: Arguments) throws -> Value {
    // The bottom layer's units are binary: rows are checked as an RBM's are.
    let x = try stateRows(args, "data", width: m.dimension, what: "visible units", states: .unitInterval)
    do {
        return .number(try m.exactMeanLogLikelihood(x))
    } catch let e as DBNEnumerationTooLarge {
        throw ScriptError(.value, "\(args.command.name): \(e.description)", at: args.callLocation,
                          hint: "elbo(model, data) estimates the bound (13.3) instead")
    } catch let e as EnumerationTooLarge {
        throw ScriptError(.value, "\(args.command.name): \(e.description)", at: args.callLocation,
                          hint: "elbo(model, data) estimates the bound (13.3) instead")
    }
}
