/// Training monitors (003, §13.2, "debugging"): reconstruction error and pseudo-log-likelihood,
/// which cost a few products per row, and the exact log-likelihood of `ExactPartitionFunction`
/// when enumeration is affordable.
extension RestrictedBoltzmannMachine {
    /// Stochastic reconstruction error: the mean over rows and units of (p(x = 1 | h) − x)² with
    /// h ~ p(h | x) sampled (row r from stream r of `seed`). It should fall during training, but
    /// it is not the quantity being optimised, so it is a sanity check, not a score.
    public func reconstructionError(_ X: Tensor, seed: UInt64) -> Double {
        checkRows(X)
        let n = X.shape[0]
        let ph = hiddenProbabilities(X)
        var h = Tensor(shape: [n, hidden])
        var generators = (0..<n).map { Xoshiro256StarStar.stream(seed: seed, index: UInt64($0)) }
        ph.scalars.withUnsafeBufferPointer { p in
            h.scalars.withUnsafeMutableBufferPointer { o in
                generators.withUnsafeMutableBufferPointer { g in
                    guard let pp = p.baseAddress, let op = o.baseAddress, let gp = g.baseAddress else { return }
                    ElementwiseKernels.sampleBernoulli(probabilities: pp, into: op, rows: n, columns: hidden, generators: gp)
                }
            }
        }
        let px = visibleProbabilities(h)
        var s = 0.0
        for k in 0..<px.count {
            let d = Double(px.scalars[k]) - Double(X.scalars[k])
            s += d * d
        }
        return s / Double(px.count)
    }

    /// The stochastic pseudo-log-likelihood of scikit-learn's `BernoulliRBM.score_samples`: for
    /// each row one unit i, drawn uniformly (from stream r of `seed`), stands in for all D:
    ///
    ///     PLL(x) ≈ D · log p(x_i | x₋ᵢ) = D · log σ(F(x) − F(x ⊕ eᵢ))
    ///
    /// (x ⊕ eᵢ flips bit i). Unbiased for the exact PLL below, but noisy; returns the mean over rows.
    public func pseudoLogLikelihood(_ X: Tensor, seed: UInt64) -> Double {
        checkRows(X)
        let n = X.shape[0]
        let units = (0..<n).map { r -> Int in
            var g = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
            return Int.random(in: 0..<visible, using: &g)
        }
        let total = forEachRowInputs(X) { r, x, a in
            Double(visible) * logConditional(unit: units[r], x: x, inputs: a)
        }
        return total / Double(n)
    }

    /// The exact pseudo-log-likelihood Σᵢ log p(xᵢ | x₋ᵢ) = Σᵢ log σ(F(x) − F(x ⊕ eᵢ)), mean over
    /// rows. Each term needs only the H inputs b + Wx, so a row costs O(D·H) beyond one product:
    /// affordable for small D·H, and the trainer reports it when it is.
    public func exactPseudoLogLikelihood(_ X: Tensor) -> Double {
        checkRows(X)
        let total = forEachRowInputs(X) { _, x, a in
            var s = 0.0
            for i in 0..<visible { s += logConditional(unit: i, x: x, inputs: a) }
            return s
        }
        return total / Double(X.shape[0])
    }

    /// log p(xᵢ | x₋ᵢ) = log σ(F(x) − F(x ⊕ eᵢ)), where, with δ = 1 − 2xᵢ and aⱼ = bⱼ + Wⱼx,
    /// F(x ⊕ eᵢ) − F(x) = cᵢ δ + Σⱼ [softplus(aⱼ + Wⱼᵢ δ) − softplus(aⱼ)].
    private func logConditional(unit i: Int, x: UnsafePointer<Float>, inputs a: UnsafePointer<Double>) -> Double {
        let delta = 1 - 2 * Double(x[i])
        var change = Double(c[i]) * delta
        for j in 0..<hidden {
            let aj = a[j]
            change += ElementwiseKernels.softplus(aj + Double(W[j * visible + i]) * delta) - ElementwiseKernels.softplus(aj)
        }
        return ElementwiseKernels.logSigmoid(-change)
    }

    /// Σ_rows body(r, x_r, b + W x_r), the inputs in float64 from one float32 product.
    private func forEachRowInputs(_ X: Tensor, _ body: (Int, UnsafePointer<Float>, UnsafePointer<Double>) -> Double) -> Double {
        let n = X.shape[0]
        var pre = [Float](repeating: 0, count: n * hidden)
        var a = [Double](repeating: 0, count: hidden)
        var total = 0.0
        X.scalars.withUnsafeBufferPointer { xb in
            pre.withUnsafeMutableBufferPointer { pb in
                guard let xp = xb.baseAddress, let pp = pb.baseAddress else { return }
                RBMProducts.hiddenPreactivations(self, x: xp, rows: n, into: pp)
                a.withUnsafeMutableBufferPointer { ab in
                    guard let ap = ab.baseAddress else { return }
                    for r in 0..<n {
                        for j in 0..<hidden { ap[j] = Double(pp[r * hidden + j]) + Double(b[j]) }
                        total += body(r, xp + r * visible, ap)
                    }
                }
            }
        }
        return total
    }

    private func checkRows(_ X: Tensor) {
        precondition(X.rank == 2 && X.shape[1] == visible && X.shape[0] > 0,
                     "monitors need an n × \(visible) matrix with n ≥ 1, got \(X.shape)")
    }
}
