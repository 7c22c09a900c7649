import XCTest
@testable import EBMScript

/// `grad(f, x)` for functions defined with `def` (the tape itself is checked against finite
/// differences op by op in EBMTests/TapeTests).
final class AutodiffTests: XCTestCase {
    func testScalarFunctionsAgreeWithCentralDifferences() {
        let s = Session()
        eval(s, """
        def f(x):
            y = x ** 3 - 2 * x
            if x > 0:
                y = y + exp(x) / (1 + x * x)
            return sqrt(y * y + 1) + log(abs(x) + 1) + sigmoid(x) * softplus(-x)
        h = 0.000001
        """)
        for x in ["0.7", "-1.3", "2"] {
            let out = eval(s, "abs(grad(f, \(x)) - (f(\(x) + h) - f(\(x) - h)) / (2 * h)) < 0.000001")
            XCTAssertEqual(out, "true\n", "at \(x)")
        }
    }

    func testTheFreeEnergysGradientIsTheClosedForm() {
        let s = Session()
        eval(s, """
        m = rbm(visible: 4, hidden: 3, seed: 1)
        m.b = randn([3], seed: 2)
        m.c = randn([4], seed: 3)
        v = tensor([1, 0, 1, 1])
        def E(W, b, c, v):
            # the RBM free energy, 003's sign
            return sum(softplus(W @ v + b)) + v @ c
        g = grad(E, m.W, m.b, m.c, v: v)
        p = sigmoid(m.W @ v + m.b)
        """)
        // ∂F/∂W = σ(Wv + b) vᵀ, ∂F/∂b = σ(Wv + b), ∂F/∂c = v.
        XCTAssertEqual(eval(s, "abs(g[0] - reshape(p, [3, 1]) @ reshape(v, [1, 4])).max < 0.000001"), "true\n")
        XCTAssertEqual(eval(s, "abs(g[1] - p).max < 0.000001\ng[2] == v"), "true\ntensor [4] float32\n[1 1 1 1]\n")
    }

    func testIndexingPropertiesLoopsAndAxesAreFollowed() {
        let s = Session()
        eval(s, """
        def f(X):
            t = 0
            for row in X:
                t = t + row[0] * row[1]
            return t + X.T.sum + mean(X, axis: 0)[2] + X[1:, :].mean
        g = grad(f, tensor([[1, 2, 3], [4, 5, 6]]))
        """)
        // ∂/∂X: row products (x01, x00 / x11, x10), 1 from .T.sum, 1/2 for column 2, 1/3 for row 1.
        XCTAssertEqual(eval(s, "g"), "tensor [2, 3] float32\n[[    3     2   1.5]\n [6.333 5.333 1.833]]\n")
    }

    func testUnsupportedOperationsAndNonNumbersAreClearErrors() {
        let s = Session()
        eval(s, "def bad(x):\n    return log_z(x)\ndef vector(x):\n    return x * 2\n")
        let unsupported = errorText("grad(bad, 1)", in: s)
        XCTAssertTrue(unsupported.contains("grad: automatic differentiation does not support 'log_z'"), unsupported)
        XCTAssertTrue(unsupported.contains("in bad, called at"), unsupported)
        XCTAssertTrue(errorText("grad(vector, tensor([1, 2]))", in: s).contains("grad: vector must return a number"))
        XCTAssertTrue(errorText("grad(vector, \"a\")", in: s).contains("grad: can differentiate with respect to numbers and tensors only"))
        // The built-in grad of a model is still there.
        XCTAssertTrue(eval(s, "grad(rbm(visible: 4, hidden: 2, seed: 1), bars_and_stripes(2))").hasPrefix("gradient"))
    }

    func testGradcheckComparesAutodiffWithFiniteDifferencesOfTheFunction() {
        let s = Session()
        eval(s, """
        m = rbm(visible: 4, hidden: 3, seed: 1)
        def F(W, b, c, v):
            return sum(softplus(W @ v + b)) + v @ c
        r = gradcheck(F, m.W, m.b, m.c, v: tensor([1, 0, 1, 1]))
        """)
        XCTAssertEqual(eval(s, "r.ok\nr.count"), "true\n19\n")
        XCTAssertTrue(eval(s, "r").contains("W[2, 3]"))
        XCTAssertTrue(errorText("def v(x):\n    return x * 2\ngradcheck(v, tensor([1, 2]))").contains("gradcheck: v must return a number"))
    }
}
