import Foundation

// What `elsa-sim trace inspect` reports about a trace: how concentrated its softmax attention is (the
// premise of ELSA, §3.1 of the paper: a few keys carry most of the mass), how spread its key norms are
// (ELSA's selection rule scales by ‖K_y‖ / ‖K_max‖, III-D) and whether its recorded `out` is the exact
// attention of its q, k, v. The rules are written out in docs/traces.md, "Inspecting a trace".

/// When a recorded output element agrees with the recomputed exact attention: `|out − ref| ≤ absolute +
/// relative · |ref|` (NumPy's `allclose` rule), with `ref` the exact attention in Double.
public struct OutputTolerance: Sendable, Equatable {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double, relative: Double) {
        precondition(absolute >= 0 && relative >= 0, "tolerances \(absolute), \(relative) must be >= 0")
        self.absolute = absolute
        self.relative = relative
    }

    /// 1e-4 absolute + 1e-4 relative: far above float32 rounding of a correct output (≈ 6e-8 relative)
    /// and of a float32 recomputation (≈ 1e-6), far below any real disagreement.
    public static let standard = OutputTolerance(absolute: 1e-4, relative: 1e-4)

    /// The bound for an element whose exact value is `reference`.
    @inlinable
    public func bound(_ reference: Double) -> Double { absolute + relative * abs(reference) }
}

/// Keys needed to cover a fraction of the softmax mass, summarised over a set of real queries.
public struct KeysForMassSummary: Sendable, Equatable {
    /// Real queries summarised.
    public var queries: Int
    /// Mean over the queries of `keysForMass(p, mass:)`.
    public var mean: Double
    /// Median of the same counts (the mean of the two middle counts when `queries` is even).
    public var median: Double
    public var minimum: Int
    public var maximum: Int
    /// Mean over the queries of count / visible keys (visible = real tokens, a prefix under `causal`):
    /// the "fraction of n" that `trace synth --target-keys90` aims at.
    public var meanFraction: Double

    /// Summary of `counts[i]` keys out of `visible[i]` visible keys for each query `i`.
    public init(counts: [Int], visible: [Int]) {
        precondition(counts.count == visible.count, "\(counts.count) counts for \(visible.count) queries")
        queries = counts.count
        guard !counts.isEmpty else {
            mean = 0; median = 0; minimum = 0; maximum = 0; meanFraction = 0
            return
        }
        var sum = 0.0, fractionSum = 0.0
        for (count, keys) in zip(counts, visible) {
            sum += Double(count)
            fractionSum += keys == 0 ? 0 : Double(count) / Double(keys)
        }
        mean = sum / Double(counts.count)
        meanFraction = fractionSum / Double(counts.count)
        let sorted = counts.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
    }
}

/// The spread of the L2 norms ‖k‖ (in Double) of a set of real keys.
public struct KeyNormSummary: Sendable, Equatable {
    public var keys: Int
    public var minimum: Double
    public var mean: Double
    public var maximum: Double
    /// Coefficient of variation: population standard deviation / mean (0 when the mean is 0).
    public var cv: Double

    /// Summary of `norms` (two passes: mean, then the squared deviations).
    public init(norms: [Double]) {
        keys = norms.count
        guard !norms.isEmpty else {
            minimum = 0; mean = 0; maximum = 0; cv = 0
            return
        }
        let average = norms.reduce(0, +) / Double(norms.count)
        let variance = norms.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(norms.count)
        mean = average
        minimum = norms.min()!
        maximum = norms.max()!
        cv = average == 0 ? 0 : variance.squareRoot() / average
    }
}

/// How far a recorded `out` is from the exact attention recomputed from q, k, v (real query rows only;
/// padding rows are not compared, as exporters may write anything there).
public struct OutputCheck: Sendable, Equatable {
    /// Elements compared (real query rows × head dim).
    public var compared: Int
    /// Largest `|out − ref|` over the finite recorded elements.
    public var maxAbsoluteError: Double
    /// Largest `|out − ref| / tolerance.bound(ref)` over the finite elements: ≤ 1 means every finite
    /// element is within tolerance.
    public var worstToleranceRatio: Double
    /// Elements outside the tolerance, non-finite ones included.
    public var mismatches: Int
    /// Recorded elements that are NaN or infinite.
    public var nonFinite: Int

    public init(compared: Int = 0, maxAbsoluteError: Double = 0, worstToleranceRatio: Double = 0,
                mismatches: Int = 0, nonFinite: Int = 0) {
        self.compared = compared
        self.maxAbsoluteError = maxAbsoluteError
        self.worstToleranceRatio = worstToleranceRatio
        self.mismatches = mismatches
        self.nonFinite = nonFinite
    }

    /// Every compared element is within tolerance.
    public var consistent: Bool { mismatches == 0 }

    /// The check over both sets of elements.
    public func merged(with other: OutputCheck) -> OutputCheck {
        OutputCheck(compared: compared + other.compared,
                    maxAbsoluteError: max(maxAbsoluteError, other.maxAbsoluteError),
                    worstToleranceRatio: max(worstToleranceRatio, other.worstToleranceRatio),
                    mismatches: mismatches + other.mismatches, nonFinite: nonFinite + other.nonFinite)
    }
}

/// The statistics of one scope: a head, a layer (its query heads pooled) or the whole trace.
public struct AttentionStatistics: Sendable, Equatable {
    public var keysForMass: KeysForMassSummary
    /// Norms of the real keys of the key/value heads in scope (each key/value head counted once), pooled.
    public var keyNorms: KeyNormSummary
    /// Mean over the key/value heads in scope of each head's own `KeyNormSummary.cv` (for a head, its
    /// CV): the spread within heads, without the differences between heads that the pooled CV includes.
    public var meanHeadKeyNormCV: Double
    /// `nil` when the trace has no `out` in scope or the check was not asked for.
    public var output: OutputCheck?
}

/// The statistics of query head `head` of layer `layer`.
public struct HeadStatistics: Sendable, Equatable {
    public var layer: Int
    public var head: Int
    /// The key/value head it attends (grouped-query attention).
    public var kvHead: Int
    public var statistics: AttentionStatistics
}

/// Statistics of a whole trace, per (layer, query head), per layer and overall.
///
/// For every real query `i` (positions `0 ..< tokens`) of every query head, the exact softmax
/// probabilities over its visible keys (`exactAttentionProbabilities`, Double) give
/// `keysForMass(p, mass:)`, the fewest keys whose largest probabilities sum to at least `mass`; these
/// counts are summarised by `KeysForMassSummary`. Key norms are over the real keys `0 ..< tokens` of each
/// key/value head. With `checkOutput`, each real row of `out` is compared with `Σ_j p_j v_j`, summed in
/// Double in key order exactly as `exactAttentionOutput` does (but not rounded to Float).
public struct TraceStatistics: Sendable, Equatable {
    public var model: String
    public var mass: Double
    public var tolerance: OutputTolerance
    public var layerCount: Int
    /// Query heads of layer 0 (see `layerHeads` when layers differ).
    public var queryHeads: Int
    /// Key/value heads of layer 0 (see `layerKVHeads`).
    public var kvHeads: Int
    /// Query heads per layer (the format lets layers differ when `trace.json` has no `heads`).
    public var layerHeads: [Int]
    /// Key/value heads per layer.
    public var layerKVHeads: [Int]
    public var n: Int
    public var tokens: Int
    public var headDim: Int
    public var causal: Bool
    public var scale: Double
    /// Layer-major: layer 0's heads, then layer 1's, …; use `head(layer:head:)`.
    public var heads: [HeadStatistics]
    /// One per layer: all its query heads' queries, its key/value heads' keys, its `out`.
    public var layers: [AttentionStatistics]
    /// Every query, key and output element of the trace.
    public var overall: AttentionStatistics

    /// Computes the statistics of `trace`.
    ///
    /// - Parameters:
    ///   - mass: the softmax mass to cover, in `(0, 1]` (0.9 for "keys for 90 %").
    ///   - checkOutput: compare each layer's `out`, when present, with the exact attention.
    ///   - threads: workers over (layer, head) pairs; the result does not depend on it.
    /// - Complexity: O(layers · heads · tokens² · headDim) plus a sort per query, O(tokens log tokens).
    public init(trace: AttentionTrace, mass: Double = 0.9, checkOutput: Bool = true,
                tolerance: OutputTolerance = .standard, threads: Int = 1) {
        precondition(mass > 0 && mass <= 1, "mass \(mass) not in (0, 1]")
        model = trace.model
        self.mass = mass
        self.tolerance = tolerance
        layerCount = trace.layers.count
        queryHeads = trace.queryHeads
        kvHeads = trace.kvHeads
        layerHeads = trace.layers.map(\.q.heads)
        layerKVHeads = trace.layers.map(\.k.heads)
        n = trace.n
        tokens = trace.tokens
        headDim = trace.headDim
        causal = trace.causal
        scale = trace.scale

        let pairs = trace.layers.enumerated().flatMap { layer, l in (0 ..< l.q.heads).map { (layer, $0) } }
        let perHead = ParallelSlots<HeadWork>.map(count: pairs.count, threads: threads) { index in
            HeadWork(trace: trace, layer: pairs[index].0, head: pairs[index].1, mass: mass,
                     checkOutput: checkOutput, tolerance: tolerance)
        }
        let kvNorms = trace.layers.map { layer in
            (0 ..< layer.k.heads).map { Self.keyNorms(layer.k, head: $0, tokens: trace.tokens) }
        }
        heads = perHead.map { work in
            let kv = trace.layers[work.layer].kvHead(forQueryHead: work.head)
            return HeadStatistics(layer: work.layer, head: work.head, kvHead: kv, statistics: AttentionStatistics(
                keysForMass: KeysForMassSummary(counts: work.counts, visible: work.visible),
                keyNorms: KeyNormSummary(norms: kvNorms[work.layer][kv]),
                meanHeadKeyNormCV: KeyNormSummary(norms: kvNorms[work.layer][kv]).cv, output: work.output))
        }
        func pooled(_ works: ArraySlice<HeadWork>, norms: [[Double]]) -> AttentionStatistics {
            let outputs = works.compactMap(\.output)
            return AttentionStatistics(
                keysForMass: KeysForMassSummary(counts: works.flatMap(\.counts), visible: works.flatMap(\.visible)),
                keyNorms: KeyNormSummary(norms: norms.flatMap { $0 }),
                meanHeadKeyNormCV: norms.reduce(0) { $0 + KeyNormSummary(norms: $1).cv } / Double(norms.count),
                output: outputs.isEmpty ? nil : outputs.dropFirst().reduce(outputs[0]) { $0.merged(with: $1) })
        }
        var start = 0
        layers = []
        for (layer, count) in layerHeads.enumerated() {
            layers.append(pooled(perHead[start ..< start + count], norms: kvNorms[layer]))
            start += count
        }
        firstHead = layerHeads.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast()
        overall = pooled(perHead[...], norms: kvNorms.flatMap { $0 })
    }

    /// The statistics of query head `head` of layer `layer`.
    public func head(layer: Int, head: Int) -> HeadStatistics { heads[firstHead[layer] + head] }

    /// Index in `heads` of each layer's head 0.
    private var firstHead: [Int] = []

    /// ‖k‖ in Double for the real keys of key/value head `head`.
    public static func keyNorms(_ k: Tensor3, head: Int, tokens: Int) -> [Double] {
        (0 ..< tokens).map { row in
            let base = k.offset(head: head, row: row)
            var sum = 0.0
            for c in 0 ..< k.dim { sum += Double(k.storage[base + c]) * Double(k.storage[base + c]) }
            return sum.squareRoot()
        }
    }

    /// Mean over key/value heads `0 ..< heads` of `layer` of the CV of ‖k‖ over real keys `0 ..< tokens`:
    /// the statistic `trace synth --key-norm-spread` matches.
    public static func meanHeadKeyNormCV(layer: AttentionLayer, heads: Int, tokens: Int) -> Double {
        guard heads > 0 else { return 0 }
        return (0 ..< heads).reduce(0) { $0 + KeyNormSummary(norms: keyNorms(layer.k, head: $1, tokens: tokens)).cv }
            / Double(heads)
    }

    /// Mean over the real queries (or the given ones) of the given query heads of `layer` of
    /// `keysForMass(p, mass:) / visible keys`: the statistic `trace synth --target-keys90` matches.
    ///
    /// - Parameter queries: query positions in `0 ..< tokens` to average over; `nil` = all real queries.
    /// - Complexity: O(heads · queries · tokens · headDim).
    public static func meanKeysFraction(layer: AttentionLayer, queryHeads: Range<Int>, scale: Double, causal: Bool,
                                        tokens: Int, queries: [Int]? = nil, mass: Double = 0.9,
                                        threads: Int = 1) -> Double {
        let heads = Array(queryHeads)
        let positions = queries ?? Array(0 ..< tokens)
        guard !heads.isEmpty, !positions.isEmpty else { return 0 }
        let sums = ParallelSlots<Double>.map(count: heads.count, threads: threads) { index in
            var sum = 0.0
            for query in positions {
                let p = exactAttentionProbabilities(layer: layer, queryHead: heads[index], query: query, scale: scale,
                                                    causal: causal, tokens: tokens)
                sum += Double(keysForMass(p, mass: mass)) / Double(p.count)
            }
            return sum
        }
        return sums.reduce(0, +) / Double(heads.count * positions.count)
    }
}

/// The per-query counts and output check of one (layer, query head).
private struct HeadWork: Sendable {
    let layer: Int
    let head: Int
    var counts: [Int] = []
    var visible: [Int] = []
    var output: OutputCheck?

    init(trace: AttentionTrace, layer: Int, head: Int, mass: Double, checkOutput: Bool, tolerance: OutputTolerance) {
        self.layer = layer
        self.head = head
        let attention = trace.layers[layer]
        let out = checkOutput ? attention.out : nil
        let v = attention.v
        let kvHead = attention.kvHead(forQueryHead: head)
        counts.reserveCapacity(trace.tokens)
        visible.reserveCapacity(trace.tokens)
        var check = out == nil ? nil : OutputCheck()
        var reference = [Double](repeating: 0, count: v.dim)
        for query in 0 ..< trace.tokens {
            let p = exactAttentionProbabilities(layer: attention, queryHead: head, query: query, scale: trace.scale,
                                                causal: trace.causal, tokens: trace.tokens)
            counts.append(keysForMass(p, mass: mass))
            visible.append(p.count)
            guard let out, check != nil else { continue }
            for c in 0 ..< v.dim { reference[c] = 0 }
            for (key, weight) in p.enumerated() {
                let base = v.offset(head: kvHead, row: key)
                for c in 0 ..< v.dim { reference[c] += weight * Double(v.storage[base + c]) }
            }
            let outBase = out.offset(head: head, row: query)
            for c in 0 ..< v.dim {
                let recorded = out.storage[outBase + c]
                check!.compared += 1
                guard recorded.isFinite else {
                    check!.nonFinite += 1
                    check!.mismatches += 1
                    continue
                }
                let error = abs(Double(recorded) - reference[c])
                let bound = tolerance.bound(reference[c])
                let ratio = bound > 0 ? error / bound : (error == 0 ? 0 : Double.infinity)
                check!.maxAbsoluteError = max(check!.maxAbsoluteError, error)
                check!.worstToleranceRatio = max(check!.worstToleranceRatio, ratio)
                if ratio > 1 { check!.mismatches += 1 }
            }
        }
        output = check
    }
}
