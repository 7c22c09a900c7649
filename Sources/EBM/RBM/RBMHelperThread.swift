import Glibc
import Synchronization

/// One extra thread that runs the second half of every phase of the trainer's hot loop while the
/// calling thread runs the first half. A phase takes tens to hundreds of microseconds and a
/// minibatch has about six of them, so handing work over must cost far less than a
/// `DispatchQueue.concurrentPerform` (several microseconds): the helper spins on an atomic
/// counter for new work, yields the CPU when other threads want it, and sleeps on a condition
/// variable once idle for a while (e.g. while the monitors run between epochs).
final class RBMHelperThread {
    /// Where a layer of `units` output columns splits into the two halves (half 0 takes
    /// 0..<split): the middle rounded to a multiple of 64 units, so that sgemm's register tiles
    /// (16 wide in OpenBLAS's SkylakeX kernels, 4 or 8 in others) fall as in the whole product.
    /// (Splitting 500 hidden units 248/252 and 784 visible 392/392 instead, to even out the two
    /// threads, measured 10–25% slower: the halves' products then end in partial tiles.)
    static func split(_ units: Int) -> Int { (units / 2 + 32) / 64 * 64 }

    /// Generation of the last posted job; the helper runs one job per increment.
    private let posted = Atomic<Int>(0)
    /// Generation of the last finished job.
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var thread = pthread_t()
    private var generation = 0
    /// What the helper runs, with the job code of the current post.
    private let work: (Int) -> Void
    /// Written before `posted` is released, read after it is acquired.
    private var job = 0

    /// Busy-wait iterations before yielding the CPU (a few microseconds), and before sleeping
    /// (a few hundred microseconds more of yielding).
    private static let spinsBeforeYield = 2000
    private static let spinsBeforeSleep = spinsBeforeYield + 500

    /// Starts the thread; `work(job)` runs on it for every `run(job:alongside:)`.
    init(work: @escaping (Int) -> Void) {
        self.work = work
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        let started = pthread_create(&thread, nil, { arg in
            Unmanaged<RBMHelperThread>.fromOpaque(arg!).takeUnretainedValue().loop()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque())
        precondition(started == 0, "could not start the trainer's helper thread")
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        post(job: 0)
        pthread_join(thread, nil)
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `work(job)` on the helper and `mine()` on the calling thread, and returns when both
    /// have finished.
    func run(job: Int, alongside mine: () -> Void) {
        post(job: job)
        mine()
        var spins = 0
        while finished.load(ordering: .acquiring) != generation {
            spins += 1
            if spins > Self.spinsBeforeYield { sched_yield() }
        }
    }

    private func post(job: Int) {
        self.job = job
        generation += 1
        posted.store(generation, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(mutex)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > Self.spinsBeforeSleep {
                    pthread_mutex_lock(mutex)
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    while posted.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(condition, mutex) }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                } else if spins > Self.spinsBeforeYield {
                    sched_yield()
                }
            }
            seen = posted.load(ordering: .acquiring)
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            work(job)
            finished.store(seen, ordering: .releasing)
        }
    }
}
