#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

/// Running sums of the per-query thresholds `t_x` of one (layer, query head), so callers can average over
/// the queries of one trace or pool several traces (ELSA III-E: "average t over the inputs").
public struct ThresholdStatistics: Sendable, Equatable {
    /// Σ t_x over the contributing queries.
    public var sum: Double = 0
    /// Queries that contributed a `t_x` (fallback queries included).
    public var count: Int = 0
    /// Queries skipped because `‖q_x‖ · ‖K_max‖ = 0` (no angle is defined; they contribute nothing).
    public var skipped: Int = 0
    /// Contributing queries where no key exceeded `p / n_rel` and the maximum-score key was used
    /// (ELSA III-E footnote 1).
    public var fallbacks: Int = 0

    public init(sum: Double = 0, count: Int = 0, skipped: Int = 0, fallbacks: Int = 0) {
        self.sum = sum
        self.count = count
        self.skipped = skipped
        self.fallbacks = fallbacks
    }

    /// The learned threshold `t = sum / count`, or `nil` when no query contributed.
    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// Pools `other`'s queries into `self`.
    public mutating func merge(_ other: ThresholdStatistics) {
        sum += other.sum
        count += other.count
        skipped += other.skipped
        fallbacks += other.fallbacks
    }
}

/// ELSA's threshold learning (III-E): for every real query `x` of a head,
///
/// 1. exact scores `s_y = q_x · k_y` (unscaled) over the visible keys `y`;
/// 2. softmax probabilities `P_y` of `scale · s_y`;
/// 3. the relevant keys are those with `P_y > p / n_rel`; among them, the key with the minimum `P_y`
///    (if none, the key with the maximum score, footnote 1);
/// 4. `t_x = s_y / (‖q_x‖ · ‖K_max‖)`, `‖K_max‖` the largest norm of the head's real keys.
///
/// The head's threshold is the mean of `t_x`. Everything is computed in Double (the exponential is
/// `FastExp`); the scores come from the head's shared `HeadScores`; the exact order of operations is in
/// `docs/algorithm.md` §4.
///
/// With a layer bias `b` (`docs/algorithm.md` §10) relevance always uses the biased softmax of
/// `scale · s_y + b_y` (the fallback key is the one with the largest biased score); `t_x` is then
/// `s_y / (‖q_x‖ · ‖K_max‖)` under `BiasPolicy.ignore` (the selectors see `q·k` only) and
/// `(s_y + b_y / scale) / (‖q_x‖ · ‖K_max‖)` under `BiasPolicy.lookup` (the selectors add the bias).
public struct ThresholdLearner: Sendable {
    /// The hyperparameter `p > 0` (p = 0 means exact attention and is handled by the caller).
    public let p: Double
    /// Which `n_rel` the cut-off `p / n_rel` uses.
    public let relevanceCount: RelevanceCount
    /// Which score `t_x` is learned from when the layer has a bias.
    public let biasPolicy: BiasPolicy

    public init(p: Double, relevanceCount: RelevanceCount = .visibleKeys, biasPolicy: BiasPolicy = .ignore) {
        precondition(p > 0 && p.isFinite, "threshold learning needs a finite p > 0, got \(p) (p = 0 is exact attention)")
        self.p = p
        self.relevanceCount = relevanceCount
        self.biasPolicy = biasPolicy
    }

    /// The chosen key of one query: index and whether the footnote-1 fallback was used.
    ///
    /// `scores` are the unscaled `s_y` of the visible keys. Probabilities are `e_y / Σ e`, with
    /// `e_y = FastExp.exp(scale · s_y − max_y(scale · s_y))` and `Σ e` summed as
    /// `FastExp.exponentials` sums (`docs/algorithm.md` §4). The
    /// minimum-probability relevant key and the maximum-score fallback key are the first (lowest index)
    /// on ties. (`statistics` applies the same rule to the shared `HeadScores` rows.)
    ///
    /// - Precondition: `scores` is not empty.
    public static func chooseKey(scores: UnsafeBufferPointer<Double>, scale: Double,
                                 cutoff: Double) -> (key: Int, fallback: Bool) {
        precondition(!scores.isEmpty, "a query needs at least one visible key")
        var best = 0
        var maxScaled = scale * scores[0]
        for y in 1 ..< scores.count {
            let z = scale * scores[y]
            if z > maxScaled { maxScaled = z }
            if scores[y] > scores[best] { best = y }
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * scores.count) { buffer in
            let z = buffer.baseAddress!, e = z + scores.count
            for y in 0 ..< scores.count { z[y] = scale * scores[y] }
            let sumExp = FastExp.exponentials(of: z, minus: maxScaled, count: scores.count, into: e)
            let chosen = minimumRelevant(weights: UnsafePointer(e), count: scores.count, sum: sumExp,
                                         cutoff: cutoff)
            return chosen >= 0 ? (chosen, false) : (best, true)
        }
    }

    /// The lowest-index key with the minimum `P_y = weights[y] / sum` among those with `P_y > cutoff`,
    /// or −1 when there is none.
    ///
    /// Two vector passes (the same divisions, so the same values as the plain loop): the minimum, then
    /// the first key that reaches it.
    @inline(__always)
    static func minimumRelevant(weights e: UnsafePointer<Double>, count: Int, sum: Double, cutoff: Double) -> Int {
        typealias V4 = SIMD4<Double>
        let sums = V4(repeating: sum), cutoffs = V4(repeating: cutoff), none = V4(repeating: .infinity)
        var smallest = none
        var y = 0
        while y + 4 <= count {
            let probability = UnsafeRawPointer(e + y).loadUnaligned(as: V4.self) / sums
            smallest.replace(with: probability, where: (probability .> cutoffs) .& (probability .< smallest))
            y += 4
        }
        var minimum = min(min(smallest[0], smallest[1]), min(smallest[2], smallest[3]))
        while y < count {
            let probability = e[y] / sum
            if probability > cutoff && probability < minimum { minimum = probability }
            y += 1
        }
        // A probability of +∞ is never chosen (the plain loop starts from +∞ and needs a smaller one).
        guard minimum < .infinity else { return -1 }
        let target = V4(repeating: minimum)
        y = 0
        while y + 4 <= count {
            let probability = UnsafeRawPointer(e + y).loadUnaligned(as: V4.self) / sums
            if any(probability .== target) { break }
            y += 4
        }
        while y < count {
            if e[y] / sum == minimum { return y }
            y += 1
        }
        preconditionFailure("the minimum relevant probability \(minimum) was not found again")
    }

    /// `p / n_rel` for a query that sees `visible` keys of a trace of length `sequenceLength` (padding included).
    @inlinable
    public func cutoff(visible: Int, sequenceLength: Int) -> Double {
        switch relevanceCount {
        case .visibleKeys: return p / Double(visible)
        case .sequenceLength: return p / Double(sequenceLength)
        }
    }

    /// The threshold statistics of query head `queryHead` of `layer` over the trace's real queries.
    ///
    /// - Complexity: O(Σ_x v_x · d) multiply-adds and O(Σ_x v_x) exponentials.
    public func statistics(layer: AttentionLayer, queryHead: Int, trace: AttentionTrace) -> ThresholdStatistics {
        statistics(scores: HeadScores(trace: trace, layer: layer, queryHead: queryHead), layer: layer,
                   queryHead: queryHead, trace: trace)
    }

    /// The threshold statistics from a head's shared scores (`HeadScores` of the same layer and query
    /// head): O(Σ_x v_x) work on top of them. One loop for layers with and without a bias: relevance
    /// from the (biased) softmax weights of the rows; the fallback key is the largest `s_y` without a
    /// bias and the largest `z_y = scale · s_y + Double(b_y)` with one; `t_x` from `s_y`, or from
    /// `s_y + Double(b_y) / scale` under `BiasPolicy.lookup` with a bias.
    public func statistics(scores head: HeadScores, layer: AttentionLayer, queryHead: Int,
                           trace: AttentionTrace) -> ThresholdStatistics {
        var stats = ThresholdStatistics()
        let scale = trace.scale
        let bias = layer.bias
        let maxKeyNorm = head.maxKeyNorm
        head.forEachBlock { rows in
            rows.scores.withUnsafeBufferPointer { s in
            rows.weights.withUnsafeBufferPointer { w in
                for r in 0 ..< rows.rowCount {
                    let x = rows.firstRow + r
                    let denominator = head.queryNorms[x] * maxKeyNorm
                    guard denominator > 0 else {
                        stats.skipped += 1
                        continue
                    }
                    let v = head.visibleKeys(query: x)
                    let srow = s.baseAddress! + r * rows.stride
                    var key = Self.minimumRelevant(weights: w.baseAddress! + r * rows.stride, count: v,
                                                   sum: rows.sums[r], cutoff: cutoff(visible: v, sequenceLength: trace.n))
                    let fallback = key < 0
                    var score: Double
                    if let bias {
                        let biasRow = bias.offset(head: queryHead, row: x)
                        if fallback {
                            key = 0
                            var best = scale * srow[0] + Double(bias.storage[biasRow])
                            for y in 1 ..< v {
                                let z = scale * srow[y] + Double(bias.storage[biasRow + y])
                                if z > best { best = z; key = y }
                            }
                        }
                        switch biasPolicy {
                        case .ignore: score = srow[key]
                        case .lookup: score = srow[key] + Double(bias.storage[biasRow + key]) / scale
                        }
                    } else {
                        if fallback {
                            key = 0
                            for y in 1 ..< v where srow[y] > srow[key] { key = y }
                        }
                        score = srow[key]
                    }
                    stats.sum += score / denominator
                    stats.count += 1
                    if fallback { stats.fallbacks += 1 }
                }
            }
            }
        }
        return stats
    }

    /// Statistics of every (layer, query head) of `trace`, indexed `[layer][queryHead]`.
    public func statistics(trace: AttentionTrace) -> [[ThresholdStatistics]] {
        trace.layers.map { layer in
            (0 ..< layer.q.heads).map { statistics(layer: layer, queryHead: $0, trace: trace) }
        }
    }
}
