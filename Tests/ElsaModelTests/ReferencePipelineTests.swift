import Testing
import SimCore
import Workload
@testable import ElsaModel

// Hand-derived checks of the cycle-stepped reference model against docs/model.md. Every expected
// value below was derived on paper from the spec, cycle by cycle; the derivation is in the comment
// above each test. Notation: "t: …" lists what happens in cycle t in rule order (1 query start,
// 2 bank leave/issue, 3 selector reads, 4 output division, 5 hash). "qXkY" is the entry of query X
// for key Y; "vis" is the cycle it becomes visible (read + D).

/// Parameters with the unused constants set to harmless values.
private func parameters(pa: Int = 1, pc: Int = 1, h: Cycle = 1, d: Cycle = 1, q: Int = 4, latt: Cycle = 1,
                        bacc: Int = 2, ii: Cycle = 1, lod: Cycle = 0, rNorm: Int = 1, lNorm: Cycle = 0,
                        arbiter: ArbiterPolicy = .longestQueueFirst, mapping: BankMapping = .contiguous,
                        exact: Bool) -> TimingParameters {
    TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: h, selectorDepth: d,
                     queueDepth: q, attentionLatency: latt, accumulators: bacc, outputDivisionCycles: ii,
                     outputDivisionLatency: lod, normKeysPerCycle: rNorm, normLatency: lNorm,
                     arbiter: arbiter, bankMapping: mapping, exact: exact)
}

/// A selection of `rows.count` queries with `rows[i]` selected.
private func selection(_ rows: [[Int]], causal: Bool = false) -> SelectionMatrix {
    let n = rows.count
    var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n }))
    for (i, row) in rows.enumerated() { for j in row { m.set(query: i, key: j) } }
    return m
}

private func all(_ n: Int, causal: Bool = false) -> SelectionMatrix {
    SelectionMatrix.all(keys: n, visible: ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n }))
}

private func activity(_ busy: Cycle, _ blocked: Cycle, _ starved: Cycle, _ idle: Cycle) -> UnitActivity {
    UnitActivity(busy: busy, blocked: blocked, starved: starved, idle: idle)
}

@Suite struct ReferencePipelineTests {

    // n = 1, exact, Pa = Pc = 1, D = 1, L_att = 1, II = 1, L_od = 0. P = 0, S_0 = 0.
    // 0: selector reads k0 (vis 1), reserves a slot.
    // 1: bank: R(0,0) = 0 + D = 1 ≤ 1 but q0k0 is still queued → stays; issues q0k0 (0 < B_acc).
    // 2: bank leaves q0: W = max(P = 0, 1 + 1, 1) = 2; PA = max(1 + L_att, 2) = 2. OD_0 = 2.
    // T = OD_0 + II + L_od = 3.
    // Selector busy {0}, window [0, 0], idle 2. Attention busy {1}, window [0, 1]: starved {0}, idle {2}.
    // OD busy {2}, window [0, 2]: starved 2. Hash and norm idle throughout (exact).
    // Queue: 1 reserved at the end of cycle 0, then 0: max 1, sum 1.
    @Test func singleTokenExact() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(d: 1, q: 1, latt: 1, bacc: 1, ii: 1, lod: 0, exact: true), selection: all(1))
        #expect(timing.totalCycles == 3)
        #expect(timing.preprocessingCycles == 0)
        #expect(timing.executionCycles == 3)
        #expect(timing.hash == activity(0, 0, 0, 3))
        #expect(timing.norm == activity(0, 0, 0, 3))
        #expect(timing.selectors == [activity(1, 0, 0, 2)])
        #expect(timing.attention == [activity(1, 0, 1, 1)])
        #expect(timing.outputDivision == activity(1, 0, 2, 0))
        #expect(timing.queues == [OccupancyStats(maximum: 1, cycleSum: 1)])
        #expect(trace == ReferenceTrace(starts: [0], scanEnds: [0], leaves: [[2]], partials: [[2]], divisionStarts: [2]))
    }

    // n = 2 non-causal exact, Pa = 1, Pc = 2, D = 3, Q = 4, L_att = 2, B_acc = 2, II = 1, L_od = 1.
    // Bank 0 = keys 0, 1; selector 0 reads key 0, selector 1 key 1 (one key per list).
    // 0: S_0 = 0. s0 reads k0, s1 reads k1 (vis 3). E_0 = 0.
    // 1: S_1 = 1 (E_0 < 1, W(−1) = P). Reads q1k0, q1k1 (vis 4). E_1 = 1.
    // 2: nothing visible.
    // 3: R(0) = 3 but q0 entries queued. Candidates s0, s1 (1 visible each) → tie → s0: issue q0k0.
    // 4: candidate s1 (head q0k1; s0's head is q1k0) → issue q0k1.
    // 5: leave q0: W(0) = max(0, 4 + 1, 3) = 5, PA(0) = max(4 + 2, 5) = 6. q1: R = 4, entries left.
    //    Candidates s0, s1 (1 visible each) → s0: issue q1k0 (1 < B_acc). OD: PA = 6 > 5.
    // 6: issue q1k1 (s1). OD_0 = 6.
    // 7: leave q1: W(1) = max(5, 6 + 1, 4) = 7, PA(1) = max(6 + 2, 7) = 8.
    // 8: OD_1 = max(8, 6 + 1) = 8. T = 8 + 1 + 1 = 10.
    // Selectors busy {0, 1}: idle 8. Attention busy {3..6}, window [0, 6]: starved 3, idle 3.
    // OD busy {6, 8}, window [0, 8]: starved 7, idle 1.
    // Queue s0 at the ends of cycles 0..4: 1 2 2 1 1, then 0: sum 7. s1 0..5: 1 2 2 2 1 1: sum 9.
    @Test func twoTokensExactTwoSelectors() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 1, pc: 2, d: 3, q: 4, latt: 2, bacc: 2, ii: 1, lod: 1, exact: true),
            selection: all(2))
        #expect(timing.totalCycles == 10)
        #expect(trace.starts == [0, 1])
        #expect(trace.leaves == [[5, 7]])
        #expect(trace.partials == [[6, 8]])
        #expect(trace.divisionStarts == [6, 8])
        #expect(timing.selectors == [activity(2, 0, 0, 8), activity(2, 0, 0, 8)])
        #expect(timing.attention == [activity(4, 0, 3, 3)])
        #expect(timing.outputDivision == activity(2, 0, 7, 1))
        #expect(timing.hash == activity(0, 0, 0, 10))
        #expect(timing.queues == [OccupancyStats(maximum: 2, cycleSum: 7), OccupancyStats(maximum: 2, cycleSum: 9)])
    }

    // Approximate, n = 4 non-causal, Pa = 2, Pc = 2, H = 3, D = 1, Q = 4, L_att = 1, B_acc = 2, II = 1,
    // L_od = 0, R_norm = 2, L_norm = 1. sel: q0 {0, 1}, q1 {2}, q2 {}, q3 {0, 1}.
    // N = ceil(4/2) = 2; P = max(H(n+1) = 15, N + L_norm = 3) = 15. The hash barrier S_{i+1} ≥ S_i + H
    // binds every query: each selector has one key per query, so E_i = S_i, and S = 15, 18, 21, 24.
    //
    // Contiguous (m = 2): bank 0 = {0, 1}, bank 1 = {2, 3}; selectors 0..3 read keys 0, 1, 2, 3.
    // 15: S_0; hash q1 [15, 18). s0 reads k0, s1 reads k1 (both selected, vis 16).
    // 16: bank 0 issues q0k0 (tie → s0). Bank 1: R(0,1) = 16, nothing queued → W(0,1) = 16 = PA.
    // 17: bank 0 issues q0k1.
    // 18: S_1; hash q2 [18, 21). Bank 0 leaves q0: W = max(15, 18, 16) = 18, PA = max(18, 18) = 18.
    //     OD_0 = 18. s2 reads k2 (selected, vis 19).
    // 19: bank 0 leaves q1: W = max(18, −∞, 19) = 19 = PA. Bank 1 issues q1k2.
    // 20: bank 1 leaves q1: W = max(16, 20, 19) = 20, PA = 20. OD_1 = 20.
    // 21: S_2; hash q3 [21, 24); reads (none selected). 22: W(2, b) = 22 = PA; OD_2 = 22.
    // 24: S_3 (no hash: i + 1 = n). s0, s1 read k0, k1 (vis 25).
    // 25: bank 0 issues q3k0 (accumulator: OD_1 = 20 < 25). Bank 1: W(3,1) = 25.
    // 26: bank 0 issues q3k1. 27: W(3,0) = max(22, 27, 25) = 27 = PA; OD_3 = 27. T = 28.
    // Hash busy [0, 15) + [15, 24) = 24 = 2nH; blocked [S_i + H, S_{i+1}) all empty; idle 4.
    // Selectors busy {15, 18, 21, 24}, window [15, 24]: starved 6, idle 18.
    // Attention 0 busy {16, 17, 25, 26}, window [15, 26]: starved 8, idle 16.
    // Attention 1 busy {19}, window [15, 19]: starved 4, idle 23.
    // OD busy {18, 20, 22, 27}, window [15, 27]: starved 9, idle 15. Norm busy [0, 2), idle 26.
    // Queues: s0 1 at the ends of 15, 24 (sum 2); s1 at 15, 16, 24, 25 (sum 4); s2 at 18 (sum 1); s3 none.
    //
    // Interleaved: bank 0 = {0, 2}, bank 1 = {1, 3}; selectors 0..3 read keys 0, 2, 1, 3.
    // 15: S_0. s0 reads k0, s2 reads k1 (vis 16). 16: both banks issue.
    // 17: both leave q0: W = max(15, 17, 16) = 17 = PA; OD_0 = 17.
    // 18: S_1; s1 reads k2 (vis 19). 19: bank 0 issues q1k2; bank 1 leaves q1 at 19.
    // 20: bank 0 leaves q1: W = max(17, 20, 19) = 20; OD_1 = 20. 21: S_2; 22: W(2, b) = 22, OD_2 = 22.
    // 24: S_3; s0, s2 read k0, k1. 25: both banks issue. 26: both leave: W = max(22, 26, 25) = 26; OD_3 = 26.
    // T = 27: the bank imbalance of contiguous mapping costs one cycle.
    // Attention 0 busy {16, 19, 25}, window [15, 25]: starved 8, idle 16. Attention 1 busy {16, 25}:
    // starved 9, idle 16. OD busy {17, 20, 22, 26}, window [15, 26]: starved 8, idle 15.
    // Queues: s0 at 15, 24 (2); s1 at 18 (1); s2 at 15, 24 (2); s3 none.
    @Test func approximateContiguousVersusInterleaved() {
        let sel = selection([[0, 1], [2], [], [0, 1]])
        let contiguous = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 2, pc: 2, h: 3, d: 1, q: 4, latt: 1, bacc: 2, ii: 1, lod: 0, rNorm: 2,
                                   lNorm: 1, mapping: .contiguous, exact: false), selection: sel)
        #expect(contiguous.timing.preprocessingCycles == 15)
        #expect(contiguous.timing.totalCycles == 28)
        #expect(contiguous.trace.starts == [15, 18, 21, 24])
        #expect(contiguous.trace.leaves == [[18, 19, 22, 27], [16, 20, 22, 25]])
        #expect(contiguous.trace.divisionStarts == [18, 20, 22, 27])
        #expect(contiguous.timing.hash == activity(24, 0, 0, 4))
        #expect(contiguous.timing.norm == activity(2, 0, 0, 26))
        #expect(contiguous.timing.selectors == Array(repeating: activity(4, 0, 6, 18), count: 4))
        #expect(contiguous.timing.attention == [activity(4, 0, 8, 16), activity(1, 0, 4, 23)])
        #expect(contiguous.timing.outputDivision == activity(4, 0, 9, 15))
        #expect(contiguous.timing.queues.map(\.cycleSum) == [2, 4, 1, 0])
        #expect(contiguous.timing.queues.map(\.maximum) == [1, 1, 1, 0])

        let interleaved = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 2, pc: 2, h: 3, d: 1, q: 4, latt: 1, bacc: 2, ii: 1, lod: 0, rNorm: 2,
                                   lNorm: 1, mapping: .interleaved, exact: false), selection: sel)
        #expect(interleaved.timing.totalCycles == 27)
        #expect(interleaved.trace.starts == [15, 18, 21, 24])
        #expect(interleaved.trace.leaves == [[17, 20, 22, 26], [17, 19, 22, 26]])
        #expect(interleaved.trace.divisionStarts == [17, 20, 22, 26])
        #expect(interleaved.timing.hash == activity(24, 0, 0, 3))
        #expect(interleaved.timing.selectors == Array(repeating: activity(4, 0, 6, 17), count: 4))
        #expect(interleaved.timing.attention == [activity(3, 0, 8, 16), activity(2, 0, 9, 16)])
        #expect(interleaved.timing.outputDivision == activity(4, 0, 8, 15))
        #expect(interleaved.timing.queues.map(\.cycleSum) == [2, 1, 2, 0])
    }

    // Approximate, causal n = 4 (v = 1, 2, 3, 4), Pa = Pc = 1, H = 1, D = 1, Q = 4, L_att = 1,
    // B_acc = 2, II = 1, L_od = 0, R_norm = 1, L_norm = 3. sel: q0 {0}, q1 {1}, q2 {0, 2}, q3 {} (none).
    // N = 4; P = max(H(n+1) = 5, N + L_norm = 7) = 7: the norm term is not hidden.
    // 7: S_0; hash q1 [7, 8). Reads k0 (sel, vis 8). E_0 = 7.
    // 8: S_1 (hash ready at 8, E_0 = 7). Hash q2 [8, 9). Bank issues q0k0. Reads q1 k0 (not sel).
    // 9: q2 waits for the scan of q1. Bank leaves q0: W = max(7, 9, 8) = 9 = PA; OD_0 = 9. Reads k1
    //    (sel, vis 10). Hash: q2's hash done, q3 still to hash → blocked.
    // 10: S_2 (E_1 = 9, W(0) = 9). Hash q3 [10, 11). Issue q1k1. Reads q2 k0 (sel, vis 11).
    // 11: leave q1: W = max(9, 11, 10) = 11 = PA; issue q2k0 (2 ≥ B_acc, OD_0 = 9 < 11). Reads k1
    //     (not sel). OD_1 = 11. Hash: i = 2, i + 2 = n → not blocked; its last busy cycle was 10.
    // 12: reads k2 (sel, vis 13). E_2 = 12.
    // 13: S_3. Issue q2k2. Reads q3 k0 (not sel).   14: leave q2: W = 14 = PA; OD_2 = 14. Reads k1.
    // 15, 16: reads k2, k3. E_3 = 16.  17: R(3) = 17, nothing queued → W(3) = 17 = PA; OD_3 = 17. T = 18.
    // Hash busy [0, 5) + {7, 8, 10} = 8 = 2nH; blocked {9}; [5, 7) starved (not in §5's blocked set);
    // window [0, 10]: starved 2, idle 7.  Norm busy [0, 4), idle 14.
    // Selector busy [7, 16] = 10 = Σ v_i, idle 8. Attention busy {8, 10, 11, 13} = 4 selected pairs,
    // window [7, 13]: starved 3, idle 11. OD busy {9, 11, 14, 17}, window [7, 17]: starved 7, idle 7.
    // Queue at the ends of 7, 9, 10, 12: 1 each: sum 4, max 1.
    @Test func approximateNormBoundPreprocessingAndHashBlocking() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(h: 1, d: 1, q: 4, latt: 1, bacc: 2, ii: 1, lod: 0, rNorm: 1, lNorm: 3, exact: false),
            selection: selection([[0], [1], [0, 2], []], causal: true))
        #expect(timing.preprocessingCycles == 7)
        #expect(timing.totalCycles == 18)
        #expect(trace.starts == [7, 8, 10, 13])
        #expect(trace.scanEnds == [7, 9, 12, 16])
        #expect(trace.leaves == [[9, 11, 14, 17]])
        #expect(trace.divisionStarts == [9, 11, 14, 17])
        #expect(timing.hash == activity(8, 1, 2, 7))
        #expect(timing.norm == activity(4, 0, 0, 14))
        #expect(timing.selectors == [activity(10, 0, 0, 8)])
        #expect(timing.attention == [activity(4, 0, 3, 11)])
        #expect(timing.outputDivision == activity(4, 0, 7, 7))
        #expect(timing.queues == [OccupancyStats(maximum: 1, cycleSum: 4)])
    }

    // Queue depth 1, D = 2: exact n = 2 non-causal, Pa = Pc = 1, L_att = 1, B_acc = 2, II = 1, L_od = 0.
    // The selector's list is k0, k1 for both queries, all selected.
    // 0: S_0. Reads k0 (vis 2): the only slot is reserved.
    // 1: next key selected, queue full → blocked.
    // 2: bank issues q0k0; the selector, seeing the pop, reads k1 (vis 4). E_0 = 2.
    // 3: S_1 (E_0 = 2). R(0) = 4 > 3: nothing. Selector: q1k0 selected, queue full → blocked.
    // 4: issue q0k1; reads q1 k0 (vis 6).
    // 5: leave q0: W = max(0, 5, 4) = 5 = PA; OD_0 = 5. Selector blocked (q1k0 queued).
    // 6: issue q1k0; reads k1 (vis 8). E_1 = 6.   7: nothing visible.   8: issue q1k1.
    // 9: leave q1: W = max(5, 9, 8) = 9 = PA; OD_1 = 9. T = 10.
    // Selector busy {0, 2, 4, 6}, blocked {1, 3, 5} (3 stall cycles), idle 3.
    // Attention busy {2, 4, 6, 8}, window [0, 8]: starved 5, idle 1. OD busy {5, 9}: starved 8.
    // Queue: 1 at the ends of 0 … 7: sum 8.
    @Test func queueDepthOneBackPressure() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(d: 2, q: 1, latt: 1, bacc: 2, ii: 1, lod: 0, exact: true), selection: all(2))
        #expect(timing.totalCycles == 10)
        #expect(trace.starts == [0, 3])
        #expect(timing.selectors == [activity(4, 3, 0, 3)])
        #expect(timing.selectorStallCycles == 3)
        #expect(timing.attention == [activity(4, 0, 5, 1)])
        #expect(timing.outputDivision == activity(2, 0, 8, 0))
        #expect(timing.queues == [OccupancyStats(maximum: 1, cycleSum: 8)])
    }

    // One accumulator, slow output division: exact n = 3 non-causal, Pa = 1, Pc = 3, D = 1, Q = 4,
    // L_att = 1, B_acc = 1, II = 5, L_od = 0. Selector s reads key s, one key per query.
    // 0: S_0; all read (vis 1).   1: S_1; issue q0k0 (tie → s0); all read q1 (vis 2).
    // 2: q2 cannot start: bank 0 still holds q0 entries. Issue q0k1 (s1; s0's head is q1).
    // 3: issue q0k2.
    // 4: rule 1 sees that bank 0 leaves q0 in this cycle (R = 1, no q0 entry left) → S_2 = 4 = W(0).
    //    Bank leaves q0: W = max(0, 4, 1) = 4 = PA. q1 entries visible, but accumulator for q1 needs
    //    OD_0 at a cycle < 4 → blocked. Reads q2 (vis 5). OD_0 = 4, busy [4, 9).
    // 5, 6, 7: issue q1k0, q1k1, q1k2.  8: leave q1: W = max(4, 8, 2) = 8 = PA; q2 blocked (OD_1 not
    //    started). OD_1 = max(8, 4 + 5) = 9.   9: still blocked (OD_1 starts in rule 4 of cycle 9).
    // 10, 11, 12: issue q2.  13: leave q2: W = 13 = PA. OD_2 = max(13, 9 + 5) = 14. T = 19.
    // Attention busy 9, blocked {4, 8, 9}, window [0, 12]: starved {0}, idle 6.
    // Selectors busy {0, 1, 4}, window [0, 4]: starved 2, idle 14. OD busy 15, window [0, 18]: starved 4.
    // Queues (ends of cycles): s0 1 1 1 1 2 1 1 1 1 1 (0 … 9) = 11; s1 1 2 1 1 2 2 1 1 1 1 1 (0 … 10) = 14;
    // s2 1 2 2 1 2 2 2 1 1 1 1 1 (0 … 11) = 17; all maximum 2.
    @Test func singleAccumulatorSlowOutputDivision() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 1, pc: 3, d: 1, q: 4, latt: 1, bacc: 1, ii: 5, lod: 0, exact: true),
            selection: all(3))
        #expect(timing.totalCycles == 19)
        #expect(trace.starts == [0, 1, 4])
        #expect(trace.leaves == [[4, 8, 13]])
        #expect(trace.divisionStarts == [4, 9, 14])
        #expect(timing.attention == [activity(9, 3, 1, 6)])
        #expect(timing.selectors == Array(repeating: activity(3, 0, 2, 14), count: 3))
        #expect(timing.outputDivision == activity(15, 0, 4, 0))
        #expect(timing.queues.map(\.cycleSum) == [11, 14, 17])
        #expect(timing.queues.map(\.maximum) == [2, 2, 2])
    }

    // Several queries left in one cycle (the W recurrence). Approximate n = 4 non-causal, Pa = Pc = 1,
    // H = 1, D = 1, Q = 4, L_att = 1, B_acc = 1, II = 10, L_od = 0, R_norm = 4, L_norm = 0.
    // sel: q0 {0}, q1 {0}, q2 {0}, q3 {} (none). P = max(5, 1) = 5. Each list is k0 … k3 (4 cycles).
    // 5: S_0, hash q1 [5, 6). Reads k0 (vis 6).  6: issue q0k0. 6–8: reads k1..k3; E_0 = 8; hash blocked 6–8.
    // 9: S_1; hash q2 [9, 10). Leave q0: W = max(5, 7, 9) = 9 = PA; OD_0 = 9 (busy [9, 19)). Reads k0.
    // 10: issue q1k0 (OD_0 = 9 < 10). 10–12 reads; E_1 = 12; hash blocked 10–12.
    // 13: S_2; hash q3 [13, 14). Leave q1: W = max(9, 11, 13) = 13. Reads q2 k0 (vis 14).
    // 14–16: q2k0 visible, accumulator needs OD_1 → blocked; reads k1..k3, E_2 = 16.
    // 17: S_3 (W(1) = 13). Still blocked. Reads q3 (nothing selected) 17–20; E_3 = 20.
    // 19: OD_1 = max(13, 9 + 10) = 19 (bank still blocked in rule 2 of 19).
    // 20: issue q2k0.
    // 21: leave q2: W(2) = max(13, 21, 17) = 21; then q3 has started, R(3) = 20 + 1 = 21, nothing
    //     queued → leave q3 in the same cycle: W(3) = max(21, −∞, 21) = 21. PA(2) = PA(3) = 21.
    // OD_2 = max(21, 29) = 29, OD_3 = 39. T = 49.
    // Attention busy {6, 10, 20}, blocked 14 … 19 (6), window [5, 20]: starved 7, idle 33.
    // Hash busy 5 + {5, 9, 13} = 8 = 2nH, blocked {6, 7, 8, 10, 11, 12} = 6, window [0, 13]: idle 35.
    @Test func severalQueriesLeftInOneCycle() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(h: 1, d: 1, q: 4, latt: 1, bacc: 1, ii: 10, lod: 0, rNorm: 4, lNorm: 0, exact: false),
            selection: selection([[0], [0], [0], []]))
        #expect(timing.preprocessingCycles == 5)
        #expect(trace.starts == [5, 9, 13, 17])
        #expect(trace.leaves == [[9, 13, 21, 21]])
        #expect(trace.partials == [[9, 13, 21, 21]])
        #expect(trace.divisionStarts == [9, 19, 29, 39])
        #expect(timing.totalCycles == 49)
        #expect(timing.attention == [activity(3, 6, 7, 33)])
        #expect(timing.hash == activity(8, 6, 0, 35))
        #expect(timing.outputDivision == activity(40, 0, 4, 5))
    }

    // Arbiters: exact n = 3 non-causal, Pa = 1, Pc = 2, D = 1, Q = 4, L_att = 1, B_acc = 2, II = 1, L_od = 0.
    // Bank 0 = keys 0, 1, 2: selector 0 reads k0, k2 (local 0, 2), selector 1 reads k1. S = 0, 2, 4 both ways.
    // Longest-queue-first (counting every visible entry of the queue, any query):
    //   1: s0, s1 one visible each → s0 (q0k0).  2: s0 (q0k2) vs s1 (q0k1), 1 each → s0.
    //   3: only s1 (q0k1).  4: s0 {q1k0, q1k2} = 2 vs s1 {q1k1} = 1 → s0.
    //   5: s0 {q1k2, q2k0} = 2 vs s1 {q1k1, q2k1} = 2 → tie → s0.  6: s1 (q1k1).
    //   7: s0 {q2k0, q2k2} = 2 vs s1 1 → s0.  8: s0 vs s1, 1 each → s0.  9: s1.  10: W(2) = 10, OD_2 = 10, T = 11.
    //   Queues at the ends of cycles: s0 1 1 1 2 2 2 2 1 (0 … 7) = 12; s1 1 1 2 1 2 2 1 1 1 (0 … 8) = 12.
    // Round-robin (pointer starts at s1, so s0 is first):
    //   1: s0.  2: after s0 → s1 (q0k1).  3: only s0 (q0k2).  4: after s0 → s1 (q1k1).  5: s0 (q1k0).
    //   6: s0 (q1k2; s1's head is q2).  7: after s0 → s1 (q2k1).  8, 9: s0.  T = 11 as well.
    //   Queues: s0 1 1 2 2 3 3 2 2 1 (0 … 8) = 17, maximum 3; s1 1 at the ends of 0 … 6 = 7.
    @Test func arbiterPolicies() {
        let lqf = ReferencePipeline.simulate(
            parameters: parameters(pa: 1, pc: 2, d: 1, q: 4, arbiter: .longestQueueFirst, exact: true), selection: all(3))
        #expect(lqf.totalCycles == 11)
        #expect(lqf.queues == [OccupancyStats(maximum: 2, cycleSum: 12), OccupancyStats(maximum: 2, cycleSum: 12)])
        let rr = ReferencePipeline.simulate(
            parameters: parameters(pa: 1, pc: 2, d: 1, q: 4, arbiter: .roundRobin, exact: true), selection: all(3))
        #expect(rr.totalCycles == 11)
        #expect(rr.queues == [OccupancyStats(maximum: 3, cycleSum: 17), OccupancyStats(maximum: 1, cycleSum: 7)])
        #expect(lqf.attention == [activity(9, 0, 1, 1)])
        #expect(rr.attention == [activity(9, 0, 1, 1)])
    }

    // Longest-queue-first counts every visible entry of a queue, whatever its query (docs/validation.md,
    // ambiguity 3). Approximate n = 4 non-causal, Pa = 1, Pc = 2 (s0 reads k0, k2; s1 reads k1, k3),
    // H = 1, D = 1, Q = 4, L_att = 1, B_acc = 1, II = 8, L_od = 0, R_norm = 4, L_norm = 0.
    // sel: q0 {0}, q1 {0}, q2 {0, 1, 3}, q3 {0, 2}. P = max(5, 1) = 5.
    // 5: S_0; s0 reads k0 (sel, vis 6).  6: issue q0k0; E_0 = 6; hash blocked (q1's hash waits).
    // 7: S_1; leave q0: W = max(5, 7, 7) = 7 = PA; OD_0 = 7 ([7, 15)). s0 reads q1 k0 (vis 8).
    // 8: issue q1k0 (OD_0 = 7 < 8); E_1 = 8; hash blocked.
    // 9: S_2; leave q1: W = 9 = PA; OD_1 = max(9, 15) = 15. Reads q2: s0 k0, s1 k1 (vis 10).
    // 10: q2 entries visible, accumulator waits for OD_1 → blocked (through 15). s1 reads k3 (vis 11).
    // 11: S_3. s0 reads q3 k0 (vis 12). 12: s0 reads k2 (vis 13). E_3 = 12.
    // 16: accumulator free. s0 holds q2k0, q3k0, q3k2 (3 visible), s1 holds q2k1, q2k3 (2 visible):
    //     counting every visible entry picks s0 (counting only query 2's entries would pick s1).
    // 17, 18: issue q2k1, q2k3 (s0's head is q3).  19: W(2) = max(9, 19, 11) = 19 = PA; q3 blocked
    //     until OD_2 = max(19, 15 + 8) = 23 has started.  24, 25: issue q3k0, q3k2.
    // 26: W(3) = max(19, 26, 13) = 26 = PA. OD_3 = max(26, 31) = 31. T = 39.
    // Queue s0 at the ends of 5 … 25: 1 0 1 0 1 1 2 3 3 3 3 2 2 2 2 2 2 2 2 1 0 = 35 (max 3);
    // s1 at the ends of 9 … 17: 1 2 2 2 2 2 2 2 1 = 16 (the other reading gives 36 and 15).
    // Attention busy {6, 8, 16, 17, 18, 24, 25}, blocked 10 … 15 and 19 … 23 (11), window [5, 25]:
    // starved {5, 7, 9}, idle 18. Hash busy 8, blocked {6, 8}, window [0, 9], idle 29.
    @Test func longestQueueFirstCountsEveryVisibleEntry() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 1, pc: 2, h: 1, d: 1, q: 4, latt: 1, bacc: 1, ii: 8, lod: 0, rNorm: 4,
                                   lNorm: 0, arbiter: .longestQueueFirst, exact: false),
            selection: selection([[0], [0], [0, 1, 3], [0, 2]]))
        #expect(timing.totalCycles == 39)
        #expect(trace.starts == [5, 7, 9, 11])
        #expect(trace.leaves == [[7, 9, 19, 26]])
        #expect(trace.divisionStarts == [7, 15, 23, 31])
        #expect(timing.queues == [OccupancyStats(maximum: 3, cycleSum: 35), OccupancyStats(maximum: 2, cycleSum: 16)])
        #expect(timing.attention == [activity(7, 11, 3, 18)])
        #expect(timing.hash == activity(8, 2, 0, 29))
        #expect(timing.outputDivision == activity(32, 0, 2, 5))
    }

    // The accumulator of query a is the one query a − B_acc used, even when the bank issued nothing for
    // a − B_acc (docs/validation.md, ambiguity 5). Approximate n = 3 non-causal, Pa = Pc = 1, H = 1,
    // D = 1, Q = 4, L_att = 1, B_acc = 1, II = 10, L_od = 0, R_norm = 4, L_norm = 0.
    // sel: q0 {0}, q1 {} (none), q2 {0}. P = max(4, 1) = 4. Each list is k0, k1, k2.
    // 4: S_0; reads k0 (vis 5).  5: issue q0k0.  6: E_0 = 6.  Hash blocked 5, 6 (i = 0, 2 < n).
    // 7: S_1; leave q0: W = max(4, 6, 7) = 7 = PA; OD_0 = 7 (busy [7, 17)).  7–9: reads of q1, E_1 = 9.
    // 10: S_2; leave q1: W = max(7, −∞, 10) = 10 = PA; OD_1 = max(10, 17) = 17. Reads q2 k0 (vis 11).
    // 11 … 17: q2k0 visible but its accumulator is q1's: blocked until OD_1 has started (a pool of
    //          accumulators would issue at 11, since q1 never took one).
    // 18: issue q2k0.  19: W(2) = max(10, 19, 13) = 19 = PA. OD_2 = max(19, 27) = 27. T = 37.
    // Attention busy {5, 18}, blocked 7, window [4, 18]: starved 6, idle 22.
    // Hash busy [0, 4) + {4, 7} = 6, blocked {5, 6}, window [0, 7]: idle 29.
    // Selector busy 4 … 12 = 9 = Σ v_i, idle 28. OD busy 30, window [4, 36]: starved 3, idle 4.
    @Test func accumulatorHeldByAnEmptyPartial() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(h: 1, d: 1, q: 4, latt: 1, bacc: 1, ii: 10, lod: 0, rNorm: 4, lNorm: 0, exact: false),
            selection: selection([[0], [], [0]]))
        #expect(timing.totalCycles == 37)
        #expect(trace.starts == [4, 7, 10])
        #expect(trace.leaves == [[7, 10, 19]])
        #expect(trace.divisionStarts == [7, 17, 27])
        #expect(timing.attention == [activity(2, 7, 6, 22)])
        #expect(timing.hash == activity(6, 2, 0, 29))
        #expect(timing.selectors == [activity(9, 0, 0, 28)])
        #expect(timing.outputDivision == activity(30, 0, 3, 4))
    }

    // Pa > n, Pc larger than the bank, Q = 1, B_acc = 1: exact n = 2 non-causal, Pa = 4, Pc = 3, D = 1,
    // L_att = 1, II = 1, L_od = 0, contiguous: m = ceil(2/4) = 1, bank 0 = {0}, bank 1 = {1}, banks 2, 3
    // empty; lanes 1, 2 of every bank have empty lists.
    // 0: S_0. Banks 2, 3: q0 started, no key, R = S_0 − 1 + D = 0 → W(0) = max(P, −∞, 0) = 0 = PA.
    //    Lane 0 of banks 0, 1 read k0, k1 (vis 1).
    // 1: S_1. Banks 0, 1 issue q0. Banks 2, 3 leave q1: W = max(0, −∞, 1) = 1. Reads q1 (vis 2).
    // 2: banks 0, 1 leave q0: W = max(0, 2, 1) = 2 = PA; q1 visible but its accumulator waits for OD_0
    //    → blocked. OD_0 = 2.  3: issue q1.  4: W(1) = 4 = PA; OD_1 = 4. T = 5.
    @Test func emptyBanksAndLanes() {
        let (timing, trace) = ReferencePipeline.simulateWithTrace(
            parameters: parameters(pa: 4, pc: 3, d: 1, q: 1, latt: 1, bacc: 1, ii: 1, lod: 0, exact: true),
            selection: all(2))
        #expect(timing.totalCycles == 5)
        #expect(trace.leaves == [[2, 4], [2, 4], [0, 1], [0, 1]])
        #expect(trace.divisionStarts == [2, 4])
        var selectors = Array(repeating: activity(0, 0, 0, 5), count: 12)
        selectors[0] = activity(2, 0, 0, 3)
        selectors[3] = activity(2, 0, 0, 3)
        #expect(timing.selectors == selectors)
        #expect(timing.attention == [activity(2, 1, 1, 1), activity(2, 1, 1, 1), activity(0, 0, 0, 5), activity(0, 0, 0, 5)])
        #expect(timing.outputDivision == activity(2, 0, 3, 0))
        #expect(timing.queues[0] == OccupancyStats(maximum: 1, cycleSum: 3))
        #expect(timing.queues[3] == OccupancyStats(maximum: 1, cycleSum: 3))
        #expect(timing.queues.enumerated().allSatisfy { $0.offset == 0 || $0.offset == 3 || $0.element == OccupancyStats() })
    }

    // n = 1, approximate, H = 2, R_norm = 1, L_norm = 5: P = max(2·2, 1 + 5) = 6. Hash busy [0, 4); no
    // execution hashing (i + 1 = n); window [0, 3] → idle 4 + the rest. Nothing selected: the selector
    // reads k0 at 6; R = 7; W = PA = 7; OD_0 = 7; T = 7 + II + L_od = 7 + 2 + 1 = 10.
    @Test func singleTokenApproximateNothingSelected() {
        let timing = ReferencePipeline.simulate(
            parameters: parameters(h: 2, d: 1, ii: 2, lod: 1, rNorm: 1, lNorm: 5, exact: false), selection: selection([[]]))
        #expect(timing.preprocessingCycles == 6)
        #expect(timing.totalCycles == 10)
        #expect(timing.hash == activity(4, 0, 0, 6))
        #expect(timing.norm == activity(1, 0, 0, 9))
        #expect(timing.selectors == [activity(1, 0, 0, 9)])
        #expect(timing.attention == [activity(0, 0, 0, 10)])
        #expect(timing.outputDivision == activity(2, 0, 1, 7))
    }

    // Exact mode ignores the matrix: every visible key is a candidate.
    @Test func exactModeIgnoresTheMatrix() {
        let p = parameters(pa: 2, pc: 2, d: 2, q: 2, latt: 3, bacc: 1, ii: 2, lod: 1, exact: true)
        let sparse = selection([[1], [], [0, 3], [2], []], causal: false)
        #expect(ReferencePipeline.simulate(parameters: p, selection: sparse)
            == ReferencePipeline.simulate(parameters: p, selection: all(5)))
    }

    // The model's own bank layout (written from §2) agrees with TimingParameters' helpers.
    @Test func bankLayoutAgreesWithTimingParameters() {
        for mapping in BankMapping.allCases {
            for pa in 1 ... 6 {
                for n in 1 ... 20 {
                    let p = parameters(pa: pa, mapping: mapping, exact: true)
                    let machine = ReferenceMachine(parameters: p, selection: all(n, causal: true))
                    for b in 0 ..< pa {
                        for (local, key) in machine.bankKeys[b].enumerated() {
                            #expect(p.bank(ofKey: key, keys: n) == (b, local))
                            #expect(p.key(bank: b, local: local, keys: n) == key)
                        }
                        for i in 0 ..< n {
                            #expect(machine.visibleInBank[b][i] == p.bankKeys(bank: b, visible: i + 1, keys: n))
                        }
                    }
                }
            }
        }
    }

    // Randomized invariants. Each bound is proved from docs/model.md:
    //  (1) Every instance's four states add up to T (§5).
    //  (2) Selector (b, s) reads each key of each list L(i, b, s) exactly once (rule 3: a blocked
    //      selector reads nothing and retries), so its busy count is Σ_i |L(i, b, s)|; in total Σ_i v_i.
    //  (3) Every selected key enters exactly one queue and is issued exactly once by its bank
    //      (rule 2: one key per cycle), so attention b is busy Σ_i c_{i,b} (c = selected keys of query i
    //      in bank b); every visible pair in exact mode.
    //  (4) OD busy = n·II (rule 4, the intervals [OD_i, OD_i + II) are disjoint since OD_i ≥ OD_{i−1} + II);
    //      its window is [P, OD_{n−1} + II − 1], so idle = P + L_od.
    //  (5) Hash busy = H(n+1) + H(n−1) = 2nH in approximate modes (§3 plus rule 5 for i = 0 … n−2), norm
    //      busy = ceil(n / R_norm); both 0 (all idle) in exact mode. P = max(H(n+1), N + L_norm) or 0.
    //  (6) T ≥ P + n·II + L_od: OD_0 ≥ PA(0, b) ≥ W(0, b) ≥ W(−1, b) = P and OD_i ≥ OD_{i−1} + II.
    //  (7) Scan chain: a selector reads at most one key per cycle from S_i on, so E_i ≥ S_i + ℓ_i − 1
    //      with ℓ_i = max_{b,s} |L(i, b, s)|, hence S_{i+1} ≥ S_i + max(H [approx.], ℓ_i). For the last
    //      query, the bank b* holding a longest list has R(n−1, b*) ≥ S_{n−1} + ℓ_{n−1} − 1 + D, and
    //      OD_{n−1} ≥ PA ≥ W ≥ R. So T ≥ P + Σ_{i<n−1} max(H, ℓ_i) + ℓ_{n−1} − 1 + D + II + L_od.
    //  (8) Bank chain: bank b issues C_b = Σ_i c_{i,b} keys at distinct cycles, none before P + D (an
    //      entry is read at ≥ P and visible D later). Its last issue is ≥ P + D + C_b − 1, the partial of
    //      that query is available L_att later, and T ≥ that OD + II + L_od:
    //      T ≥ P + D + C_b − 1 + L_att + II + L_od when C_b ≥ 1.
    //  (9) Reserved slots never exceed Q; with B_acc ≥ n no accumulator ever blocks.
    // The paper's per-query sum P + Σ_i max(H, scan_i, c_i, II) is NOT a bound of this model: a query
    // with a long scan and few selected keys overlaps the attention of its predecessor, so it is not
    // checked.
    @Test func randomizedInvariants() {
        var rng = SeededGenerator(seed: 0x5EED_0E1A)
        func draw(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        for _ in 0 ..< 400 {
            let pa = draw(1 ... 4), pc = draw(1 ... 4)
            let exact = draw(0 ... 2) == 0
            let causal = draw(0 ... 1) == 0
            let p = parameters(pa: pa, pc: pc, h: Cycle(draw(1 ... 6)), d: Cycle(draw(1 ... 4)), q: draw(1 ... 4),
                               latt: Cycle(draw(1 ... 5)), bacc: draw(1 ... 3), ii: Cycle(draw(1 ... 8)),
                               lod: Cycle(draw(0 ... 3)), rNorm: draw(1 ... 4), lNorm: Cycle(draw(0 ... 3)),
                               arbiter: ArbiterPolicy.allCases[draw(0 ... 1)],
                               mapping: BankMapping.allCases[draw(0 ... 1)], exact: exact)
            let n = draw(1 ... 40)
            let density = Double(draw(0 ... 100)) / 100
            var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n }))
            for i in 0 ..< n { for j in 0 ..< m.visible[i] where Double(draw(0 ... 999)) / 1000 < density { m.set(query: i, key: j) } }
            let timing = ReferencePipeline.simulate(parameters: p, selection: m)
            let t = timing.totalCycles
            let bigP = timing.preprocessingCycles
            let sel = exact ? SelectionMatrix.all(keys: n, visible: m.visible) : m

            // (1)
            #expect(timing.isConserved)
            for unit in [timing.hash, timing.norm, timing.outputDivision] + timing.selectors + timing.attention {
                #expect(unit.total == t)
            }
            #expect(timing.selectors.count == pa * pc && timing.attention.count == pa && timing.queues.count == pa * pc)

            // Per-query, per-bank, per-lane counts from TimingParameters' mapping.
            var lists = Array(repeating: Array(repeating: 0, count: n), count: pa * pc)
            var selectedInBank = Array(repeating: Array(repeating: 0, count: n), count: pa)
            for i in 0 ..< n {
                for j in 0 ..< m.visible[i] {
                    let (b, local) = p.bank(ofKey: j, keys: n)
                    lists[b * pc + local % pc][i] += 1
                    if sel.isSelected(query: i, key: j) { selectedInBank[b][i] += 1 }
                }
            }
            // (2)
            for s in 0 ..< pa * pc { #expect(timing.selectors[s].busy == Cycle(lists[s].reduce(0, +))) }
            #expect(timing.selectors.reduce(0) { $0 + $1.busy } == Cycle(m.totalPairs))
            for s in 0 ..< pa * pc { #expect(timing.selectors[s].idle >= bigP) }
            // (3)
            for b in 0 ..< pa { #expect(timing.attention[b].busy == Cycle(selectedInBank[b].reduce(0, +))) }
            #expect(timing.attention.reduce(0) { $0 + $1.busy } == Cycle(sel.selectedPairs))
            // (4)
            #expect(timing.outputDivision.busy == Cycle(n) * p.outputDivisionCycles)
            #expect(timing.outputDivision.blocked == 0)
            #expect(timing.outputDivision.idle == bigP + p.outputDivisionLatency)
            // (5)
            if exact {
                #expect(bigP == 0)
                #expect(timing.hash == activity(0, 0, 0, t))
                #expect(timing.norm == activity(0, 0, 0, t))
            } else {
                let normCycles = Cycle((n + p.normKeysPerCycle - 1) / p.normKeysPerCycle)
                #expect(bigP == max(p.hashCycles * Cycle(n + 1), normCycles + p.normLatency))
                #expect(timing.hash.busy == 2 * Cycle(n) * p.hashCycles)
                #expect(timing.norm == activity(normCycles, 0, 0, t - normCycles))
            }
            // (6)
            #expect(t >= bigP + Cycle(n) * p.outputDivisionCycles + p.outputDivisionLatency)
            // (7)
            let longest = (0 ..< n).map { i in (0 ..< pa * pc).map { lists[$0][i] }.max()! }
            var scan = bigP
            for i in 0 ..< n - 1 { scan += max(exact ? 0 : p.hashCycles, Cycle(longest[i])) }
            scan += Cycle(longest[n - 1]) - 1 + p.selectorDepth + p.outputDivisionCycles + p.outputDivisionLatency
            #expect(t >= scan)
            // (8)
            for b in 0 ..< pa {
                let c = Cycle(selectedInBank[b].reduce(0, +))
                if c > 0 {
                    #expect(t >= bigP + p.selectorDepth + c - 1 + p.attentionLatency + p.outputDivisionCycles
                        + p.outputDivisionLatency)
                }
            }
            // (9)
            for q in timing.queues { #expect(q.maximum <= p.queueDepth) }
            if p.accumulators >= n { for a in timing.attention { #expect(a.blocked == 0) } }
        }
    }

    // Size check: n = 300, Pa·Pc = 64, both modes, finishes quickly in a debug build.
    @Test func largeInvocation() {
        let n = 300
        var rng = SeededGenerator(seed: 7)
        var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { $0 + 1 }))
        for i in 0 ..< n { for j in 0 ..< m.visible[i] where rng.nextUnit() < 0.2 { m.set(query: i, key: j) } }
        for exact in [false, true] {
            let p = parameters(pa: 8, pc: 8, h: 3, d: 3, q: 4, latt: 4, bacc: 2, ii: 4, lod: 2, rNorm: 8, lNorm: 2,
                               exact: exact)
            let timing = ReferencePipeline.simulate(parameters: p, selection: m)
            #expect(timing.isConserved)
            #expect(timing.attention.reduce(0) { $0 + $1.busy } == Cycle(exact ? m.totalPairs : m.selectedPairs))
        }
    }
}
