import XCTest
import EBM
@testable import EBMScript

/// The RBM commands as a user types them, checked against the definitions written in the
/// language itself (so the commands and the arithmetic must agree).
final class RBMCommandTests: XCTestCase {
    private func number(_ s: Session, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        let out = eval(s, text, file: file, line: line).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let v = Double(out) else { XCTFail("not a number: \(out)", file: file, line: line); return .nan }
        return v
    }

    private func session() -> Session {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nm = rbm(visible: 9, hidden: 5, seed: 3, init: 0.5)")
        return s
    }

    func testEnergyAndConditionalsMatchTheirFormulas() {
        let s = session()
        eval(s, "x = d[6]\nh = tensor([1, 0, 1, 1, 0])")
        XCTAssertEqual(number(s, "energy(m, x, h)"), number(s, "-(h @ (m.W @ x)) - sum(m.c * x) - sum(m.b * h)"), accuracy: 1e-5)
        XCTAssertEqual(number(s, "max(abs(p_h_given_x(m, x) - sigmoid(m.W @ x + m.b)))"), 0, accuracy: 1e-6)
        XCTAssertEqual(number(s, "max(abs(p_x_given_h(m, h) - sigmoid(h @ m.W + m.c)))"), 0, accuracy: 1e-6)
        XCTAssertEqual(number(s, "free_energy(m, x)"), number(s, "sum(m.c * x) + sum(softplus(m.W @ x + m.b))"), accuracy: 1e-5)
        XCTAssertEqual(eval(s, "free_energy(m, d).shape"), "[16]\n", "one value per row of a data set")
    }

    func testExactQuantitiesAgree() {
        let s = session()
        XCTAssertEqual(number(s, "log_z(m, over: \"visible\")"), number(s, "log_z(m, over: \"hidden\")"), accuracy: 1e-9)
        // log p(x) = F(x) − log Z, averaged over the data, is the exact log-likelihood.
        XCTAssertEqual(number(s, "mean(free_energy(m, d)) - log_z(m)"), number(s, "loglik(m, d)"), accuracy: 1e-5)
        // The probabilities of all 2^9 visible states sum to one.
        eval(s, "all = dataset(tensor(\(allBinaryRows(9))))")
        XCTAssertEqual(number(s, "sum(exp(free_energy(m, all) - log_z(m)))"), 1, accuracy: 1e-5)
        XCTAssertEqual(number(s, "best_loglik(d)"), (12 * Foundation.log(1.0 / 16) + 4 * Foundation.log(2.0 / 16)) / 16, accuracy: 1e-9)
    }

    func testExactGradientAgreesWithAFiniteDifferenceThroughTheLanguage() {
        let s = session()
        let g = number(s, "grad(m, d).b[2]")
        // Nudge b₂ through a saved and edited copy of the model: export, change, import.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ebm-grad-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        eval(s, "export_npy(m, \"\(dir)\")")
        guard case .object(let model as RBMValue)? = s.variables["m"] else { return XCTFail("m is not an RBM") }
        let h = 1e-3
        var plus = model.machine, minus = model.machine
        plus.b[2] += Float(h); minus.b[2] -= Float(h)
        s.variables["m_plus"] = .object(RBMValue(plus))
        s.variables["m_minus"] = .object(RBMValue(minus))
        let numeric = (number(s, "loglik(m_plus, d)") - number(s, "loglik(m_minus, d)")) / (2 * h)
        XCTAssertEqual(g, numeric, accuracy: 2e-3)
        XCTAssertEqual(number(s, "sum(import_npy(\"\(dir)\").W != m.W)"), 0)
    }

    func testEnumerationIsRefusedAboveTheLimitWithAPointerToTheEstimators() {
        let s = Session()
        eval(s, "big = rbm(visible: 40, hidden: 30)")
        let text = errorText("log_z(big)", in: s)
        XCTAssertTrue(text.contains("2^30"), text)
        XCTAssertTrue(text.contains("annealed importance sampling"), text)
        XCTAssertTrue(errorText("loglik(big, zeros([1, 40]))", in: s).contains("2^25"))
    }

    func testTrainingRaisesTheExactLikelihoodAndRecordsAHistory() {
        let s = Session()
        eval(s, "d = bars_and_stripes(4)\nm = rbm(visible: 16, hidden: 16, seed: 1)")
        let before = number(s, "loglik(m, d)")
        // CD-1 gains 5.7–6.1 nats here over seeds 1–8; PCD-1 at this rate is erratic (that is the
        // Fischer–Igel decline the bars-and-stripes notebook shows), so it is not asserted on.
        eval(s, "h = train(m, d, method: \"cd\", lr: 0.05, batch: 4, epochs: 600, seed: 1, monitor_every: 150)")
        XCTAssertGreaterThan(number(s, "loglik(m, d)"), before + 3)
        XCTAssertEqual(eval(s, "len(h)\nh.epochs\nm.epochs\nlen(h.loglik)"), "4\n[150, 300, 450, 600]\n600\n4\n")
        let table = eval(s, "h")
        XCTAssertTrue(table.hasPrefix("history: CD-1, lr 0.05, batch 4, seed 1; 4 records, epochs 150–600\n"), table)
        XCTAssertTrue(table.contains("log-likelihood (exact)"), table)
        // Training again with the same settings continues the epoch count.
        eval(s, "train(m, d, method: \"cd\", lr: 0.05, batch: 4, epochs: 10, seed: 1, monitor_every: 50)")
        XCTAssertEqual(eval(s, "m.epochs"), "610\n")
    }

    func testTrainingChecksItsDataAndStopsOnCtrlC() {
        let s = Session()
        eval(s, "m = rbm(visible: 4, hidden: 2)")
        XCTAssertTrue(errorText("train(m, tensor([[0, 2, 0, 1]]))", in: s).contains("training data must be in [0, 1]"))
        XCTAssertTrue(errorText("train(m, zeros([3, 5]))", in: s).contains("data must have 4 visible units per row, got 5"))
        XCTAssertTrue(errorText("train(m, zeros([3, 4]), method: \"sgd\")", in: s).contains("takes one of \"cd\", \"pcd\""))
        var polls = 0
        s.isInterrupted = { polls += 1; return polls > 100 }
        let result = s.run(SourceText(name: "t", text: "h = train(m, rand([400, 4], seed: 1) > 0.5, batch: 10, epochs: 100)"))
        // The training call itself ends normally, stopped, and keeps what it learned; the
        // interruption then stops the statement's caller at the next safe point.
        XCTAssertTrue(result.output.contains("stopped in epoch"), result.output)
        guard case .object(let model as RBMValue)? = s.variables["m"] else { return XCTFail("m is gone") }
        XCTAssertGreaterThan(model.trainer?.epochsCompleted ?? 0, 1)
        XCTAssertLessThan(model.trainer?.epochsCompleted ?? 100, 100)
    }

    func testDivergenceStopsWithAMessageAndKeepsTheLastGoodModel() {
        let s = Session()
        eval(s, "d = bars_and_stripes(3)\nm = rbm(visible: 9, hidden: 4, seed: 1)")
        let text = errorText("train(m, d, lr: 1e30, weight_decay: 1, epochs: 5, batch: 4)", in: s)
        XCTAssertTrue(text.contains("training diverged"), text)
        XCTAssertTrue(text.contains("Lower lr (it was 1e+30)"), text)
        XCTAssertEqual(eval(s, "sum(m.W != m.W)"), "0\n", "no NaN in the restored weights")
        XCTAssertTrue(Double(eval(s, "max(abs(m.W))").trimmingCharacters(in: .newlines))! < 1e6)
    }

    func testGibbsChainsDrawAndBecomeData() {
        let s = session()
        eval(s, "c = gibbs(m, chains: 3, steps: 20, every: 5, seed: 1)")
        XCTAssertEqual(eval(s, "c.chains\nc.steps\nc.snapshots\nc.samples.count\nlen(c)"), "3\n20\n5\n3\n5\n")
        XCTAssertEqual(eval(s, "c"), "chain: 3 chains × 9 visible, 20 steps, 5 snapshots (every 5 steps)\nshow it or png it (rows = chains, columns = time); chain.samples is the final states as data\n")
        // Rows = chains, columns = time: 3 rows of 5 tiles of 3×3 with padding 1.
        XCTAssertEqual(eval(s, "i = image(c)\ni.width\ni.height"), "19\n11\n")
        XCTAssertEqual(eval(s, "gibbs(m, chains: 3, steps: 20, seed: 1).samples.x == c.samples.x"),
                       eval(s, "ones([3, 9])"), "the same seed gives the same chains")
    }

    func testSaveAndLoadRoundTripThroughTheLanguage() throws {
        let s = session()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ebm-\(UUID().uuidString)/m.ebm-model").path
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        XCTAssertEqual(eval(s, "save(m, \"\(path)\")"), "saved 9 visible × 5 hidden, 59 parameters to \(path)\n")
        XCTAssertEqual(eval(s, "m2 = load(\"\(path)\")\nsum(m2.W != m.W) + sum(m2.b != m.b) + sum(m2.c != m.c)\nlog_z(m2) == log_z(m)"), "0\ntrue\n")
        XCTAssertTrue(errorText("load(\"\(path).missing\")", in: s).contains("No such file"))
    }

    func testAISAgreesWithTheExactLogZWithinItsErrorBars() {
        let s = session()
        eval(s, "a = ais(m, runs: 50, betas: 1000, data: d, seed: 2)")
        let (estimate, lower, upper, exact) = (number(s, "a.log_z"), number(s, "a.lower"), number(s, "a.upper"), number(s, "log_z(m)"))
        XCTAssertEqual(number(s, "a.exact"), exact)
        XCTAssertLessThanOrEqual(lower, exact)
        XCTAssertGreaterThanOrEqual(upper, exact)
        XCTAssertEqual(estimate, exact, accuracy: 0.1)
        XCTAssertTrue(eval(s, "a").contains("(inside the error bars)"))
    }

    func testPlotDrawsAChartFromNumbers() {
        let s = Session()
        XCTAssertEqual(eval(s, "plot [0, 1, 2], labels: [\"up\"], width: 10, height: 4"), """
        2 ┤        ·*
          ┤      ··
          ┤  ···*
        0 ┤*·
          └──────────
           0        2
        * up

        """)
    }
}

/// Every binary vector of length n, as a nested list literal of the language.
private func allBinaryRows(_ n: Int) -> String {
    "[" + (0..<(1 << n)).map { v in "[" + (0..<n).map { String((v >> $0) & 1) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
}
