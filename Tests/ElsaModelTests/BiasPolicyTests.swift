import Foundation
import Testing
import Workload
@testable import ElsaModel

/// `approximation.bias` (`docs/algorithm.md` §10): the lookup selector rule and the learner's biased
/// scores against plain-loop re-implementations, `ignore` against the unbiased selection, the lookup
/// stage in the timing constants and both engines on a biased run.
@Suite struct BiasPolicyTests {
    /// A relative-position bias: per head, one value per clipped distance `j − i` in −8…8 (17 buckets),
    /// large enough (σ = 2 in softmax units) to move selections.
    static func relativeBias(heads: Int, n: Int, seed: UInt64) -> Tensor3 {
        var g = SeededGenerator(seed: seed)
        let buckets = (0 ..< heads).map { _ in (0 ..< 17).map { _ in Float(2 * g.nextGaussian()) } }
        var bias = Tensor3(heads: heads, rows: n, dim: n)
        for h in 0 ..< heads { for i in 0 ..< n { for j in 0 ..< n { bias[h, i, j] = buckets[h][min(8, max(-8, j - i)) + 8] } } }
        return bias
    }

    static func biasedTrace(seed: UInt64, queryHeads: Int = 2, kvHeads: Int = 2, n: Int = 40, tokens: Int = 40,
                            headDim: Int = 16, causal: Bool = false) -> AttentionTrace {
        var trace = AlgorithmFixtures.randomTrace(seed: seed, queryHeads: queryHeads, kvHeads: kvHeads, n: n, tokens: tokens,
                                                  headDim: headDim, causal: causal)
        trace.layers[0].bias = relativeBias(heads: queryHeads, n: n, seed: seed + 50)
        return trace
    }

    /// The lookup rule written from docs/algorithm.md §10 with plain loops; `scaleBias: false` is the
    /// plausible wrong rule that adds the bias in score units without bringing it into selector units.
    static func referenceLookup(trace: AttentionTrace, queryHead: Int, projection: HashProjection, thetaBias: Double,
                                threshold: Double, scaleBias: Bool = true) -> SelectionMatrix {
        let layer = trace.layers[0]
        let bias = layer.bias!
        let n = trace.tokens
        let kv = layer.kvHead(forQueryHead: queryHead)
        let k = projection.bits
        let keyBits = (0 ..< n).map { AlgorithmFixtures.referenceBits(projection: projection, vector: layer.k.row(head: kv, row: $0)) }
        let norms = (0 ..< n).map { AlgorithmFixtures.referenceNorm(layer.k.row(head: kv, row: $0)) }
        let maxNorm = norms.max() ?? 0
        var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { trace.visibleKeys(query: $0) }))
        for i in 0 ..< n {
            let q = layer.q.row(head: queryHead, row: i)
            let queryBits = AlgorithmFixtures.referenceBits(projection: projection, vector: q)
            let qNorm = q.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let beta = qNorm > 0 ? 1 / (trace.scale * qNorm) : 0
            for j in 0 ..< trace.visibleKeys(query: i) {
                var ham = 0
                for b in 0 ..< k where queryBits[b] != keyBits[j][b] { ham += 1 }
                let cosine = Float(cos(max(0, Double.pi / Double(k) * Double(ham) - thetaBias)))
                let added = scaleBias ? Float(Double(bias[queryHead, i, j]) * beta) : bias[queryHead, i, j]
                if norms[j] * cosine + added > Float(threshold) * maxNorm { m.set(query: i, key: j) }
            }
        }
        return m
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var queryHeads = 2, kvHeads = 2, n = 40, tokens = 40, headDim = 16
        var causal = false
        var bits = 16
        var testDescription: String { "seed \(seed) heads \(queryHeads)/\(kvHeads) n \(n)/\(tokens) d \(headDim) causal \(causal) k \(bits)" }
    }

    static let cases: [Case] = [
        Case(seed: 1),
        Case(seed: 2, causal: true),
        Case(seed: 3, n: 50, tokens: 37),
        Case(seed: 4, queryHeads: 4, kvHeads: 2, causal: true),
        Case(seed: 5, n: 70, tokens: 66, headDim: 24, bits: 100),
    ]

    @Test(arguments: cases)
    func lookupSelectionEqualsPlainReimplementation(c: Case) {
        let trace = Self.biasedTrace(seed: c.seed, queryHeads: c.queryHeads, kvHeads: c.kvHeads, n: c.n, tokens: c.tokens,
                                     headDim: c.headDim, causal: c.causal)
        let projection = HashProjection.dense(bits: c.bits, dim: c.headDim, seed: c.seed + 100)
        let selector = CandidateSelection(projection: projection, thetaBias: 0.127)
        var g = SeededGenerator(seed: c.seed + 200)
        var differsFromUnbiased = false, differsFromUnscaled = false
        for head in 0 ..< c.queryHeads {
            for _ in 0 ..< 3 {
                let t = -0.1 + 0.7 * g.nextUnit()
                let got = selector.selectWithBias(layer: trace.layers[0], queryHead: head, trace: trace, threshold: t)
                let expected = Self.referenceLookup(trace: trace, queryHead: head, projection: projection, thetaBias: 0.127,
                                                    threshold: t)
                #expect(got == expected, "head \(head) t \(t)")
                differsFromUnbiased = differsFromUnbiased
                    || got != selector.select(layer: trace.layers[0], queryHead: head, trace: trace, threshold: t)
                differsFromUnscaled = differsFromUnscaled
                    || got != Self.referenceLookup(trace: trace, queryHead: head, projection: projection, thetaBias: 0.127,
                                                   threshold: t, scaleBias: false)
            }
        }
        #expect(differsFromUnbiased && differsFromUnscaled, "the inputs must tell the biased rule from plausible wrong ones")
    }

    @Test func lookupWithAZeroBiasSelectsWhatThePlainRuleSelects() {
        var trace = Self.biasedTrace(seed: 9, causal: true)
        trace.layers[0].bias = Tensor3(heads: 2, rows: 40, dim: 40)
        let selector = CandidateSelection(projection: .dense(bits: 16, dim: 16, seed: 3), thetaBias: 0.127)
        for t in [-0.2, 0, 0.15, 0.4] {
            #expect(selector.selectWithBias(layer: trace.layers[0], queryHead: 1, trace: trace, threshold: t)
                == selector.select(layer: trace.layers[0], queryHead: 1, trace: trace, threshold: t))
        }
    }

    static func config(_ policy: BiasPolicy, mode: ApproximationMode = .learned) -> ElsaConfig {
        var config = ElsaConfig()
        config.headDim = 16
        config.hash.bits = 16
        config.hash.kroneckerFactors = [4, 4]
        config.approximation.mode = mode
        config.approximation.bias = policy
        return config
    }

    @Test func ignoreSelectsWhatTheSameQKSelectWithoutABias() throws {
        let biased = Self.biasedTrace(seed: 11, n: 48, tokens: 44, causal: true)
        var plain = biased
        plain.layers[0].bias = nil
        let model = try ElsaFunctionalModel(config: Self.config(.ignore))
        let thresholds: [[Double?]] = [[0.05, 0.3]]
        #expect(model.run(trace: biased, thresholds: thresholds) == model.run(trace: plain, thresholds: thresholds))
        let lookup = try ElsaFunctionalModel(config: Self.config(.lookup))
        #expect(lookup.run(trace: biased, thresholds: thresholds) != model.run(trace: biased, thresholds: thresholds))
        // Without a bias the two policies select the same keys.
        #expect(lookup.run(trace: plain, thresholds: thresholds) == model.run(trace: plain, thresholds: thresholds))
    }

    /// docs/algorithm.md §10's learning rule with plain loops.
    static func referenceStatistics(trace: AttentionTrace, queryHead: Int, p: Double, policy: BiasPolicy) -> ThresholdStatistics {
        let layer = trace.layers[0], bias = layer.bias!
        let n = trace.tokens, kv = layer.kvHead(forQueryHead: queryHead)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        let maxKey = (0 ..< n).map { dot(layer.k.row(head: kv, row: $0), layer.k.row(head: kv, row: $0)).squareRoot() }.max()!
        var stats = ThresholdStatistics()
        for x in 0 ..< n {
            let q = layer.q.row(head: queryHead, row: x)
            let denominator = dot(q, q).squareRoot() * maxKey
            if denominator == 0 { stats.skipped += 1; continue }
            let v = trace.visibleKeys(query: x)
            let s = (0 ..< v).map { dot(q, layer.k.row(head: kv, row: $0)) }
            let z = (0 ..< v).map { trace.scale * s[$0] + Double(bias[queryHead, x, $0]) }
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let sum = e.reduce(0, +)
            var chosen: Int? = nil
            for y in 0 ..< v where e[y] / sum > p / Double(v) {
                if chosen == nil || e[y] / sum < e[chosen!] / sum { chosen = y }
            }
            let fallback = chosen == nil
            let key = chosen ?? z.firstIndex(of: m)!
            let score = policy == .ignore ? s[key] : s[key] + Double(bias[queryHead, x, key]) / trace.scale
            stats.sum += score / denominator
            stats.count += 1
            if fallback { stats.fallbacks += 1 }
        }
        return stats
    }

    @Test(arguments: [BiasPolicy.ignore, .lookup], [0.5, 1, 3])
    func learnerUsesTheBiasedSoftmaxAndThePolicysScore(policy: BiasPolicy, p: Double) {
        let trace = Self.biasedTrace(seed: 21, n: 36, tokens: 33, causal: p == 1)
        for head in 0 ..< 2 {
            let got = ThresholdLearner(p: p, biasPolicy: policy).statistics(layer: trace.layers[0], queryHead: head, trace: trace)
            let expected = Self.referenceStatistics(trace: trace, queryHead: head, p: p, policy: policy)
            #expect(got.count == expected.count && got.fallbacks == expected.fallbacks && got.skipped == expected.skipped)
            #expect(abs(got.sum - expected.sum) <= 1e-12 * max(1, abs(expected.sum)), "\(got.sum) vs \(expected.sum)")
        }
        var plain = trace
        plain.layers[0].bias = nil
        #expect(ThresholdLearner(p: p, biasPolicy: policy).statistics(layer: trace.layers[0], queryHead: 0, trace: trace)
            != ThresholdLearner(p: p, biasPolicy: policy).statistics(layer: plain.layers[0], queryHead: 0, trace: plain))
    }

    @Test func lookupAddsOneSelectorStageForBothEngines() {
        #expect(TimingParameters(config: Self.config(.ignore)).selectorDepth == 3)
        #expect(TimingParameters(config: Self.config(.lookup)).selectorDepth == 4)
        var deep = Self.config(.lookup)
        deep.selector.pipelineDepth = 7
        #expect(TimingParameters(config: deep).selectorDepth == 8)
    }

    @Test func lookupChargesItsHardwareAndIgnoreChangesNothing() {
        let ignore = ComponentScaling(config: Self.config(.ignore)), lookup = ComponentScaling(config: Self.config(.lookup))
        #expect(lookup.areaMM2(.candidateSelection) == ignore.areaMM2(.candidateSelection) * 1.25)
        #expect(lookup.energyPerEventPJ(.norm) == ignore.energyPerEventPJ(.norm) * 2)
        #expect(lookup.areaMM2(.attention) == ignore.areaMM2(.attention))
        #expect(ComponentScaling(config: ElsaConfig()).areaMM2(.candidateSelection) == ElsaConfig().energy.candidateSelection.areaMM2)
    }

    @Test(arguments: [BiasPolicy.lookup, .ignore])
    func bothEnginesAgreeOnABiasedRun(policy: BiasPolicy) throws {
        let trace = Self.biasedTrace(seed: 31, queryHeads: 4, kvHeads: 2, n: 64, tokens: 60, causal: false)
        let model = try ElsaFunctionalModel(config: Self.config(policy))
        let event = try ElsaSimulation.run(trace: trace, traceName: "t", model: model, engine: .event)
        let reference = try ElsaSimulation.run(trace: trace, traceName: "t", model: model, engine: .reference)
        #expect(event == reference)
        #expect(event.bias == BiasUse(policy: policy, traceHasBias: true))
    }
}
