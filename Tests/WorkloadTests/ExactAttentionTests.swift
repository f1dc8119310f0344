import Foundation
import Testing
import Workload

/// softmax(q·kᵀ·scale)·v for one query, written out directly in Double with no shared code.
func naiveAttentionRow(layer: AttentionLayer, head: Int, query: Int, visible: Int, scale: Double) -> [Double] {
    let kvHead = head / (layer.q.heads / layer.k.heads)
    let q = layer.q.row(head: head, row: query).map(Double.init)
    var weights: [Double] = []
    for key in 0 ..< visible {
        let k = layer.k.row(head: kvHead, row: key).map(Double.init)
        weights.append(exp(zip(q, k).map(*).reduce(0, +) * scale))
    }
    let total = weights.reduce(0, +)
    var out = [Double](repeating: 0, count: layer.v.dim)
    for key in 0 ..< visible {
        let v = layer.v.row(head: kvHead, row: key)
        for c in 0 ..< out.count { out[c] += weights[key] / total * Double(v[c]) }
    }
    return out
}

@Suite struct ExactAttentionTests {
    static func layer(heads: Int = 2, kvHeads: Int = 2, n: Int = 6, dim: Int = 4, seed: UInt64 = 1) -> AttentionLayer {
        var g = SeededGenerator(seed: seed)
        func tensor(_ h: Int) -> Tensor3 {
            Tensor3(heads: h, rows: n, dim: dim,
                    storage: ContiguousArray((0 ..< h * n * dim).map { _ in Float(g.nextGaussian()) }))
        }
        return AttentionLayer(name: "l", q: tensor(heads), k: tensor(kvHeads), v: tensor(kvHeads))
    }

    @Test func matchesNaiveFormula() {
        let layer = Self.layer(heads: 4, kvHeads: 2)
        let out = exactAttentionOutput(layer: layer, scale: 0.5, causal: false, tokens: 6)
        for (head, query) in [(0, 0), (3, 5), (2, 2)] {
            let expected = naiveAttentionRow(layer: layer, head: head, query: query, visible: 6, scale: 0.5)
            for (a, b) in zip(out.row(head: head, row: query), expected) { #expect(abs(Double(a) - b) < 1e-6) }
        }
    }

    @Test func probabilitiesSumToOne() {
        let layer = Self.layer()
        let p = exactAttentionProbabilities(layer: layer, queryHead: 1, query: 3, scale: 0.5, causal: true, tokens: 5)
        #expect(p.count == 4)
        #expect(abs(p.reduce(0, +) - 1) < 1e-12)
        #expect(exactAttentionProbabilities(layer: layer, queryHead: 0, query: 5, scale: 0.5, causal: false,
                                            tokens: 5).isEmpty)
    }

    @Test func causalAndPadding() {
        var layer = Self.layer()
        let out = exactAttentionOutput(layer: layer, scale: 0.5, causal: true, tokens: 4)
        #expect(out.row(head: 1, row: 0) == layer.v.row(head: 1, row: 0))
        #expect(out.row(head: 0, row: 4) == [0, 0, 0, 0] && out.row(head: 1, row: 5) == [0, 0, 0, 0])
        let expected = naiveAttentionRow(layer: layer, head: 1, query: 2, visible: 3, scale: 0.5)
        for (a, b) in zip(out.row(head: 1, row: 2), expected) { #expect(abs(Double(a) - b) < 1e-6) }
        // Padding keys are never attended: changing them changes nothing.
        for c in 0 ..< 4 { layer.k[0, 5, c] = 100; layer.v[0, 4, c] = -100 }
        #expect(exactAttentionOutput(layer: layer, scale: 0.5, causal: true, tokens: 4) == out)
    }

    @Test func traceOverloadsUseTraceParameters() {
        let layer = Self.layer()
        let trace = AttentionTrace(model: "t", scale: 0.3, causal: true, tokens: 5, layers: [layer])
        #expect(exactAttentionOutput(layer: 0, trace: trace)
            == exactAttentionOutput(layer: layer, scale: 0.3, causal: true, tokens: 5))
        #expect(exactAttentionProbabilities(layer: 0, queryHead: 1, query: 2, trace: trace)
            == exactAttentionProbabilities(layer: layer, queryHead: 1, query: 2, scale: 0.3, causal: true, tokens: 5))
    }
}

@Suite struct AttentionConcentrationTests {
    @Test(arguments: [
        ([0.5, 0.3, 0.2], 0.9, 3), ([0.95, 0.05], 0.9, 1), ([0.2, 0.7, 0.1], 0.9, 2),
        ([Double](repeating: 0.1, count: 10), 0.9, 9), ([0.6, 0.4], 0.0, 0), ([], 0.9, 0),
    ])
    func keysForMassCounts(probabilities: [Double], mass: Double, expected: Int) {
        #expect(keysForMass(probabilities, mass: mass) == expected)
    }

    @Test func uniformAttentionNeedsNinetyPercentOfKeys() {
        let zero = Tensor3(heads: 1, rows: 10, dim: 2)
        let trace = AttentionTrace(model: "flat", layers: [AttentionLayer(name: "l", q: zero, k: zero, v: zero)])
        #expect(keysFor90PercentMass(trace: trace) == 9)
    }
}
