import Testing
import Foundation
import Workload
@testable import ElsaModel

/// Issue 13 part 5: `run` printed "2/8" before "1/8": the head count was taken under the counter's lock
/// but reported after it, so a slow report of 1 could land after a fast report of 2. Reports now come
/// one at a time in increasing order.
@Suite struct ProgressOrderTests {
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [Int] = []
        func record(_ n: Int) { lock.withLock { seen.append(n) } }
        var counts: [Int] { lock.withLock { seen } }
    }

    /// The report of the first finished head is slow (it sleeps before recording, as a terminal write
    /// can stall); the other heads finish meanwhile on other threads. The sink must still see 1…8.
    @Test func headCountsArriveInIncreasingOrder() throws {
        var config = ElsaConfig()
        config.approximation.mode = .exact
        let trace = SyntheticTraceGenerator(layers: 1, heads: 8, n: 16, headDim: 64, seed: 3).generate()
        let sink = Sink()
        _ = try ElsaSimulation.run(trace: trace, traceName: "t", model: try ElsaFunctionalModel(config: config), threads: 4,
                                   quality: false) { done, total in
            #expect(total == 8)
            if done == 1 { usleep(200_000) }
            sink.record(done)
        }
        #expect(sink.counts == Array(1 ... 8))
    }

    /// `ProgressCounter.increment(reporting:)` under contention: every count once, in order.
    @Test func counterReportsInOrder() {
        let counter = ProgressCounter()
        let sink = Sink()
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            counter.increment { n in
                if n == 1 { usleep(50_000) }
                sink.record(n)
            }
        }
        #expect(sink.counts == Array(1 ... 64))
    }
}
