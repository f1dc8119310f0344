import Foundation

// Exact (unapproximated) softmax attention, the reference every approximation is measured against
// (ELSA paper §2, Eq. 1; `elsa-trace/1` field `out`). Scores and sums are accumulated in `Double`.

/// Softmax probabilities of one query over the keys it may see: `softmax((q · kᵀ) · scale)` over keys
/// `0 ..< visible`, where `visible` is `tokens`, or `min(query + 1, tokens)` under `causal`.
///
/// - Parameters:
///   - layer: the layer's q, k, v; query head `queryHead` uses key head `layer.kvHead(forQueryHead:)`.
///   - queryHead: query head index, `0 ..< layer.q.heads`.
///   - query: query position, `0 ..< layer.q.rows`.
/// - Returns: `visible` probabilities summing to 1; empty for a padding query (`query >= tokens`).
public func exactAttentionProbabilities(layer: AttentionLayer, queryHead: Int, query: Int,
                                        scale: Double, causal: Bool, tokens: Int) -> [Double] {
    precondition(queryHead >= 0 && queryHead < layer.q.heads, "query head \(queryHead) not in 0..<\(layer.q.heads)")
    precondition(query >= 0 && query < layer.q.rows, "query \(query) not in 0..<\(layer.q.rows)")
    guard query < tokens else { return [] }
    let visible = causal ? min(query + 1, tokens) : tokens
    var probabilities = [Double](repeating: 0, count: visible)
    softmaxScores(layer: layer, queryHead: queryHead, query: query, visible: visible, scale: scale,
                  into: &probabilities)
    return probabilities
}

/// `exactAttentionProbabilities` with the trace's `scale`, `causal` and `tokens`.
public func exactAttentionProbabilities(layer: Int, queryHead: Int, query: Int, trace: AttentionTrace) -> [Double] {
    exactAttentionProbabilities(layer: trace.layers[layer], queryHead: queryHead, query: query,
                                scale: trace.scale, causal: trace.causal, tokens: trace.tokens)
}

/// The exact attention output `softmax((q · kᵀ) · scale) · v` per query head, shape `[q.heads, n, dim]`.
///
/// Rows of padding queries (`tokens ..< n`) are zero; padding keys are never attended.
/// - Complexity: O(heads · tokens² · dim).
public func exactAttentionOutput(layer: AttentionLayer, scale: Double, causal: Bool, tokens: Int) -> Tensor3 {
    let q = layer.q, v = layer.v
    precondition(tokens >= 0 && tokens <= q.rows, "tokens \(tokens) not in 0...\(q.rows)")
    var out = Tensor3(heads: q.heads, rows: q.rows, dim: v.dim)
    var probabilities = [Double](repeating: 0, count: tokens)
    var accumulator = [Double](repeating: 0, count: v.dim)
    for head in 0 ..< q.heads {
        let kvHead = layer.kvHead(forQueryHead: head)
        for query in 0 ..< tokens {
            let visible = causal ? min(query + 1, tokens) : tokens
            softmaxScores(layer: layer, queryHead: head, query: query, visible: visible, scale: scale,
                          into: &probabilities)
            for c in 0 ..< v.dim { accumulator[c] = 0 }
            for key in 0 ..< visible {
                let p = probabilities[key]
                let base = v.offset(head: kvHead, row: key)
                for c in 0 ..< v.dim { accumulator[c] += p * Double(v.storage[base + c]) }
            }
            let outBase = out.offset(head: head, row: query)
            for c in 0 ..< v.dim { out.storage[outBase + c] = Float(accumulator[c]) }
        }
    }
    return out
}

/// The exact output of `layer` under the trace's `scale`, `causal` and `tokens`.
public func exactAttentionOutput(layer: AttentionLayer, trace: AttentionTrace) -> Tensor3 {
    exactAttentionOutput(layer: layer, scale: trace.scale, causal: trace.causal, tokens: trace.tokens)
}

/// The exact output of layer number `layer` of `trace`.
public func exactAttentionOutput(layer: Int, trace: AttentionTrace) -> Tensor3 {
    exactAttentionOutput(layer: trace.layers[layer], trace: trace)
}

/// Writes the softmax over keys `0 ..< visible` into `probabilities[0 ..< visible]`.
private func softmaxScores(layer: AttentionLayer, queryHead: Int, query: Int, visible: Int, scale: Double,
                           into probabilities: inout [Double]) {
    let q = layer.q, k = layer.k
    precondition(k.dim == q.dim, "q dim \(q.dim) != k dim \(k.dim)")
    guard visible > 0 else { return }
    let kvHead = layer.kvHead(forQueryHead: queryHead)
    let qBase = q.offset(head: queryHead, row: query)
    var maximum = -Double.infinity
    for key in 0 ..< visible {
        let kBase = k.offset(head: kvHead, row: key)
        var dot = 0.0
        for c in 0 ..< q.dim { dot += Double(q.storage[qBase + c]) * Double(k.storage[kBase + c]) }
        let score = dot * scale
        probabilities[key] = score
        maximum = max(maximum, score)
    }
    var sum = 0.0
    for key in 0 ..< visible {
        let e = exp(probabilities[key] - maximum)
        probabilities[key] = e
        sum += e
    }
    for key in 0 ..< visible { probabilities[key] /= sum }
}
