import Testing
import SimCore
import Workload
@testable import ElsaModel

@Suite struct AnalyticModelTests {
    static func randomCase(_ g: inout SeededGenerator) -> (TimingParameters, SelectionMatrix) {
        func r(_ lo: Int, _ hi: Int) -> Int { lo + Int(g.next() % UInt64(hi - lo + 1)) }
        let exact = r(0, 3) == 0
        let p = TimingParameters(attentionModules: r(1, 6), selectorsPerModule: r(1, 9), hashCycles: Cycle(r(1, 10)),
                                 selectorDepth: Cycle(r(1, 5)), queueDepth: r(1, 6), attentionLatency: Cycle(r(1, 6)),
                                 accumulators: r(2, 3), outputDivisionCycles: Cycle(r(1, 12)),
                                 outputDivisionLatency: Cycle(r(0, 3)), normKeysPerCycle: r(1, 4), normLatency: Cycle(r(0, 3)),
                                 arbiter: r(0, 1) == 0 ? .longestQueueFirst : .roundRobin,
                                 bankMapping: r(0, 1) == 0 ? .contiguous : .interleaved, exact: exact)
        let n = r(1, 70)
        let causal = r(0, 1) == 0
        let visible = ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n })
        var m = SelectionMatrix(keys: n, visible: visible)
        let density = g.nextUnit()
        for i in 0 ..< n { for j in 0 ..< visible[i] where g.nextUnit() < density { m.set(query: i, key: j) } }
        return (p, m)
    }

    /// The simulation never beats the resource lower bound (`docs/model.md` §6), on 600 random cases.
    @Test func neverBelowLowerBound() {
        var g = SeededGenerator(seed: 2024)
        for _ in 0 ..< 600 {
            let (p, m) = Self.randomCase(&g)
            let t = ElsaPipeline.simulate(parameters: p, selection: m)
            let a = AnalyticModel(parameters: p, selection: m)
            #expect(t.totalCycles >= a.lowerBound, "T = \(t.totalCycles) < bound \(a.lowerBound) for \(p)")
        }
    }

    /// Hand-derived closed form: n = 4 exact, Pa = 2 contiguous (2 keys per bank), Pc = 1, II = 1:
    /// per query max(0, ⌈2/1⌉, 2, 1) = 2, so 4 · 2 = 8 (no preprocessing in exact mode).
    /// Lower bound: each bank issues 8 keys, first visible at D = 1: 0 + 1 + 8 − 1 + L_att 1 + II 1 + L_od 0 = 10.
    @Test func handDerivedExactCase() {
        let p = TimingParameters(attentionModules: 2, selectorsPerModule: 1, hashCycles: 3, selectorDepth: 1, queueDepth: 4,
                                 attentionLatency: 1, accumulators: 2, outputDivisionCycles: 1, outputDivisionLatency: 0,
                                 normKeysPerCycle: 1, normLatency: 0, arbiter: .longestQueueFirst, bankMapping: .contiguous,
                                 exact: true)
        let m = SelectionMatrix.all(keys: 4, visible: [4, 4, 4, 4])
        let a = AnalyticModel(parameters: p, selection: m)
        #expect(a.paperClosedForm == 8)
        #expect(a.lowerBound == 10)
    }

    /// The paper's closed form against a plain re-implementation, key by key: `P_paper + Σ_i max(H,
    /// ⌈u_b/Pc⌉, c_b, II)` over the fullest bank, with each selected key's bank from `bank(ofKey:)`. Rows of
    /// up to 200 keys (several 64-bit words, banks straddling a word boundary), both bank mappings, both
    /// modes: the model counts a bank's selected keys as popcounts of the row under per-bank masks.
    @Test func paperClosedFormCountsEverySelectedKeyInItsBank() {
        var g = SeededGenerator(seed: 77)
        for _ in 0 ..< 300 {
            var (p, m) = Self.randomCase(&g)
            if g.next() % 2 == 0 {
                let n = 64 + Int(g.next() % 137)
                var wide = SelectionMatrix(keys: n, visible: ContiguousArray(repeating: n, count: n))
                for i in 0 ..< n { for j in 0 ..< n where g.next() % 3 == 0 { wide.set(query: i, key: j) } }
                m = wide
            }
            let n = m.keys
            var sum: Cycle = 0
            for i in 0 ..< m.queries {
                var selected = [Int](repeating: 0, count: p.attentionModules)
                var scan: Cycle = 0
                for key in 0 ..< n where p.exact ? key < m.visible[i] : m.isSelected(query: i, key: key) {
                    selected[p.bank(ofKey: key, keys: n).bank] += 1
                }
                for b in 0 ..< p.attentionModules {
                    let u = p.bankKeys(bank: b, visible: m.visible[i], keys: n)
                    scan = max(scan, Cycle((u + p.selectorsPerModule - 1) / p.selectorsPerModule))
                }
                sum += max(p.exact ? 0 : p.hashCycles, scan, Cycle(selected.max() ?? 0), p.outputDivisionCycles)
            }
            let expected = p.preprocessingHashCycles(keys: n) + sum
            #expect(AnalyticModel(parameters: p, selection: m).paperClosedForm == expected, "\(p), n = \(n)")
        }
    }

    /// Approximate, n = 3, H = 2, one selected key per query, Pa = Pc = 1, II = 1:
    /// closed form H·(n+1) + Σ max(2, 3, 1, 1) = 8 + 9 = 17.
    @Test func handDerivedApproximateCase() {
        let p = TimingParameters(attentionModules: 1, selectorsPerModule: 1, hashCycles: 2, selectorDepth: 1, queueDepth: 4,
                                 attentionLatency: 1, accumulators: 2, outputDivisionCycles: 1, outputDivisionLatency: 0,
                                 normKeysPerCycle: 1, normLatency: 0, arbiter: .longestQueueFirst, bankMapping: .contiguous,
                                 exact: false)
        var m = SelectionMatrix(keys: 3, visible: [3, 3, 3])
        for i in 0 ..< 3 { m.set(query: i, key: i) }
        #expect(AnalyticModel(parameters: p, selection: m).paperClosedForm == 17)
    }
}
