import EBM

/// The bound (13.3) of a DBN on a data set, exact or estimated, with its terms; and the exact
/// log-likelihood and the gap (the mean KL to the true posterior) when they exist.
public struct DBNBoundValue: ScriptObject {
    public enum Kind {
        case exact(DBNExactBound)
        case estimated(DBNBoundEstimate)
    }
    public var kind: Kind

    public var kindName: String { "bound" }

    public var elbo: Double {
        switch kind {
        case .exact(let b): return b.elbo
        case .estimated(let e): return e.elbo
        }
    }

    public var summary: String {
        switch kind {
        case .exact(let b): return "exact ELBO \(formatNumber(b.elbo, digits: 6)), log p(x) \(formatNumber(b.logLikelihood, digits: 6))"
        case .estimated(let e): return "estimated ELBO \(formatNumber(e.elbo, digits: 5)) ± \(formatNumber(e.standardError, digits: 2))"
        }
    }

    public func render(_ format: ValueFormat) -> String {
        func n(_ v: Double) -> String { formatNumber(v, digits: 6) }
        switch kind {
        case .exact(let b):
            return """
            bound (13.3), exact (h^(1) and the top RBM enumerated), mean over \(b.elbos.count) rows:
              E_q[log p(h^(1))]      \(n(b.expectedLogPrior))
              E_q[log P(x | h^(1))]  \(n(b.expectedLogConditional))
              H(q(h^(1) | x))        \(n(b.entropy))
              ELBO                   \(n(b.elbo))
              log p(x) (exact)       \(n(b.logLikelihood))
              gap = KL(q ‖ p(h^(1) | x))  \(n(b.gap))
            """
        case .estimated(let e):
            let z: String
            switch e.logZ {
            case .exact(let v): z = "log Z of the top RBM (exact) \(n(v))"
            case .ais(let r): z = "log Z of the top RBM (AIS, \(r.runs) runs × \(r.temperatures) β) \(n(r.logZ)) (\(n(r.lower)) to \(n(r.upper)))"
            }
            let what = e.multiLayer
                ? "the layer-by-layer bound (each level's prior bounded by the next; below (13.3)'s ELBO)"
                : "bound (13.3)"
            return """
            \(what), estimated with \(e.samples) samples of q per row:
              E_q[log p(h^(1))]      \(n(e.expectedLogPrior))
              E_q[log P(x | h^(1))]  \(n(e.expectedLogConditional))
              H(q(h^(1) | x))        \(n(e.entropy))
              ELBO                   \(n(e.elbo)) ± \(formatNumber(e.standardError, digits: 3)) (1σ of the samples of q)
              interval               \(n(e.lower)) to \(n(e.upper)) (±3σ, and log Z's interval)
              \(z)
            """
        }
    }

    public var propertyNames: [String] { ["elbo", "loglik", "gap", "prior", "conditional", "entropy", "se", "lower", "upper", "exact", "rows"] }

    public func property(_ name: String) throws -> Value? {
        switch (name, kind) {
        case ("elbo", _): return .number(elbo)
        case ("loglik", .exact(let b)): return .number(b.logLikelihood)
        case ("loglik", .estimated): return Value.none
        case ("gap", .exact(let b)): return .number(b.gap)
        case ("gap", .estimated): return Value.none
        case ("prior", .exact(let b)): return .number(b.expectedLogPrior)
        case ("prior", .estimated(let e)): return .number(e.expectedLogPrior)
        case ("conditional", .exact(let b)): return .number(b.expectedLogConditional)
        case ("conditional", .estimated(let e)): return .number(e.expectedLogConditional)
        case ("entropy", .exact(let b)): return .number(b.entropy)
        case ("entropy", .estimated(let e)): return .number(e.entropy)
        case ("se", .exact): return .number(0)
        case ("se", .estimated(let e)): return .number(e.standardError)
        case ("lower", .exact(let b)): return .number(b.elbo)
        case ("lower", .estimated(let e)): return .number(e.lower)
        case ("upper", .exact(let b)): return .number(b.elbo)
        case ("upper", .estimated(let e)): return .number(e.upper)
        case ("exact", .exact): return .bool(true)
        case ("exact", .estimated): return .bool(false)
        case ("rows", .exact(let b)): return .tensor(Tensor(shape: [b.elbos.count], scalars: b.elbos.map(Float.init)))
        case ("rows", .estimated): return Value.none
        default: return nil
        }
    }
}

/// A fitted linear probe and its accuracies.
public struct ProbeValue: ScriptObject {
    public var probe: LinearProbe
    public var trainAccuracy: Double
    public var testAccuracy: Double?
    public var what: String

    public var kindName: String { "probe" }
    public var summary: String {
        "\(probe.inputs) features, \(probe.classes) classes, train accuracy \(formatNumber(trainAccuracy, digits: 4))"
            + (testAccuracy.map { ", test accuracy \(formatNumber($0, digits: 4))" } ?? "")
    }
    public func render(_ format: ValueFormat) -> String {
        "linear probe (multinomial logistic regression) on \(what): \(summary)"
    }
    public var propertyNames: [String] { ["train_accuracy", "test_accuracy", "loss", "classes", "inputs"] }
    public func property(_ name: String) throws -> Value? {
        switch name {
        case "train_accuracy": return .number(trainAccuracy)
        case "test_accuracy": return testAccuracy.map(Value.number) ?? Value.none
        case "loss": return .list(probe.trainingLoss.map(Value.number))
        case "classes": return .number(Double(probe.classes))
        case "inputs": return .number(Double(probe.inputs))
        default: return nil
        }
    }
}
