import Foundation
import Testing
import Workload
@testable import ElsaModel

/// `docs/quality.md` §1: the metrics on a trace whose selection and softmax are known by hand, exact
/// mode, and the aggregation rules.
@Suite struct QualityMetricsTests {
    /// d = k = 4, Kronecker [2, 2]: every query and key lies on the e1 axis, so a key parallel to the query
    /// has Hamming distance 0 (table value 1) and an opposite key distance k (table value cos(π − θ_bias) < 0).
    /// Keys: 2·e1, 1·e1, −1·e1, 0.5·e1 (‖K_max‖ = 2); values: the unit vectors e1…e4, so an output row is the
    /// weight vector itself. Queries: c·e1, −c·e1, 0.001·e1, c·e1 with c = Float(ln 2); scale 1.
    static let c = Float(log(2.0))
    static let keyFactors: [Float] = [2, 1, -1, 0.5]
    static let queryFactors: [Float] = [c, -c, 0.001, c]

    static func handTrace(withOut: Bool) -> AttentionTrace {
        var q = Tensor3(heads: 1, rows: 4, dim: 4), k = Tensor3(heads: 1, rows: 4, dim: 4), v = Tensor3(heads: 1, rows: 4, dim: 4)
        for (i, a) in queryFactors.enumerated() { q[0, i, 0] = a }
        for (j, a) in keyFactors.enumerated() { k[0, j, 0] = a; v[0, j, j] = 1 }
        var layer = AttentionLayer(name: "hand", q: q, k: k, v: v)
        if withOut { layer.out = exactAttentionOutput(layer: layer, scale: 1, causal: false, tokens: 4) }
        return AttentionTrace(model: "hand", scale: 1, causal: false, tokens: 4, layers: [layer])
    }

    static func config() -> ElsaConfig {
        var config = ElsaConfig()
        config.headDim = 4
        config.hash.bits = 4
        config.hash.kroneckerFactors = [2, 2]
        config.approximation.mode = .thresholdsFile
        return config
    }

    /// exp of each key's score `q·k` (scale 1) for query factor `a`.
    static func weights(_ a: Float) -> [Double] { keyFactors.map { exp(Double(a) * Double($0)) } }

    @Test func handBuiltTraceSelectionAndMassAreKnown() throws {
        let trace = Self.handTrace(withOut: false)
        let model = try ElsaFunctionalModel(config: Self.config())
        // t = 0.3: cut = Float(0.3)·2 ≈ 0.6. Query c·e1 keeps keys 0 (norm 2) and 1 (norm 1), not 3 (0.5),
        // not the opposite key 2. Query −c·e1 keeps only key 2 (norm 1, parallel to it).
        let selection = model.selectHead(trace: trace, layer: 0, queryHead: 0, threshold: 0.3).selection
        let expected: [[Int]] = [[0, 1], [2], [0, 1], [0, 1]]
        for (i, keys) in expected.enumerated() {
            #expect((0 ..< 4).filter { selection.isSelected(query: i, key: $0) } == keys, "query \(i)")
        }
        let q = ApproximationQuality.measure(trace: trace, layer: 0, queryHead: 0, selection: selection)

        // Mass kept per query, from the closed form Σ_selected e^{s} / Σ_all e^{s}.
        var masses: [Double] = []
        var errorSquared = 0.0, referenceSquared = 0.0
        for (i, a) in Self.queryFactors.enumerated() {
            let e = Self.weights(a)
            let total = e.reduce(0, +)
            let kept = expected[i].reduce(0.0) { $0 + e[$1] }
            masses.append(kept / total)
            // Outputs are the weight vectors: exact P, approximate P restricted to the kept keys, renormalized.
            for j in 0 ..< 4 {
                let exact = e[j] / total
                let approximate = expected[i].contains(j) ? e[j] / kept : 0
                errorSquared += (approximate - exact) * (approximate - exact)
                referenceSquared += exact * exact
            }
        }
        // c = ln 2 makes the first query's weights 4, 2, 1/2, √2: mass 6 / (6.5 + √2).
        #expect(abs(masses[0] - 6 / (6.5 + 2.0.squareRoot())) < 1e-6)
        #expect(abs(masses[1] - 2 / (2.75 + 1 / 2.0.squareRoot())) < 1e-6)
        #expect(q.queries == 4 && q.selectedPairs == 7 && q.totalPairs == 16 && q.emptyQueries == 0)
        #expect(abs(q.massKeptMean - masses.reduce(0, +) / 4) < 1e-12)
        #expect(abs(q.massKeptMin - masses.min()!) < 1e-12)
        #expect(abs(q.outputError! - (errorSquared / referenceSquared).squareRoot()) < 1e-9)
        // Top-1: the largest score is key 0 for the +e1 queries and key 2 for −c·e1, all kept.
        #expect(q.top1Hits == 4 && q.top1Recall == 1)
        // Top-K with K = 5 > 4 keys: all 4 keys count; 2 + 1 + 2 + 2 of them kept.
        #expect(q.topKSlots == 16 && q.topKHits == 7)
    }

    @Test func aQueryWithNoCandidateHasAZeroOutputRow() throws {
        let trace = Self.handTrace(withOut: true)
        let model = try ElsaFunctionalModel(config: Self.config())
        // t = 0.6: cut ≈ 1.2 keeps only key 0 for the +e1 queries and nothing for −c·e1 (key 2 has norm 1).
        let selection = model.selectHead(trace: trace, layer: 0, queryHead: 0, threshold: 0.6).selection
        #expect(selection.selectedCount(query: 1) == 0)
        let q = ApproximationQuality.measure(trace: trace, layer: 0, queryHead: 0, selection: selection)
        #expect(q.emptyQueries == 1 && q.massKeptMin == 0)
        // Query 1's zero row contributes ‖O_1‖² to the error; the kept queries output e1 (one key, weight 1).
        var errorSquared = 0.0, referenceSquared = 0.0
        for (i, a) in Self.queryFactors.enumerated() {
            let e = Self.weights(a)
            let total = e.reduce(0, +)
            for j in 0 ..< 4 {
                let exact = Double(Float(e[j] / total))   // the trace's out is float32
                let approximate = i == 1 ? 0 : (j == 0 ? 1.0 : 0)
                errorSquared += (approximate - exact) * (approximate - exact)
                referenceSquared += exact * exact
            }
        }
        #expect(abs(q.outputError! - (errorSquared / referenceSquared).squareRoot()) < 1e-6)
        // Top-1 of query 1 (key 2) is not kept; top-K hits: 1 + 0 + 1 + 1.
        #expect(q.top1Hits == 3 && q.topKHits == 3)
    }

    @Test(arguments: [true, false])
    func exactModeAndPZeroKeepAllTheMass(withOut: Bool) throws {
        var trace = SyntheticTraceGenerator(layers: 2, heads: 2, kvHeads: 1, n: 20, headDim: 8, seed: 7, tokens: 17,
                                            causal: true, concentration: 2).generate()
        if !withOut { for l in trace.layers.indices { trace.layers[l].out = nil } }
        var config = ElsaConfig()
        config.headDim = 8
        config.hash.bits = 8
        config.hash.kroneckerFactors = [2, 4]
        for (mode, p) in [(ApproximationMode.exact, 1.0), (.learned, 0)] {
            config.approximation.mode = mode
            config.approximation.p = p
            let result = try ElsaSimulation.run(trace: trace, traceName: "t", model: ElsaFunctionalModel(config: config))
            for layer in result.layers {
                for head in layer.heads {
                    let q = try #require(head.quality)
                    #expect(q.massKeptMean == 1 && q.massKeptMin == 1 && q.emptyQueries == 0)
                    #expect(q.top1Recall == 1 && q.topKRecall == 1 && q.selectedFraction == 1)
                    // Against the float32 `out`: its rounding (~6e-8 relative); computed in Double: exactly 0.
                    #expect(try #require(q.outputError) <= (withOut ? 1e-6 : 0))
                }
            }
            #expect(result.quality?.queries == 2 * 2 * 17)
        }
        let point = try QualitySweep.point(trace: trace, config: config, p: 0)
        #expect(point.total.massKeptMean == 1 && point.total.outputError! <= (withOut ? 1e-6 : 0))
        #expect(point.thresholds.joined().allSatisfy { $0 == nil })
    }

    @Test func aggregatesMergeTheSums() throws {
        let trace = SyntheticTraceGenerator(layers: 2, heads: 3, n: 16, headDim: 8, seed: 11).generate()
        var config = ElsaConfig()
        config.headDim = 8
        config.hash.bits = 8
        config.hash.kroneckerFactors = [2, 4]
        config.approximation.p = 2
        let result = try ElsaSimulation.run(trace: trace, traceName: "t", model: ElsaFunctionalModel(config: config), threads: 2)
        let heads = result.layers.flatMap(\.heads).map { $0.quality! }
        let total = try #require(result.quality)
        #expect(total.queries == heads.reduce(0) { $0 + $1.queries })
        #expect(total.selectedPairs == result.selectedPairs && total.totalPairs == result.totalPairs)
        #expect(total.massKeptMin == heads.map(\.massKeptMin).min())
        let massSum = heads.reduce(0.0) { $0 + $1.massKeptSum }
        #expect(abs(total.massKeptMean - massSum / Double(total.queries)) < 1e-12)
        let num = heads.reduce(0.0) { $0 + $1.errorSquaredSum }, den = heads.reduce(0.0) { $0 + $1.referenceSquaredSum }
        #expect(abs(total.outputError! - (num / den).squareRoot()) < 1e-12)
        // The per-head quality equals a direct measurement of the functional model's selection.
        let model = try ElsaFunctionalModel(config: config)
        let direct = model.run(trace: trace)
        for l in 0 ..< 2 {
            for h in 0 ..< 3 {
                #expect(result.layers[l].heads[h].quality
                    == ApproximationQuality.measure(trace: trace, layer: l, queryHead: h, selection: direct.heads[l][h].selection))
            }
        }
        // Skipped on request.
        let bare = try ElsaSimulation.run(trace: trace, traceName: "t", model: model, quality: false)
        #expect(bare.quality == nil && bare.layers.allSatisfy { $0.heads.allSatisfy { $0.quality == nil } })
    }

    @Test func topKeysOrderAndTies() {
        let scores: [Double] = [1, 3, 3, 0, 5, 3]
        var top: [Int] = []
        scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: 3, into: &top) }
        #expect(top == [4, 1, 2])
        scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: 10, into: &top) }
        #expect(top == [4, 1, 2, 5, 0, 3])
    }

    /// The oracle of the top-key tests: the first `count` indices of a stable sort, largest value first,
    /// equal values by index.
    static func stableTopKeys(_ values: [Double], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(count))
    }

    /// The scan with a held minimum against a full stable sort, on rows with many ties (scores drawn from
    /// a few values) and lengths around the held count.
    @Test func topKeysEqualAStableSort() {
        var g = SeededGenerator(seed: 7)
        for trial in 0 ..< 300 {
            let n = trial % 23
            let scores: [Double] = (0 ..< n).map { _ in Double(Int(g.nextUnit() * 4)) }
            for count in [1, 3, 5] {
                var top: [Int] = []
                scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: count, into: &top) }
                let expected = Self.stableTopKeys(scores, count: count)
                #expect(top == expected, "trial \(trial) count \(count) scores \(scores)")
            }
        }
    }

    /// Long rows against a full stable sort: few distinct values (ties inside and across the four-key
    /// groups the scan skips), distinct values, rising rows (every key enters the held list), lengths
    /// that are not multiples of four, counts above four, and rows with an infinity.
    /// With a scale, the keys are those of the row of products written out (`scale * s` rounded once):
    /// an inexact scale on scores that differ in their last bits, so several distinct scores round to
    /// one product and the ties go by index as for the products, not as for the raw scores.
    @Test func topKeysOfScaledScoresAreThoseOfTheProducts() {
        var g = SeededGenerator(seed: 5)
        for trial in 0 ..< 200 {
            let n = 1 + trial % 90
            let base = 1.0 + Double(trial % 7)
            let scores: [Double] = (0 ..< n).map { _ in
                var x = base
                for _ in 0 ..< Int(g.nextUnit() * 4) { x = x.nextUp }
                return g.nextUnit() < 0.3 ? -x : x
            }
            let scale = 0.1 + Double(trial % 5) * 0.037
            let products = scores.map { scale * $0 }
            for count in [1, 5] {
                var scaled: [Int] = [], written: [Int] = []
                scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, scale: scale, count: count, into: &scaled) }
                products.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: count, into: &written) }
                let expected = Self.stableTopKeys(products, count: count)
                #expect(scaled == expected && written == expected, "trial \(trial) count \(count)")
            }
        }
    }

    /// Rows with NaN scores (never from a trace, whose values are checked finite): the same keys as the
    /// plain held scan — the first `k` keys held whatever they are, then a key entering only above the
    /// smallest held — so a NaN among the first keys stays, and one later never enters.
    @Test func topKeysWithNaNAreThoseOfThePlainScan() {
        func plainScan(_ scores: [Double], _ k: Int) -> [Int] {
            var held: [(Int, Double)] = []
            for (y, z) in scores.enumerated() {
                if held.count == k && !(z > held[k - 1].1) { continue }
                if held.count == k { held.removeLast() }
                var position = held.count
                while position > 0 && z > held[position - 1].1 { position -= 1 }
                held.insert((y, z), at: position)
            }
            return held.map(\.0)
        }
        var g = SeededGenerator(seed: 23)
        for trial in 0 ..< 100 {
            let n = 40 + trial % 50
            var scores: [Double] = (0 ..< n).map { _ in Double(Int(g.nextUnit() * 20)) }
            scores[trial % 7] = .nan
            if trial % 2 == 0 { scores[n - 1 - trial % 11] = .nan }
            var top: [Int] = []
            scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: 5, into: &top) }
            #expect(top == plainScan(scores, 5), "trial \(trial)")
        }
    }

    @Test func topKeysOnLongRowsEqualAStableSort() {
        var g = SeededGenerator(seed: 11)
        for trial in 0 ..< 400 {
            let n = 60 + (trial * 37) % 300
            var scores: [Double]
            switch trial % 4 {
            case 0: scores = (0 ..< n).map { _ in Double(Int(g.nextUnit() * 3)) }
            case 1: scores = (0 ..< n).map { _ in g.nextUnit() * 10 - 5 }
            case 2: scores = (0 ..< n).map { Double($0) * 0.25 + g.nextUnit() * 0.1 }
            default:
                scores = (0 ..< n).map { _ in Double(Int(g.nextUnit() * 50)) }
                scores[Int(g.nextUnit() * Double(n))] = trial % 8 == 3 ? .infinity : -.infinity
            }
            for count in [1, 5, 9, 12] {
                var top: [Int] = []
                scores.withUnsafeBufferPointer { ApproximationQuality.topKeys(scores: $0, count: count, into: &top) }
                let expected = Self.stableTopKeys(scores, count: count)
                #expect(top == expected, "trial \(trial) count \(count)")
            }
        }
    }

    /// The selected keys' maximum is the plain scan's and their weights' sum follows `FastExp`'s four-lane
    /// rule (`docs/quality.md` §1): written out here lane by lane. The last case makes that rule differ
    /// from one running sum in list order (one weight of 1 and seven of 1.5 · 2⁻⁵³, which a running sum
    /// loses one at a time).
    @Test func selectedMaximumAndSumFollowTheFourLaneRule() {
        var g = SeededGenerator(seed: 21)
        let n = 300
        let z = (0 ..< n).map { _ in 40 * g.nextUnit() - 20 }
        var w = (0 ..< n).map { _ in g.nextUnit() }
        func check(_ keys: [Int], factor: Double, _ label: String) -> (sum: Double, running: Double) {
            let (maximum, sum) = ApproximationQuality.selectedMaximumAndSum(keys: keys, count: keys.count, z: z, factor: factor, weights: w)
            var expectedMaximum = -Double.infinity, running = 0.0
            for k in keys where factor * z[k] > expectedMaximum { expectedMaximum = factor * z[k] }
            for k in keys { running += w[k] }
            let whole = keys.count / 4 * 4
            var lanes = [0.0, 0.0, 0.0, 0.0]
            for x in 0 ..< whole { lanes[x % 4] += w[keys[x]] }
            var expectedSum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
            for x in whole ..< keys.count { expectedSum += w[keys[x]] }
            #expect(maximum == expectedMaximum, "\(label)")
            #expect(sum.bitPattern == expectedSum.bitPattern, "\(label)")
            return (sum, running)
        }
        for count in [0, 1, 3, 4, 5, 8, 101, 300] {
            var keys = Array(0 ..< n)
            for x in 0 ..< n { keys.swapAt(x, x + Int(g.nextUnit() * Double(n - x))) }
            _ = check(Array(keys.prefix(count)).sorted(), factor: count % 2 == 0 ? 0.125 : -1, "\(count) keys")
        }
        w[10] = 1
        for k in 11 ..< 18 { w[k] = 0x1p-53 * 1.5 }
        let (sum, running) = check(Array(10 ..< 18), factor: 1, "the distinguishing case")
        #expect(sum != running, "the inputs do not tell the two orders apart")
    }
}
