import Foundation
import Testing
import Workload
@testable import A3Model

/// The greedy candidate search and post-scoring selection (A^3 §IV-A/B) against hand-worked cases and a
/// plain re-implementation of the search as the paper first states it (no sorting, no pointers).
@Suite struct A3ApproximationTests {
    /// Runs the efficient search on a row-major `keys × d` matrix.
    func search(_ keys: [[Double]], query: [Double], visible: Int? = nil, m: Int, skip: Bool) -> A3GreedySearch.Outcome {
        let sorted = A3SortedKeys(matrix: keys.flatMap { $0 }, keys: keys.count, columns: query.count)
        var scratch = [Double](repeating: 0, count: keys.count)
        return A3GreedySearch.search(query: query, keys: sorted, visible: visible ?? keys.count, iterations: m,
                                     skipMinHeuristic: skip, scores: &scratch)
    }

    /// q = (1, −1); keys k0 = (1, −2), k1 = (3, 1), k2 = (−1.5, 2). Products q_c·k_rc: r0: 1, 2;
    /// r1: 3, −1; r2: −1.5, −2. Descending 3(r1) 2(r0) 1(r0) −1(r1) −1.5(r2) −2(r2).
    /// M = 1: +3 → r1, −2 → r2: candidates {1}. M = 2: +2 → r0, −1.5 → r2: {0, 1}.
    /// M = 3: +1 → r0 (3), −1 → r1 (2): {0, 1}. The running sum never goes negative, so the heuristic
    /// changes nothing.
    @Test func handCaseWithoutSkips() {
        let keys: [[Double]] = [[1, -2], [3, 1], [-1.5, 2]]
        for skip in [false, true] {
            #expect(search(keys, query: [1, -1], m: 1, skip: skip).candidates == [1])
            #expect(search(keys, query: [1, -1], m: 2, skip: skip).candidates == [0, 1])
            #expect(search(keys, query: [1, -1], m: 3, skip: skip).candidates == [0, 1])
        }
        #expect(search(keys, query: [1, -1], m: 3, skip: false).iterations == 3)
    }

    /// q = (1, 1); keys r0 = (−4, 1), r1 = (2, −3), r2 = (0.5, 0.8). Descending 2(r1) 1(r0) 0.8(r2)
    /// 0.5(r2) −3(r1) −4(r0). Iteration 1: r1 = 2, S = 2; r0 = −4, S = −2. Iteration 2: r0 = −3,
    /// S = −1 < 0 → the heuristic skips the min step (without it: −3 → r1 = −1, S = −4). Iteration 3
    /// (skip): r2 = 0.8, S = −0.2 → skip: candidates {1, 2}. Without skip: r2 = 0.8; the next min
    /// (0.5) is positive and adds nothing: candidates {2}.
    @Test func skipHeuristicByHand() {
        let keys: [[Double]] = [[-4, 1], [2, -3], [0.5, 0.8]]
        #expect(search(keys, query: [1, 1], m: 2, skip: true).candidates == [1])
        #expect(search(keys, query: [1, 1], m: 2, skip: false).candidates == [])
        #expect(search(keys, query: [1, 1], m: 3, skip: true).candidates == [1, 2])
        #expect(search(keys, query: [1, 1], m: 3, skip: false).candidates == [2])
    }

    /// The search as the paper first describes it: every product q_c·k_rc in one list; iteration k takes
    /// the k-th largest (added to its row when positive) and, unless skipped, the k-th smallest (added
    /// when negative). Written without sorted columns or pointers.
    func plainGreedy(keys: [[Double]], query: [Double], visible: Int, m: Int, skip: Bool) -> [Int] {
        var products: [(value: Double, row: Int)] = []
        for (r, key) in keys.enumerated() { for c in 0 ..< query.count { products.append((query[c] * key[c], r)) } }
        let descending = products.sorted { $0.value > $1.value }
        let ascending = products.sorted { $0.value < $1.value }
        var score = [Double](repeating: 0, count: keys.count)
        var sum = 0.0, top = 0, bottom = 0
        for _ in 0 ..< m {
            if top < descending.count {
                let e = descending[top]; top += 1
                if e.value > 0 && e.row < visible { score[e.row] += e.value; sum += e.value }
            }
            if skip && sum < 0 { continue }
            if bottom < ascending.count {
                let e = ascending[bottom]; bottom += 1
                if e.value < 0 && e.row < visible { score[e.row] += e.value; sum += e.value }
            }
        }
        return (0 ..< visible).filter { score[$0] > 0 }
    }

    /// 400 seeded small random cases (n 1–24, d 1–8, any M up to n·d, both heuristic settings, visible
    /// prefixes as in causal traces): the candidate sets, hence the counts C, agree.
    @Test func candidatesMatchPlainReimplementation() {
        var rng = SeededGenerator(seed: 0x6EED)
        for _ in 0 ..< 400 {
            let n = Int.random(in: 1 ... 24, using: &rng), d = Int.random(in: 1 ... 8, using: &rng)
            let keys = (0 ..< n).map { _ in (0 ..< d).map { _ in rng.nextGaussian() } }
            let query = (0 ..< d).map { _ in rng.nextGaussian() }
            let m = Int.random(in: 0 ... n * d, using: &rng)
            let visible = Int.random(in: 1 ... n, using: &rng)
            let skip = Bool.random(using: &rng)
            let fast = search(keys, query: query, visible: visible, m: m, skip: skip)
            #expect(fast.candidates == plainGreedy(keys: keys, query: query, visible: visible, m: m, skip: skip),
                    "n \(n) d \(d) M \(m) v \(visible) skip \(skip)")
        }
    }

    /// With M = n·d and no heuristic every product is added, so the greedy score is the dot product:
    /// the candidates are exactly the rows with q·k > 0.
    @Test func exhaustiveSearchSelectsPositiveDotProducts() {
        var rng = SeededGenerator(seed: 77)
        for _ in 0 ..< 50 {
            let n = 16, d = 4
            let keys = (0 ..< n).map { _ in (0 ..< d).map { _ in rng.nextGaussian() } }
            let query = (0 ..< d).map { _ in rng.nextGaussian() }
            let dots = keys.map { k in zip(k, query).map(*).reduce(0, +) }
            guard dots.allSatisfy({ abs($0) > 1e-9 }) else { continue }
            #expect(search(keys, query: query, m: n * d, skip: false).candidates == (0 ..< n).filter { dots[$0] > 0 })
        }
    }

    /// T = 100·e^(−t) %: t = ln 20 ≈ 2.9957 for 5 %, ln 10 ≈ 2.3026 for 10 %. Scores 2, 0, −0.9, −1, 1.5:
    /// 5 % keeps ≥ −0.9957 → {0, 1, 2, 4}; 10 % keeps ≥ −0.3026 → {0, 1, 4}; 100 % keeps the maximum
    /// only; no threshold keeps all.
    @Test func postScoringByHand() {
        let scores = [2.0, 0.0, -0.9, -1.0, 1.5]
        let all = [0, 1, 2, 3, 4]
        #expect(abs(A3PostScoring.margin(percent: 5) - 2.995732) < 1e-6)
        #expect(abs(A3PostScoring.margin(percent: 10) - 2.302585) < 1e-6)
        #expect(A3PostScoring.select(candidates: all, scores: scores, percent: 5) == [0, 1, 2, 4])
        #expect(A3PostScoring.select(candidates: all, scores: scores, percent: 10) == [0, 1, 4])
        #expect(A3PostScoring.select(candidates: all, scores: scores, percent: 100) == [0])
        #expect(A3PostScoring.select(candidates: all, scores: scores, percent: nil) == all)
        #expect(A3PostScoring.select(candidates: [3, 4], scores: scores, percent: 10) == [4])
        #expect(A3PostScoring.select(candidates: [], scores: scores, percent: 5) == [])
        // The bound is inclusive: a score exactly t below the maximum stays.
        let edge = [0.0, -log(20.0)]
        #expect(A3PostScoring.select(candidates: [0, 1], scores: edge, percent: 5) == [0, 1])
    }

    /// Preprocessing cost ⌈c·d·n·log2 n⌉ + fixed by hand: c = 0.024, d = 64, n = 320:
    /// 0.024·64·320 = 491.52; × log2 320 = 8.321928 → 4090.39 → 4091. n = 1: log2 1 = 0 → fixed only.
    @Test func preprocessingCostByHand() {
        var p = A3Config.Preprocessing()
        #expect(p.cycles(columns: 64, keys: 320) == 4091)
        p.fixedCycles = 100
        #expect(p.cycles(columns: 64, keys: 1) == 100)
        #expect(A3Config.Approximation().iterationBudget(visible: 320) == 160)
        var a = A3Config.Approximation()
        a.iterationsFraction = 0.125
        #expect(a.iterationBudget(visible: 128) == 16)
        #expect(a.iterationBudget(visible: 9) == 2)
    }
}
