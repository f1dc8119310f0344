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
/// The head's threshold is the mean of `t_x`. Everything is computed in Double; the exact order of
/// operations is in `docs/algorithm.md` §4.
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
    /// `e_y = exp(scale · s_y − max_y(scale · s_y))` and `Σ e` summed in key order. The minimum-probability
    /// relevant key and the maximum-score fallback key are the first (lowest index) on ties.
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
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: scores.count) { e in
            var sumExp = 0.0
            for y in 0 ..< scores.count {
                e[y] = exp(scale * scores[y] - maxScaled)
                sumExp += e[y]
            }
            var chosen = -1
            var chosenProbability = Double.infinity
            for y in 0 ..< scores.count {
                let probability = e[y] / sumExp
                if probability > cutoff && probability < chosenProbability {
                    chosen = y
                    chosenProbability = probability
                }
            }
            return chosen >= 0 ? (chosen, false) : (best, true)
        }
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
        let n = trace.tokens
        let d = layer.q.dim
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        // Keys transposed to [d, n] in Double: the score loop runs over keys, each score still summed in
        // component order (the same result as a plain sequential dot product).
        // Keys in Double, in panels of 8 keys: element (y, c) at ((y / 8) · d + c) · 8 + y mod 8, so the
        // score loop streams memory and keeps 8 scores in registers; each score is still summed in
        // component order (the value of a plain sequential dot product).
        let blocks = (n + 7) / 8
        var panels = ContiguousArray<Double>(repeating: 0, count: blocks * d * 8)
        var maxKeyNorm = 0.0
        for y in 0 ..< n {
            let start = layer.k.offset(head: kvHead, row: y)
            var squares = 0.0
            for c in 0 ..< d {
                let x = Double(layer.k.storage[start + c])
                panels[((y >> 3) * d + c) * 8 + y & 7] = x
                squares += x * x
            }
            maxKeyNorm = max(maxKeyNorm, squares.squareRoot())
        }
        var stats = ThresholdStatistics()
        var scores = ContiguousArray<Double>(repeating: 0, count: blocks * 8)
        if let bias = layer.bias {
            return biasedStatistics(layer: layer, queryHead: queryHead, trace: trace, bias: bias, panels: panels,
                                    maxKeyNorm: maxKeyNorm, scores: &scores)
        }
        panels.withUnsafeBufferPointer { kp in
            layer.q.storage.withUnsafeBufferPointer { qs in
                scores.withUnsafeMutableBufferPointer { s in
                    for x in 0 ..< n {
                        let start = layer.q.offset(head: queryHead, row: x)
                        var squares = 0.0
                        for c in 0 ..< d {
                            let v = Double(qs[start + c])
                            squares += v * v
                        }
                        let denominator = squares.squareRoot() * maxKeyNorm
                        guard denominator > 0 else {
                            stats.skipped += 1
                            continue
                        }
                        let v = trace.visibleKeys(query: x)
                        Self.scores(query: qs.baseAddress! + start, dim: d, panels: kp.baseAddress!,
                                    keys: v, into: s.baseAddress!)
                        let visibleScores = UnsafeBufferPointer(rebasing: s[0 ..< v])
                        let choice = Self.chooseKey(scores: visibleScores, scale: trace.scale,
                                                    cutoff: cutoff(visible: v, sequenceLength: trace.n))
                        stats.sum += visibleScores[choice.key] / denominator
                        stats.count += 1
                        if choice.fallback { stats.fallbacks += 1 }
                    }
                }
            }
        }
        return stats
    }

    /// `statistics` for a layer with a bias: the same scores, norms and skips; relevance from the biased
    /// softmax `z_y = scale · s_y + Double(b_y)` (`chooseKey` on `z` with scale 1); `t_x` from `s_y` (ignore)
    /// or `s_y + Double(b_y) / scale` (lookup) over `‖q_x‖ · ‖K_max‖`.
    private func biasedStatistics(layer: AttentionLayer, queryHead: Int, trace: AttentionTrace, bias: Tensor3,
                                  panels: ContiguousArray<Double>, maxKeyNorm: Double,
                                  scores: inout ContiguousArray<Double>) -> ThresholdStatistics {
        let n = trace.tokens
        let d = layer.q.dim
        let scale = trace.scale
        var stats = ThresholdStatistics()
        var biased = ContiguousArray<Double>(repeating: 0, count: scores.count)
        panels.withUnsafeBufferPointer { kp in
            layer.q.storage.withUnsafeBufferPointer { qs in
                bias.storage.withUnsafeBufferPointer { bs in
                    scores.withUnsafeMutableBufferPointer { s in
                        biased.withUnsafeMutableBufferPointer { z in
                            for x in 0 ..< n {
                                let start = layer.q.offset(head: queryHead, row: x)
                                var squares = 0.0
                                for c in 0 ..< d {
                                    let v = Double(qs[start + c])
                                    squares += v * v
                                }
                                let denominator = squares.squareRoot() * maxKeyNorm
                                guard denominator > 0 else {
                                    stats.skipped += 1
                                    continue
                                }
                                let v = trace.visibleKeys(query: x)
                                Self.scores(query: qs.baseAddress! + start, dim: d, panels: kp.baseAddress!,
                                            keys: v, into: s.baseAddress!)
                                let biasRow = bias.offset(head: queryHead, row: x)
                                for y in 0 ..< v { z[y] = scale * s[y] + Double(bs[biasRow + y]) }
                                let choice = Self.chooseKey(scores: UnsafeBufferPointer(rebasing: z[0 ..< v]), scale: 1,
                                                            cutoff: cutoff(visible: v, sequenceLength: trace.n))
                                let score: Double
                                switch biasPolicy {
                                case .ignore: score = s[choice.key]
                                case .lookup: score = s[choice.key] + Double(bs[biasRow + choice.key]) / scale
                                }
                                stats.sum += score / denominator
                                stats.count += 1
                                if choice.fallback { stats.fallbacks += 1 }
                            }
                        }
                    }
                }
            }
        }
        return stats
    }

    /// `out[y] = Σ_c Double(q[c]) · K[y][c]` for `y < keys` (rounded up to a multiple of 8), `K` in the
    /// 8-key panels of `statistics`; each sum runs in component order from +0, like a plain sequential
    /// dot product.
    @inline(__always)
    static func scores(query q: UnsafePointer<Float>, dim d: Int, panels: UnsafePointer<Double>,
                       keys: Int, into out: UnsafeMutablePointer<Double>) {
        var block = 0
        while block * 8 < keys {
            let panel = panels + block * d * 8
            var a0 = SIMD2<Double>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            for c in 0 ..< d {
                let x = SIMD2<Double>(repeating: Double(q[c]))
                let k = UnsafeRawPointer(panel + c * 8)
                a0 += x * k.loadUnaligned(as: SIMD2<Double>.self)
                a1 += x * k.loadUnaligned(fromByteOffset: 16, as: SIMD2<Double>.self)
                a2 += x * k.loadUnaligned(fromByteOffset: 32, as: SIMD2<Double>.self)
                a3 += x * k.loadUnaligned(fromByteOffset: 48, as: SIMD2<Double>.self)
            }
            let o = UnsafeMutableRawPointer(out + block * 8)
            o.storeBytes(of: a0, as: SIMD2<Double>.self)
            o.storeBytes(of: a1, toByteOffset: 16, as: SIMD2<Double>.self)
            o.storeBytes(of: a2, toByteOffset: 32, as: SIMD2<Double>.self)
            o.storeBytes(of: a3, toByteOffset: 48, as: SIMD2<Double>.self)
            block += 1
        }
    }

    /// Statistics of every (layer, query head) of `trace`, indexed `[layer][queryHead]`.
    public func statistics(trace: AttentionTrace) -> [[ThresholdStatistics]] {
        trace.layers.map { layer in
            (0 ..< layer.q.heads).map { statistics(layer: layer, queryHead: $0, trace: trace) }
        }
    }
}
