import Foundation
import Workload
@testable import ElsaModel

/// Random traces and plain-loop re-implementations of the algorithm, written from `docs/algorithm.md`
/// independently of the optimized code.
enum AlgorithmFixtures {
    static func gaussianTensor(heads: Int, rows: Int, dim: Int, generator: inout SeededGenerator) -> Tensor3 {
        var t = Tensor3(heads: heads, rows: rows, dim: dim)
        for i in 0 ..< t.storage.count { t.storage[i] = Float(generator.nextGaussian()) }
        return t
    }

    static func randomTrace(seed: UInt64, layers: Int = 1, queryHeads: Int, kvHeads: Int, n: Int, tokens: Int,
                            headDim: Int, causal: Bool) -> AttentionTrace {
        var g = SeededGenerator(seed: seed)
        let ls = (0 ..< layers).map { l in
            AttentionLayer(name: "layer\(l)",
                           q: gaussianTensor(heads: queryHeads, rows: n, dim: headDim, generator: &g),
                           k: gaussianTensor(heads: kvHeads, rows: n, dim: headDim, generator: &g),
                           v: gaussianTensor(heads: kvHeads, rows: n, dim: headDim, generator: &g))
        }
        return AttentionTrace(model: "test", causal: causal, tokens: tokens, layers: ls)
    }

    /// `A · x ≥ 0` bit by bit with plain loops (Double products of the Float components, summed in order).
    static func referenceBits(projection: HashProjection, vector x: [Float]) -> [Bool] {
        (0 ..< projection.bits).map { j in
            var s = 0.0
            for c in 0 ..< x.count { s += projection.matrix[j * projection.dim + c] * Double(x[c]) }
            return s >= 0
        }
    }

    static func referenceNorm(_ x: [Float]) -> Float {
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return Float(s.squareRoot())
    }

    /// The selection rule written straight from the paper: Hamming → cos(max(0, π/k·h − θ_bias)) →
    /// ‖k‖·cos > t·‖K_max‖, in Float.
    static func referenceSelection(trace: AttentionTrace, layer: AttentionLayer, queryHead: Int,
                                   projection: HashProjection, thetaBias: Double, threshold: Double) -> SelectionMatrix {
        let n = trace.tokens
        let kv = layer.kvHead(forQueryHead: queryHead)
        let k = projection.bits
        let keyBits = (0 ..< n).map { referenceBits(projection: projection, vector: layer.k.row(head: kv, row: $0)) }
        let queryBits = (0 ..< n).map { referenceBits(projection: projection, vector: layer.q.row(head: queryHead, row: $0)) }
        let norms = (0 ..< n).map { referenceNorm(layer.k.row(head: kv, row: $0)) }
        let maxNorm = norms.max() ?? 0
        var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { trace.visibleKeys(query: $0) }))
        for i in 0 ..< n {
            for j in 0 ..< trace.visibleKeys(query: i) {
                var ham = 0
                for b in 0 ..< k where queryBits[i][b] != keyBits[j][b] { ham += 1 }
                let angle = max(0, Double.pi / Double(k) * Double(ham) - thetaBias)
                let cosine = Float(cos(angle))
                if norms[j] * cosine > Float(threshold) * maxNorm { m.set(query: i, key: j) }
            }
        }
        return m
    }

    /// `M Mᵀ` for a row-major `rows × columns` matrix.
    static func gram(_ m: ContiguousArray<Double>, rows: Int, columns: Int) -> [[Double]] {
        (0 ..< rows).map { a in
            (0 ..< rows).map { b in
                var s = 0.0
                for c in 0 ..< columns { s += m[a * columns + c] * m[b * columns + c] }
                return s
            }
        }
    }

    static func maxDeviationFromIdentity(_ g: [[Double]]) -> Double {
        var worst = 0.0
        for a in g.indices { for b in g.indices { worst = max(worst, abs(g[a][b] - (a == b ? 1 : 0))) } }
        return worst
    }
}
