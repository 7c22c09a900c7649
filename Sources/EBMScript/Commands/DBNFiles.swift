import EBM
import EBMIO
import Foundation

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
