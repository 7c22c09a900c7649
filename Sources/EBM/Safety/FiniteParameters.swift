/// A model parameter that is NaN or ±inf.
///
/// log Z = logsumexp over states of terms that hold the parameter: with +inf in W the terms are
/// inf − inf = NaN or +inf, and an unguarded logsumexp returns −inf or NaN and a log-likelihood
/// of +inf. Exact quantities refuse such a model and name the parameter instead.
public struct NonFiniteParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter as the model's properties name it: "W[0,1]", "b[2]".
    public var name: String
    public var value: Double

    public init(name: String, value: Double) { (self.name, self.value) = (name, value) }

    public var description: String {
        "the model's parameter \(name) is \(value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")), so log Z and every likelihood are undefined"
    }
}

/// The first non-finite entry of each named parameter block, in order.
func firstNonFinite<C: Collection>(_ blocks: [(name: String, values: C, columns: Int?)]) -> NonFiniteParameterError?
    where C.Element: BinaryFloatingPoint, C.Index == Int {
    for block in blocks {
        for k in block.values.indices where !block.values[k].isFinite {
            let i = k - block.values.startIndex
            let index = block.columns.map { "\(i / $0),\(i % $0)" } ?? "\(i)"
            return NonFiniteParameterError(name: "\(block.name)[\(index)]", value: Double(block.values[k]))
        }
    }
    return nil
}

extension RestrictedBoltzmannMachine {
    /// Throws for the first of W (H × D, named W[j,i]), b and c that is NaN or ±inf.
    public func requireFiniteParameters() throws(NonFiniteParameterError) {
        if let e = firstNonFinite([("W", W, visible), ("b", b, nil), ("c", c, nil)]) { throw e }
    }
}

extension FullyVisibleBoltzmannMachine {
    /// Throws for the first pair weight W[i,j] (i < j) or bias b[i] that is NaN or ±inf.
    public func requireFiniteParameters() throws(NonFiniteParameterError) {
        for i in 0..<units {
            for j in (i + 1)..<Swift.max(i + 1, units) where !weight(i, j).isFinite {
                throw NonFiniteParameterError(name: "W[\(i),\(j)]", value: weight(i, j))
            }
        }
        if let e = firstNonFinite([("b", b, nil)]) { throw e }
    }
}
