import Foundation
import Testing
import Workload

/// `SyntheticConcentrationSolver`: asking the synthetic generator for a concentration or key-norm spread.
@Suite struct SyntheticTargetTests {
    static let base = SyntheticTraceGenerator(layers: 2, heads: 4, n: 64, headDim: 16, seed: 21)

    /// The measured mean keys-for-90 % fraction of the whole generated trace (every layer, head, query).
    static func measuredFraction(_ generator: SyntheticTraceGenerator) -> Double {
        TraceStatistics(trace: generator.generate(withOutput: false), checkOutput: false).overall.keysForMass.meanFraction
    }

    /// The probe is 4 of the 8 (layer, head) pairs and the fraction varies from head to head, so the whole
    /// trace lands within 0.03 of the target (measured: within 0.007 for these targets), while the probe
    /// itself lands within 0.01 (a step of one key in 64 for one query of 256 is 6e-5; the bisection
    /// stops within 0.002 or after 40 probes).
    @Test(arguments: [0.1, 0.3, 0.45, 0.6, 0.8])
    func generatedTraceMatchesTheTarget(target: Double) throws {
        let solver = SyntheticConcentrationSolver(generator: Self.base)
        let solution = try solver.solve(target: target)
        #expect(abs(solution.probeFraction - target) <= 0.01, "probe \(solution.probeFraction)")
        #expect(solution.probeFraction == solver.probeFraction(layer: 0, concentration: solution.concentration))
        var generator = Self.base
        generator.concentration = solution.concentration
        let measured = Self.measuredFraction(generator)
        #expect(abs(measured - target) <= 0.03, "target \(target): measured \(measured) at c = \(solution.concentration)")
    }

    @Test func longerSequencesProbeEveryKey() throws {
        // tokens = 256 > 128 probe queries: the probe averages 128 evenly spread queries, each over all 256
        // keys, so the whole trace (256 queries) still lands near the target.
        let generator = SyntheticTraceGenerator(layers: 1, heads: 2, n: 256, headDim: 8, seed: 8)
        let solver = SyntheticConcentrationSolver(generator: generator)
        // ⌊(2j + 1) · 256 / 256⌋ = 2j + 1: the odd positions 1, 3, …, 255.
        #expect(solver.probeShape.queries == Array(stride(from: 1, through: 255, by: 2)))
        var solved = generator
        solved.concentration = try solver.solve(target: 0.25).concentration
        let measured = Self.measuredFraction(solved)
        #expect(abs(measured - 0.25) <= 0.03, "\(measured) at c = \(solved.concentration)")
    }

    @Test func perLayerTargets() throws {
        let solver = SyntheticConcentrationSolver(generator: Self.base)
        var generator = Self.base
        generator.layerConcentrations = [try solver.solve(target: 0.6, layer: 0).concentration,
                                         try solver.solve(target: 0.2, layer: 1).concentration]
        let s = TraceStatistics(trace: generator.generate(withOutput: false), checkOutput: false)
        #expect(abs(s.layers[0].keysForMass.meanFraction - 0.6) <= 0.03, "\(s.layers[0].keysForMass.meanFraction)")
        #expect(abs(s.layers[1].keysForMass.meanFraction - 0.2) <= 0.03, "\(s.layers[1].keysForMass.meanFraction)")
    }

    @Test func uniformEndOfTheRange() {
        // c = −4 makes every query zero: uniform attention, ⌈0.9 · 64⌉ = 58 keys of 64 for every query.
        let solver = SyntheticConcentrationSolver(generator: Self.base)
        #expect(solver.probeFraction(layer: 0, concentration: SyntheticTraceGenerator.minimumConcentration) == 58.0 / 64)
        let fractions = [-2.0, 0, 2].map { solver.probeFraction(layer: 0, concentration: $0) }
        #expect(fractions[0] > fractions[1] && fractions[1] > fractions[2], "\(fractions)")
    }

    @Test func targetsOutOfReachAreErrors() {
        let solver = SyntheticConcentrationSolver(generator: Self.base)
        // Flatter than uniform (58/64 = 0.906) and sharper than one key per query (1/64 = 0.016).
        for target in [0.95, 0.001] {
            let error = #expect(throws: SyntheticTargetError.self) { try solver.solve(target: target) }
            guard case .outOfReach(let t, _, let flattest, let sharpest)? = error else { continue }
            #expect(t == target && flattest == 58.0 / 64 && sharpest >= 1.0 / 64)
            #expect(error!.description.contains("out of reach"))
        }
    }

    @Test func solvingIsDeterministicAndThreadIndependent() throws {
        let one = try SyntheticConcentrationSolver(generator: Self.base, threads: 1).solve(target: 0.3)
        let again = try SyntheticConcentrationSolver(generator: Self.base, threads: 1).solve(target: 0.3)
        let three = try SyntheticConcentrationSolver(generator: Self.base, threads: 3).solve(target: 0.3)
        #expect(one == again && one == three)
        var generator = Self.base
        generator.concentration = one.concentration
        #expect(generator.generate(threads: 1) == generator.generate(threads: 3))
    }

    @Test func keyNormSpreadTarget() throws {
        let solver = SyntheticConcentrationSolver(generator: Self.base)
        for target in [0.25, 0.5] {
            let solution = try solver.solveKeyNormSigma(targetCV: target, concentration: 1)
            var generator = Self.base
            generator.concentration = 1
            generator.keyNormSigma = solution.sigma
            let trace = generator.generate(withOutput: false)
            let measured = TraceStatistics(trace: trace, checkOutput: false).overall.meanHeadKeyNormCV
            // The probe holds every key head here (4 of 4 in layer 0), so only layer 1 differs (measured:
            // within 0.013).
            #expect(abs(measured - target) <= 0.03, "target \(target): measured \(measured)")
        }
        // Gaussian keys with d = 16 spread by about 1/√32 ≈ 0.18 without any norm scaling.
        #expect(throws: SyntheticTargetError.self) { try solver.solveKeyNormSigma(targetCV: 0.05, concentration: 1) }
    }

    @Test func fewerRowsGiveAPrefix() {
        // Each row draws from its head's streams in row order: n = 16 is the first 16 rows of n = 64.
        var short = Self.base
        short.n = 16
        short.tokens = 16
        let a = Self.base.generate(withOutput: false), b = short.generate(withOutput: false)
        for (x, y) in zip(a.layers, b.layers) {
            for head in 0 ..< 4 {
                for row in 0 ..< 16 {
                    #expect(x.q.row(head: head, row: row) == y.q.row(head: head, row: row))
                    #expect(x.k.row(head: head, row: row) == y.k.row(head: head, row: row))
                    #expect(x.v.row(head: head, row: row) == y.v.row(head: head, row: row))
                }
            }
        }
    }

    @Test func longSequenceWithoutOutput() throws {
        // n = 4096 as `trace synth --n 4096 --no-out` makes it: q, k, v only (3 × 4096 × 8 Gaussian draws).
        let generator = SyntheticTraceGenerator(layers: 1, heads: 1, n: 4096, headDim: 8, seed: 5, concentration: 1)
        let start = Date()
        let trace = generator.generate(withOutput: false)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(trace.n == 4096 && trace.layers[0].out == nil)
        #expect(trace.layers[0].q.shape == [1, 4096, 8] && trace.layers[0].k.storage.allSatisfy(\.isFinite))
        let q = trace.layers[0].q.storage.map(Double.init)
        let meanSquare = q.reduce(0) { $0 + $1 * $1 } / Double(q.count)
        // q = τ (e + λμ) with τ = 1.25, λ = 1 and μ elements of variance 1/√d: E[q²] = τ² (1 + 1/√d) ≈ 2.11.
        // Only 8 × 8 topic-mean elements are drawn, so their own mean square varies by about ±18 %, i.e.
        // ±0.1 here; 0.3 is three times that.
        #expect(abs(meanSquare - 1.5625 * (1 + 1 / 8.0.squareRoot())) < 0.3, "\(meanSquare)")
        // One query's exact output row at n = 4096 still agrees with the naive formula (row 4095 sees all keys).
        let layer = trace.layers[0]
        let p = exactAttentionProbabilities(layer: layer, queryHead: 0, query: 4095, scale: trace.scale, causal: false,
                                            tokens: 4096)
        #expect(p.count == 4096 && abs(p.reduce(0, +) - 1) < 1e-12)
    }
}
