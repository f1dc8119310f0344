import Testing
import SimCore
@testable import ElsaModel

/// Small invocations whose every counter was derived by hand from `docs/model.md` (derivations inline).
@Suite struct PipelineHandCaseTests {
    static func parameters(pa: Int = 1, pc: Int = 1, h: Cycle = 1, d: Cycle = 1, q: Int = 4, latt: Cycle = 1,
                           acc: Int = 2, ii: Cycle = 1, lod: Cycle = 0, normRate: Int = 1, normLatency: Cycle = 0,
                           arbiter: ArbiterPolicy = .longestQueueFirst, mapping: BankMapping = .contiguous,
                           exact: Bool) -> TimingParameters {
        TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: h, selectorDepth: d, queueDepth: q,
                         attentionLatency: latt, accumulators: acc, outputDivisionCycles: ii, outputDivisionLatency: lod,
                         normKeysPerCycle: normRate, normLatency: normLatency, arbiter: arbiter, bankMapping: mapping,
                         exact: exact)
    }

    /// n = 1, exact: key read at 0, visible at 1, issued at 1; the module leaves query 0 at 2, PA = 2,
    /// OD at 2, T = 2 + II + L_od = 3.
    @Test func singleKeyExact() {
        let timing = ElsaPipeline.simulate(parameters: Self.parameters(exact: true),
                                           selection: .all(keys: 1, visible: [1]))
        #expect(timing.totalCycles == 3)
        #expect(timing.preprocessingCycles == 0)
        #expect(timing.selectors == [UnitActivity(busy: 1, idle: 2)])
        #expect(timing.attention == [UnitActivity(busy: 1, starved: 1, idle: 1)])
        #expect(timing.outputDivision == UnitActivity(busy: 1, starved: 2))
        #expect(timing.hash == UnitActivity(idle: 3))
        #expect(timing.queues[0] == OccupancyStats(maximum: 1, cycleSum: 1))
    }

    /// n = 2, exact, Pc = 2, D = 3, L_att = 4: reads at 0 (q0) and 1 (q1); issues at 3, 4 (q0) and 5, 6
    /// (q1, LQF ties → selector 0 first); W(0) = 5, PA(0) = max(5, 4 + 4) = 8; W(1) = 7,
    /// PA(1) = max(7, 6 + 4) = 10; OD_0 = 8, OD_1 = max(10, 9) = 10; T = 11.
    /// Queue 0 reserved slots at the end of cycles 0…5: 1 2 2 1 1 0; queue 1: 1 2 2 2 1 1 0.
    @Test func twoQueriesTwoSelectorsExact() {
        let timing = ElsaPipeline.simulate(parameters: Self.parameters(pc: 2, d: 3, latt: 4, exact: true),
                                           selection: .all(keys: 2, visible: [2, 2]))
        #expect(timing.totalCycles == 11)
        #expect(timing.selectors == [UnitActivity(busy: 2, idle: 9), UnitActivity(busy: 2, idle: 9)])
        #expect(timing.attention == [UnitActivity(busy: 4, starved: 3, idle: 4)])
        #expect(timing.outputDivision == UnitActivity(busy: 2, starved: 9))
        #expect(timing.queues == [OccupancyStats(maximum: 2, cycleSum: 7), OccupancyStats(maximum: 2, cycleSum: 9)])
    }

    /// Approximate, n = 2, H = 2, Q = 1, D = 1; q0 selects key 0, q1 selects keys 0 and 1.
    /// P = max(2·3, 2 + 0) = 6. q0: key 0 read at 6 (visible 7, issued 7), key 1 read at 7 (not selected).
    /// Ready at 8 (W(0) = 8 = PA(0)); hash of q1 ready at 6 + 2 = 8 → S_1 = 8, OD_0 = 8.
    /// q1: key 0 read at 8, issued 9; key 1 read at 9 (the pop at 9 freed the slot), issued 10;
    /// W(1) = 11, PA(1) = 11, OD_1 = 11, T = 12.
    @Test func approximateWithHashBarrierAndQueueDepthOne() {
        var selection = SelectionMatrix(keys: 2, visible: [2, 2])
        selection.set(query: 0, key: 0)
        selection.set(query: 1, key: 0)
        selection.set(query: 1, key: 1)
        let timing = ElsaPipeline.simulate(parameters: Self.parameters(h: 2, q: 1, exact: false), selection: selection)
        #expect(timing.preprocessingCycles == 6)
        #expect(timing.totalCycles == 12)
        #expect(timing.hash == UnitActivity(busy: 8, idle: 4))
        #expect(timing.norm == UnitActivity(busy: 2, idle: 10))
        #expect(timing.selectors == [UnitActivity(busy: 4, idle: 8)])
        #expect(timing.attention == [UnitActivity(busy: 3, starved: 2, idle: 7)])
        #expect(timing.outputDivision == UnitActivity(busy: 2, starved: 4, idle: 6))
        #expect(timing.isConserved)
    }
}
