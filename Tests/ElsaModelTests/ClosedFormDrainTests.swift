import Testing
import SimCore
import Workload
@testable import ElsaModel

/// The key bank's closed-form drains (`KeyBank.drainInClosedForm`, `docs/model.md` §11): a bank
/// that is ready and waits for the next query start, with every entry visible and of its current query,
/// jumps over the cycles in which only its module acts. The expectation is the same engine with the
/// closed form off, which simulates those cycles one by one (and is itself checked against the
/// cycle-stepped reference by the equivalence suite): every `HeadTiming` field — the per-queue
/// slot-cycle sums, which depend on the order of the pops, included — must agree.
@Suite struct ClosedFormDrainTests {
    /// Seeded random heads of every shape the equivalence suite draws: equal with and without, and the
    /// closed form covers cycles on many of them (longest-queue-first, `Pc ≤ 8`).
    @Test func randomHeadsAgreeWithAndWithoutTheClosedForm() {
        var fired = 0, eligible = 0
        for seed in UInt64(0) ..< 600 {
            let c = RandomTimingCase(seed: seed)
            let fast = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection, closedFormDrains: true)
            let plain = ElsaPipeline.simulate(parameters: c.parameters, selection: c.selection, closedFormDrains: false)
            #expect(fast.timing == plain.timing, "seed \(seed)")
            #expect(plain.drainedCycles == 0)
            if c.parameters.arbiter == .longestQueueFirst && c.parameters.selectorsPerModule <= 8 { eligible += 1 }
            if fast.drainedCycles > 0 { fired += 1 }
        }
        #expect(fired > eligible / 4, "closed-form drains on \(fired) of \(eligible) eligible heads")
    }

    /// The paper's bank shape with a slow output division (`II = 16`, two accumulators): the gate is
    /// often closed when a bank starts to wait, so drains start with blocked cycles; queues of 1 … 6
    /// slots give pops on several levels with ties between lanes. Equal with and without, and the
    /// closed form covers a large share of the cycles.
    @Test func drainsBehindAClosedGateAgree() {
        var rng = SeededGenerator(seed: 41)
        for queue in 1 ... 6 {
            let p = TimingParameters(attentionModules: 4, selectorsPerModule: 8, hashCycles: 1, selectorDepth: 3,
                                     queueDepth: queue, attentionLatency: 4, accumulators: 2, outputDivisionCycles: 16,
                                     outputDivisionLatency: 2, normKeysPerCycle: 1, normLatency: 0,
                                     arbiter: .longestQueueFirst, bankMapping: .contiguous, exact: false)
            let n = 256
            var m = SelectionMatrix(queries: n, keys: n, visible: ContiguousArray(repeating: n, count: n))
            for i in 0 ..< n { for j in 0 ..< n where Double.random(in: 0 ..< 1, using: &rng) < 0.3 { m.set(query: i, key: j) } }
            let fast = ElsaPipeline.simulate(parameters: p, selection: m, closedFormDrains: true)
            let plain = ElsaPipeline.simulate(parameters: p, selection: m, closedFormDrains: false)
            #expect(fast.timing == plain.timing, "Q = \(queue)")
            #expect(fast.drainedCycles * 20 > Int(fast.timing.totalCycles), "Q = \(queue): \(fast.drainedCycles) of \(fast.timing.totalCycles) cycles")
        }
    }
}
