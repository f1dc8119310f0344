import Testing
import SimCore
import Workload
@testable import ElsaModel

// The closed-form cases of docs/validation.md ("Closed-form cases", C1–C6). Each test draws many
// parameter sets that satisfy the case's stated conditions, runs BOTH engines (which must agree), and
// checks T — and where the derivation gives them, per-unit counters — against the formula. The
// formulas and their proofs are in docs/validation.md; the expected values here are computed from
// those formulas only, never from an engine.

/// Both engines on one invocation; they must agree field for field.
private func simulateBoth(_ p: TimingParameters, _ selection: SelectionMatrix,
                          sourceLocation: SourceLocation = #_sourceLocation) -> HeadTiming {
    let event = ElsaPipeline.simulate(parameters: p, selection: selection)
    let reference = ReferencePipeline.simulate(parameters: p, selection: selection)
    #expect(event.firstDifference(from: reference, selectorsPerModule: p.selectorsPerModule) == nil,
            "engines differ on \(TimingParameters.describe(p)) n=\(selection.keys)", sourceLocation: sourceLocation)
    return event
}

private func constants(pa: Int, pc: Int, h: Int = 1, d: Int, q: Int, latt: Int, bacc: Int, ii: Int, lod: Int,
                       rNorm: Int = 1, lNorm: Int = 0, arbiter: ArbiterPolicy, mapping: BankMapping,
                       exact: Bool) -> TimingParameters {
    TimingParameters(attentionModules: pa, selectorsPerModule: pc, hashCycles: Cycle(h), selectorDepth: Cycle(d),
                     queueDepth: q, attentionLatency: Cycle(latt), accumulators: bacc, outputDivisionCycles: Cycle(ii),
                     outputDivisionLatency: Cycle(lod), normKeysPerCycle: rNorm, normLatency: Cycle(lNorm),
                     arbiter: arbiter, bankMapping: mapping, exact: exact)
}

private func nonCausal(_ n: Int) -> ContiguousArray<Int> { ContiguousArray(repeating: n, count: n) }

/// Bank and local index of key `j` among `n` keys, written out from docs/model.md §2 (not the
/// engines' helpers): contiguous `m = ⌈n/Pa⌉`, bank `j / m`; interleaved bank `j mod Pa`.
private func place(_ j: Int, n: Int, pa: Int, mapping: BankMapping) -> (bank: Int, local: Int) {
    switch mapping {
    case .contiguous: let m = (n + pa - 1) / pa; return (j / m, j % m)
    case .interleaved: return (j % pa, j / pa)
    }
}

/// `P = max(H·(n+1), ⌈n/R_norm⌉ + L_norm)` (docs/model.md §3).
private func preprocessing(n: Int, h: Int, rNorm: Int, lNorm: Int) -> Int {
    max(h * (n + 1), (n + rNorm - 1) / rNorm + lNorm)
}

@Suite struct ClosedFormTimingTests {

    // C1 (exact mode, non-causal) and C6 (its output-division-bound branch):
    //   T = D + m − 1 + L_att + (n − 1)·max(m, II) + II + L_od,  m = ⌈n/Pa⌉,
    // if D ≤ m, Q ≥ D and L_att + m ≤ B_acc·max(m, II). Any Pc, arbiter, mapping, L_od.
    // The bank holding m keys (bank 0) is busy n·m cycles, never blocked, and starved exactly in
    // [0, D) when II ≤ m (it issues every cycle of [D, D + n·m)).
    @Test(arguments: [false, true]) func exactMode(outputDivisionBound: Bool) {
        var rng = SeededGenerator(seed: outputDivisionBound ? 0xC6 : 0xC1)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 150 {
            let pa = draw(1 ... 5), pc = draw(1 ... 9), n = draw(1 ... 40)
            let m = (n + pa - 1) / pa
            let d = draw(1 ... 6), q = draw(1 ... 8), bacc = draw(2 ... 4), latt = draw(1 ... 10)
            let ii = outputDivisionBound ? draw(m + 1 ... m + 20) : draw(1 ... max(1, m))
            let sigma = max(m, ii)
            guard d <= m, q >= d, latt + m <= bacc * sigma else { continue }
            let p = constants(pa: pa, pc: pc, h: draw(1 ... 12), d: d, q: q, latt: latt, bacc: bacc, ii: ii, lod: draw(0 ... 4),
                              arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], mapping: BankMapping.allCases[draw(0 ... 1)],
                              exact: true)
            // Exact mode ignores the matrix: an empty one must give the same result.
            let timing = simulateBoth(p, SelectionMatrix(keys: n, visible: nonCausal(n)))
            let expected = d + m - 1 + latt + (n - 1) * sigma + ii + Int(p.outputDivisionLatency)
            #expect(timing.totalCycles == Cycle(expected), "C1 \(TimingParameters.describe(p)) n=\(n)")
            #expect(timing.preprocessingCycles == 0)
            #expect(timing.attention[0].busy == Cycle(n * m))
            #expect(timing.outputDivision.busy == Cycle(n * ii))
            if !outputDivisionBound {
                #expect(timing.attention[0].blocked == 0)
                #expect(timing.attention[0].starved == Cycle(d))
            }
            checked += 1
        }
    }

    // ELSA-base itself (Configs/elsa-base.json: Pa = 4, Pc = 8, D = 3, Q = 4, L_att = 4, B_acc = 2,
    // II = 64/16 = 4, L_od = 2) satisfies C1's conditions for n ≥ 13 (m ≥ 4): T = n²/4 + 12 for n = 4k.
    @Test func elsaBaseFollowsC1() {
        var config = ElsaConfig()
        config.approximation.mode = .exact
        let p = TimingParameters(config: config)
        for n in [16, 64, 200, 512] {
            let m = (n + 3) / 4
            let timing = ElsaPipeline.simulate(parameters: p, selection: SelectionMatrix(keys: n, visible: nonCausal(n)))
            #expect(timing.totalCycles == Cycle(3 + n * m - 1 + 4 + 4 + 2))
        }
    }

    // The conditions are not decoration: with Pc = 1 and Q = D − 1 a selector can keep only D − 1
    // keys in flight, the attention module starves and T exceeds the C1 value (which stays a lower bound).
    @Test func exactModeNeedsQueueDepthAtLeastD() {
        for d in 2 ... 5 {
            let n = 12
            let p = constants(pa: 1, pc: 1, d: d, q: d - 1, latt: 2, bacc: 2, ii: 1, lod: 1, arbiter: .longestQueueFirst,
                              mapping: .contiguous, exact: true)
            let timing = simulateBoth(p, SelectionMatrix(keys: n, visible: nonCausal(n)))
            #expect(timing.totalCycles > Cycle(d + n * n - 1 + 2 + 1 + 1))
        }
    }

    // C2 (all keys in one bank, approximate, non-causal): every visible key of bank b* is selected and
    // no other key. With c = keys of b*, ℓ = ⌈⌈n/Pa⌉/Pc⌉ (longest selector list of any bank):
    //   T = P + D + c − 1 + L_att + (n − 1)·max(c, II) + II + L_od
    // if D ≤ c, Q ≥ D, H ≤ c, ℓ ≤ c and L_att + c ≤ B_acc·max(c, II).
    @Test(arguments: BankMapping.allCases) func allKeysInOneBank(mapping: BankMapping) {
        var rng = SeededGenerator(seed: mapping == .contiguous ? 0xC2 : 0xC2C2)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 150 {
            let pa = draw(1 ... 5), pc = draw(1 ... 9), n = draw(1 ... 40)
            let bank = draw(0 ... pa - 1)
            let c = (0 ..< n).filter { place($0, n: n, pa: pa, mapping: mapping).bank == bank }.count
            let longest = ((n + pa - 1) / pa + pc - 1) / pc
            let d = draw(1 ... 6), q = draw(1 ... 8), h = draw(1 ... 12), bacc = draw(2 ... 4), latt = draw(1 ... 10)
            let ii = draw(0 ... 3) == 0 ? draw(1 ... 40) : draw(1 ... max(1, c))
            let rNorm = draw(1 ... 8), lNorm = draw(0 ... 6), lod = draw(0 ... 4)
            guard c >= 1, d <= c, q >= d, h <= c, longest <= c, latt + c <= bacc * max(c, ii) else { continue }
            let p = constants(pa: pa, pc: pc, h: h, d: d, q: q, latt: latt, bacc: bacc, ii: ii, lod: lod, rNorm: rNorm,
                              lNorm: lNorm, arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], mapping: mapping, exact: false)
            var selection = SelectionMatrix(keys: n, visible: nonCausal(n))
            for i in 0 ..< n { for j in 0 ..< n where place(j, n: n, pa: pa, mapping: mapping).bank == bank { selection.set(query: i, key: j) } }
            let timing = simulateBoth(p, selection)
            let bigP = preprocessing(n: n, h: h, rNorm: rNorm, lNorm: lNorm)
            #expect(timing.preprocessingCycles == Cycle(bigP))
            #expect(timing.totalCycles == Cycle(bigP + d + c - 1 + latt + (n - 1) * max(c, ii) + ii + lod),
                    "C2 \(TimingParameters.describe(p)) n=\(n) b*=\(bank)")
            for b in 0 ..< pa { #expect(timing.attention[b].busy == (b == bank ? Cycle(n * c) : 0)) }
            checked += 1
        }
    }

    // C3 (one selected key per query, approximate, non-causal): every query selects the same key j*,
    // at position p = ⌊local(j*)/Pc⌋ of its selector's list. With ℓ = ⌈⌈n/Pa⌉/Pc⌉ and σ = max(H, ℓ):
    //   T = P + (n − 1)·σ + D + max(p + L_att, ℓ − 1) + II + L_od
    // if Q ≥ ⌈D/σ⌉, D + max(p + 1, ℓ − 1) ≤ 2σ, L_att < B_acc·σ and II ≤ σ.
    // Hash blocked = Σ (S_{i+1} − S_i − H) = (n − 2)·(σ − H) for n ≥ 2.
    @Test func singleSelectedKeyPerQuery() {
        var rng = SeededGenerator(seed: 0xC3)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 300 {
            let pa = draw(1 ... 5), pc = draw(1 ... 9), n = draw(1 ... 40)
            let mapping = BankMapping.allCases[draw(0 ... 1)]
            let key = draw(0 ... n - 1)
            let position = place(key, n: n, pa: pa, mapping: mapping).local / pc
            let longest = ((n + pa - 1) / pa + pc - 1) / pc
            let h = draw(1 ... 12), d = draw(1 ... 6), q = draw(1 ... 4), bacc = draw(2 ... 4), latt = draw(1 ... 10)
            let ii = draw(1 ... 12), rNorm = draw(1 ... 8), lNorm = draw(0 ... 6), lod = draw(0 ... 4)
            let sigma = max(h, longest)
            guard q >= (d + sigma - 1) / sigma, d + max(position + 1, longest - 1) <= 2 * sigma, latt < bacc * sigma,
                  ii <= sigma else { continue }
            let p = constants(pa: pa, pc: pc, h: h, d: d, q: q, latt: latt, bacc: bacc, ii: ii, lod: lod, rNorm: rNorm,
                              lNorm: lNorm, arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], mapping: mapping, exact: false)
            var selection = SelectionMatrix(keys: n, visible: nonCausal(n))
            for i in 0 ..< n { selection.set(query: i, key: key) }
            let timing = simulateBoth(p, selection)
            let bigP = preprocessing(n: n, h: h, rNorm: rNorm, lNorm: lNorm)
            #expect(timing.totalCycles == Cycle(bigP + (n - 1) * sigma + d + max(position + latt, longest - 1) + ii + lod),
                    "C3 \(TimingParameters.describe(p)) n=\(n) j*=\(key)")
            #expect(timing.hash.blocked == Cycle(max(0, n - 2) * (sigma - h)))
            #expect(timing.attention.reduce(0) { $0 + $1.busy } == Cycle(n))
            checked += 1
        }
    }

    // C4 (depth-1 queues with back-pressure: exact, non-causal, Pc = 1, Q = 1): a selector's next
    // read waits for the pop of its previous entry, D cycles after it was read, so the selector of a
    // largest bank reads one key every D cycles, the k-th (of all n·m) at k·D:
    //   T = n·m·D + L_att + II + L_od   if L_att ≤ (B_acc − 1)·m·D and II ≤ m·D.
    // That selector: busy n·m, blocked (n·m − 1)(D − 1), never starved. Its attention module issues
    // at (k + 1)·D: busy n·m, blocked 0, starved n·m·D + 1 − n·m.
    @Test func depthOneQueuesWithBackPressure() {
        var rng = SeededGenerator(seed: 0xC4)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 150 {
            let pa = draw(1 ... 5), n = draw(1 ... 40), d = draw(1 ... 6)
            let m = (n + pa - 1) / pa
            let latt = draw(1 ... 12), bacc = draw(2 ... 4), ii = draw(1 ... 12), lod = draw(0 ... 4)
            guard latt <= (bacc - 1) * m * d, ii <= m * d else { continue }
            let p = constants(pa: pa, pc: 1, d: d, q: 1, latt: latt, bacc: bacc, ii: ii, lod: lod,
                              arbiter: ArbiterPolicy.allCases[draw(0 ... 1)], mapping: BankMapping.allCases[draw(0 ... 1)],
                              exact: true)
            let timing = simulateBoth(p, SelectionMatrix(keys: n, visible: nonCausal(n)))
            let total = n * m * d + latt + ii + lod
            #expect(timing.totalCycles == Cycle(total), "C4 \(TimingParameters.describe(p)) n=\(n)")
            let keys = n * m
            #expect(timing.selectors[0] == UnitActivity(busy: Cycle(keys), blocked: Cycle((keys - 1) * (d - 1)), starved: 0,
                                                        idle: Cycle(total - ((keys - 1) * d + 1))))
            #expect(timing.attention[0] == UnitActivity(busy: Cycle(keys), blocked: 0, starved: Cycle(keys * d + 1 - keys),
                                                        idle: Cycle(total - (keys * d + 1))))
            checked += 1
        }
    }

    // C5 (hash-bound, any selection, causal or not): when H is at least every query's scan ℓ_i and
    // its lone latency Λ_i plus II, no query meets another: S_i = P + i·H, the hash unit is never
    // blocked, and
    //   T = P + (n − 1)·H + Λ_{n−1} + II + L_od,
    // where Λ_i (computed below, docs/validation.md C5) is the latency from S_i to the availability
    // of the last partial of query i when it runs alone; condition Q ≥ the most selected keys of one
    // query in one selector list.
    @Test func hashBound() {
        var rng = SeededGenerator(seed: 0xC5)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        for _ in 0 ..< 200 {
            let pa = draw(1 ... 4), pc = draw(1 ... 6), n = draw(1 ... 30)
            let mapping = BankMapping.allCases[draw(0 ... 1)]
            let causal = draw(0 ... 1) == 0
            let d = draw(1 ... 5), latt = draw(1 ... 8), ii = draw(1 ... 6), lod = draw(0 ... 3)
            let density = Double(draw(0 ... 100)) / 100
            var selection = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { causal ? $0 + 1 : n }))
            for i in 0 ..< n { for j in 0 ..< selection.visible[i] where rng.nextUnit() < density { selection.set(query: i, key: j) } }

            let lone = (0 ..< n).map { loneQuery($0, selection: selection, pa: pa, pc: pc, d: d, latt: latt, mapping: mapping) }
            let h = max(lone.map(\.scan).max()!, lone.map(\.latency).max()! + ii) + draw(0 ... 3)
            let q = max(1, lone.map(\.busiestList).max()!) + draw(0 ... 2)
            let rNorm = draw(1 ... 8), lNorm = draw(0 ... 4)
            let p = constants(pa: pa, pc: pc, h: h, d: d, q: q, latt: latt, bacc: draw(2 ... 4), ii: ii, lod: lod,
                              rNorm: rNorm, lNorm: lNorm, arbiter: ArbiterPolicy.allCases[draw(0 ... 1)],
                              mapping: mapping, exact: false)
            let timing = simulateBoth(p, selection)
            let bigP = preprocessing(n: n, h: h, rNorm: rNorm, lNorm: lNorm)
            #expect(timing.totalCycles == Cycle(bigP + (n - 1) * h + lone[n - 1].latency + ii + lod),
                    "C5 \(TimingParameters.describe(p)) n=\(n) causal=\(causal)")
            #expect(timing.hash.busy == Cycle(2 * n * h))
            #expect(timing.hash.blocked == 0)
            for (b, unit) in timing.attention.enumerated() { #expect(unit.blocked == 0, "bank \(b)") }
            for unit in timing.selectors { #expect(unit.blocked == 0) }
        }
    }

    /// Query `i` alone from `S_i = 0` (no entry of another query in the bank, accumulators free,
    /// no selector blocked). Per bank b with u_b visible keys: selector s reads its list one key per
    /// cycle from 0, so local index k is read at ⌊k/Pc⌋ and visible at ⌊k/Pc⌋ + D. The module issues one
    /// visible entry per cycle: with arrivals a_1 ≤ … ≤ a_c, issue I_k = max(a_k, I_{k−1} + 1). It leaves
    /// the query at W = max(I_c + 1, R), R = ⌈u_b/Pc⌉ − 1 + D (D − 1 when u_b = 0), and the partial is
    /// ready at PA = max(I_c + L_att, W) (W if nothing was selected). Λ_i = max_b PA.
    private func loneQuery(_ i: Int, selection: SelectionMatrix, pa: Int, pc: Int, d: Int, latt: Int,
                           mapping: BankMapping) -> (latency: Int, scan: Int, busiestList: Int) {
        let n = selection.keys
        var arrivals = Array(repeating: [Int](), count: pa)
        var visibleInBank = Array(repeating: 0, count: pa)
        var perList = [Int: Int]()
        for j in 0 ..< selection.visible[i] {
            let (b, local) = place(j, n: n, pa: pa, mapping: mapping)
            visibleInBank[b] += 1
            if selection.isSelected(query: i, key: j) {
                arrivals[b].append(local / pc + d)
                perList[b * pc + local % pc, default: 0] += 1
            }
        }
        var latency = Int.min, scan = 0
        for b in 0 ..< pa {
            let lists = (visibleInBank[b] + pc - 1) / pc
            scan = max(scan, lists)
            let ready = visibleInBank[b] == 0 ? d - 1 : lists - 1 + d
            var lastIssue: Int? = nil
            for a in arrivals[b].sorted() { lastIssue = max(a, (lastIssue ?? Int.min / 2) + 1) }
            let leave = max(ready, (lastIssue ?? Int.min / 2) + 1)
            latency = max(latency, max(leave, (lastIssue ?? Int.min / 2) + latt))
        }
        return (latency, scan, perList.values.max() ?? 0)
    }
}

// The switchable assumptions of docs/config.md ("Modelling assumptions"): closed forms for
// pipeline.query_overlap = barrier and hash.preprocessing = pipelined, derived in docs/validation.md
// ("The closed form per query-overlap rule"), and the must-show comparison with the paper's closed form.
@Suite struct ClosedFormAssumptionTests {
    /// One query under the barrier, alone in the banks from `S_i = 0` (every bank has left the previous
    /// query, so no other entry is in the queues), nothing blocked: per bank, local index k is read at
    /// ⌊k/Pc⌋ and visible at ⌊k/Pc⌋ + D; issue I_k = max(a_k, I_{k−1} + 1); the module leaves at
    /// W = max(I_c + 1, R) with R = ⌈u_b/Pc⌉ − 1 + D (D − 1 for an empty bank); PA = max(I_c + L_att, W).
    /// Returns max_b W, max_b PA, whether any key is selected, and the most selected keys of one list.
    private func barrierQuery(_ i: Int, selection: SelectionMatrix, pa: Int, pc: Int, d: Int, latt: Int,
                              mapping: BankMapping, exact: Bool) -> (leave: Int, partial: Int, any: Bool, busiestList: Int) {
        let n = selection.keys
        var arrivals = Array(repeating: [Int](), count: pa)
        var visibleInBank = Array(repeating: 0, count: pa)
        var perList = [Int: Int]()
        for j in 0 ..< selection.visible[i] {
            let (b, local) = place(j, n: n, pa: pa, mapping: mapping)
            visibleInBank[b] += 1
            if exact || selection.isSelected(query: i, key: j) {
                arrivals[b].append(local / pc + d)
                perList[b * pc + local % pc, default: 0] += 1
            }
        }
        var leave = 0, partial = 0
        for b in 0 ..< pa {
            let lists = (visibleInBank[b] + pc - 1) / pc
            let ready = visibleInBank[b] == 0 ? d - 1 : lists - 1 + d
            var lastIssue: Int? = nil
            for a in arrivals[b].sorted() { lastIssue = max(a, (lastIssue ?? Int.min / 2) + 1) }
            let w = max(ready, (lastIssue ?? Int.min / 2) + 1)
            leave = max(leave, w)
            partial = max(partial, max(w, (lastIssue ?? Int.min / 2) + latt))
        }
        return (leave, partial, arrivals.contains { !$0.isEmpty }, perList.values.max() ?? 0)
    }

    /// B1/B2: under the barrier with no selector and no accumulator ever blocked, every query runs alone:
    /// S_0 = P, S_{i+1} = S_i + max(H, max_b W_i) (H only in approximate modes), PA_i = S_i + max_b PA,
    /// OD_i = max(PA_i, OD_{i−1} + II), T = OD_{n−1} + II + L_od. The no-blocking conditions are checked on
    /// the derived schedule: every list's selected keys per query ≤ Q, and OD_{a−B_acc} < S_a + D for every
    /// query a that issues anything. Random selections (the equivalence suite's patterns), any mapping,
    /// arbiter, D, L_att, II, L_od, and both preprocessing rules.
    @Test func barrierRunsEachQueryAlone() {
        var checked = 0
        var seed: UInt64 = 0
        while checked < 300 {
            seed += 1
            let base = RandomTimingCase(seed: seed)
            var p = base.parameters
            p.queryOverlap = .barrier
            let n = base.selection.keys
            guard n <= 80 else { continue }
            var rng = SeededGenerator(seed: seed ^ 0xBA88)
            func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
            p.queueDepth = draw(1 ... 16)
            p.accumulators = draw(2 ... 4)
            let (pa, pc, d) = (p.attentionModules, p.selectorsPerModule, Int(p.selectorDepth))
            let h = Int(p.hashCycles)
            let pHash: Int
            switch p.hashPreprocessing {
            case .wholeCycles: pHash = h * (n + 1)
            case .pipelined: pHash = ((n + 1) * p.hashMultiplies + p.hashMultipliers - 1) / p.hashMultipliers
            }
            let start = p.exact ? 0 : max(pHash, (n + p.normKeysPerCycle - 1) / p.normKeysPerCycle + Int(p.normLatency))
            var s = start, fits = true
            var starts: [Int] = [], od: [Int] = []
            for i in 0 ..< n {
                let q = barrierQuery(i, selection: base.selection, pa: pa, pc: pc, d: d, latt: Int(p.attentionLatency),
                                     mapping: p.bankMapping, exact: p.exact)
                if q.busiestList > p.queueDepth { fits = false }
                if q.any && i >= p.accumulators && od[i - p.accumulators] >= s + d { fits = false }
                starts.append(s)
                od.append(max(s + q.partial, (od.last ?? Int.min / 2) + Int(p.outputDivisionCycles)))
                s += max(p.exact ? 0 : h, q.leave)
            }
            guard fits else { continue }
            let timing = simulateBoth(p, base.selection)
            let expected = od[n - 1] + Int(p.outputDivisionCycles) + Int(p.outputDivisionLatency)
            #expect(timing.preprocessingCycles == Cycle(start), "B2 P \(TimingParameters.describe(p)) n=\(n)")
            #expect(timing.totalCycles == Cycle(expected), "B2 \(TimingParameters.describe(p)) n=\(n) seed \(seed)")
            checked += 1
        }
    }

    /// B1 (exact mode, non-causal, barrier): the fullest bank holds m = ⌈n/Pa⌉ keys (either mapping) and
    /// issues them at S_i + D … S_i + D + m − 1, so W = S_i + D + m and S_{i+1} = S_i + D + m; PA_i = S_i + D +
    /// m − 1 + L_att; with II ≤ D + m the output division keeps up: T = n·(D + m) + L_att − 1 + II + L_od.
    /// Conditions: Q ≥ ⌈m/Pc⌉ (no selector stalls), II ≤ D + m, L_att ≤ D + m (the accumulator of query
    /// a − 2 is read at S_a − (D + m) − 1 + L_att < S_a + D).
    @Test func barrierExactModeClosedForm() {
        var rng = SeededGenerator(seed: 0xB1)
        func draw(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        var checked = 0
        while checked < 150 {
            let pa = draw(1 ... 5), pc = draw(1 ... 9), n = draw(1 ... 40)
            let m = (n + pa - 1) / pa
            let d = draw(1 ... 6), latt = draw(1 ... 10), ii = draw(1 ... 12)
            let q = draw((m + pc - 1) / pc ... (m + pc - 1) / pc + 3)
            guard ii <= d + m, latt <= d + m else { continue }
            var p = constants(pa: pa, pc: pc, h: draw(1 ... 12), d: d, q: q, latt: latt, bacc: draw(2 ... 4), ii: ii,
                              lod: draw(0 ... 4), arbiter: ArbiterPolicy.allCases[draw(0 ... 1)],
                              mapping: BankMapping.allCases[draw(0 ... 1)], exact: true)
            p.queryOverlap = .barrier
            let timing = simulateBoth(p, SelectionMatrix(keys: n, visible: nonCausal(n)))
            #expect(timing.totalCycles == Cycle(n * (d + m) + latt - 1 + ii + Int(p.outputDivisionLatency)),
                    "B1 \(TimingParameters.describe(p)) n=\(n)")
            #expect(timing.attention[0].busy == Cycle(n * m))
            checked += 1
        }
    }

    /// Pipelined preprocessing: P_hash = ⌈(n+1)·M_h/m_h⌉ (vector v done at ⌈(v+1)·M_h/m_h⌉); the execution
    /// phase is the whole-cycles one shifted by the new P (every rule of §4 is relative to S_0 = P), and the
    /// hash unit is busy P_hash + H·(n−1). Worked example (docs/config.md): d = 32, factors [4,4,2], m_h = 256,
    /// M_h = 32·10 = 320, n = 128: whole cycles 2·129 = 258, pipelined ⌈129·320/256⌉ = ⌈161.25⌉ = 162.
    @Test func pipelinedPreprocessing() {
        var config = ElsaConfig()
        config.headDim = 32
        config.hash.bits = 32
        config.hash.kroneckerFactors = [4, 4, 2]
        config.hash.preprocessing = .pipelined
        let worked = TimingParameters(config: config)
        #expect(worked.hashCycles == 2 && worked.preprocessingHashCycles(keys: 128) == 162)
        config.hash.preprocessing = .wholeCycles
        #expect(TimingParameters(config: config).preprocessingHashCycles(keys: 128) == 258)

        var checked = 0
        var seed: UInt64 = 5000
        while checked < 200 {
            seed += 1
            let base = RandomTimingCase(seed: seed)
            guard !base.parameters.exact, base.selection.keys <= 100 else { continue }
            var whole = base.parameters, piped = base.parameters
            whole.hashPreprocessing = .wholeCycles
            piped.hashPreprocessing = .pipelined
            let n = base.selection.keys
            let pHash = ((n + 1) * piped.hashMultiplies + piped.hashMultipliers - 1) / piped.hashMultipliers
            let norm = (n + piped.normKeysPerCycle - 1) / piped.normKeysPerCycle + Int(piped.normLatency)
            let a = simulateBoth(whole, base.selection), b = simulateBoth(piped, base.selection)
            #expect(b.preprocessingCycles == Cycle(max(pHash, norm)), "pipelined P \(TimingParameters.describe(piped)) n=\(n)")
            #expect(b.executionCycles == a.executionCycles, "execution shifts with P \(TimingParameters.describe(piped)) n=\(n)")
            #expect(b.hash.busy == Cycle(pHash + Int(piped.hashCycles) * (n - 1)))
            checked += 1
        }
    }

    /// Must-show (docs/validation.md, "The closed form per query-overlap rule"): with barrier, pipelined,
    /// D = 1, L_att = 1, L_od = 0, L_norm = 0, contiguous banks and longest-queue-first,
    ///   T ≥ LB_barrier = max_k [P + Σ_{i<k} g_i + t_k + (n − k)·II],
    ///   g_i = max(H, ⌈u_i/Pc⌉, c_i + [c_i > 0]) (H only in approximate modes), t_k = max(⌈u_k/Pc⌉, c_k + [c_k > 0]),
    /// u_i, c_i the visible and selected keys of query i in its fullest bank (each maximized over banks). So
    /// the simulation is below the paper's closed form only if LB_barrier < CF, which needs a query bound by
    /// II (max(H, ⌈u_i/Pc⌉, c_i) < II) before one that is not, or, with none bound by II, H > II + t_{n−1};
    /// without either it is never below (the docs prove it; the test checks it on every case).
    @Test func barrierNeverBelowPaperClosedFormUnlessIIBoundQueriesComeFirst() {
        var below = 0, conditionHolds = 0, checked = 0
        for seed in UInt64(1) ... 600 {
            let base = RandomTimingCase(seed: seed)
            var p = base.parameters
            guard base.selection.keys <= 120 else { continue }
            p.queryOverlap = .barrier
            p.hashPreprocessing = .pipelined
            p.selectorDepth = 1
            p.attentionLatency = 1
            p.outputDivisionLatency = 0
            p.normLatency = 0
            p.bankMapping = .contiguous
            p.arbiter = .longestQueueFirst
            let sel = base.selection
            let n = sel.keys, pa = p.attentionModules, pc = p.selectorsPerModule
            let h = p.exact ? 0 : Int(p.hashCycles), ii = Int(p.outputDivisionCycles)
            var scan = [Int](), chosen = [Int]()
            for i in 0 ..< n {
                var u = [Int](repeating: 0, count: pa), c = [Int](repeating: 0, count: pa)
                for j in 0 ..< sel.visible[i] {
                    let b = place(j, n: n, pa: pa, mapping: .contiguous).bank
                    u[b] += 1
                    if p.exact || sel.isSelected(query: i, key: j) { c[b] += 1 }
                }
                scan.append((u.max()! + pc - 1) / pc)
                chosen.append(c.max()!)
            }
            let pHash = p.exact ? 0 : ((n + 1) * p.hashMultiplies + p.hashMultipliers - 1) / p.hashMultipliers
            let start = p.exact ? 0 : max(pHash, (n + p.normKeysPerCycle - 1) / p.normKeysPerCycle)
            let cf = pHash + (0 ..< n).reduce(0) { $0 + max(h, scan[$1], chosen[$1], ii) }
            func tail(_ k: Int) -> Int { max(scan[k], chosen[k] + (chosen[k] > 0 ? 1 : 0)) }
            var bound = 0, prefix = start
            for k in 0 ..< n {
                bound = max(bound, prefix + tail(k) + (n - k) * ii)
                prefix += max(h, tail(k))
            }
            let iiBound = (0 ..< n).map { max(h, scan[$0], chosen[$0]) < ii }
            let firstII = iiBound.firstIndex(of: true)
            let suffix = firstII.map { f in iiBound[f...].allSatisfy { $0 } } ?? (h <= ii + tail(n - 1))

            let timing = simulateBoth(p, sel)
            let t = Int(timing.totalCycles)
            #expect(t >= bound, "T \(t) < LB_barrier \(bound): \(TimingParameters.describe(p)) n=\(n) seed \(seed)")
            #expect(cf == Int(AnalyticModel(parameters: p, selection: sel).paperClosedForm))
            if suffix {
                conditionHolds += 1
                #expect(t >= cf, "T \(t) < CF \(cf) although the condition holds: \(TimingParameters.describe(p)) n=\(n) seed \(seed)")
            }
            if t < cf {
                below += 1
                #expect(bound < cf && !suffix)
            }
            checked += 1
        }
        #expect(checked > 400 && conditionHolds > 100)
        #expect(below > 0, "no random case is below the closed form; the hand example below shows one")
    }

    /// The condition is needed: Pa = Pc = 1, causal, nothing selected, H = 1 (M_h = m_h = 1), II = 4, n = 6,
    /// barrier, pipelined, D = 1, L_att = 1, L_od = 0, L_norm = 0, R_norm = 1. By hand: P = max(7, 6) = 7;
    /// query i scans i+1 keys, R = S_i + i + 1 = W_i = PA_i, so S = 7, 8, 10, 13, 17, 22 and PA = 8, 10, 13,
    /// 17, 22, 28; OD = 8, 12, 16, 20, 24, 28; T = 28 + 4 = 32. CF = 7 + 4 + 4 + 4 + 4 + 5 + 6 = 34:
    /// the first three queries are bound by II, the later ones are not, and the simulation is 2 below.
    @Test func barrierCanBeBelowPaperClosedForm() {
        var p = constants(pa: 1, pc: 1, h: 1, d: 1, q: 1, latt: 1, bacc: 2, ii: 4, lod: 0, rNorm: 1, lNorm: 0,
                          arbiter: .longestQueueFirst, mapping: .contiguous, exact: false)
        p.queryOverlap = .barrier
        p.hashPreprocessing = .pipelined
        let sel = SelectionMatrix(keys: 6, visible: ContiguousArray((1 ... 6).map { $0 }))
        let timing = simulateBoth(p, sel)
        #expect(timing.preprocessingCycles == 7)
        #expect(timing.totalCycles == 32)
        #expect(AnalyticModel(parameters: p, selection: sel).paperClosedForm == 34)
    }
}
