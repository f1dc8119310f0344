// How much an additive attention bias matters to a trace (`elsa-sim trace inspect`, docs/traces.md,
// "Inspecting a trace"): the bias's share of the score spread and how often it changes a query's top key.

/// The effect of a layer's bias on the scores of a set of real queries. For query `i` of head `h`, over
/// its visible keys `y`: `a_y = scale · Σ_c Double(q_i[c]) · Double(k_y[c])` (the q·k part) and
/// `b_y = Double(bias[h, i, y])`.
///
/// - `spreadShare = Σ_i Var_y(b) / Σ_i (Var_y(a) + Var_y(b))` (population variances over the visible
///   keys, summed over queries): 0 without a bias, 1 when q·k does not vary; the share of the score
///   spread the bias contributes, ignoring their covariance.
/// - `topKeyChanged`: queries whose top key by `a` alone differs from their top key by `a + b` (lowest
///   index on ties in both).
public struct BiasStatistics: Sendable, Equatable {
    public var queries: Int = 0
    public var topKeyChanged: Int = 0
    /// Σ_i Var_y(b).
    public var biasVarianceSum: Double = 0
    /// Σ_i Var_y(a).
    public var scoreVarianceSum: Double = 0

    public init() {}

    /// `Σ Var(b) / Σ (Var(a) + Var(b))`, 0 when both sums are 0.
    public var spreadShare: Double {
        let total = biasVarianceSum + scoreVarianceSum
        return total > 0 ? biasVarianceSum / total : 0
    }

    /// `topKeyChanged / queries`, 0 without queries.
    public var topKeyChangedFraction: Double { queries > 0 ? Double(topKeyChanged) / Double(queries) : 0 }

    /// Pools `other`'s queries into `self`.
    public mutating func merge(_ other: BiasStatistics) {
        queries += other.queries
        topKeyChanged += other.topKeyChanged
        biasVarianceSum += other.biasVarianceSum
        scoreVarianceSum += other.scoreVarianceSum
    }

    /// The statistics of query head `queryHead` of `layer` over the trace's real queries; empty when the
    /// layer has no bias.
    public static func measure(layer: AttentionLayer, queryHead: Int, trace: AttentionTrace) -> BiasStatistics {
        var stats = BiasStatistics()
        guard let bias = layer.bias else { return stats }
        let q = layer.q, k = layer.k
        let kv = layer.kvHead(forQueryHead: queryHead)
        var a = [Double](repeating: 0, count: trace.tokens)
        for i in 0 ..< trace.tokens {
            let visible = trace.visibleKeys(query: i)
            let qBase = q.offset(head: queryHead, row: i), bBase = bias.offset(head: queryHead, row: i)
            var topA = 0, topZ = 0
            var meanA = 0.0, meanB = 0.0
            for y in 0 ..< visible {
                let kBase = k.offset(head: kv, row: y)
                var dot = 0.0
                for c in 0 ..< q.dim { dot += Double(q.storage[qBase + c]) * Double(k.storage[kBase + c]) }
                a[y] = trace.scale * dot
                let b = Double(bias.storage[bBase + y])
                if a[y] > a[topA] { topA = y }
                if a[y] + b > a[topZ] + Double(bias.storage[bBase + topZ]) { topZ = y }
                meanA += a[y]
                meanB += b
            }
            meanA /= Double(visible)
            meanB /= Double(visible)
            var varA = 0.0, varB = 0.0
            for y in 0 ..< visible {
                let b = Double(bias.storage[bBase + y])
                varA += (a[y] - meanA) * (a[y] - meanA)
                varB += (b - meanB) * (b - meanB)
            }
            stats.queries += 1
            stats.scoreVarianceSum += varA / Double(visible)
            stats.biasVarianceSum += varB / Double(visible)
            if topA != topZ { stats.topKeyChanged += 1 }
        }
        return stats
    }

    /// Per layer (all its query heads pooled, in head order) and overall (layers pooled in order);
    /// `nil` when the trace has no bias. Heads run on `threads` workers; the result does not depend on it.
    public static func measure(trace: AttentionTrace, threads: Int = 1) -> (layers: [BiasStatistics], overall: BiasStatistics)? {
        guard trace.hasBias else { return nil }
        let pairs = trace.layers.enumerated().flatMap { l, layer in (0 ..< layer.q.heads).map { (l, $0) } }
        let perHead = ParallelSlots<BiasStatistics>.map(count: pairs.count, threads: threads) { index in
            measure(layer: trace.layers[pairs[index].0], queryHead: pairs[index].1, trace: trace)
        }
        var layers = Array(repeating: BiasStatistics(), count: trace.layers.count)
        for (index, pair) in pairs.enumerated() { layers[pair.0].merge(perHead[index]) }
        var overall = BiasStatistics()
        for layer in layers { overall.merge(layer) }
        return (layers, overall)
    }
}
