import Foundation
import Testing
import Workload
@testable import ElsaModel

/// `docs/quality.md` §4: the θ_bias fit.
@Suite struct ThetaBiasFitTests {
    /// ELSA III-D: 0.127 rad for d = k = 64 on Gaussian vectors. With the Kronecker [4, 4, 4] projection
    /// (seed 1), Gaussian seed 2021 and 10 000 pairs the fit is 0.12798 (docs/quality.md §4: 0.1281 at
    /// 20 000 pairs, 0.1268 at 200 000); the 80th percentile of 10 000 samples has a standard error of
    /// about 0.002 here (√(0.8·0.2/N) over the error density ≈ 1.8 /rad at that point), so the test
    /// accepts 0.127 ± 0.005.
    @Test func gaussianFitForD64K64IsNearThePapersValue() {
        let projection = HashProjection.kronecker(factors: [4, 4, 4], seed: 1)
        let sample = ThetaBiasFit.gaussian(projection: projection, dim: 64, pairs: 10_000, seed: 2021)
        #expect(sample.count == 10_000)
        let fit = sample.percentile(ThetaBiasFit.percentile)
        #expect(abs(fit - 0.127) < 0.005, "fit \(fit)")
        // By the definition, 80 % of the errors are at most the fit.
        #expect(abs(sample.fraction(atMost: fit) - 0.8) < 0.001)
    }

    /// The sample against a plain loop over the same draws (x then y per pair, Float components).
    @Test func gaussianSampleMatchesAPlainLoop() {
        let projection = HashProjection.dense(bits: 24, dim: 16, seed: 3)
        let sample = ThetaBiasFit.gaussian(projection: projection, dim: 10, pairs: 300, seed: 9)
        var g = SeededGenerator(seed: 9)
        var errors: [Double] = []
        for _ in 0 ..< 300 {
            let x = (0 ..< 10).map { _ in Float(g.nextGaussian()) }, y = (0 ..< 10).map { _ in Float(g.nextGaussian()) }
            let bx = AlgorithmFixtures.referenceBits(projection: projection, vector: x)
            let by = AlgorithmFixtures.referenceBits(projection: projection, vector: y)
            let ham = zip(bx, by).filter { $0 != $1 }.count
            var dot = 0.0, xx = 0.0, yy = 0.0
            for c in 0 ..< 10 { dot += Double(x[c]) * Double(y[c]); xx += Double(x[c]) * Double(x[c]); yy += Double(y[c]) * Double(y[c]) }
            errors.append(Double.pi / 24 * Double(ham) - acos(max(-1, min(1, dot / (xx * yy).squareRoot()))))
        }
        #expect(sample.errors == errors.sorted())
    }

    @Test func traceSampleCoversEveryVisiblePairOrThinsEvenly() {
        let trace = SyntheticTraceGenerator(layers: 2, heads: 2, kvHeads: 1, n: 10, headDim: 8, seed: 4, tokens: 9,
                                            causal: true).generate()
        let projection = HashProjection.kronecker(factors: [2, 4], seed: 1)
        // Plain loop: every (layer, head, query, visible key).
        var errors: [Double] = []
        for layer in trace.layers {
            for h in 0 ..< 2 {
                for i in 0 ..< 9 {
                    for j in 0 ... i {
                        let q = layer.q.row(head: h, row: i), k = layer.k.row(head: 0, row: j)
                        let bq = AlgorithmFixtures.referenceBits(projection: projection, vector: q)
                        let bk = AlgorithmFixtures.referenceBits(projection: projection, vector: k)
                        var dot = 0.0, qq = 0.0, kk = 0.0
                        for c in 0 ..< 8 { dot += Double(q[c]) * Double(k[c]); qq += Double(q[c]) * Double(q[c]); kk += Double(k[c]) * Double(k[c]) }
                        errors.append(Double.pi / 8 * Double(zip(bq, bk).filter { $0 != $1 }.count)
                            - acos(max(-1, min(1, dot / (qq * kk).squareRoot()))))
                    }
                }
            }
        }
        #expect(errors.count == 2 * 2 * 45)
        let full = ThetaBiasFit.trace(trace, projection: projection)
        #expect(full.population == 180 && full.errors == errors.sorted())
        // maxPairs 50 → stride ceil(180 / 50) = 4: pairs 0, 4, 8, … of the same order, 45 of them.
        let thin = ThetaBiasFit.trace(trace, projection: projection, maxPairs: 50)
        #expect(thin.population == 180)
        #expect(thin.errors == stride(from: 0, to: 180, by: 4).map { errors[$0] }.sorted())
    }

    @Test func nearestRankPercentile() {
        let s = AngleErrorSample(errors: [5, 1, 3, 2, 4])
        #expect(s.percentile(0.8) == 4 && s.percentile(0.5) == 3 && s.percentile(0) == 1 && s.percentile(1) == 5)
        #expect(s.percentile(0.81) == 5)
        #expect(s.fraction(atMost: 3) == 0.6 && s.fraction(atMost: 0.5) == 0)
        #expect(s.mean == 3)
    }
}
