import XCTest
@testable import EBM

/// Every operation of the autodiff tape against central finite differences, in double precision.
final class TapeTests: XCTestCase {
    /// Deterministic entries in [lo, hi).
    private func values(_ shape: [Int], seed: UInt64, lo: Double = -1.5, hi: Double = 1.5) -> Tape.Value {
        var g = Xoshiro256StarStar(seed: seed)
        let n = shape.reduce(1, *)
        return Tape.Value(shape: shape, entries: (0..<n).map { _ in lo + (hi - lo) * g.nextUnitDouble() })
    }

    /// Builds `op` on fresh variables for `inputs`, reduces its result to a scalar with fixed
    /// weights (so every output entry matters), and compares the tape's gradient with central
    /// differences (f(x + h) − f(x − h)) / 2h for every input entry.
    private func check(_ name: String, _ inputs: [Tape.Value], tolerance: Double = 1e-6,
                       file: StaticString = #filePath, line: UInt = #line,
                       _ op: (Tape, [Int]) throws -> Int) throws {
        func scalar(_ inputs: [Tape.Value]) throws -> (Tape, Int, [Int]) {
            let tape = Tape()
            let ids = inputs.map { tape.variable($0) }
            let out = try op(tape, ids)
            let v = tape.value(out)
            let weights = tape.constant(values(v.shape, seed: 99, lo: 0.5, hi: 2))
            return (tape, try tape.sum(try tape.multiply(out, weights)), ids)
        }
        let (tape, out, ids) = try scalar(inputs)
        let analytic = try tape.gradient(of: out, withRespectTo: ids)
        let h = 1e-6
        for (k, input) in inputs.enumerated() {
            XCTAssertEqual(analytic[k].shape, input.shape, "\(name): gradient shape", file: file, line: line)
            for i in 0..<input.count {
                var plus = inputs, minus = inputs
                plus[k].entries[i] += h
                minus[k].entries[i] -= h
                let (tp, op, _) = try scalar(plus), (tm, om, _) = try scalar(minus)
                let numeric = (tp.value(op).entries[0] - tm.value(om).entries[0]) / (2 * h)
                let a = analytic[k].entries[i]
                XCTAssertEqual(a, numeric, accuracy: tolerance * Swift.max(1, Swift.abs(numeric)),
                               "\(name): ∂/∂input\(k)[\(i)]", file: file, line: line)
            }
        }
    }

    func testElementWiseArithmeticWithEveryBroadcast() throws {
        let m = values([3, 4], seed: 1), m2 = values([3, 4], seed: 2), row = values([4], seed: 3)
        let s = Tape.Value(shape: [], entries: [0.7])
        let positive = values([3, 4], seed: 4, lo: 0.5, hi: 2)
        for (name, op) in [("+", Tape.add), ("-", Tape.subtract), ("*", Tape.multiply)] as [(String, (Tape) -> (Int, Int) throws -> Int)] {
            try check("matrix \(name) matrix", [m, m2]) { t, x in try op(t)(x[0], x[1]) }
            try check("matrix \(name) scalar", [m, s]) { t, x in try op(t)(x[0], x[1]) }
            try check("scalar \(name) matrix", [s, m]) { t, x in try op(t)(x[0], x[1]) }
            try check("matrix \(name) row", [m, row]) { t, x in try op(t)(x[0], x[1]) }
            try check("row \(name) matrix", [row, m]) { t, x in try op(t)(x[0], x[1]) }
        }
        try check("matrix / matrix", [m, positive]) { t, x in try t.divide(x[0], x[1]) }
        try check("scalar / matrix", [s, positive]) { t, x in try t.divide(x[0], x[1]) }
        try check("matrix ** scalar", [positive, s]) { t, x in try t.power(x[0], x[1]) }
        try check("matrix ** matrix", [positive, m]) { t, x in try t.power(x[0], x[1]) }
        try check("negate", [m]) { t, x in t.negate(x[0]) }
    }

    func testElementWiseFunctions() throws {
        let m = values([2, 5], seed: 5, lo: -3, hi: 3)
        let positive = values([2, 5], seed: 6, lo: 0.3, hi: 3)
        try check("exp", [m]) { t, x in t.exp(x[0]) }
        try check("log", [positive]) { t, x in t.log(x[0]) }
        try check("sqrt", [positive]) { t, x in t.sqrt(x[0]) }
        try check("abs", [m]) { t, x in t.abs(x[0]) }
        try check("sigmoid", [m]) { t, x in t.sigmoid(x[0]) }
        try check("softplus", [m]) { t, x in t.softplus(x[0]) }
        try check("tanh", [m]) { t, x in t.tanh(x[0]) }
    }

    func testMatrixProductsOfEveryRank() throws {
        let a = values([3, 4], seed: 7), b = values([4, 2], seed: 8), v = values([4], seed: 9), w = values([3], seed: 10)
        try check("matrix @ matrix", [a, b]) { t, x in try t.matmul(x[0], x[1]) }
        try check("matrix @ vector", [a, v]) { t, x in try t.matmul(x[0], x[1]) }
        try check("vector @ matrix", [w, a]) { t, x in try t.matmul(x[0], x[1]) }
        try check("vector @ vector", [v, v]) { t, x in try t.matmul(x[0], x[1]) }
    }

    func testReductionsTranspositionAndSelection() throws {
        let m = values([3, 4], seed: 11)
        try check("sum", [m]) { t, x in try t.sum(x[0]) }
        try check("sum axis 0", [m]) { t, x in try t.sum(x[0], axis: 0) }
        try check("sum axis 1", [m]) { t, x in try t.sum(x[0], axis: 1) }
        try check("mean", [m]) { t, x in try t.sum(x[0], mean: true) }
        try check("mean axis 0", [m]) { t, x in try t.sum(x[0], axis: 0, mean: true) }
        try check("transpose", [m]) { t, x in t.transpose(x[0]) }
        // A picked entry twice: its adjoint adds up.
        try check("select", [m]) { t, x in t.select(x[0], indices: [5, 0, 5, 11], shape: [2, 2]) }
    }

    /// The RBM free energy F(v) = cᵀv + Σⱼ softplus(bⱼ + Wⱼv) as a composition: its gradient in W
    /// is σ(Wv + b) vᵀ (003 eq. 13's derivative), checked both ways.
    func testACompositionMatchesTheClosedForm() throws {
        let W = values([3, 4], seed: 12), b = values([3], seed: 13), c = values([4], seed: 14)
        let v = Tape.Value(shape: [4], entries: [1, 0, 1, 1])
        try check("free energy", [W, b, c]) { t, x in
            let vv = t.constant(v)
            return try t.add(try t.matmul(vv, x[2]), try t.sum(t.softplus(try t.add(try t.matmul(x[0], vv), x[1]))))
        }
        let tape = Tape()
        let (w, bb, cc, vv) = (tape.variable(W), tape.variable(b), tape.variable(c), tape.constant(v))
        let F = try tape.add(try tape.matmul(vv, cc), try tape.sum(tape.softplus(try tape.add(try tape.matmul(w, vv), bb))))
        let gW = try tape.gradient(of: F, withRespectTo: [w])[0]
        for j in 0..<3 {
            let pre = (0..<4).reduce(b.entries[j]) { $0 + W.entries[j * 4 + $1] * v.entries[$1] }
            let sigma = 1 / (1 + Foundation.exp(-pre))
            for i in 0..<4 { XCTAssertEqual(gW.entries[j * 4 + i], sigma * v.entries[i], accuracy: 1e-12) }
        }
    }

    func testShapeMismatchesAndNonScalarResultsAreFailures() {
        let tape = Tape()
        let a = tape.variable(values([2, 3], seed: 1)), b = tape.variable(values([3, 2], seed: 2))
        XCTAssertThrowsError(try tape.add(a, b))
        XCTAssertThrowsError(try tape.matmul(a, a))
        XCTAssertThrowsError(try tape.gradient(of: a, withRespectTo: [a]))
    }
}
