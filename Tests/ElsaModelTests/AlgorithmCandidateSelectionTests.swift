import Foundation
import Testing
import Workload
@testable import ElsaModel

@Suite struct AlgorithmCandidateSelectionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var queryHeads = 2
        var kvHeads = 2
        var n = 40
        var tokens = 40
        var headDim = 16
        var causal = false
        var bits = 16          // k; the projection's d is `projectionDim`
        var projectionDim = 16
        var thetaBias = 0.127
        var testDescription: String {
            "seed \(seed) heads \(queryHeads)/\(kvHeads) n \(n) tokens \(tokens) d_t \(headDim) causal \(causal) k \(bits) d \(projectionDim) θ \(thetaBias)"
        }
    }

    static let cases: [Case] = [
        Case(seed: 1),
        Case(seed: 2, causal: true),
        Case(seed: 3, n: 50, tokens: 37),                                        // padding
        Case(seed: 4, n: 50, tokens: 45, causal: true),                          // padding + causal
        Case(seed: 5, queryHeads: 4, kvHeads: 1),                                // GQA
        Case(seed: 6, queryHeads: 6, kvHeads: 2, causal: true),                  // GQA + causal
        Case(seed: 7, headDim: 10, bits: 16, projectionDim: 16),                 // head dim < d: zero padding
        Case(seed: 8, n: 130, tokens: 130, headDim: 64, bits: 64, projectionDim: 64),   // k = 64, rows > 2 words
        Case(seed: 9, n: 70, tokens: 66, headDim: 24, causal: true, bits: 100, projectionDim: 32),  // k > 64, k > d
        Case(seed: 10, n: 20, tokens: 20, headDim: 8, bits: 128, projectionDim: 8, thetaBias: 0.3),
        Case(seed: 11, n: 65, tokens: 65, headDim: 30, bits: 64, projectionDim: 32, thetaBias: 0),
        Case(seed: 12, n: 1, tokens: 1, headDim: 4, bits: 4, projectionDim: 4),
    ]

    @Test(arguments: cases)
    func selectionEqualsPlainReimplementation(c: Case) {
        let trace = AlgorithmFixtures.randomTrace(seed: c.seed, layers: 1, queryHeads: c.queryHeads, kvHeads: c.kvHeads,
                                                  n: c.n, tokens: c.tokens, headDim: c.headDim, causal: c.causal)
        let projection = HashProjection.dense(bits: c.bits, dim: c.projectionDim, seed: c.seed + 100)
        let selector = CandidateSelection(projection: projection, thetaBias: c.thetaBias)
        var g = SeededGenerator(seed: c.seed + 200)
        var selectedSomewhere = false, rejectedSomewhere = false
        for head in 0 ..< c.queryHeads {
            for _ in 0 ..< 4 {
                let t = -0.3 + 1.1 * g.nextUnit()
                let got = selector.select(layer: trace.layers[0], queryHead: head, trace: trace, threshold: t)
                let expected = AlgorithmFixtures.referenceSelection(trace: trace, layer: trace.layers[0], queryHead: head,
                                                                    projection: projection, thetaBias: c.thetaBias, threshold: t)
                #expect(got == expected, "head \(head) t \(t)")
                selectedSomewhere = selectedSomewhere || got.selectedPairs > 0
                rejectedSomewhere = rejectedSomewhere || got.selectedPairs < got.totalPairs
            }
        }
        if c.n > 1 { #expect(selectedSomewhere && rejectedSomewhere) }
    }

    @Test func thresholdsFromTheDataHitTies() {
        // Thresholds t = ‖K_y‖·cos[h] / ‖K_max‖ make the two sides (nearly) equal for some pairs.
        let trace = AlgorithmFixtures.randomTrace(seed: 21, queryHeads: 1, kvHeads: 1, n: 30, tokens: 30, headDim: 16, causal: false)
        let projection = HashProjection.kronecker(factors: [4, 4], seed: 5)
        let selector = CandidateSelection(projection: projection, thetaBias: 0.127)
        let norms = KeyNormMemory(k: trace.layers[0].k, head: 0, keys: 30)
        for y in [0, 7, 19] {
            for h in [0, 3, 5, 8, 12] {
                let t = Double(norms.norms[y] * selector.table[h]) / Double(norms.maxNorm)
                let got = selector.select(layer: trace.layers[0], queryHead: 0, trace: trace, threshold: t)
                let expected = AlgorithmFixtures.referenceSelection(trace: trace, layer: trace.layers[0], queryHead: 0,
                                                                    projection: projection, thetaBias: 0.127, threshold: t)
                #expect(got == expected)
            }
        }
    }

    @Test func hammingLimitEqualsTheFloatComparisonIncludingTies() {
        var g = SeededGenerator(seed: 77)
        for (k, bias) in [(64, 0.127), (64, 0.0), (16, 0.5), (100, 0.127), (3, 2.0)] {
            let table = CosineTable(bits: k, thetaBias: bias)
            var cases: [(Float, Float)] = [(0, 0), (0, -1), (0, 1), (1, 1), (1, -1), (2, 0), (1, -0.0), (3, 3.5)]
            for _ in 0 ..< 300 {
                let norm = Float(3 * g.nextUnit())
                let h = Int(g.next() % UInt64(k + 1))
                cases.append((norm, norm * table[h]))               // exact tie at h
                cases.append((norm, Float(6 * g.nextUnit() - 3)))   // anything
                cases.append((norm, (norm * table[h]).nextUp))
                cases.append((norm, (norm * table[h]).nextDown))
            }
            for (norm, cut) in cases {
                let limit = CandidateSelection.hammingLimit(norm: norm, cut: cut, table: table)
                #expect(limit >= 0 && limit <= k + 1)
                for h in 0 ... k {
                    #expect((h < limit) == (norm * table[h] > cut), "k \(k) norm \(norm) cut \(cut) h \(h)")
                }
            }
        }
    }

    @Test func extremeThresholdsSelectAllOrNothing() {
        let trace = AlgorithmFixtures.randomTrace(seed: 31, queryHeads: 1, kvHeads: 1, n: 20, tokens: 18, headDim: 8, causal: true)
        let selector = CandidateSelection(projection: .dense(bits: 8, dim: 8, seed: 1), thetaBias: 0.127)
        let all = selector.select(layer: trace.layers[0], queryHead: 0, trace: trace, threshold: -2)
        #expect(all == SelectionMatrix.all(keys: 18, visible: all.visible))
        let none = selector.select(layer: trace.layers[0], queryHead: 0, trace: trace, threshold: 1)
        #expect(none.selectedPairs == 0 && none.keys == 18)
    }

    @Test func zeroKeysSelectNothingAtNonNegativeThresholds() {
        // ‖K_max‖ = 0 ⇒ cut = 0 and every product is 0: 0 > 0 is false.
        var trace = AlgorithmFixtures.randomTrace(seed: 41, queryHeads: 1, kvHeads: 1, n: 5, tokens: 5, headDim: 4, causal: false)
        trace.layers[0].k = Tensor3(heads: 1, rows: 5, dim: 4)
        let selector = CandidateSelection(projection: .dense(bits: 4, dim: 4, seed: 1), thetaBias: 0.127)
        #expect(selector.select(layer: trace.layers[0], queryHead: 0, trace: trace, threshold: 0.2).selectedPairs == 0)
    }
}
