import Foundation

// Exact (unapproximated) softmax attention, the reference every approximation is measured against
// (ELSA paper §2, Eq. 1; `elsa-trace/1` field `out`). Scores and sums are accumulated in `Double`.
// With a layer bias the scores are `(q · kᵀ) · scale + bias` (`docs/trace-format.md`).

/// Softmax probabilities of one query over the keys it may see: `softmax((q · kᵀ) · scale + bias)` over keys
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

/// The exact attention output `softmax((q · kᵀ) · scale + bias) · v` per query head, shape `[q.heads, n, dim]`
/// (no `+ bias` when the layer has none).
///
/// Rows of padding queries (`tokens ..< n`) are zero; padding keys are never attended.
/// - Parameter threads: workers over query heads; the result is bit-identical whatever their number.
/// - Complexity: O(heads · tokens² · dim).
public func exactAttentionOutput(layer: AttentionLayer, scale: Double, causal: Bool, tokens: Int,
                                 threads: Int = 1) -> Tensor3 {
    let q = layer.q, v = layer.v
    precondition(tokens >= 0 && tokens <= q.rows, "tokens \(tokens) not in 0...\(q.rows)")
    let perHead = ParallelSlots<ContiguousArray<Float>>.map(count: q.heads, threads: threads) { head in
        exactAttentionOutputRows(layer: layer, queryHead: head, scale: scale, causal: causal, tokens: tokens)
    }
    var storage = ContiguousArray<Float>()
    storage.reserveCapacity(q.heads * q.rows * v.dim)
    for rows in perHead { storage.append(contentsOf: rows) }
    return Tensor3(heads: q.heads, rows: q.rows, dim: v.dim, storage: storage)
}

/// The exact attention output of one query head, `[n, dim]` row-major (padding rows zero): the rows
/// `exactAttentionOutput` computes for head `queryHead`, bit for bit.
public func exactAttentionOutput(layer: AttentionLayer, queryHead: Int, scale: Double, causal: Bool,
                                 tokens: Int) -> ContiguousArray<Float> {
    precondition(tokens >= 0 && tokens <= layer.q.rows, "tokens \(tokens) not in 0...\(layer.q.rows)")
    return exactAttentionOutputRows(layer: layer, queryHead: queryHead, scale: scale, causal: causal, tokens: tokens)
}

/// The `[n, dim]` output rows of one query head (padding rows zero). The scores come from `HeadScores`'
/// blocked kernel (two queries × sixteen keys, each dot product summed in component order from +0, as
/// `softmaxScores` sums it), so the rows are those of `softmaxScores` followed by `Σ p · v`, bit for bit;
/// the exponential is libm's `exp` here (the trace's `out` is written from these rows).
private func exactAttentionOutputRows(layer: AttentionLayer, queryHead head: Int, scale: Double, causal: Bool,
                                      tokens: Int) -> ContiguousArray<Float> {
    let q = layer.q, v = layer.v
    precondition(layer.k.dim == q.dim, "q dim \(q.dim) != k dim \(layer.k.dim)")
    var out = ContiguousArray<Float>(repeating: 0, count: q.rows * v.dim)
    guard tokens > 0 else { return out }
    let d = q.dim, dv = v.dim
    let stride = (tokens + 7) / 8 * 8
    let (panels, _) = HeadScores.keyPanels(layer: layer, queryHead: head, tokens: tokens)
    var queries = ContiguousArray<Double>(repeating: 0, count: 2 * d)
    var scores = ContiguousArray<Double>(repeating: 0, count: 2 * stride)
    var accumulator = ContiguousArray<Double>(repeating: 0, count: dv)
    let kvHead = layer.kvHead(forQueryHead: head)
    panels.withUnsafeBufferPointer { kp in
    queries.withUnsafeMutableBufferPointer { qd in
    scores.withUnsafeMutableBufferPointer { sp in
    accumulator.withUnsafeMutableBufferPointer { acc in
    v.storage.withUnsafeBufferPointer { vs in
        var query = 0
        while query < tokens {
            let pair = query + 1 < tokens
            for r in 0 ..< (pair ? 2 : 1) {
                let base = q.offset(head: head, row: query + r)
                for c in 0 ..< d { qd[r * d + c] = Double(q.storage[base + c]) }
            }
            let last = pair ? query + 1 : query
            HeadScores.scorePair(q0: qd.baseAddress!, q1: qd.baseAddress! + (pair ? d : 0), dim: d,
                                 panels: kp.baseAddress!, keys: causal ? min(last + 1, tokens) : tokens,
                                 out0: sp.baseAddress!, out1: sp.baseAddress! + (pair ? stride : 0))
            for r in 0 ..< (pair ? 2 : 1) {
                let x = query + r
                let visible = causal ? min(x + 1, tokens) : tokens
                let p = sp.baseAddress! + r * stride
                var maximum = -Double.infinity
                for key in 0 ..< visible {
                    p[key] = p[key] * scale
                    maximum = max(maximum, p[key])
                }
                biasAndSoftmax(p, visible: visible, maximum: maximum, bias: layer.bias, head: head, row: x)
                for c in 0 ..< dv { acc[c] = 0 }
                for key in 0 ..< visible {
                    let weight = p[key]
                    let row = vs.baseAddress! + v.offset(head: kvHead, row: key)
                    for c in 0 ..< dv { acc[c] += weight * Double(row[c]) }
                }
                let outBase = x * dv
                for c in 0 ..< dv { out[outBase + c] = Float(acc[c]) }
            }
            query += pair ? 2 : 1
        }
    }
    }
    }
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

/// Writes the softmax over keys `0 ..< visible` into `probabilities[0 ..< visible]`; the score of key `y` is
/// `Double(q · k_y) · scale`, plus `Double(bias[h, query, y])` when the layer has a bias.
private func softmaxScores(layer: AttentionLayer, queryHead: Int, query: Int, visible: Int, scale: Double,
                           into probabilities: inout [Double]) {
    let q = layer.q, k = layer.k
    precondition(k.dim == q.dim, "q dim \(q.dim) != k dim \(k.dim)")
    guard visible > 0 else { return }
    let kvHead = layer.kvHead(forQueryHead: queryHead)
    let qBase = q.offset(head: queryHead, row: query)
    var maximum = -Double.infinity
    let dim = q.dim
    // Four keys at a time: four independent dependency chains, each summed in order c = 0, 1, … from
    // +0 exactly as one key alone would be (the blocking changes speed, not a single bit).
    q.storage.withUnsafeBufferPointer { qs in
        k.storage.withUnsafeBufferPointer { ks in
            probabilities.withUnsafeMutableBufferPointer { scores in
                let qRow = qs.baseAddress! + qBase
                var key = 0
                while key + 4 <= visible {
                    let k0 = ks.baseAddress! + k.offset(head: kvHead, row: key)
                    let k1 = k0 + dim, k2 = k1 + dim, k3 = k2 + dim
                    var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0
                    for c in 0 ..< dim {
                        let x = Double(qRow[c])
                        d0 += x * Double(k0[c])
                        d1 += x * Double(k1[c])
                        d2 += x * Double(k2[c])
                        d3 += x * Double(k3[c])
                    }
                    let s0 = d0 * scale, s1 = d1 * scale, s2 = d2 * scale, s3 = d3 * scale
                    scores[key] = s0
                    scores[key + 1] = s1
                    scores[key + 2] = s2
                    scores[key + 3] = s3
                    maximum = max(max(max(max(maximum, s0), s1), s2), s3)
                    key += 4
                }
                while key < visible {
                    let kRow = ks.baseAddress! + k.offset(head: kvHead, row: key)
                    var dot = 0.0
                    for c in 0 ..< dim { dot += Double(qRow[c]) * Double(kRow[c]) }
                    let score = dot * scale
                    scores[key] = score
                    maximum = max(maximum, score)
                    key += 1
                }
            }
        }
    }
    probabilities.withUnsafeMutableBufferPointer { p in
        biasAndSoftmax(p.baseAddress!, visible: visible, maximum: maximum, bias: layer.bias, head: queryHead, row: query)
    }
}

/// The tail both exact softmaxes share: adds the bias row of (`head`, `row`) when the layer has one,
/// then turns `p[0 ..< visible]` into softmax weights with libm's `exp`, after subtracting the maximum
/// (`maximum`, the scores' own, is recomputed over the biased scores).
@inline(__always)
private func biasAndSoftmax(_ p: UnsafeMutablePointer<Double>, visible: Int, maximum: Double, bias: Tensor3?, head: Int, row: Int) {
    var maximum = maximum
    if let bias {
        let base = bias.offset(head: head, row: row)
        maximum = -Double.infinity
        for key in 0 ..< visible {
            let score = p[key] + Double(bias.storage[base + key])
            p[key] = score
            maximum = max(maximum, score)
        }
    }
    var sum = 0.0
    for key in 0 ..< visible {
        let e = exp(p[key] - maximum)
        p[key] = e
        sum += e
    }
    for key in 0 ..< visible { p[key] /= sum }
}
