import Workload

/// The `lookup` bias policy's selector rule (`docs/algorithm.md` §10): each candidate selector adds the
/// key's bias, brought into selector units for the query, before comparing with `t·‖K_max‖`:
///
///     β_i        = 1 / (scale · ‖q_i‖)                      (Double; ‖q_i‖ = sqrt(Σ_c Double(q_i[c])²); β_i = 0 when ‖q_i‖ = 0)
///     c_ij       = Float(Double(b[h, i, j]) · β_i)           (the query's scaled table entry of key j's bucket)
///     sel(i, j)  iff  (‖K_j‖ * table[h_ij]) + c_ij  >  Float(t) * ‖K_max‖     (products and the sum in Float)
///
/// Multiplying the score-unit test `scale·‖q‖·‖K_j‖·cos + b > scale·‖q‖·t·‖K_max‖` by `β_i` gives this
/// norm×cosine form, so `t` keeps its meaning (the learner's `(s_y + b_y/scale) / (‖q‖·‖K_max‖)`).
extension CandidateSelection {
    /// Selects the candidates of query head `queryHead` of `layer` under the `lookup` rule; with a zero
    /// bias it selects exactly what `select` does.
    ///
    /// - Precondition: `layer.bias` is present; `threshold` is finite.
    /// - Complexity: O(n·k·d) hashing plus O(Σ_i v_i · ceil(k/64)) selection.
    public func selectWithBias(layer: AttentionLayer, queryHead: Int, trace: AttentionTrace,
                               threshold: Double) -> SelectionMatrix {
        precondition(threshold.isFinite, "threshold \(threshold) is not finite")
        guard let bias = layer.bias else { preconditionFailure("selectWithBias needs a layer bias") }
        let n = trace.tokens
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let keyHashes = KeyHashMemory(projection: projection, k: layer.k, head: kvHead, keys: n)
        let norms = KeyNormMemory(k: layer.k, head: kvHead, keys: n)
        let queryHashes = projection.signatures(of: layer.q, head: queryHead, rows: n)
        let cut = Self.cut(threshold: threshold, maxNorm: norms.maxNorm)
        let levels = table.bits + 1
        // ‖K_j‖ * table[h] for every key and Hamming distance (the Float products of the rule).
        var products = ContiguousArray<Float>(repeating: 0, count: n * levels)
        for j in 0 ..< n { for h in 0 ..< levels { products[j * levels + h] = norms.norms[j] * table.values[h] } }
        let visible = ContiguousArray((0 ..< n).lazy.map { trace.visibleKeys(query: $0) })
        var matrix = SelectionMatrix(keys: n, visible: visible)
        let w = keyHashes.wordsPerKey
        let d = layer.q.dim
        for i in 0 ..< n {
            let qBase = layer.q.offset(head: queryHead, row: i)
            var squares = 0.0
            for c in 0 ..< d {
                let x = Double(layer.q.storage[qBase + c])
                squares += x * x
            }
            let qNorm = squares.squareRoot()
            let beta = qNorm > 0 ? 1 / (trace.scale * qNorm) : 0
            let biasRow = bias.offset(head: queryHead, row: i)
            for j in 0 ..< visible[i] {
                var h = 0
                for x in 0 ..< w {
                    h += (queryHashes[i * w + x] ^ keyHashes.words[j * w + x]).nonzeroBitCount
                }
                let c = Float(Double(bias.storage[biasRow + j]) * beta)
                if products[j * levels + h] + c > cut { matrix.set(query: i, key: j) }
            }
        }
        return matrix
    }
}
