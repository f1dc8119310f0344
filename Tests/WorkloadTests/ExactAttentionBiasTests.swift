import Foundation
import Testing
@testable import Workload

/// Exact attention with an additive bias, `softmax(q·kᵀ·scale + bias)·v`, against a plain
/// re-implementation written here (`docs/trace-format.md`).
@Suite struct ExactAttentionBiasTests {
    static func tensor(_ heads: Int, _ rows: Int, _ dim: Int, seed: UInt64, sigma: Double = 1) -> Tensor3 {
        var g = SeededGenerator(seed: seed)
        var t = Tensor3(heads: heads, rows: rows, dim: dim)
        for i in t.storage.indices { t.storage[i] = Float(sigma * g.nextGaussian()) }
        return t
    }

    /// Plain loops: scores in Double, max-subtracted softmax, weighted sum of v.
    static func reference(_ layer: AttentionLayer, scale: Double, causal: Bool, tokens: Int) -> [[[Double]]] {
        (0 ..< layer.q.heads).map { h in
            let kv = layer.kvHead(forQueryHead: h)
            return (0 ..< layer.q.rows).map { i -> [Double] in
                guard i < tokens else { return Array(repeating: 0, count: layer.v.dim) }
                let visible = causal ? min(i + 1, tokens) : tokens
                var z: [Double] = []
                for j in 0 ..< visible {
                    var dot = 0.0
                    for c in 0 ..< layer.q.dim { dot += Double(layer.q[h, i, c]) * Double(layer.k[kv, j, c]) }
                    z.append(dot * scale + Double(layer.bias?[h, i, j] ?? 0))
                }
                let m = z.max()!
                let e = z.map { exp($0 - m) }
                let sum = e.reduce(0, +)
                return (0 ..< layer.v.dim).map { c in (0 ..< visible).reduce(0.0) { $0 + e[$1] * Double(layer.v[kv, $1, c]) } / sum }
            }
        }
    }

    @Test(arguments: [(false, 9), (true, 7)])
    func biasedOutputEqualsPlainReimplementation(causal: Bool, tokens: Int) {
        let n = 9
        let bias = Self.tensor(4, n, n, seed: 4, sigma: 3)
        let layer = AttentionLayer(name: "l", q: Self.tensor(4, n, 8, seed: 1), k: Self.tensor(2, n, 8, seed: 2),
                                   v: Self.tensor(2, n, 8, seed: 3), bias: bias)
        let scale = 0.35
        let got = exactAttentionOutput(layer: layer, scale: scale, causal: causal, tokens: tokens, threads: 2)
        let expected = Self.reference(layer, scale: scale, causal: causal, tokens: tokens)
        var unbiased = layer
        unbiased.bias = nil
        let plain = exactAttentionOutput(layer: unbiased, scale: scale, causal: causal, tokens: tokens)
        var largestBiasEffect: Float = 0
        for h in 0 ..< 4 {
            for i in 0 ..< n {
                for c in 0 ..< 8 {
                    #expect(abs(Double(got[h, i, c]) - expected[h][i][c]) <= 1e-6, "head \(h) row \(i) column \(c)")
                    largestBiasEffect = max(largestBiasEffect, abs(got[h, i, c] - plain[h, i, c]))
                }
            }
        }
        #expect(largestBiasEffect > 0.1, "the bias must change the output for the test to tell it apart")
        // Probabilities agree with the same softmax, and a query's probabilities sum to 1.
        let trace = AttentionTrace(model: "t", scale: scale, causal: causal, tokens: tokens, layers: [layer])
        let p = exactAttentionProbabilities(layer: 0, queryHead: 3, query: 2, trace: trace)
        #expect(abs(p.reduce(0, +) - 1) <= 1e-12)
        #expect(trace.hasBias && !AttentionTrace(model: "t", layers: [unbiased]).hasBias)
    }
}
