import Foundation
import Testing
import Workload
@testable import ElsaModel

@Suite struct AlgorithmThresholdLearnerTests {
    /// One layer, one head, d = 2, n = 4 with 3 real tokens, scale 1:
    ///
    ///     q0 = (1, 0)   k0 = (2, 0)   ‖k0‖ = 2
    ///     q1 = (0, 0)   k1 = (1, 1)   ‖k1‖ = √2
    ///     q2 = (0, 2)   k2 = (0, 3)   ‖k2‖ = 3  ⇒ ‖K_max‖ = 3 (the padding key (100, 100) is ignored)
    ///
    /// q0: scores 2, 1, 0; e = 7.389056, 2.718282, 1; Σ = 11.107338; P = 0.665241, 0.244728, 0.090031.
    /// q1: ‖q‖ = 0 ⇒ skipped.
    /// q2: scores 0, 2, 6; e = 1, 7.389056, 403.428793; Σ = 411.817849; P = 0.002428, 0.017942, 0.979630.
    /// t = s / (‖q‖ · 3): q0 with k0 → 2/3, with k1 → 1/3, with k2 → 0; q2 with k2 → 6/6 = 1.
    static func handTrace(causal: Bool = false) -> AttentionTrace {
        let q = Tensor3(heads: 1, rows: 4, dim: 2, storage: [1, 0, 0, 0, 0, 2, 5, 5])
        let k = Tensor3(heads: 1, rows: 4, dim: 2, storage: [2, 0, 1, 1, 0, 3, 100, 100])
        return AttentionTrace(model: "hand", scale: 1, causal: causal, tokens: 3,
                              layers: [AttentionLayer(name: "l0", q: q, k: k, v: k)])
    }

    struct Expectation: Sendable {
        var p: Double
        var relevance: RelevanceCount
        var causal: Bool
        var sum: Double
        var fallbacks: Int
    }

    @Test(arguments: [
        // p/n = 1/3: q0 keeps only k0 (0.665) → 2/3; q2 keeps only k2 → 1.
        Expectation(p: 1, relevance: .visibleKeys, causal: false, sum: 2.0 / 3 + 1, fallbacks: 0),
        // p/n = 1/6: q0 keeps k0, k1; the smaller is k1 → 1/3.
        Expectation(p: 0.5, relevance: .visibleKeys, causal: false, sum: 1.0 / 3 + 1, fallbacks: 0),
        // p/n = 0.0667: q0 keeps all three; the smallest is k2 with score 0 → 0.
        Expectation(p: 0.2, relevance: .visibleKeys, causal: false, sum: 0 + 1, fallbacks: 0),
        // p/n = 0.8333: no key of q0 exceeds it → footnote 1: maximum-score key k0 → 2/3; q2's k2 (0.98) does.
        Expectation(p: 2.5, relevance: .visibleKeys, causal: false, sum: 2.0 / 3 + 1, fallbacks: 1),
        // p = 0.8: visible keys n = 3 → 0.2667: q0 keeps k0 only → 2/3.
        Expectation(p: 0.8, relevance: .visibleKeys, causal: false, sum: 2.0 / 3 + 1, fallbacks: 0),
        // p = 0.8: sequence length n = 4 (padding included) → 0.2: q0 keeps k0 and k1 (0.2447) → 1/3.
        Expectation(p: 0.8, relevance: .sequenceLength, causal: false, sum: 1.0 / 3 + 1, fallbacks: 0),
        // Causal, p = 0.5: q0 sees only k0 (P = 1 > 0.5) → 2/3; q2 sees k0…k2 (cut-off 1/6) → k2 → 1.
        Expectation(p: 0.5, relevance: .visibleKeys, causal: true, sum: 2.0 / 3 + 1, fallbacks: 0),
        // Causal, p = 1: q0's only key has P = 1, not > 1/1 → fallback to it → 2/3.
        Expectation(p: 1, relevance: .visibleKeys, causal: true, sum: 2.0 / 3 + 1, fallbacks: 1),
        // Causal, sequence length: q0's cut-off is 1/4, P = 1 > 1/4 → k0 → 2/3; q2 cut-off 1/4 → k2 → 1.
        Expectation(p: 1, relevance: .sequenceLength, causal: true, sum: 2.0 / 3 + 1, fallbacks: 0),
    ])
    func handComputedExample(e: Expectation) {
        let trace = Self.handTrace(causal: e.causal)
        let stats = ThresholdLearner(p: e.p, relevanceCount: e.relevance)
            .statistics(layer: trace.layers[0], queryHead: 0, trace: trace)
        #expect(stats.count == 2)
        #expect(stats.skipped == 1)
        #expect(stats.fallbacks == e.fallbacks)
        #expect(abs(stats.sum - e.sum) < 1e-12)
        #expect(abs(stats.mean! - e.sum / 2) < 1e-12)
    }

    @Test func chooseKeyUsesScaleAndBreaksTiesTowardsLowerIndex() {
        func choose(_ s: [Double], scale: Double, cutoff: Double) -> (Int, Bool) {
            let r = s.withUnsafeBufferPointer { ThresholdLearner.chooseKey(scores: $0, scale: scale, cutoff: cutoff) }
            return (r.key, r.fallback)
        }
        // scale 0.5: scaled 1, 0.5, 0; e = 1, 0.606531, 0.367879; Σ = 1.974410; P = 0.506480, 0.307196, 0.186324.
        #expect(choose([2, 1, 0], scale: 0.5, cutoff: 0.25) == (1, false))
        #expect(choose([2, 1, 0], scale: 0.5, cutoff: 0.18) == (2, false))
        #expect(choose([2, 1, 0], scale: 1, cutoff: 0.25) == (0, false))
        // Equal scores: P = 0.422319, 0.422319, 0.155362; both relevant → the first.
        #expect(choose([1, 1, 0], scale: 1, cutoff: 0.2) == (0, false))
        // No key above the cut-off: the first maximum-score key.
        #expect(choose([0, 3, 3], scale: 1, cutoff: 0.9) == (1, true))
        #expect(choose([-4], scale: 1, cutoff: 0.5) == (0, false))
    }

    @Test func zeroKeysSkipEveryQueryWithoutNaN() {
        var trace = Self.handTrace()
        trace.layers[0].k = Tensor3(heads: 1, rows: 4, dim: 2)
        let stats = ThresholdLearner(p: 1).statistics(layer: trace.layers[0], queryHead: 0, trace: trace)
        #expect(stats == ThresholdStatistics(sum: 0, count: 0, skipped: 3, fallbacks: 0))
        #expect(stats.mean == nil)
    }

    @Test func learnerMatchesAPlainReimplementationWithGQAAndPadding() {
        for causal in [false, true] {
            let trace = AlgorithmFixtures.randomTrace(seed: causal ? 5 : 6, layers: 2, queryHeads: 4, kvHeads: 2,
                                                      n: 24, tokens: 21, headDim: 8, causal: causal)
            let learner = ThresholdLearner(p: 1.5, relevanceCount: .visibleKeys)
            let all = learner.statistics(trace: trace)
            #expect(all.count == 2 && all.allSatisfy { $0.count == 4 })
            for (l, layer) in trace.layers.enumerated() {
                for h in 0 ..< 4 {
                    let kv = h / 2
                    let keys = (0 ..< 21).map { layer.k.row(head: kv, row: $0).map(Double.init) }
                    let kmax = keys.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }.max()!
                    var sum = 0.0
                    for x in 0 ..< 21 {
                        let q = layer.q.row(head: h, row: x).map(Double.init)
                        let v = causal ? x + 1 : 21
                        let s = (0 ..< v).map { y in zip(q, keys[y]).reduce(0) { $0 + $1.0 * $1.1 } }
                        let z = s.map { $0 * trace.scale }
                        let e = z.map { exp($0 - z.max()!) }
                        let probs = e.map { $0 / e.reduce(0, +) }
                        let relevant = (0 ..< v).filter { probs[$0] > 1.5 / Double(v) }
                        let y = relevant.min { probs[$0] < probs[$1] } ?? s.indices.max { s[$0] < s[$1] }!
                        sum += s[y] / (q.reduce(0) { $0 + $1 * $1 }.squareRoot() * kmax)
                    }
                    #expect(all[l][h].sum == sum, "layer \(l) head \(h)")   // same operation order: bit-identical
                    #expect(all[l][h].count == 21)
                }
            }
        }
    }

    /// The plain loop `minimumRelevant` replaced: the first key with the smallest `weights[y] / sum`
    /// above the cutoff, or −1.
    static func plainMinimumRelevant(_ e: [Double], sum: Double, cutoff: Double) -> Int {
        var chosen = -1, best = Double.infinity
        for y in e.indices {
            let probability = e[y] / sum
            if probability > cutoff && probability < best { chosen = y; best = probability }
        }
        return chosen
    }

    /// The vector search against the plain loop it replaced (`plainMinimumRelevant`): ties (weights from a few values), lengths that are not a
    /// multiple of four, a NaN, +∞ weights and sums that make every probability +∞ or NaN.
    @Test func minimumRelevantEqualsThePlainLoop() {
        var g = SeededGenerator(seed: 5)
        let special: [Double] = [.nan, .infinity, 0]
        for trial in 0 ..< 400 {
            let n = trial % 19
            var e: [Double] = (0 ..< n).map { _ in Double(1 + Int(g.nextUnit() * 5)) / 8 }
            if trial % 7 == 0 && n > 0 { e[trial % n] = special[trial % 3] }
            let sum = trial % 50 == 0 ? 0 : e.filter { $0.isFinite }.reduce(0, +) + 0.5
            for cutoff in [0.0, 0.01, 0.1, 0.3] {
                let got = e.withUnsafeBufferPointer {
                    ThresholdLearner.minimumRelevant(weights: $0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: n, sum: sum, cutoff: cutoff)
                }
                #expect(got == Self.plainMinimumRelevant(e, sum: sum, cutoff: cutoff), "trial \(trial) cutoff \(cutoff) weights \(e) sum \(sum)")
            }
        }
    }

    /// The vector search against the plain loop on the rows that decide a threshold: softmax rows of 512
    /// keys at the usual cutoff; weights one ulp apart whose probabilities round to the same value (the
    /// first such key wins, whichever weight is smaller); weights within 2⁻⁴⁵ of `cutoff · sum`, on both
    /// sides, and a few ulps above it (relevant or not as their divisions say). A search that compares
    /// weights with `cutoff · sum` instead of dividing, without a margin for the roundings, fails here.
    @Test func minimumRelevantKeepsThePlainLoopsKeyAtTheEdges() {
        func search(_ e: [Double], sum: Double, cutoff: Double) -> Int {
            e.withUnsafeBufferPointer { ThresholdLearner.minimumRelevant(weights: $0.baseAddress!, count: e.count, sum: sum, cutoff: cutoff) }
        }
        var g = SeededGenerator(seed: 8)
        for trial in 0 ..< 200 {
            let n = 509 + trial % 4
            let e = (0 ..< n).map { _ in exp(-12 * g.nextUnit()) }
            let sum = e.reduce(0, +)
            let cutoff = 1 / Double(n)
            #expect(search(e, sum: sum, cutoff: cutoff) == Self.plainMinimumRelevant(e, sum: sum, cutoff: cutoff), "trial \(trial)")
        }
        // Neighbouring weights whose probabilities coincide: the larger weight first.
        var tiesWithALargerWeight = 0
        for trial in 0 ..< 300 {
            // x / sum in [0.25, 0.5), x in the same binade: a result ulp is wider than the quotient of two
            // neighbouring weights, so some neighbours share a probability.
            let x = 0.35 + g.nextUnit() / 10, sum = 1 + g.nextUnit() / 3
            let e = [2.0, 1.5, x.nextUp, 0.9, x, x.nextUp, 0.01]
            let got = search(e, sum: sum, cutoff: 0.05)
            #expect(got == Self.plainMinimumRelevant(e, sum: sum, cutoff: 0.05), "trial \(trial)")
            if got == 2 { tiesWithALargerWeight += 1 }
        }
        #expect(tiesWithALargerWeight > 0, "no case where a larger weight has the same, first, probability")
        // Weights at cutoff · sum within 2⁻⁴⁵, below and above, next to clearly relevant ones.
        for trial in 0 ..< 200 {
            let sum = 1 + g.nextUnit() * 100, cutoff = 0.001 + g.nextUnit() / 100
            let t = cutoff * sum
            let e = [t * (1 - 0x1p-45), t, t * (1 + 0x1p-45), t.nextUp, t.nextDown, 2 * t, 3 * t, t * (1 + 0x1p-45)]
            #expect(search(e, sum: sum, cutoff: cutoff) == Self.plainMinimumRelevant(e, sum: sum, cutoff: cutoff), "trial \(trial)")
            // One weight a few ulps above t and clearly relevant ones: it is relevant or not as its division
            // says, and then the one chosen.
            for steps in 1 ... 6 {
                var w = t
                for _ in 0 ..< steps { w = w.nextUp }
                let row = [3 * t, w, 2 * t]
                #expect(search(row, sum: sum, cutoff: cutoff) == Self.plainMinimumRelevant(row, sum: sum, cutoff: cutoff), "trial \(trial), \(steps) ulps")
            }
        }
    }
}
