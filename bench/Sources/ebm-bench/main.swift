// The measurements behind bench/run, printed as `key value` lines: the BLAS in use, cblas_sgemm
// rates, and one CD-1 epoch on Fashion-MNIST (60,000 × 784 binarized at 0.5, 500 hidden units,
// batch 100, learning rate 0.1) with its seconds, peak memory and pseudo-log-likelihood. The
// trained weights go to the folder given as the first argument (W.npy, b.npy, c.npy) so that
// bench/peers.py scores them with exactly the estimator it uses for scikit-learn. Then AIS on the
// trained RBM (100 runs × 10,000 temperatures) with its seconds and GEMM bound.
import EBM
import EBMIO
import Foundation

BLASCoreSelection.reexecIfNeeded()

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func report(_ key: String, _ value: Any) { print(key, value); fflush(stdout) }

/// CPU seconds of this process so far (all threads, user and system): on a shared machine the
/// CPU time of a piece of work depends much less on the load than its wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

let outputFolder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "bench-output"
/// "all", "continuous" (Langevin, DSM and langevin-ml only) or "rbm" (the RBM epoch, AIS and DBN only).
let mode = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "all"
let folder = "/usr/share/datasets/fashion-mnist"
let (n, D, H, batch) = (60_000, 784, 500, 100)

report("blas_core", BLAS.coreName)
report("blas_threads", BLAS.threads)

// The five GEMMs of a CD-1 minibatch (B = batch): X Wᵀ (B×D·D×H) for the positive hiddens,
// H W (B×H·H×D) for the reconstruction, X̃ Wᵀ again for the negative hiddens, and the two
// gradient products Hᵀ X (H×B·B×D). Each is 2·B·D·H flops.
let flopsPerEpoch = 5.0 * 2 * Double(n) * Double(D) * Double(H)
let rates = [
    BLAS.measureSGEMM(m: 2000, n: 2000, k: 2000, repeats: 5),
    BLAS.measureSGEMM(m: batch, n: H, k: D, repeats: 50),
    BLAS.measureSGEMM(m: batch, n: D, k: H, repeats: 50),
    BLAS.measureSGEMM(m: H, n: D, k: batch, repeats: 50),
]
report("sgemm_2000_gflops", rates[0])
report("sgemm_epoch_shapes_gflops", rates[1...].map { String(format: "%.1f", $0) }.joined(separator: ","))
let bestRate = rates.max() ?? 1
report("epoch_gflop", flopsPerEpoch / 1e9)
report("gemm_bound_seconds", flopsPerEpoch / (bestRate * 1e9))
// The same five products at the epoch's own shapes, as they run inside an epoch.
// Per minibatch: X Wᵀ twice (positive and negative hiddens), H W once, Hᵀ X twice.
let flopsPerProduct = 2 * Double(batch * D * H) / 1e9
let shapeSeconds = flopsPerProduct * (2 / rates[1] + 1 / rates[2] + 2 / rates[3]) * Double(n / batch)
report("gemm_epoch_shapes_seconds", shapeSeconds)

// Langevin steps per second (x ← x − (ε/2)∇ₓE + √ε z, all chains at once) on swish MLP energies:
// the 2-D energy of the notebooks (2 → 128 → 128 → 1) and an image-sized one (14 × 14 = 196 →
// 256 → 256 → 1), 1000 chains each; bench/peers.py times the same step in NumPy and PyTorch.
// Beside each: the flops of the step's products (forward X W₀ᵀ, A₁ W₁ᵀ, the output's dot
// products; backward through W₁ and W₀: 2 × chains × Σ multiply-adds), their lower bound at the
// best sgemm rate, and the time of the step's sgemm calls at their own shapes (best of 20, with
// OpenBLAS's own threads), the GEMMs each step needs.
for (name, dims) in [("2d", [2, 128, 128, 1]), ("image", [196, 256, 256, 1])] where mode != "rbm" {
    let energy = NeuralEnergy(dims: dims, activation: .swish, seed: 1)
    let chains = 1000
    var settings = LangevinSettings()
    settings.steps = name == "2d" ? 300 : 50
    settings.stepSize = 0.01
    settings.every = settings.steps
    let start = [Float](repeating: 0.1, count: chains * dims[0])
    _ = LangevinDynamics.run(energy, start: start, chains: chains, settings: { var w = settings; w.steps = 20; w.every = 20; return w }())
    // Best of 5 trials (as the peers): on a shared machine the best trial is the one that had the cores.
    var best = 0.0
    let cpu0 = cpuSeconds()
    for _ in 0..<5 {
        let t0 = ContinuousClock.now
        _ = LangevinDynamics.run(energy, start: start, chains: chains, settings: settings)
        best = max(best, Double(settings.steps) / seconds(ContinuousClock.now - t0))
    }
    report("langevin_\(name)_steps_per_second", best)
    report("langevin_\(name)_cpu_ms_per_step", (cpuSeconds() - cpu0) / Double(5 * settings.steps) * 1e3)
    var multiplyAdds = 0
    for l in 0..<(dims.count - 1) { multiplyAdds += dims[l] * dims[l + 1] }
    for l in 0..<(dims.count - 2) { multiplyAdds += dims[l] * dims[l + 1] }
    let flops = 2 * Double(chains) * Double(multiplyAdds)
    report("langevin_\(name)_step_mflop", flops / 1e6)
    report("langevin_\(name)_gemm_bound_seconds", flops / (bestRate * 1e9))
    // The hidden layers' products, forward (n × in · in × out) and backward (n × out · out × in).
    var shapes: [(Int, Int, Int)] = []
    for l in 0..<(dims.count - 2) { shapes.append((chains, dims[l + 1], dims[l])); shapes.append((chains, dims[l], dims[l + 1])) }
    let gemmSeconds = shapes.reduce(0.0) { total, s in
        total + 2 * Double(s.0 * s.1 * s.2) / (BLAS.measureSGEMM(m: s.0, n: s.1, k: s.2, repeats: 20) * 1e9)
    }
    report("langevin_\(name)_gemm_shapes_seconds", gemmSeconds)
}

// One denoising-score-matching step (score model 3 → 128 → 128 → 2 on the ring, 10 noise
// levels, batch 128, Adam) and one langevin-ml iteration (energy 2 → 128 → 128 → 1, batch 128,
// 30 Langevin steps from the replay buffer, stacked phase gradients, Adam), the notebooks' sizes.
if mode != "rbm" {
    let ring = PlaneData.ring.sample(10_000, seed: 1)
    var model = ScoreModel(dimension: 2, hidden: [128, 128], sigmas: ScoreModel.geometricLadder(from: 2, to: 0.05, levels: 10), seed: 1)
    var options = ScoreMatchingOptions()
    options.batchSize = 128
    options.learningRate = 0.002
    options.iterations = 50
    var trainer = ScoreMatchingTrainer(options: options)
    _ = trainer.train(&model, on: ring, rows: 10_000)
    trainer.options.iterations = 200
    var bestDSM = Double.infinity
    for _ in 0..<5 {
        let t0 = ContinuousClock.now
        _ = trainer.train(&model, on: ring, rows: 10_000)
        bestDSM = min(bestDSM, seconds(ContinuousClock.now - t0) / 200)
    }
    report("dsm_step_seconds", bestDSM)

    var energy = NeuralEnergy(dims: [2, 128, 128, 1], activation: .swish, seed: 1)
    var ml = LangevinMaximumLikelihoodOptions()
    ml.batchSize = 128
    ml.langevinSteps = 30
    ml.stepSize = 0.005
    ml.learningRate = 0.002
    ml.iterations = 20
    var lml = LangevinMaximumLikelihood(options: ml)
    _ = lml.train(&energy, on: ring, rows: 10_000)
    lml.options.iterations = 40
    var bestML = Double.infinity
    for _ in 0..<5 {
        let t1 = ContinuousClock.now
        _ = lml.train(&energy, on: ring, rows: 10_000)
        bestML = min(bestML, seconds(ContinuousClock.now - t1) / 40)
    }
    report("langevin_ml_iteration_seconds", bestML)
}
report("ebm_threads", 2)
if mode == "continuous" { exit(0) }

guard FileManager.default.fileExists(atPath: "\(folder)/train-images-idx3-ubyte.gz") else {
    report("fashion_mnist_missing", 1)
    exit(0)
}
let train = try IDX.readImages(path: "\(folder)/train-images-idx3-ubyte.gz", binarizeThreshold: 0.5)
let test = try IDX.readImages(path: "\(folder)/t10k-images-idx3-ubyte.gz", binarizeThreshold: 0.5, limit: 10_000)

var rbm = RestrictedBoltzmannMachine(visible: D, hidden: H, seed: 0, initScale: 0.01)
var options = RBMTrainingOptions()
options.sampler = ContrastiveDivergence(k: 1)
options.learningRate = 0.1
options.batchSize = batch
options.epochs = 1
options.seed = 0
options.monitorRows = 1000
var trainer = RBMTrainer(options: options)
let start = ContinuousClock.now
let outcome = trainer.train(&rbm, on: train.examples)
let wall = seconds(ContinuousClock.now - start)
report("outcome", "\"\(outcome)\"")
report("ebm_epoch_seconds", trainer.history.values("seconds").last.flatMap { $0 } ?? wall)
report("ebm_epoch_wall_seconds", wall)

var usage = rusage()
getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
report("peak_memory_mib", Double(usage.ru_maxrss) / 1024)
report("data_memory_mib", Double((n + 10_000) * D * 4) / 1_048_576)

report("ebm_pll_own_estimate", rbm.pseudoLogLikelihood(test.examples, seed: 12345))
try NPY.write(rbm.weightMatrix, to: "\(outputFolder)/W.npy")
try NPY.write(Tensor(shape: [H], scalars: rbm.b), to: "\(outputFolder)/b.npy")
try NPY.write(Tensor(shape: [D], scalars: rbm.c), to: "\(outputFolder)/c.npy")

// AIS on the trained 784 × 500 RBM: 100 runs × 10,000 inverse temperatures, all runs advancing
// together (one batch of products per temperature), base rates from the test images.
let aisRuns = 100, aisTemperatures = 10_000
let aisStart = ContinuousClock.now, aisCPU = cpuSeconds()
if let ais = AnnealedImportanceSampling(runs: aisRuns, temperatures: aisTemperatures, seed: 1).estimate(rbm, data: test.examples) {
    let aisSeconds = seconds(ContinuousClock.now - aisStart)
    report("ais_seconds", aisSeconds)
    report("ais_cpu_seconds", cpuSeconds() - aisCPU)
    report("ais_runs", aisRuns)
    report("ais_temperatures", aisTemperatures)
    report("ais_log_z", ais.logZ)
    report("ais_test_loglik", ais.logLikelihood(rbm, data: test.examples))
    // Per temperature: the runs' hidden inputs (R×D·D×H) and visible inputs (R×H·H×D).
    let aisFlops = Double(aisTemperatures) * 2 * 2 * Double(aisRuns * D * H)
    report("ais_gemm_bound_seconds", aisFlops / (bestRate * 1e9))
    // The same two products at their own shapes (best of 20, OpenBLAS's own threads): what the
    // GEMMs alone take, so the rest of the AIS time is the element-wise work and the meetings.
    let hiddenRate = BLAS.measureSGEMM(m: aisRuns, n: H, k: D, repeats: 20)
    let visibleRate = BLAS.measureSGEMM(m: aisRuns, n: D, k: H, repeats: 20)
    report("ais_gemm_shapes_seconds", aisFlops / 2 * (1 / hiddenRate + 1 / visibleRate) / 1e9)
}

// EBM_BENCH_SKIP_DBN=1 stops here (quicker runs when comparing two builds' epoch and AIS).
if ProcessInfo.processInfo.environment["EBM_BENCH_SKIP_DBN"] != nil { exit(0) }
// Issue 11: a DBN layer's epoch against an RBM epoch of the same size. Greedy training runs the
// RBM trainer on the layer's input, so layer 1 (784 × 500 on the images) should take what the
// RBM epoch above took, and layer 2 (500 × 500 on q(h¹|x)) what a plain 500 × 500 RBM takes on
// the same input; the ratios should be within 10% of 1.
var greedyOptions = options
greedyOptions.monitorEvery = 1
var dbnNetwork = DeepBeliefNetwork(sizes: [D, H, H], seed: 0)
var greedy = GreedyLayerwiseTrainer(settings: GreedyLayerwiseSettings(perLayer: [greedyOptions]))
_ = greedy.train(&dbnNetwork, on: train.examples, shouldStop: { false }) { _ in }
let layerSeconds = greedy.history.values("seconds").compactMap { $0 }
var plain = RestrictedBoltzmannMachine(visible: H, hidden: H, seed: 1)
var plainTrainer = RBMTrainer(options: options)
_ = plainTrainer.train(&plain, on: dbnNetwork.features(train.examples, layer: 1))
let rbmSeconds = trainer.history.values("seconds").last.flatMap { $0 } ?? wall
let plainSeconds = plainTrainer.history.values("seconds").last.flatMap { $0 } ?? .nan
if layerSeconds.count == 2 {
    report("dbn_layer1_epoch_seconds", layerSeconds[0])
    report("dbn_layer1_over_rbm_epoch", layerSeconds[0] / rbmSeconds)
    report("dbn_layer2_epoch_seconds", layerSeconds[1])
    report("rbm_500x500_epoch_seconds", plainSeconds)
    report("dbn_layer2_over_rbm_epoch", layerSeconds[1] / plainSeconds)
}
