import XCTest
import EBM
import EBMIO
@testable import EBMScript

/// The DBN commands as a user types them: dbn, stack, train (greedy and up-down), loglik, elbo,
/// sample, receptive_fields, features, probe, export_npy; and their errors.
final class DBNCommandTests: XCTestCase {
    private func number(_ s: Session, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        let out = eval(s, text, file: file, line: line).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let v = Double(out) else { XCTFail("not a number: \(out)", file: file, line: line); return .nan }
        return v
    }

    /// A trained RBM on bars and stripes 3×3 and its tied 2-layer stack.
    private func session() -> Session {
        let s = Session()
        eval(s, """
        d = bars_and_stripes(3)
        m = rbm(visible: 9, hidden: 8, seed: 1)
        h = train(m, d, method: "pcd", lr: 0.05, epochs: 300, batch: 8, seed: 1, monitor_every: 300)
        d2 = stack(m, hidden: 9)
        """)
        return s
    }

    func testTiedStackHasTheRBMsLikelihoodAndATightBound() {
        let s = session()
        XCTAssertEqual(number(s, "loglik(d2, d)"), number(s, "loglik(m, d)"), accuracy: 1e-6)
        XCTAssertEqual(number(s, "elbo(d2, d).elbo"), number(s, "loglik(m, d)"), accuracy: 1e-6)
        XCTAssertEqual(number(s, "elbo(d2, d).gap"), 0, accuracy: 1e-6)
        let printed = eval(s, "print d2")
        XCTAssertTrue(printed.contains("dbn: 2 layers, 9-8-9"), printed)
        XCTAssertTrue(printed.contains("layer 1: 9 → 8, sigmoid belief net"), printed)
        XCTAssertTrue(printed.contains("trained 300 epochs with PCD-1, lr 0.05, batch 8, seed 1 on the data"), printed)
        XCTAssertTrue(printed.contains("layer 2: 8 → 9, top RBM p(h^(1), h^(2)); tied start: W = W^(1)ᵀ, biases swapped; not trained yet"), printed)
        let bound = eval(s, "print elbo(d2, d)")
        for term in ["E_q[log p(h^(1))]", "E_q[log P(x | h^(1))]", "H(q(h^(1) | x))", "log p(x) (exact)", "gap = KL"] {
            XCTAssertTrue(bound.contains(term), bound)
        }
    }

    func testGreedyTrainingTrainsOnlyTheNewLayerAndRecordsOneHistory() {
        let s = session()
        let before = number(s, "elbo(d2, d).elbo")
        eval(s, "h2 = train(d2, d, lr: 0.01, epochs: 100, batch: 16, seed: 2, monitor_every: 50)")
        XCTAssertEqual(eval(s, "h2.layer"), "[2, 2]\n", "only the new top layer trained")
        XCTAssertEqual(number(s, "d2.layers[0].W[0, 0] - m.W[0, 0]"), 0, "layer 1 is frozen")
        XCTAssertTrue(eval(s, "print d2").contains("trained 100 epochs with CD-1, lr 0.01, batch 16, seed 2 on Q(h^(1) | x) as probabilities"))
        let after = number(s, "elbo(d2, d).elbo")
        XCTAssertNotEqual(before, after)
        XCTAssertLessThanOrEqual(after, number(s, "loglik(d2, d)") + 1e-9)
        // Nothing left untrained: train says so instead of training again.
        XCTAssertTrue(eval(s, "h3 = train(d2, d)").contains("every layer is trained already"))
        // Per-layer lists and layers:.
        eval(s, "d3 = dbn(layers: [9, 6, 4], seed: 1)\nh = train(d3, d, epochs: [3, 2], lr: [0.1, 0.05], batch: 8, input: \"samples\", copies: 2)")
        XCTAssertEqual(eval(s, "h.layer"), "[1, 1, 1, 2, 2]\n")
        XCTAssertTrue(eval(s, "print d3").contains("on Q(h^(1) | x) as samples"))
        eval(s, "h = train(d3, d, layers: [2], epochs: 1, batch: 8)")
        XCTAssertEqual(eval(s, "d3.history.layer"), "[1, 1, 1, 2, 2, 2]\n")
    }

    func testUpDownUntiesAndEstimatedBoundCoversTheExactOne() {
        let s = session()
        eval(s, "h = train(d2, d, lr: 0.01, epochs: 100, batch: 16, seed: 2)\nu = train(d2, d, method: \"up-down\", lr: 0.01, k: 3, batch: 8, epochs: 10, seed: 1)")
        XCTAssertEqual(eval(s, "d2.untied"), "true\n")
        XCTAssertTrue(eval(s, "print d2").contains("up-down: 10 epochs of fine-tuning"))
        XCTAssertTrue(eval(s, "print u").contains("up-down, k 3, lr 0.01, batch 8, seed 1; 10 records"), eval(s, "print u"))
        let exact = number(s, "elbo(d2, d).elbo")
        let lower = number(s, "elbo(d2, d, exact: \"no\", samples: 100, seed: 1).lower")
        let upper = number(s, "elbo(d2, d, exact: \"no\", samples: 100, seed: 1).upper")
        XCTAssertLessThan(lower, exact)
        XCTAssertGreaterThan(upper, exact)
    }

    func testSamplingFeaturesProbeAndPictures() {
        let s = session()
        XCTAssertEqual(eval(s, "sample(d2, n: 5, steps: 20, seed: 1).x.shape"), "[5, 9]\n")
        XCTAssertEqual(eval(s, "sample(d2, n: 5, steps: 20, seed: 1).height"), "3\n", "samples keep the image shape")
        XCTAssertEqual(eval(s, "features(d2, d, layer: 2).x.shape"), "[16, 9]\n")
        XCTAssertEqual(number(s, "max(abs(features(d2, d, layer: 1).x - p_h_given_x(m, d)))"), 0, accuracy: 1e-6)
        XCTAssertTrue(eval(s, "print receptive_fields(d2, layer: 2)").hasPrefix("image"))
        // The probe: the label is the top-left pixel, linearly separable in pixels.
        eval(s, "labels = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]")
        let p = eval(s, "p = probe(d, labels: labels, test: d, test_labels: labels, epochs: 200, lr: 0.5)\nprint p")
        XCTAssertTrue(p.contains("linear probe (multinomial logistic regression)"), p)
        XCTAssertEqual(number(s, "p.train_accuracy"), 1)
        XCTAssertEqual(number(s, "p.test_accuracy"), 1)
    }

    func testExportWritesOneFolderPerLayer() throws {
        let s = session()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dbn-export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        eval(s, "h = train(d2, d, epochs: 5, batch: 8)\nu = train(d2, d, method: \"up-down\", epochs: 2, batch: 8)\nexport_npy(d2, \"\(dir)\")")
        for l in 1...2 {
            for f in ["W", "b", "c"] { XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/layer\(l)/\(f).npy")) }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/layer1/R.npy"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/layer2/R.npy"), "the top RBM has no recognition weights")
        let W = try NPY.read(path: "\(dir)/layer2/W.npy")
        XCTAssertEqual(W.shape, [9, 8])
    }

    func testErrorsAreLocatedAndSayWhatToDo() {
        XCTAssertTrue(errorText("dbn(layers: [9])").contains("at least two sizes"))
        XCTAssertTrue(errorText("dbn(layers: [9, 0])").contains("each layer size must be a whole number"))
        let s = session()
        XCTAssertTrue(errorText("train(m2, d)", in: s).contains("unknown name"))
        XCTAssertTrue(errorText("train(d2, d, lr: [0.1, 0.1, 0.1])", in: s).contains("lr has 3 values but the DBN has 2 layers"))
        XCTAssertTrue(errorText("train(d2, d, epochs: [2, -1])", in: s).contains("the value for layer 2 must be"))
        XCTAssertTrue(errorText("train(dbn(layers: [9, 4]), d, method: \"up-down\")", in: s).contains("up-down needs at least two layers"))
        XCTAssertTrue(errorText("train(d2, d, layers: [3])", in: s).contains("layers are numbered 1…2"))
        XCTAssertTrue(errorText("receptive_fields(d2, layer: 3)", in: s).contains("the DBN has 2 layers"))
        XCTAssertTrue(errorText("probe(d)", in: s).contains("has no labels"))
        let big = errorText("loglik(dbn(layers: [30, 30, 30]), zeros([1, 30]))")
        XCTAssertTrue(big.contains("h^(1) has 30 units") && big.contains("elbo"), big)
        XCTAssertTrue(errorText("elbo(dbn(layers: [30, 30, 30]), zeros([1, 30]), exact: \"yes\")").contains("estimate instead"))
    }
}
