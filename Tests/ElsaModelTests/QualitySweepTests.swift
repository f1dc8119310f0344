import Foundation
import Testing
import Workload
@testable import ElsaModel

/// `docs/quality.md` §2–3: with the calibration inputs fixed, a larger p never keeps more mass.
@Suite struct QualitySweepTests {
    static func config() -> ElsaConfig {
        var config = ElsaConfig()
        config.headDim = 16
        config.hash.bits = 16
        config.hash.kroneckerFactors = [4, 4]
        return config
    }

    static let ps: [Double] = [0, 0.25, 0.5, 1, 2, 4, 8]

    /// Why it must hold: a larger p raises the relevance cut-off p/n, so each query's chosen key has a
    /// probability (hence a score) at least as large, so every t_x and the mean t do not fall; a larger t
    /// selects a subset of the keys, and a sum of fewer non-negative terms in the same order is not larger.
    @Test(arguments: [(UInt64(1), 0.0, false), (2, 1.0, true), (3, 2.0, false), (4, 4.0, true)])
    func massKeptDoesNotRiseWithP(seed: UInt64, concentration: Double, causal: Bool) throws {
        let trace = SyntheticTraceGenerator(layers: 2, heads: 2, n: 24, headDim: 12, seed: seed, tokens: 22, causal: causal,
                                            concentration: concentration).generate()
        let other = SyntheticTraceGenerator(layers: 2, heads: 2, n: 16, headDim: 12, seed: seed + 100,
                                            concentration: concentration).generate()
        for calibration in [nil, (traces: [other], names: ["other"])] {
            let points = try QualitySweep.run(trace: trace, config: Self.config(), ps: Self.ps, calibration: calibration, threads: 2)
            #expect(points.map(\.p) == Self.ps)
            #expect(points[0].total.massKeptMean == 1)
            for (a, b) in zip(points, points.dropFirst()) {
                for l in 0 ..< 2 {
                    for h in 0 ..< 2 {
                        let x = a.heads[l][h], y = b.heads[l][h]
                        #expect(y.massKeptSum <= x.massKeptSum, "p \(a.p) → \(b.p), layer \(l) head \(h)")
                        #expect(y.massKeptMinimum <= x.massKeptMinimum)
                        #expect(y.selectedPairs <= x.selectedPairs)
                        if let s = a.thresholds[l][h], let t = b.thresholds[l][h] { #expect(t >= s) }
                    }
                }
                #expect(b.total.massKeptMean <= a.total.massKeptMean)
            }
            // Something is actually dropped at the largest p.
            #expect(points.last!.total.massKeptMean < 1)
        }
    }

    @Test func otherTraceCalibrationPoolsItsQueries() throws {
        let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 20, headDim: 12, seed: 5).generate()
        let a = SyntheticTraceGenerator(layers: 1, heads: 2, n: 12, headDim: 12, seed: 6).generate()
        let b = SyntheticTraceGenerator(layers: 1, heads: 2, n: 9, headDim: 12, seed: 7, causal: true).generate()
        var config = Self.config()
        config.approximation.p = 2
        let point = try QualitySweep.point(trace: trace, config: config, p: 2, calibration: ([a, b], ["a", "b"]))
        let pooled = try ElsaFunctionalModel(config: config).learnThresholds(traces: [a, b])
        #expect(point.thresholds == [[pooled[0][0].mean, pooled[0][1].mean]])
        #expect(point.calibration == .otherTraces(["a", "b"]))
        let selfPoint = try QualitySweep.point(trace: trace, config: config, p: 2, threads: 3)
        let learner = ThresholdLearner(p: 2)
        #expect(selfPoint.thresholds[0][1] == learner.statistics(layer: trace.layers[0], queryHead: 1, trace: trace).mean)
        #expect(selfPoint.calibration == .sameTrace)
        // Thread count does not change anything.
        #expect(try QualitySweep.point(trace: trace, config: config, p: 2, threads: 1) == selfPoint)
    }

    @Test func calibrationTracesMustMatchTheShape() throws {
        let trace = SyntheticTraceGenerator(layers: 2, heads: 2, n: 8, headDim: 12, seed: 5).generate()
        let wrong = SyntheticTraceGenerator(layers: 1, heads: 2, n: 8, headDim: 12, seed: 6).generate()
        #expect(throws: ConfigError.self) {
            try QualitySweep.point(trace: trace, config: Self.config(), p: 1, calibration: ([wrong], ["wrong"]))
        }
    }
}
