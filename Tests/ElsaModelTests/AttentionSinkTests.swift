import Testing
import Foundation
import Workload
@testable import ElsaModel

// The attention-sink fields of the quality statistics (docs/quality.md §1): the mean over queries of the
// exact softmax probability of key 0, and the share of queries whose selection keeps key 0. The
// expected values come from a plain softmax written here.
@Suite struct AttentionSinkTests {
    @Test func sinkMassAndSelectedFractionByHand() throws {
        let trace = SyntheticTraceGenerator(layers: 1, heads: 2, kvHeads: 1, n: 12, headDim: 8, seed: 4, causal: true).generate()
        let layer = trace.layers[0]
        let n = trace.tokens
        for head in 0 ..< 2 {
            // Keep key 0 for the even queries only (and key v_i − 1 for every query).
            let visible = ContiguousArray((0 ..< n).map { trace.visibleKeys(query: $0) })
            var selection = SelectionMatrix(keys: n, visible: visible)
            for i in 0 ..< n {
                if i % 2 == 0 { selection.set(query: i, key: 0) }
                selection.set(query: i, key: visible[i] - 1)
            }
            let stats = ApproximationQuality.measure(trace: trace, layer: 0, queryHead: head, selection: selection)
            var expectedMass = 0.0
            let kv = layer.kvHead(forQueryHead: head)
            for i in 0 ..< n {
                var z: [Double] = []
                for y in 0 ..< visible[i] {
                    var dot = 0.0
                    for c in 0 ..< layer.q.dim {
                        dot += Double(layer.q.storage[layer.q.offset(head: head, row: i) + c])
                            * Double(layer.k.storage[layer.k.offset(head: kv, row: y) + c])
                    }
                    z.append(trace.scale * dot)
                }
                let top = z.max()!
                let e = z.map { exp($0 - top) }
                expectedMass += e[0] / e.reduce(0, +)
            }
            expectedMass /= Double(n)
            #expect(abs(stats.sinkMass - expectedMass) < 1e-12)
            // Query 0 sees only key 0, which is selected for it (v − 1 = 0); odd queries i ≥ 1 drop key 0.
            #expect(stats.sinkSelected == (n + 1) / 2)
            #expect(stats.sinkSelectedFraction == Double((n + 1) / 2) / Double(n))
        }
        // Statistics of no query report 0 for both.
        var merged = QualityStatistics()
        merged.merge(QualityStatistics())
        #expect(merged.sinkMass == 0 && merged.sinkSelectedFraction == 0)
    }
}
