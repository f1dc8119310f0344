import Foundation
import Testing
import Workload

/// `TraceStatistics` against traces built by hand, whose statistics follow from the construction.
@Suite struct TraceStatisticsTests {
    /// A one-layer trace from explicit rows: `q[h][i]`, `k[h][j]`, `v[h][j]`.
    static func trace(q: [[[Float]]], k: [[[Float]]], v: [[[Float]]]? = nil, scale: Double = 1, causal: Bool = false,
                      tokens: Int? = nil, withOut: Bool = true) -> AttentionTrace {
        func tensor(_ rows: [[[Float]]]) -> Tensor3 {
            Tensor3(heads: rows.count, rows: rows[0].count, dim: rows[0][0].count,
                    storage: ContiguousArray(rows.flatMap { $0.flatMap { $0 } }))
        }
        let values = v ?? k
        var layer = AttentionLayer(name: "l0", q: tensor(q), k: tensor(k), v: tensor(values))
        let n = q[0].count
        if withOut { layer.out = exactAttentionOutput(layer: layer, scale: scale, causal: causal, tokens: tokens ?? n) }
        return AttentionTrace(model: "hand", scale: scale, causal: causal, tokens: tokens, layers: [layer])
    }

    static func unit(_ i: Int, _ d: Int, times x: Float = 1) -> [Float] {
        (0 ..< d).map { $0 == i ? x : 0 }
    }

    @Test func oneHotAttentionNeedsOneKey() throws {
        // q_i = 40 e_i, k_j = e_j: score 40 on the diagonal, 0 elsewhere, so p_ii = e^40 / (e^40 + 7) ≈ 1.
        let n = 8
        let t = Self.trace(q: [(0 ..< n).map { Self.unit($0, n, times: 40) }], k: [(0 ..< n).map { Self.unit($0, n) }])
        let s = TraceStatistics(trace: t)
        let keys = s.head(layer: 0, head: 0).statistics.keysForMass
        #expect(keys.queries == n && keys.mean == 1 && keys.median == 1 && keys.minimum == 1 && keys.maximum == 1)
        #expect(keys.meanFraction == 1.0 / Double(n))
        #expect(s.overall.keysForMass == keys)
    }

    @Test func uniformAttentionNeedsCeilingOf90PercentOfKeys() {
        // All-zero queries: every score is 0 and p = 1/37 for each key; 0.9 · 37 = 33.3, so 34 keys.
        let n = 37, d = 3
        let zero = [Float](repeating: 0, count: d)
        let keys = (0 ..< n).map { j in (0 ..< d).map { Float(sin(Double(j * d + $0))) } }
        let s = TraceStatistics(trace: Self.trace(q: [Array(repeating: zero, count: n)], k: [keys]))
        let k = s.overall.keysForMass
        #expect(k.mean == 34 && k.median == 34 && k.maximum == 34 && k.minimum == 34)
        #expect(abs(k.meanFraction - 34.0 / 37.0) < 1e-15)
        // Half the mass: 18.5 → 19 keys.
        #expect(TraceStatistics(trace: Self.trace(q: [Array(repeating: zero, count: n)], k: [keys]), mass: 0.5)
            .overall.keysForMass.mean == 19)
    }

    @Test func causalAndPaddingCountOnlyVisibleRealKeys() {
        // n = 12, 9 real tokens, causal, zero queries: query i sees i + 1 keys, uniformly; for v ≤ 9 keys
        // ⌈0.9 v⌉ = v, so every query needs all its visible keys and the mean count is (1 + … + 9) / 9 = 5.
        let n = 12, d = 2
        let zero = [Float](repeating: 0, count: d)
        let keys = (0 ..< n).map { j in [Float(j), 1] }
        let s = TraceStatistics(trace: Self.trace(q: [Array(repeating: zero, count: n)], k: [keys], causal: true, tokens: 9))
        let k = s.overall.keysForMass
        #expect(k.queries == 9 && k.mean == 5 && k.median == 5 && k.minimum == 1 && k.maximum == 9)
        #expect(k.meanFraction == 1)
        // Key norms over the 9 real keys only: sqrt(j² + 1), j = 0 … 8.
        let norms = (0 ..< 9).map { (Double($0 * $0) + 1).squareRoot() }
        #expect(s.overall.keyNorms.keys == 9)
        #expect(s.overall.keyNorms.maximum == norms.max()!)
    }

    @Test func keyNormSpreadByHand() {
        // Norms 1, 5, 3, 3: mean 3, population variance (4 + 4 + 0 + 0) / 4 = 2, CV = √2 / 3.
        let k: [[Float]] = [[1, 0], [3, 4], [0, 3], [3, 0]]
        let s = TraceStatistics(trace: Self.trace(q: [k], k: [k]))
        let norms = s.overall.keyNorms
        #expect(norms.keys == 4 && norms.minimum == 1 && norms.maximum == 5 && norms.mean == 3)
        #expect(abs(norms.cv - 2.0.squareRoot() / 3) < 1e-15)
        #expect(s.overall.meanHeadKeyNormCV == norms.cv)
    }

    @Test func groupedQueryHeadsShareTheirKeyHeadsNorms() {
        // 4 query heads on 2 key/value heads: heads 0, 1 use key head 0 (norms 1, 1), heads 2, 3 key head 1
        // (norms 2, 4). Pooled over the layer: norms 1, 1, 2, 4 (each key head once): mean 2, CV √1.5 / 2.
        let q: [[[Float]]] = Array(repeating: [[1, 0], [0, 1]], count: 4)
        let k: [[[Float]]] = [[[1, 0], [0, 1]], [[2, 0], [0, 4]]]
        let s = TraceStatistics(trace: Self.trace(q: q, k: k))
        #expect(s.head(layer: 0, head: 1).kvHead == 0 && s.head(layer: 0, head: 3).kvHead == 1)
        #expect(s.head(layer: 0, head: 3).statistics.keyNorms.mean == 3)
        #expect(s.head(layer: 0, head: 0).statistics.keyNorms.cv == 0)
        #expect(s.layers[0].keyNorms.keys == 4 && s.layers[0].keyNorms.mean == 2)
        #expect(abs(s.layers[0].keyNorms.cv - 1.5.squareRoot() / 2) < 1e-15)
        // Per-head CVs 0 and 1/3 (norms 2, 4: mean 3, std 1).
        #expect(abs(s.layers[0].meanHeadKeyNormCV - 1.0 / 6) < 1e-15)
        #expect(s.layers[0].keysForMass.queries == 4 * 2)
    }

    @Test func layersWithDifferentHeadCounts() {
        // The format allows it when trace.json has no `heads`: layer 0 with 1 head, layer 1 with 3.
        let a = Self.randomTrace(heads: 1).layers[0], b = Self.randomTrace(heads: 3).layers[0]
        let trace = AttentionTrace(model: "mixed", scale: 0.5, tokens: 8, layers: [a, b])
        let s = TraceStatistics(trace: trace)
        #expect(s.layerHeads == [1, 3] && s.heads.count == 4)
        #expect(s.head(layer: 1, head: 2).layer == 1 && s.head(layer: 1, head: 2).head == 2)
        #expect(s.layers[0].keysForMass.queries == 8 && s.layers[1].keysForMass.queries == 24)
        let alone = TraceStatistics(trace: AttentionTrace(model: "b", scale: 0.5, tokens: 8, layers: [b]))
        #expect(s.head(layer: 1, head: 2).statistics == alone.head(layer: 0, head: 2).statistics)
    }

    @Test func medianOfAnEvenNumberOfCounts() {
        let summary = KeysForMassSummary(counts: [1, 4, 2, 3], visible: [4, 4, 8, 4])
        #expect(summary.median == 2.5 && summary.mean == 2.5 && summary.minimum == 1 && summary.maximum == 4)
        #expect(summary.meanFraction == (0.25 + 1 + 0.25 + 0.75) / 4)
    }

    static func randomTrace(heads: Int = 2, n: Int = 10, d: Int = 4, tokens: Int = 8) -> AttentionTrace {
        var g = SeededGenerator(seed: 77)
        func rows(_ h: Int) -> [[[Float]]] {
            (0 ..< h).map { _ in (0 ..< n).map { _ in (0 ..< d).map { _ in Float(g.nextGaussian()) } } }
        }
        return Self.trace(q: rows(heads), k: rows(heads), v: rows(heads), scale: 0.5, tokens: tokens)
    }

    @Test func recordedExactOutputIsConsistent() throws {
        let s = TraceStatistics(trace: Self.randomTrace())
        let check = try #require(s.overall.output)
        #expect(check.consistent && check.mismatches == 0 && check.nonFinite == 0)
        #expect(check.compared == 2 * 8 * 4) // real rows only
        #expect(check.maxAbsoluteError < 1e-6) // Float rounding of the Double reference
        #expect(check.worstToleranceRatio < 0.01)
    }

    @Test func perturbedOutputIsCaught() throws {
        var t = Self.randomTrace()
        let reference = t.layers[0].out!
        t.layers[0].out![1, 3, 2] += 1e-3          // real row: outside 1e-4 + 1e-4·|ref|
        t.layers[0].out![0, 9, 0] = 7               // padding row: not compared
        let s = TraceStatistics(trace: t)
        let check = try #require(s.overall.output)
        #expect(!check.consistent && check.mismatches == 1 && check.nonFinite == 0)
        #expect(abs(check.maxAbsoluteError - 1e-3) < 1e-6)
        #expect(s.head(layer: 0, head: 0).statistics.output?.consistent == true)
        #expect(s.head(layer: 0, head: 1).statistics.output?.consistent == false)
        // A looser tolerance accepts it: 1e-3 ≤ 2e-3.
        #expect(TraceStatistics(trace: t, tolerance: OutputTolerance(absolute: 2e-3, relative: 0)).overall.output?.consistent == true)
        t.layers[0].out = reference
        t.layers[0].out![0, 0, 0] = .nan
        let nan = try #require(TraceStatistics(trace: t).overall.output)
        #expect(nan.nonFinite == 1 && nan.mismatches == 1 && nan.maxAbsoluteError.isFinite)
    }

    @Test func noOutputOrNoCheckGivesNil() {
        var t = Self.randomTrace()
        #expect(TraceStatistics(trace: t, checkOutput: false).overall.output == nil)
        t.layers[0].out = nil
        #expect(TraceStatistics(trace: t).overall.output == nil)
    }

    @Test func independentOfThreadCount() {
        let t = SyntheticTraceGenerator(layers: 2, heads: 3, n: 24, headDim: 8, seed: 9).generate()
        #expect(TraceStatistics(trace: t, threads: 1) == TraceStatistics(trace: t, threads: 4))
    }

    @Test func meanKeysFractionAgreesWithTheSummary() {
        let t = SyntheticTraceGenerator(layers: 1, heads: 3, n: 20, headDim: 8, seed: 4, causal: true).generate()
        let full = TraceStatistics(trace: t, checkOutput: false).overall.keysForMass.meanFraction
        let direct = TraceStatistics.meanKeysFraction(layer: t.layers[0], queryHeads: 0 ..< 3, scale: t.scale,
                                                      causal: true, tokens: 20)
        #expect(abs(full - direct) < 1e-12)
    }
}
