import XCTest
@testable import EBMScript

/// Continuous energies, Langevin chains and score models as a user types them.
final class ContinuousCommandTests: XCTestCase {
    func testLangevinChainsCompareAgainstExactMoments() {
        let s = Session()
        eval(s, "g = gaussian(mean: [1, -1], std: [0.5, 2])\nc = langevin(g, chains: 1000, steps: 400, step_size: 0.3, mala: true, seed: 1)")
        XCTAssertTrue(eval(s, "print(compare(c, g))").hasSuffix("true\n"))
        XCTAssertEqual(eval(s, "mean(c).shape"), "[2]\n", "per dimension")
        XCTAssertEqual(eval(s, "std(c).shape"), "[2]\n")
        XCTAssertNotEqual(eval(s, "c.acceptance"), "none\n")
        XCTAssertTrue(eval(s, "langevin(mixture(), chains: 200, steps: 10)").contains("density of the final states"))
    }

    func testEnergyEvaluatesContinuousEnergiesAtPoints() {
        let s = Session()
        eval(s, "g = gaussian(mean: [1, 0], std: [1, 2])")
        // ½(x − μ)ᵀΣ⁻¹(x − μ): ½(1 + 4/4) at (2, 2).
        XCTAssertEqual(eval(s, "energy(g, [2, 2])"), "1\n")
        XCTAssertEqual(eval(s, "energy(g, [[1, 0], [2, 2], [1, 2]])"), "tensor [3] float32\n[  0   1 0.5]\n")
        XCTAssertTrue(errorText("g = gaussian(mean: [1, 0], std: [1, 2])\nenergy(g, [1, 2, 3])").contains("must have 2 coordinates per row"))
        XCTAssertTrue(errorText("g = gaussian(mean: [1, 0], std: [1, 2])\nenergy(g, [1, 2], [1])").contains("no hidden units"))
    }

    /// energy_map asks for the ∇ₓE capability (any 2-D energy: closed form or neural) and draws
    /// claims' picture: the density by default, the energy with show: "energy".
    func testEnergyMapDrawsAny2DEnergyAsDensityOrEnergy() throws {
        let folder = NSTemporaryDirectory() + "ebm-energy-map-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let s = Session()
        eval(s, "w = mixture(means: [[-1, 0], [1, 0]], stds: [0.3, 0.3], weights: [0.8, 0.2])\ne = mlp_energy(dims: [2, 8, 1], seed: 1)")
        XCTAssertTrue(eval(s, "energy_map(w, \"\(folder)/density.png\", size: 64)").hasPrefix("wrote "))
        XCTAssertTrue(eval(s, "energy_map(w, \"\(folder)/energy.png\", size: 64, show: \"energy\")").hasPrefix("wrote "))
        XCTAssertTrue(eval(s, "energy_map(e, \"\(folder)/neural.png\", size: 64)").hasPrefix("wrote "))
        let density = try Data(contentsOf: URL(fileURLWithPath: folder + "/density.png"))
        let energy = try Data(contentsOf: URL(fileURLWithPath: folder + "/energy.png"))
        XCTAssertNotEqual(density, energy, "show: \"energy\" draws another picture than the default density")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/neural.png"))
        // A model without ∇ₓE is refused by capability, naming what is missing.
        let refused = errorText("s = score_model(hidden: [8], sigmas: ladder(1, 0.1, 3))\nenergy_map(s, \"\(folder)/s.png\")")
        XCTAssertTrue(refused.contains("a score model has no gradient"), refused)
        XCTAssertTrue(errorText("energy_map(mixture(), \"\(folder)/x.png\", show: \"both\")").contains("show"))
        XCTAssertTrue(errorText("energy_map(gaussian(mean: [0, 0, 0], std: [1, 1, 1]), \"\(folder)/g.png\")").contains("2-D"))
    }

    func testBadArgumentsSayWhatIsWrong() {
        let s = Session()
        eval(s, "e = mlp_energy(dims: [2, 8, 1], seed: 1)\nd = plane_data(\"moons\", n: 100)")
        XCTAssertTrue(errorText("mlp_energy(dims: [2, 8, 2])").contains("end dims with 1"))
        XCTAssertTrue(errorText("gaussian(mean: [0, 0], cov: [[1, 2], [2, 1]])").contains("positive definite"))
        XCTAssertTrue(errorText("compare(langevin(e, chains: 10, steps: 2), e)", in: s).contains("closed-form"))
        XCTAssertTrue(errorText("train(e, d, method: \"cd\")", in: s).contains("langevin-ml"))
        XCTAssertTrue(errorText("train(score_model(sigmas: [0.1]), d, method: \"ism\")", in: s).contains("unconditional"))
    }

    func testTrainingAndDerivationRunEndToEnd() {
        let s = Session()
        eval(s, "d = plane_data(\"ring\", n: 256, seed: 1)\ne = mlp_energy(dims: [2, 16, 1], seed: 1)")
        let history = eval(s, "train(e, d, method: \"langevin-ml\", iterations: 20, batch: 32, steps: 5, seed: 1)")
        XCTAssertTrue(history.contains("E(data)") && history.contains("from buffer"))
        XCTAssertEqual(eval(s, "e.buffer.count"), "640\n", "20 iterations × 32 chains went into the buffer")
        XCTAssertEqual(eval(s, "derive(gaussian(mean: [0, 0]), d, chains: 500, steps: 200, step_size: 0.1).ok"), "true\n")
        XCTAssertTrue(eval(s, "derive(e, d, chains: 50, steps: 20)").contains("negative phase"))
        eval(s, "sm = score_model(hidden: [16], sigmas: ladder(1, 0.1, 3), seed: 1)")
        XCTAssertTrue(eval(s, "train(sm, d, method: \"dsm\", iterations: 20, batch: 32)").contains("denoising loss"))
        XCTAssertEqual(eval(s, "annealed_langevin(sm, chains: 10, steps: 5).chains"), "10\n")
    }

    func testImageShapedChainsDrawAsGrids() {
        let s = Session()
        eval(s, "d = dataset(rand([8, 16]), height: 4, width: 4)\nsmall = downsample(d, factor: 2)")
        XCTAssertEqual(eval(s, "small.x.shape"), "[8, 4]\n")
        XCTAssertEqual(eval(s, "abs(small.x[0, 3] - (d.x[0, 10] + d.x[0, 11] + d.x[0, 14] + d.x[0, 15]) / 4) < 1e-6"), "true\n")
        eval(s, "e = mlp_energy(dims: [4, 8, 1], seed: 1)\nc = langevin(e, chains: 8, steps: 3, init: small)")
        XCTAssertTrue(eval(s, "c.samples").contains("images 2×2"))
        XCTAssertTrue(errorText("downsample(small, factor: 3)", in: s).contains("divide"))
    }
}
