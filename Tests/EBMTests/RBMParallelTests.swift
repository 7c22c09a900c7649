import XCTest
@testable import EBM

/// The trainer splits every phase of an update into two halves (by hidden units, visible units or
/// chains) that may run on two threads. These machines are large enough for both halves to get
/// work (130 hidden units split at 64, 200 visible units at 128), unlike the tiny ones of the
/// other training tests.
final class RBMParallelTests: XCTestCase {
    static let (D, H) = (200, 130)

    static func options(_ sampler: any NegativePhaseSampler, batchSize: Int) -> RBMTrainingOptions {
        var o = RBMTrainingOptions()
        o.sampler = sampler
        o.learningRate = 0.1
        o.momentum = 0.5
        o.weightDecay = 0.01
        o.batchSize = batchSize
        o.epochs = 3
        o.seed = 7
        o.monitorRows = 16
        return o
    }

    /// Two threads, one thread: the same machine, monitors, chains and velocities, bit for bit.
    func testTwoThreadsGiveExactlyTheSequentialResult() {
        let data = RBMFixtures.data(rows: 45, visible: Self.D, seed: 3)   // batches of 20, 20, 5
        for sampler: any NegativePhaseSampler in [ContrastiveDivergence(k: 1), ContrastiveDivergence(k: 2),
                                                  PersistentContrastiveDivergence(k: 1)] {
            func run(_ parallelism: RBMParallelism) -> (RestrictedBoltzmannMachine, TrainingHistory, RestrictedBoltzmannMachine) {
                var rbm = RBMFixtures.machine(visible: Self.D, hidden: Self.H, seed: 5, scale: 0.1)
                var trainer = RBMTrainer(options: Self.options(sampler, batchSize: 20))
                trainer.parallelism = parallelism
                _ = trainer.train(&rbm, on: data)
                let first = rbm
                trainer.options.epochs = 2   // the carried-over chains, streams and velocities too
                _ = trainer.train(&rbm, on: data)
                return (first, trainer.history, rbm)
            }
            let one = run(.sequential), two = run(.twoThreads)
            XCTAssertEqual(one.0, two.0, "\(sampler)")
            XCTAssertEqual(one.2, two.2, "\(sampler)")
            XCTAssertEqual(one.1.values("pll"), two.1.values("pll"), "\(sampler)")
            XCTAssertEqual(one.1.values("recon"), two.1.values("recon"), "\(sampler)")
        }
    }

    /// One CD-1 update of the split workspace against the same steps done with whole products
    /// (the public conditionals, one sgemm each) and the same streams, and the update in float64.
    /// An odd batch puts an unpaired row in the second half of the sampling.
    func testOneSplitUpdateMatchesWholeProducts() throws {
        let (D, H, n) = (Self.D, Self.H, 7)
        let rbm0 = RBMFixtures.machine(visible: D, hidden: H, seed: 11, scale: 0.2)
        let data = RBMFixtures.data(rows: 30, visible: D, seed: 12)
        let order = [29, 3, 17, 8, 0, 22, 5, 9]   // uses order[1...7]
        let streams = (0..<n).map { Xoshiro256StarStar.stream(seed: 13, index: UInt64($0)) }
        let x = Tensor(shape: [n, D], scalars: order[1...].flatMap { Array(data.scalars[($0 * D)..<($0 * D + D)]) })

        // Reference: whole products, sampled from the same streams in the same order.
        var gens = streams
        func sample(_ p: Tensor) -> Tensor {
            var out = Tensor(shape: p.shape)
            p.scalars.withUnsafeBufferPointer { pp in out.scalars.withUnsafeMutableBufferPointer { op in gens.withUnsafeMutableBufferPointer { g in
                ElementwiseKernels.sampleBernoulli(probabilities: pp.baseAddress!, into: op.baseAddress!, rows: n,
                                                   columns: p.shape[1], generators: g.baseAddress!)
            } } }
            return out
        }
        let pPos = rbm0.hiddenProbabilities(x)
        let xNeg = sample(rbm0.visibleProbabilities(sample(pPos)))
        let pNeg = rbm0.hiddenProbabilities(xNeg)
        let rate = 0.1
        var W = rbm0.W.map(Double.init), b = rbm0.b.map(Double.init), c = rbm0.c.map(Double.init)
        for r in 0..<n {
            for j in 0..<H {
                let (hp, hn) = (Double(pPos.scalars[r * H + j]), Double(pNeg.scalars[r * H + j]))
                for i in 0..<D {
                    W[j * D + i] += rate / Double(n) * (hp * Double(x.scalars[r * D + i]) - hn * Double(xNeg.scalars[r * D + i]))
                }
                b[j] += rate / Double(n) * (hp - hn)
            }
            for i in 0..<D { c[i] += rate / Double(n) * Double(x.scalars[r * D + i] - xNeg.scalars[r * D + i]) }
        }

        for parallelism in [RBMParallelism.sequential, .twoThreads] {
            let ws = RBMWorkspace(rbm0, maxBatch: 10, generators: streams + (n..<10).map { _ in Xoshiro256StarStar(seed: 1) },
                                  parallelism: parallelism)
            let ok = data.scalars.withUnsafeBufferPointer { d in
                order.withUnsafeBufferPointer { o in
                    ws.update(data: d.baseAddress!, order: o.baseAddress!, range: 1..<8, sampler: ContrastiveDivergence(k: 1),
                              learningRate: Float(rate), momentum: 0, weightDecay: 0)
                }
            }
            XCTAssertTrue(ok)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: ws.X + n * D, count: n * D)), xNeg.scalars, "x̃, \(parallelism)")
            XCTAssertEqual(ws.currentGenerators.prefix(n).map { var g = $0; return g.next() }, gens.map { var g = $0; return g.next() })
            let m = ws.machine
            for k in W.indices { XCTAssertEqual(Double(m.W[k]), W[k], accuracy: 1e-6, "W[\(k)], \(parallelism)") }
            for j in b.indices { XCTAssertEqual(Double(m.b[j]), b[j], accuracy: 1e-6, "b[\(j)], \(parallelism)") }
            for i in c.indices { XCTAssertEqual(Double(m.c[i]), c[i], accuracy: 1e-6, "c[\(i)], \(parallelism)") }
        }
    }

    /// The helper thread starts and stops with each workspace (one per `train` call) and sleeps in
    /// between; many short calls must neither hang nor leak threads.
    func testManyShortTrainCallsWithTwoThreads() {
        var rbm = RBMFixtures.machine(visible: Self.D, hidden: Self.H, seed: 5, scale: 0.1)
        let data = RBMFixtures.data(rows: 8, visible: Self.D, seed: 3)
        var o = Self.options(ContrastiveDivergence(k: 1), batchSize: 4)
        o.epochs = 1
        var trainer = RBMTrainer(options: o)
        trainer.parallelism = .twoThreads
        for call in 1...200 { XCTAssertEqual(trainer.train(&rbm, on: data), .completed(step: call)) }
    }
}
