import Foundation
import Testing
import Workload
@testable import ElsaModel
@testable import SimIO

/// Threshold learning and the quality metrics share one score pass per head (`HeadScores`) and a fast
/// exponential (`FastExp`). These tests hold them to the straightforward per-query loops they replaced,
/// copied here as oracles (Double scores summed in component order, Foundation's `exp`), on random
/// heads and on the shipped MiniLM and MPNet traces (`docs/algorithm.md` §4, `docs/quality.md` §1).
@Suite struct ScoreSharingOracleTests {
    // MARK: The old loops

    /// The old `ThresholdLearner.statistics` (and its biased variant), one query at a time.
    static func oldStatistics(trace: AttentionTrace, layer: AttentionLayer, queryHead: Int, p: Double,
                              relevance: RelevanceCount, policy: BiasPolicy) -> ThresholdStatistics {
        let n = trace.tokens, d = layer.q.dim
        let kv = layer.kvHead(forQueryHead: queryHead)
        let keys = (0 ..< n).map { layer.k.row(head: kv, row: $0).map(Double.init) }
        var maxKeyNorm = 0.0
        for key in keys {
            var squares = 0.0
            for c in 0 ..< d { squares += key[c] * key[c] }
            maxKeyNorm = max(maxKeyNorm, squares.squareRoot())
        }
        var stats = ThresholdStatistics()
        for x in 0 ..< n {
            let q = layer.q.row(head: queryHead, row: x).map(Double.init)
            var squares = 0.0
            for c in 0 ..< d { squares += q[c] * q[c] }
            let denominator = squares.squareRoot() * maxKeyNorm
            guard denominator > 0 else { stats.skipped += 1; continue }
            let v = trace.visibleKeys(query: x)
            var s = [Double](repeating: 0, count: v)
            for y in 0 ..< v { for c in 0 ..< d { s[y] += q[c] * keys[y][c] } }
            let b: [Double] = layer.bias.map { bias in (0 ..< v).map { Double(bias[queryHead, x, $0]) } }
                ?? [Double](repeating: 0, count: v)
            let z = (0 ..< v).map { layer.bias == nil ? trace.scale * s[$0] : trace.scale * s[$0] + b[$0] }
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            var sum = 0.0
            for w in e { sum += w }
            let cutoff = relevance == .visibleKeys ? p / Double(v) : p / Double(trace.n)
            var chosen = -1, chosenP = Double.infinity
            for y in 0 ..< v where e[y] / sum > cutoff && e[y] / sum < chosenP { chosen = y; chosenP = e[y] / sum }
            if chosen < 0 {
                let ranked = layer.bias == nil ? s : z
                chosen = 0
                for y in 1 ..< v where ranked[y] > ranked[chosen] { chosen = y }
                stats.fallbacks += 1
            }
            let score = layer.bias != nil && policy == .lookup ? s[chosen] + b[chosen] / trace.scale : s[chosen]
            stats.sum += score / denominator
            stats.count += 1
        }
        return stats
    }

    /// The old `ApproximationQuality.measure`, one query at a time (mismatch checking left out).
    static func oldQuality(trace: AttentionTrace, layer: AttentionLayer, queryHead: Int,
                           selection: SelectionMatrix) -> QualityStatistics {
        let n = trace.tokens, d = layer.q.dim, dv = layer.v.dim
        let kv = layer.kvHead(forQueryHead: queryHead)
        var stats = QualityStatistics()
        let keys = (0 ..< n).map { layer.k.row(head: kv, row: $0).map(Double.init) }
        let values = (0 ..< n).map { layer.v.row(head: kv, row: $0).map(Double.init) }
        for i in 0 ..< n {
            let v = trace.visibleKeys(query: i)
            let q = layer.q.row(head: queryHead, row: i).map(Double.init)
            let z: [Double] = (0 ..< v).map { y in
                var dot = 0.0
                for c in 0 ..< d { dot += q[c] * keys[y][c] }
                return layer.bias == nil ? trace.scale * dot : trace.scale * dot + Double(layer.bias![queryHead, i, y])
            }
            let selected = (0 ..< v).filter { selection.isSelected(query: i, key: $0) }
            let maxAll = z.max()!
            let e = z.map { exp($0 - maxAll) }
            let sumAll = e.reduce(0, +)
            let mass = selected.reduce(0.0) { $0 + e[$1] } / sumAll
            stats.queries += 1
            stats.massKeptSum += mass
            stats.massKeptMinimum = min(stats.massKeptMinimum, mass)
            stats.sinkMassSum += e[0] / sumAll
            if selection.isSelected(query: i, key: 0) { stats.sinkSelected += 1 }
            if selected.isEmpty { stats.emptyQueries += 1 }
            var exact = [Double](repeating: 0, count: dv), approximate = exact
            for y in 0 ..< v {
                for c in 0 ..< dv { exact[c] += e[y] * values[y][c] }
            }
            for c in 0 ..< dv { exact[c] /= sumAll }
            if !selected.isEmpty {
                let maxSelected = selected.map { z[$0] }.max()!
                let hat = selected.map { exp(z[$0] - maxSelected) }
                for (x, y) in selected.enumerated() {
                    for c in 0 ..< dv { approximate[c] += hat[x] * values[y][c] }
                }
                let total = hat.reduce(0, +)
                for c in 0 ..< dv { approximate[c] /= total }
            }
            for c in 0 ..< dv {
                stats.errorSquaredSum += (approximate[c] - exact[c]) * (approximate[c] - exact[c])
                stats.referenceSquaredSum += exact[c] * exact[c]
            }
            let top = (0 ..< v).sorted { z[$0] > z[$1] || (z[$0] == z[$1] && $0 < $1) }.prefix(QualityStatistics.topK)
            if selection.isSelected(query: i, key: top.first!) { stats.top1Hits += 1 }
            stats.topKSlots += top.count
            stats.topKHits += top.filter { selection.isSelected(query: i, key: $0) }.count
        }
        return stats
    }

    // MARK: Comparisons

    static func relativeDifference(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
    }

    /// Thresholds within 1e-9 relative; the counts equal. Returns the relative difference of the mean.
    @discardableResult
    static func expectSameThreshold(_ new: ThresholdStatistics, _ old: ThresholdStatistics, _ label: String) -> Double {
        #expect(new.count == old.count && new.skipped == old.skipped && new.fallbacks == old.fallbacks, "\(label)")
        let difference = relativeDifference(new.mean ?? 0, old.mean ?? 0)
        #expect(difference <= 1e-9, "\(label): threshold \(new.mean ?? .nan) vs \(old.mean ?? .nan)")
        return difference
    }

    /// The output rows' tolerance (`docs/quality.md` §1, "Output rows in float32"): `Σ‖O_i‖²` and the
    /// output error within 1e-6 relative. The float32 blocks move them by less than 1e-7 on these heads
    /// (the weights' float32 rounding, ≤ 6e-8 per product, averaging out over a row); a kernel that drops
    /// one key of a block moves them by 9e-4 and more.
    static let outputRowTolerance = 1e-6

    /// Quality within the tolerances of `docs/quality.md` §1 ("The exponential", "Output rows in
    /// float32"): counts equal, the mass and sink sums within 1e-12 relative, `Σ‖O_i‖²` and the output
    /// error within `outputRowTolerance`.
    static func expectSameQuality(_ new: QualityStatistics, _ old: QualityStatistics, _ label: String) {
        #expect(new.queries == old.queries && new.emptyQueries == old.emptyQueries, "\(label)")
        #expect(new.top1Hits == old.top1Hits && new.topKHits == old.topKHits && new.topKSlots == old.topKSlots, "\(label)")
        #expect(new.sinkSelected == old.sinkSelected, "\(label)")
        #expect(relativeDifference(new.massKeptSum, old.massKeptSum) <= 1e-12, "\(label): mass \(new.massKeptSum) vs \(old.massKeptSum)")
        #expect(relativeDifference(new.massKeptMinimum, old.massKeptMinimum) <= 1e-12, "\(label)")
        #expect(relativeDifference(new.sinkMassSum, old.sinkMassSum) <= 1e-12, "\(label)")
        #expect(relativeDifference(new.referenceSquaredSum, old.referenceSquaredSum) <= outputRowTolerance, "\(label)")
        #expect(relativeDifference(new.outputError ?? 0, old.outputError ?? 0) <= outputRowTolerance,
                "\(label): error \(new.outputError ?? .nan) vs \(old.outputError ?? .nan)")
    }

    static func randomTrace(seed: UInt64, n: Int, tokens: Int, dim: Int, causal: Bool, bias: Bool,
                            queryHeads: Int = 2, kvHeads: Int = 1) -> AttentionTrace {
        var g = SeededGenerator(seed: seed)
        func tensor(_ heads: Int, _ rows: Int, _ columns: Int, _ spread: Double) -> Tensor3 {
            var t = Tensor3(heads: heads, rows: rows, dim: columns)
            for i in t.storage.indices { t.storage[i] = Float(spread * g.nextGaussian()) }
            return t
        }
        // Queries 3× the keys' spread: peaked softmaxes, so some queries use the footnote fallback at p > 1.
        let layer = AttentionLayer(name: "layer0", q: tensor(queryHeads, n, dim, 3), k: tensor(kvHeads, n, dim, 1),
                                   v: tensor(kvHeads, n, dim, 1), bias: bias ? tensor(queryHeads, n, n, 2) : nil)
        return AttentionTrace(model: "test", causal: causal, tokens: tokens, layers: [layer])
    }

    /// A random selection keeping each visible key with probability `keep`.
    static func randomSelection(trace: AttentionTrace, seed: UInt64, keep: Double) -> SelectionMatrix {
        var g = SeededGenerator(seed: seed)
        let visible = ContiguousArray((0 ..< trace.tokens).map { trace.visibleKeys(query: $0) })
        var selection = SelectionMatrix(keys: trace.tokens, visible: visible)
        for i in 0 ..< trace.tokens { for y in 0 ..< visible[i] where g.nextUnit() < keep { selection.set(query: i, key: y) } }
        return selection
    }

    // MARK: Random heads

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func thresholdsMatchTheOldLoopOnRandomHeads(causal: Bool, bias: Bool) {
        for (seed, n, tokens, dim) in [(UInt64(1), 37, 33, 16), (2, 64, 64, 64), (3, 9, 9, 5)] {
            let trace = Self.randomTrace(seed: seed, n: n, tokens: tokens, dim: dim, causal: causal, bias: bias)
            for p in [0.5, 1.0, 2.0, 30.0] {
                for relevance in [RelevanceCount.visibleKeys, .sequenceLength] {
                    for policy in [BiasPolicy.ignore, .lookup] {
                        let learner = ThresholdLearner(p: p, relevanceCount: relevance, biasPolicy: policy)
                        for h in 0 ..< 2 {
                            let new = learner.statistics(layer: trace.layers[0], queryHead: h, trace: trace)
                            let old = Self.oldStatistics(trace: trace, layer: trace.layers[0], queryHead: h, p: p,
                                                         relevance: relevance, policy: policy)
                            Self.expectSameThreshold(new, old, "seed \(seed) causal \(causal) bias \(bias) p \(p) head \(h)")
                        }
                    }
                }
            }
        }
    }

    @Test func theFallbackIsExercised() {
        let trace = Self.randomTrace(seed: 4, n: 40, tokens: 40, dim: 16, causal: false, bias: false)
        let stats = ThresholdLearner(p: 30).statistics(layer: trace.layers[0], queryHead: 0, trace: trace)
        #expect(stats.fallbacks > 0 && stats.fallbacks < stats.count)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func qualityMatchesTheOldLoopOnRandomHeads(causal: Bool, bias: Bool) {
        for (seed, n, tokens, dim) in [(UInt64(11), 37, 33, 16), (12, 64, 64, 64), (13, 20, 20, 12)] {
            let trace = Self.randomTrace(seed: seed, n: n, tokens: tokens, dim: dim, causal: causal, bias: bias)
            // keep = 1 is exact mode; small keep rates miss the row maximum (ê recomputed) and leave rows empty.
            for keep in [1.0, 0.5, 0.1, 0.02] {
                let selection = Self.randomSelection(trace: trace, seed: seed &+ 100, keep: keep)
                for h in 0 ..< 2 {
                    let new = ApproximationQuality.measure(trace: trace, layer: 0, queryHead: h, selection: selection)
                    let old = Self.oldQuality(trace: trace, layer: trace.layers[0], queryHead: h, selection: selection)
                    Self.expectSameQuality(new, old, "seed \(seed) causal \(causal) bias \(bias) keep \(keep) head \(h)")
                    if keep == 1 {
                        #expect(new.errorSquaredSum == 0 && new.massKeptMinimum == 1)
                    }
                }
            }
        }
    }

    /// Each row's maximum `max_y z_y` (taken four lanes at a time without a bias) equals the plain
    /// loop's: scores summed in component order, scaled, biased, and the largest kept in key order. Rows
    /// of every length (causal) around the four-lane blocks, and heads whose largest score sits in any lane.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func rowMaximaAreThoseOfThePlainLoop(causal: Bool, bias: Bool) {
        for (seed, n, tokens, dim) in [(UInt64(31), 23, 21, 8), (32, 64, 61, 16), (33, 7, 7, 3)] {
            let trace = Self.randomTrace(seed: seed, n: n, tokens: tokens, dim: dim, causal: causal, bias: bias)
            let layer = trace.layers[0]
            for h in 0 ..< 2 {
                let rows = HeadScores(trace: trace, layer: layer, queryHead: h).whole!
                let kv = layer.kvHead(forQueryHead: h)
                for x in 0 ..< tokens {
                    let q = layer.q.row(head: h, row: x).map(Double.init)
                    var maximum = -Double.infinity
                    for y in 0 ..< trace.visibleKeys(query: x) {
                        let k = layer.k.row(head: kv, row: y).map(Double.init)
                        var s = 0.0
                        for c in 0 ..< dim { s += q[c] * k[c] }
                        let z = layer.bias.map { trace.scale * s + Double($0[h, x, y]) } ?? trace.scale * s
                        if z > maximum { maximum = z }
                    }
                    #expect(rows.maxima[x] == maximum, "seed \(seed) head \(h) row \(x)")
                }
            }
        }
    }

    /// Streaming the rows in blocks (long sequences) gives the same bits as keeping the whole head.
    @Test(arguments: [false, true])
    func streamedBlocksEqualTheWholeHead(causal: Bool) {
        let trace = Self.randomTrace(seed: 21, n: 203, tokens: 201, dim: 24, causal: causal, bias: causal)
        let layer = trace.layers[0]
        let whole = HeadScores(trace: trace, layer: layer, queryHead: 1)
        let streamed = HeadScores(trace: trace, layer: layer, queryHead: 1, wholeHeadLimitBytes: 0)
        #expect(whole.whole != nil && streamed.whole == nil)
        var blocks = 0
        streamed.forEachBlock { rows in
            blocks += 1
            for r in 0 ..< rows.rowCount {
                let x = rows.firstRow + r, v = trace.visibleKeys(query: x)
                let all = whole.whole!
                #expect(rows.maxima[r] == all.maxima[x] && rows.sums[r] == all.sums[x])
                #expect((0 ..< v).allSatisfy { rows.scores[r * rows.stride + $0] == all.scores[x * all.stride + $0] })
                #expect((0 ..< v).allSatisfy { rows.weights[r * rows.stride + $0] == all.weights[x * all.stride + $0] })
            }
        }
        #expect(blocks == 1 || blocks == (201 + streamed.blockRows - 1) / streamed.blockRows)
        let learner = ThresholdLearner(p: 1)
        #expect(learner.statistics(scores: whole, layer: layer, queryHead: 1, trace: trace)
            == learner.statistics(scores: streamed, layer: layer, queryHead: 1, trace: trace))
        let selection = Self.randomSelection(trace: trace, seed: 5, keep: 0.3)
        #expect(ApproximationQuality.measure(trace: trace, layer: 0, queryHead: 1, selection: selection, scores: whole)
            == ApproximationQuality.measure(trace: trace, layer: 0, queryHead: 1, selection: selection, scores: streamed))
    }

    // MARK: Shipped traces

    static let shipped = ["minilm-l6-gutenberg-n128", "minilm-l6-moby-dick-n128", "mpnet-base-moby-dick-n384",
                          "mpnet-base-pride-and-prejudice-n384"]

    static func read(_ name: String) throws -> AttentionTrace {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Traces/\(name)", isDirectory: true)
        return try TraceReader.read(directory: directory)
    }

    /// Every head of the MiniLM traces; on the MPNet traces (n = 384, a relative position bias) heads
    /// (0, 0) and (11, 11), so the debug-build oracle stays short. Both bias policies.
    @Test(arguments: shipped)
    func thresholdsAndQualityMatchTheOldLoopsOnTheShippedTraces(name: String) throws {
        let trace = try Self.read(name)
        let config = ElsaConfig()
        let model = try ElsaFunctionalModel(config: config)
        var worst = 0.0
        for (l, layer) in trace.layers.enumerated() {
            let heads = trace.n <= 128 ? Array(0 ..< trace.queryHeads) : [0, 11].contains(l) ? [l] : []
            for h in heads {
                for policy in [BiasPolicy.ignore, .lookup] where policy == .ignore || layer.bias != nil {
                    let learner = ThresholdLearner(p: 1, biasPolicy: policy)
                    let scores = HeadScores(trace: trace, layer: layer, queryHead: h)
                    let new = learner.statistics(scores: scores, layer: layer, queryHead: h, trace: trace)
                    let old = Self.oldStatistics(trace: trace, layer: layer, queryHead: h, p: 1, relevance: .visibleKeys,
                                                 policy: policy)
                    worst = max(worst, Self.expectSameThreshold(new, old, "\(name) layer \(l) head \(h) \(policy)"))
                    if policy == .ignore {
                        let selection = model.selectHead(trace: trace, layer: l, queryHead: h, threshold: new.mean).selection
                        Self.expectSameQuality(
                            ApproximationQuality.measure(trace: trace, layer: l, queryHead: h, selection: selection, scores: scores),
                            Self.oldQuality(trace: trace, layer: layer, queryHead: h, selection: selection),
                            "\(name) layer \(l) head \(h)")
                    }
                }
            }
        }
        #expect(worst <= 1e-9)
    }
}
