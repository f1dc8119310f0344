import Testing
import Workload
@testable import ElsaModel

@Suite struct AlgorithmFunctionalModelTests {
    static func config(mode: ApproximationMode = .learned, p: Double = 1, headDim: Int = 16,
                       factors: [Int] = [4, 4]) -> ElsaConfig {
        var c = ElsaConfig()
        c.headDim = headDim
        c.hash.bits = headDim
        c.hash.kroneckerFactors = factors
        c.approximation.mode = mode
        c.approximation.p = p
        return c
    }

    static let trace = AlgorithmFixtures.randomTrace(seed: 3, layers: 2, queryHeads: 2, kvHeads: 1, n: 24, tokens: 20,
                                                     headDim: 12, causal: false)

    @Test func exactModeAndPZeroSelectEverything() throws {
        for c in [Self.config(mode: .exact), Self.config(mode: .learned, p: 0)] {
            let model = try ElsaFunctionalModel(config: c)
            #expect(model.isExact)
            let r = model.run(trace: Self.trace)
            #expect(r.heads.count == 2 && r.heads.allSatisfy { $0.count == 2 })
            for head in r.heads.joined() {
                #expect(head.threshold == nil)
                #expect(head.selection == SelectionMatrix.all(keys: 20, visible: ContiguousArray(repeating: 20, count: 20)))
            }
            #expect(r.selectedPairs == r.totalPairs && r.totalPairs == 4 * 400)
        }
    }

    @Test func learnedModeLearnsOnTheTraceAndSelects() throws {
        let model = try ElsaFunctionalModel(config: Self.config(p: 1))
        let r = model.run(trace: Self.trace)
        let learner = ThresholdLearner(p: 1)
        let selector = CandidateSelection(projection: .kronecker(factors: [4, 4], seed: 1), thetaBias: 0.127)
        for (l, layer) in Self.trace.layers.enumerated() {
            for h in 0 ..< 2 {
                let stats = learner.statistics(layer: layer, queryHead: h, trace: Self.trace)
                let head = r.heads[l][h]
                #expect(head.layer == l && head.queryHead == h)
                #expect(head.statistics == stats && head.threshold == stats.mean)
                #expect(head.selection == selector.select(layer: layer, queryHead: h, trace: Self.trace, threshold: stats.mean!))
            }
        }
        #expect(r.selectedPairs > 0 && r.selectedPairs < r.totalPairs)
    }

    @Test func pooledLearningSumsOverTraces() throws {
        let model = try ElsaFunctionalModel(config: Self.config(p: 2))
        let other = AlgorithmFixtures.randomTrace(seed: 4, layers: 2, queryHeads: 2, kvHeads: 1, n: 10, tokens: 9,
                                                  headDim: 12, causal: true)
        let pooled = model.learnThresholds(traces: [Self.trace, other])
        let a = model.learner.statistics(trace: Self.trace), b = model.learner.statistics(trace: other)
        for l in 0 ..< 2 {
            for h in 0 ..< 2 {
                #expect(pooled[l][h].count == 29 && pooled[l][h].sum == a[l][h].sum + b[l][h].sum)
            }
        }
        // Given thresholds are used as they are; a nil entry selects everything.
        let thresholds: [[Double?]] = [[pooled[0][0].mean, nil], [0.1, 0.2]]
        let r = model.run(trace: other, thresholds: thresholds)
        #expect(r.heads[0][0].threshold == pooled[0][0].mean && r.heads[0][0].statistics == nil)
        #expect(r.heads[0][1].selection.selectedPairs == r.heads[0][1].selection.totalPairs)
        #expect(r.heads[1][1].threshold == 0.2)
    }

    @Test func projectionAndTraceAreChecked() throws {
        #expect(throws: ConfigError.self) {
            try ElsaFunctionalModel(config: Self.config(), projection: .dense(bits: 8, dim: 16, seed: 1))
        }
        var c = Self.config()
        c.hash.projection = .matrixFile
        #expect(throws: ConfigError.self) { try ElsaFunctionalModel(config: c) }
        c.approximation.mode = .exact
        #expect(try ElsaFunctionalModel(config: c).projection == nil)
        let model = try ElsaFunctionalModel(config: Self.config(headDim: 8, factors: [2, 4]))
        #expect(throws: ConfigError.self) { try model.validate(trace: Self.trace) }   // head dim 12 > 8
        try ElsaFunctionalModel(config: Self.config()).validate(trace: Self.trace)
        var small = Self.config()
        small.keyMemoryCapacity = 16
        #expect(throws: ConfigError.self) { try ElsaFunctionalModel(config: small).validate(trace: Self.trace) }
    }
}
