import XCTest
@testable import EBMScript

/// derive, gradcheck and the Boltzmann machine as a user types them.
final class DeriveCommandTests: XCTestCase {
    private func session() -> Session {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nm = boltzmann(units: 9, seed: 1)\nr = rbm(visible: 9, hidden: 6, seed: 2, init: 0.5)")
        return s
    }

    func testDerivationsPrintEveryLineAndCheck() {
        let s = session()
        let out = eval(s, "derive(m, d)")
        for label in ["(18.4)", "(18.5)", "(18.6)", "(18.7)", "(18.8)", "(18.9)", "(18.10)", "(18.11)", "(18.12)", "(18.15)", "(13.1)"] {
            XCTAssertTrue(out.contains(label), "missing \(label)")
        }
        XCTAssertTrue(out.contains("positive phase") && out.contains("negative phase"))
        XCTAssertTrue(out.hasSuffix("every line checks.\n"))
        XCTAssertEqual(eval(s, "derive(r, d).ok"), "true\n")
        XCTAssertEqual(eval(s, "derive(r, d, derivation: \"free-energy\", parameter: \"b[1]\").ok"), "true\n")
        XCTAssertTrue(eval(s, "derive(r, d)").contains("2^1284 ≈ 10^386.5 terms"), "the count of terms for Fashion-MNIST")
    }

    func testBadArgumentsSayWhatIsWrong() {
        let s = session()
        XCTAssertTrue(errorText("derive(m, d, parameter: \"c[0]\")", in: s).contains("no parameter \"c[0]\""))
        XCTAssertTrue(errorText("derive(m, d, derivation: \"rbm\")", in: s).contains("has no rbm derivation"))
        XCTAssertTrue(errorText("derive(r, d * 0.5)", in: s).contains("binary"))
        XCTAssertTrue(errorText("derive(rbm(visible: 9, hidden: 12), d)", in: s).contains("D + H"))
    }

    func testBoltzmannMachineCommands() {
        let s = session()
        XCTAssertEqual(eval(s, "gradcheck(m, d).ok"), "true\n")
        XCTAssertEqual(eval(s, "gradcheck(r, d, count: 5).ok"), "true\n")
        // grad's norm counts each pair weight once, like the derivation's ‖·‖.
        XCTAssertTrue(eval(s, "derive(m, d)").contains("‖·‖ = " + eval(s, "grad(m, d).norm").prefix(7)))
        let history = eval(s, "train(m, d, method: \"exact\", lr: 0.5, epochs: 20, monitor_every: 10)")
        XCTAssertTrue(history.contains("exact negative phase") && history.contains("log-likelihood (exact)"))
        XCTAssertTrue(errorText("train(r, d, method: \"exact\")", in: s).contains("fully visible"))
        XCTAssertTrue(errorText("energy(m, d, tensor([1, 0]))", in: s).contains("no hidden units"))
        XCTAssertEqual(eval(s, "gibbs(m, chains: 3, steps: 4, every: 2).samples.count"), "3\n")
    }
}
