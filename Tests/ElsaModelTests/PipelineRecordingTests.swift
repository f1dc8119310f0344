import Testing
import SimCore
@testable import ElsaModel

/// The optional interval recorder: hand-derived intervals for a small case, and on seeded random
/// selections the recorded intervals add up to the pipeline's busy/blocked counters while the timing
/// stays exactly what `simulate` returns.
@Suite struct PipelineRecordingTests {
    /// The approximate hand case of `PipelineHandCaseTests` (n = 2, H = 2, Q = 1, D = 1, L_att = 1,
    /// II = 1): P = 6; hash keys [0, 4), query 0 [4, 6), query 1 [6, 8) (S_0 = 6); norm [0, 2);
    /// selector reads q0 at 6, 7 and q1 at 8, 9; issues q0 at 7, q1 at 9 and 10; OD_0 = 8, OD_1 = 11.
    /// Queue (Q = 1): key 0 reserved at the end of 6, popped at 7 (key 1 of q0 is not selected);
    /// q1's key 0 reserved at 8, popped at 9 while key 1 takes the slot, popped at 10.
    @Test func handCaseIntervals() {
        var selection = SelectionMatrix(keys: 2, visible: [2, 2])
        selection.set(query: 0, key: 0)
        selection.set(query: 1, key: 0)
        selection.set(query: 1, key: 1)
        let parameters = PipelineHandCaseTests.parameters(h: 2, q: 1, exact: false)
        let (timing, recording) = ElsaPipeline.simulateRecording(parameters: parameters, selection: selection)
        #expect(timing == ElsaPipeline.simulate(parameters: parameters, selection: selection))
        let sel = PipelineUnit.selector(bank: 0, index: 0), att = PipelineUnit.attention(bank: 0)
        let expected: [PipelineInterval] = [
            .init(unit: .hash, state: .busy, query: -1, start: 0, end: 4),
            .init(unit: .norm, state: .busy, query: -1, start: 0, end: 2),
            .init(unit: .hash, state: .busy, query: 0, start: 4, end: 6),
            .init(unit: .hash, state: .busy, query: 1, start: 6, end: 8),
            .init(unit: sel, state: .busy, query: 0, start: 6, end: 8),
            .init(unit: att, state: .busy, query: 0, start: 7, end: 8),
            .init(unit: sel, state: .busy, query: 1, start: 8, end: 10),
            .init(unit: .outputDivision, state: .busy, query: 0, start: 8, end: 9),
            .init(unit: att, state: .busy, query: 1, start: 9, end: 11),
            .init(unit: .outputDivision, state: .busy, query: 1, start: 11, end: 12),
        ]
        #expect(recording.intervals == expected)   // sorted by (start, unit: hash, norm, selectors, attention, OD)
        #expect(recording.queueLevels == [
            QueueLevelChange(bank: 0, selector: 0, cycle: 6, level: 1),
            QueueLevelChange(bank: 0, selector: 0, cycle: 7, level: 0),
            QueueLevelChange(bank: 0, selector: 0, cycle: 8, level: 1),
            QueueLevelChange(bank: 0, selector: 0, cycle: 10, level: 0),
        ])
        #expect(recording.queryStarts == [6, 8])
        #expect(recording.outputDivisionStarts == [8, 11])
    }

    /// A seeded random selection: each pair selected with probability `density`.
    static func randomSelection(keys: Int, causal: Bool, density: Double, seed: UInt64) -> SelectionMatrix {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let visible = ContiguousArray((0 ..< keys).map { causal ? $0 + 1 : keys })
        var m = SelectionMatrix(keys: keys, visible: visible)
        for i in 0 ..< keys { for j in 0 ..< visible[i] where next() < density { m.set(query: i, key: j) } }
        return m
    }

    struct Case: CustomStringConvertible, Sendable {
        var pa: Int, pc: Int, h: Cycle, q: Int, acc: Int, ii: Cycle, density: Double, causal: Bool, exact: Bool
        var mapping: BankMapping = .contiguous
        /// The assumption switches: barrier between queries; pipelined preprocessing with M_h = 2H − 1, m_h = 2.
        var barrier = false
        var pipelined = false
        var description: String { "Pa=\(pa) Pc=\(pc) H=\(h) Q=\(q) B=\(acc) II=\(ii) density=\(density) causal=\(causal) exact=\(exact) barrier=\(barrier) pipelined=\(pipelined)" }
    }

    static let cases: [Case] = [
        Case(pa: 1, pc: 1, h: 1, q: 1, acc: 2, ii: 1, density: 0.5, causal: false, exact: false),
        Case(pa: 2, pc: 3, h: 3, q: 2, acc: 2, ii: 4, density: 0.3, causal: true, exact: false),
        Case(pa: 4, pc: 8, h: 3, q: 4, acc: 2, ii: 4, density: 0.15, causal: false, exact: false),
        Case(pa: 3, pc: 2, h: 1, q: 1, acc: 3, ii: 9, density: 0.8, causal: false, exact: false, mapping: .interleaved),
        Case(pa: 2, pc: 4, h: 3, q: 4, acc: 2, ii: 2, density: 1, causal: false, exact: true),
        Case(pa: 2, pc: 3, h: 3, q: 2, acc: 2, ii: 4, density: 0.3, causal: true, exact: false, barrier: true, pipelined: true),
    ]

    /// Σ recorded busy (blocked) cycles of every instance equal its `UnitActivity.busy` (`.blocked`);
    /// each instance's intervals are disjoint and inside `[0, T)`; the timing equals `simulate`'s.
    @Test(arguments: cases)
    func intervalsSumToCounters(_ c: Case) {
        var parameters = PipelineHandCaseTests.parameters(pa: c.pa, pc: c.pc, h: c.h, d: 3, q: c.q, latt: 4, acc: c.acc,
                                                          ii: c.ii, lod: 2, normRate: c.pa, normLatency: 2,
                                                          mapping: c.mapping, exact: c.exact)
        if c.barrier { parameters.queryOverlap = .barrier }
        if c.pipelined {
            parameters.hashPreprocessing = .pipelined
            parameters.hashMultipliers = 2
            parameters.hashMultiplies = 2 * Int(c.h) - 1
        }
        let selection = c.exact
            ? SelectionMatrix.all(keys: 40, visible: ContiguousArray(repeating: 40, count: 40))
            : Self.randomSelection(keys: 40, causal: c.causal, density: c.density, seed: UInt64(c.pa * 100 + c.pc))
        let (timing, recording) = ElsaPipeline.simulateRecording(parameters: parameters, selection: selection)
        #expect(timing == ElsaPipeline.simulate(parameters: parameters, selection: selection))

        var units: [(PipelineUnit, UnitActivity)] = [(.hash, timing.hash), (.norm, timing.norm),
                                                     (.outputDivision, timing.outputDivision)]
        for b in 0 ..< c.pa {
            units.append((.attention(bank: b), timing.attention[b]))
            for s in 0 ..< c.pc { units.append((.selector(bank: b, index: s), timing.selectors[b * c.pc + s])) }
        }
        for (unit, activity) in units {
            #expect(recording.cycles(of: unit, .busy) == activity.busy, "\(unit) busy")
            #expect(recording.cycles(of: unit, .blocked) == activity.blocked, "\(unit) blocked")
            let mine = recording.intervals.filter { $0.unit == unit }.sorted { $0.start < $1.start }
            for (a, b) in zip(mine, mine.dropFirst()) { #expect(a.end <= b.start, "\(unit) overlaps at \(b.start)") }
            #expect(mine.allSatisfy { $0.start >= 0 && $0.end <= timing.totalCycles && $0.start < $0.end })
        }
        // Queue samples replay to the same maximum and time-weighted sum as the counters.
        for b in 0 ..< c.pa {
            for s in 0 ..< c.pc {
                let changes = recording.queueLevels.filter { $0.bank == b && $0.selector == s }
                var level = 0, previous = timing.preprocessingCycles, sum: Int64 = 0, maximum = 0
                for change in changes {
                    sum += Int64(level) * (change.cycle - previous)
                    level = change.level
                    previous = change.cycle
                    maximum = max(maximum, level)
                }
                sum += Int64(level) * (timing.totalCycles - previous)
                #expect(OccupancyStats(maximum: maximum, cycleSum: sum) == timing.queues[b * c.pc + s], "queue b\(b).s\(s)")
            }
        }
    }
}

/// ELSA IV-D's per-query bound and limiter attribution, derived by hand.
@Suite struct SteadyStateBoundTests {
    /// n = 4, Pa = 2 (contiguous: keys 0,1 in bank 0; 2,3 in bank 1), Pc = 1, H = 3, II = 2.
    /// Selections: q0 {0,1,2} → c = max(2,1) = 2; scan = 2 → max(3,2,2,2) = 3 (hash).
    /// q1 {} → max(3,2,0,2) = 3 (hash). q2 {0,1,2,3} → 2 → 3 (hash). q3 {3} → 3 (hash). So 12 cycles,
    /// all four queries hash-limited.
    /// With H = 1: q0 max(1,2,2,2) = 2 tied three ways (scan, attention, OD); q1 max(1,2,0,2) = 2 tied
    /// (scan, OD); q2 ties three ways; q3 {3} → max(1,2,1,2) tied (scan, OD). Σ = 8;
    /// scan = 1/3 + 1/2 + 1/3 + 1/2 = 5/3, attention = 2/3, OD = 5/3.
    @Test func handCase() {
        var selection = SelectionMatrix(keys: 4, visible: [4, 4, 4, 4])
        for j in [0, 1, 2] { selection.set(query: 0, key: j) }
        for j in [0, 1, 2, 3] { selection.set(query: 2, key: j) }
        selection.set(query: 3, key: 3)
        let slowHash = SteadyStateBound(parameters: PipelineHandCaseTests.parameters(pa: 2, pc: 1, h: 3, ii: 2, exact: false),
                                        selection: selection)
        #expect(slowHash == SteadyStateBound(cycles: 12, hash: 4))
        let fastHash = SteadyStateBound(parameters: PipelineHandCaseTests.parameters(pa: 2, pc: 1, h: 1, ii: 2, exact: false),
                                        selection: selection)
        #expect(fastHash.cycles == 8)
        #expect(abs(fastHash.candidateSelection - 5.0 / 3) < 1e-12 && abs(fastHash.attention - 2.0 / 3) < 1e-12)
        #expect(abs(fastHash.outputDivision - 5.0 / 3) < 1e-12 && fastHash.hash == 0 && abs(fastHash.queries - 4) < 1e-12)
    }

    /// Exact mode, causal n = 8, Pa = 1, Pc = 2, II = 1: query i sees i+1 keys, all selected:
    /// max(⌈(i+1)/2⌉, i+1, 1) = i + 1 (attention; ties only at i = 0 where 1 = 1 = 1 three ways).
    @Test func exactCausalIsAttentionBound() {
        let visible = ContiguousArray((1 ... 8).map { $0 })
        let bound = SteadyStateBound(parameters: PipelineHandCaseTests.parameters(pc: 2, exact: true),
                                     selection: .all(keys: 8, visible: visible))
        #expect(bound.cycles == 36)
        #expect(abs(bound.attention - (7 + 1.0 / 3)) < 1e-12 && bound.hash == 0)
    }
}
