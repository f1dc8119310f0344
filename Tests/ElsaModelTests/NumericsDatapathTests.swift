import Foundation
import Testing
import Workload
@testable import ElsaModel

/// The hardware datapath of `numerics.mode: elsa` against plain integer / Double re-implementations
/// written from `docs/numerics.md` in the test.
@Suite struct NumericsDatapathTests {
    /// d = 8 hardware, Kronecker [2, 4], the paper's widths otherwise.
    static func config(attentionModules: Int = 1) -> ElsaConfig {
        var c = ElsaConfig()
        c.headDim = 8
        c.hash.bits = 8
        c.hash.kroneckerFactors = [2, 4]
        c.attentionModules = attentionModules
        c.selectorsPerModule = 2
        c.numerics = .elsa
        return c
    }

    /// A Gaussian trace scaled by `spread` (so some values saturate at ±32).
    static func trace(seed: UInt64, n: Int = 40, spread: Float = 3, causal: Bool = false) -> AttentionTrace {
        var t = AlgorithmFixtures.randomTrace(seed: seed, queryHeads: 1, kvHeads: 1, n: n, tokens: n, headDim: 8, causal: causal)
        for l in t.layers.indices {
            for i in t.layers[l].q.storage.indices { t.layers[l].q.storage[i] *= spread }
            for i in t.layers[l].k.storage.indices { t.layers[l].k.storage[i] *= spread }
        }
        return t
    }

    static func code(_ x: Float) -> Int64 { max(-256, min(255, Int64((Double(x) * 8).rounded(.toNearestOrEven)))) }

    /// Plain re-implementation of the fixed-point selector: codes, the two-stage Kronecker hash with
    /// rounding after each stage, 8-bit norms with 3 fraction bits, the cosine table and t with 5
    /// fraction bits, and the exact integer comparison.
    static func referenceSelection(trace: AttentionTrace, config: ElsaConfig, threshold: Double) -> SelectionMatrix {
        let layer = trace.layers[0]
        let n = trace.tokens
        let factors = HashProjection.kroneckerFactors([2, 4], seed: config.hash.seed).map { f in
            f.map { max(-32, min(31, Int64(($0 * 32).rounded(.toNearestOrEven)))) }
        }
        func roundDiv32(_ s: Int64) -> Int64 { Int64((Double(s) / 32).rounded(.toNearestOrEven)) }
        func hash(_ x: [Float]) -> [Bool] {
            let c = x.map(code)
            var y = [[Int64]](repeating: [0, 0, 0, 0], count: 2)
            for a in 0 ..< 2 { for r in 0 ..< 4 {
                var s: Int64 = 0
                for k in 0 ..< 4 { s += factors[1][r * 4 + k] * c[a * 4 + k] }
                y[a][r] = roundDiv32(s)
            } }
            var bits = [Bool]()
            for r in 0 ..< 2 { for b in 0 ..< 4 {
                var s: Int64 = 0
                for k in 0 ..< 2 { s += factors[0][r * 2 + k] * y[k][b] }
                bits.append(roundDiv32(s) >= 0)
            } }
            return bits
        }
        let keyBits = (0 ..< n).map { hash(layer.k.row(head: 0, row: $0)) }
        let queryBits = (0 ..< n).map { hash(layer.q.row(head: 0, row: $0)) }
        let norms: [Int64] = (0 ..< n).map { y in
            let s = layer.k.row(head: 0, row: y).map(code).reduce(Int64(0)) { $0 + $1 * $1 }
            return min(255, Int64((Double(s).squareRoot() / 8 * 8).rounded(.toNearestOrEven)))
        }
        let maxNorm = norms.max() ?? 0
        let cosine: [Int64] = (0 ... 8).map { h in
            Int64((cos(max(0, Double.pi / 8 * Double(h) - config.thetaBias)) * 32).rounded(.toNearestOrEven))
        }
        let t = max(-64, min(63, Int64((threshold * 32).rounded(.toNearestOrEven))))
        var m = SelectionMatrix(keys: n, visible: ContiguousArray((0 ..< n).map { trace.visibleKeys(query: $0) }))
        for i in 0 ..< n {
            for j in 0 ..< trace.visibleKeys(query: i) {
                let h = (0 ..< 8).filter { queryBits[i][$0] != keyBits[j][$0] }.count
                // N·C·2^Ft > T·N_max·2^Fc with Ft = Fc = 5.
                if norms[j] * cosine[h] * 32 > t * maxNorm * 32 { m.set(query: i, key: j) }
            }
        }
        return m
    }

    @Test(arguments: [-0.2, 0.05, 0.3, 0.6])
    func fixedPointSelectorMatchesAPlainIntegerReimplementation(threshold: Double) throws {
        let config = Self.config()
        for (seed, causal) in [(UInt64(3), false), (4, true), (5, false)] {
            let trace = Self.trace(seed: seed, causal: causal)
            let model = try ElsaFunctionalModel(config: config)
            let datapath = HardwareDatapath(config: config, projection: model.projection)
            let got = datapath.run(trace: trace, layer: 0, queryHead: 0, threshold: threshold)
            let expected = Self.referenceSelection(trace: trace, config: config, threshold: threshold)
            #expect(got.selection == expected, "seed \(seed), t \(threshold)")
            #expect(got.heldThreshold == (threshold * 32).rounded(.toNearestOrEven) / 32)
            #expect(got.selection.selectedPairs > 0 || threshold > 0.3)
        }
    }

    /// Exact mode (every key), one or two banks: the rows against a plain re-implementation of
    /// docs/numerics.md §3–4 (integer scores, the exponent table, custom-float sums per bank in key order,
    /// banks added in order, the reciprocal table, the 9-bit output).
    /// With `biased`, the layer carries an additive bias whose values are off the Q/K/V grid (steps of
    /// 0.37), so the rows also check that the bias is held in the Q/K/V fixed point (3 fraction bits)
    /// and added at the exponent unit's input (`docs/numerics.md` §3).
    @Test(arguments: [(1, false), (2, false), (1, true), (2, true)])
    func outputRowsMatchAPlainReimplementation(banks: Int, biased: Bool) throws {
        var config = Self.config(attentionModules: banks)
        config.approximation.mode = .exact
        var trace = Self.trace(seed: 9, n: 24, spread: 1)
        func biasValue(_ i: Int, _ y: Int) -> Float { Float((i - y + 24) % 7) * 0.37 - 1.1 }
        if biased {
            let n = trace.tokens
            var bias = Tensor3(heads: 1, rows: n, dim: n)
            for i in 0 ..< n { for y in 0 ..< n { bias.storage[i * n + y] = biasValue(i, y) } }
            trace.layers[0].bias = bias
        }
        let datapath = HardwareDatapath(config: config, projection: nil)
        let got = datapath.run(trace: trace, layer: 0, queryHead: 0, threshold: nil)
        let layer = trace.layers[0]
        let n = trace.tokens
        func r(_ x: Double) -> Double { referenceFloatRound(x, fractionBits: 5, .nearestEven) }
        let perBank = (n + banks - 1) / banks
        for i in 0 ..< n {
            var sums = [Double](repeating: 0, count: banks)
            var outs = [[Double]](repeating: [Double](repeating: 0, count: 8), count: banks)
            let q = layer.q.row(head: 0, row: i).map(Self.code)
            for y in 0 ..< n {
                let k = layer.k.row(head: 0, row: y).map(Self.code)
                let v = layer.v.row(head: 0, row: y).map(Self.code)
                let score = zip(q, k).reduce(Int64(0)) { $0 + $1.0 * $1.1 }
                var yy = Double(score) * (trace.scale / M_LN2) / 64
                if biased { yy += Double(Self.code(biasValue(i, y))) / 8 / M_LN2 }
                let code = (yy * 32).rounded(.toNearestOrEven)
                let whole = (code / 32).rounded(.down)
                let j = code - whole * 32
                let e = (pow(2.0, j / 32) * 32).rounded(.toNearestOrEven) / 32 * pow(2.0, whole)
                let b = y / perBank
                sums[b] = r(sums[b] + e)
                for c in 0 ..< 8 { outs[b][c] = r(outs[b][c] + r(e * Double(v[c]) / 8)) }
            }
            var sum = sums[0]
            for b in 1 ..< banks { sum = r(sum + sums[b]) }
            let exponent = Int(sum.exponent)
            let fraction = sum / pow(2.0, Double(exponent)) - 1
            let inverse = r(1 / (1 + fraction)) * pow(2.0, Double(-exponent))
            for c in 0 ..< 8 {
                var o = outs[0][c]
                for b in 1 ..< banks { o = r(o + outs[b][c]) }
                let expected = max(-32, min(31.875, (r(o * inverse) * 8).rounded(.toNearestOrEven) / 8))
                #expect(got.rows[i * 8 + c] == expected, "query \(i), column \(c)")
            }
        }
    }

    /// The hardware error is measured against the exact attention of the biased scores: with formats
    /// wide enough to be almost exact, a biased head's error is near 0 (against the unbiased softmax it
    /// would be of the order of the bias's effect, here > 0.1).
    @Test func hardwareErrorOfABiasedHeadIsAgainstTheBiasedReference() throws {
        var config = Self.config()
        config.approximation.mode = .exact
        config.numerics.qkvIntegerBits = 8
        config.numerics.qkvFractionBits = 14
        config.numerics.expFractionBits = 16
        config.numerics.expTableEntries = 1 << 16
        config.numerics.reciprocalTableEntries = 1 << 16
        config.numerics.outputFormat = .customFloat
        var trace = Self.trace(seed: 4, n: 24, spread: 1)
        let n = trace.tokens
        var bias = Tensor3(heads: 1, rows: n, dim: n)
        for i in 0 ..< n { for y in 0 ..< n { bias.storage[i * n + y] = Float(abs(i - y) % 5) * -0.75 } }
        trace.layers[0].bias = bias
        let output = HardwareDatapath(config: config, projection: nil).run(trace: trace, layer: 0, queryHead: 0, threshold: nil)
        let quality = ApproximationQuality.measure(trace: trace, layer: 0, queryHead: 0, selection: output.selection)
        let stats = NumericsStatistics.measure(trace: trace, layer: 0, queryHead: 0, output: output,
                                               floatSelection: output.selection, hardwareQuality: quality, floatQuality: quality)
        let error = (stats.hardware.errorSquaredSum / stats.hardware.referenceSquaredSum).squareRoot()
        #expect(error < 2e-3, "hardware error \(error)")
    }

    /// A query with no selected key gets an all-zero row; huge inputs saturate; nothing is NaN or ∞.
    @Test func noNaNOrInfinityLeavesTheDatapath() throws {
        let config = Self.config()
        var trace = Self.trace(seed: 11, spread: 1)
        // Extreme values: beyond the Q/K/V range in both directions.
        trace.layers[0].q.storage[0] = 1e30
        trace.layers[0].k.storage[3] = -Float.greatestFiniteMagnitude
        trace.layers[0].v.storage[5] = 1e30
        let model = try ElsaFunctionalModel(config: config)
        let datapath = HardwareDatapath(config: config, projection: model.projection)
        // t = 0.99: the norm-max key alone can pass, and only at Hamming distance 0.
        for threshold in [-1.0, 0.0, 0.99, 5.0] {
            let got = datapath.run(trace: trace, layer: 0, queryHead: 0, threshold: threshold)
            #expect(got.rows.allSatisfy { $0.isFinite })
            for i in 0 ..< trace.tokens where got.selection.selectedCount(query: i) == 0 {
                #expect(got.rows[i * 8 ..< (i + 1) * 8].allSatisfy { $0 == 0 })
            }
            if threshold == 5.0 { #expect(got.selection.selectedPairs == 0) }
            let stats = NumericsStatistics.measure(trace: trace, layer: 0, queryHead: 0, output: got,
                                                   floatSelection: got.selection, hardwareQuality: QualityStatistics(),
                                                   floatQuality: QualityStatistics())
            #expect(stats.nonFiniteOutputs == 0 && stats.selectionChanges == 0)
            #expect(stats.hardware.outputError?.isFinite == true)
        }
        // Scores far outside the exponent range: e saturates, the row stays finite.
        var hot = Self.trace(seed: 12, spread: 30)
        hot.scale = 1e6
        var exact = config
        exact.approximation.mode = .exact
        let rows = HardwareDatapath(config: exact, projection: nil).run(trace: hot, layer: 0, queryHead: 0, threshold: nil).rows
        #expect(rows.allSatisfy { $0.isFinite })
    }

    /// A vector that quantizes to zero projects to exact zeros: every bit is the configured sign of 0.
    @Test func hashSignAtZeroIsTheConfiguredBit() throws {
        var config = Self.config()
        let projection = try #require(try ElsaFunctionalModel(config: config).projection)
        let tiny: ContiguousArray<Int64> = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(FixedPointHash(config: config, projection: projection).signatures(codes: tiny, rows: 1, rowStride: 8, length: 8) == [0xFF])
        config.numerics.hashSignAtZero = .zero
        #expect(FixedPointHash(config: config, projection: projection).signatures(codes: tiny, rows: 1, rowStride: 8, length: 8) == [0])
        // 0.05 quantizes to code 0 (step 1/8): the same zero bits through the whole datapath.
        let codes = HardwareDatapath(config: config, projection: projection).codes(
            Tensor3(heads: 1, rows: 1, dim: 8, storage: ContiguousArray(repeating: 0.05, count: 8)), head: 0, rows: 1)
        #expect(codes.allSatisfy { $0 == 0 })
    }

    /// Norm formats on hand-worked keys: ‖(3, 4)‖ = 5 and ‖(0.5, 0)‖ = 0.5 with codes of 3 fraction bits.
    @Test func normFormats() {
        var config = Self.config()
        let keys: ContiguousArray<Int64> = [24, 32, 4, 0]   // (3, 4) and (0.5, 0) at 3 fraction bits
        // fixed, 8 bits with 3 fraction bits: 5 → 40, 0.5 → 4.
        #expect(FixedPointSelector(config: config).norms(codes: keys, rows: 2, stride: 2, length: 2, fractionBits: 3) == [40, 4])
        // 4 fraction bits leave 4 integer bits: 5 fits (80), a norm of 20 would saturate at 255.
        config.numerics.normFractionBits = 4
        #expect(FixedPointSelector(config: config).norms(codes: [160, 0], rows: 1, stride: 2, length: 2, fractionBits: 3) == [255])
        // relative: ‖K‖/‖K_max‖ with 7 fraction bits: 1 → 128, 0.1 → 12.8 → 13.
        config.numerics.normFormat = .relative
        #expect(FixedPointSelector(config: config).norms(codes: keys, rows: 2, stride: 2, length: 2, fractionBits: 3) == [128, 13])
    }

    @Test func selectionChangesCountTheDifferingPairs() {
        var a = SelectionMatrix(keys: 3, visible: [3, 3, 3])
        var b = a
        a.set(query: 0, key: 0); a.set(query: 1, key: 2); a.set(query: 2, key: 1)
        b.set(query: 0, key: 0); b.set(query: 1, key: 1); b.set(query: 2, key: 2); b.set(query: 2, key: 0)
        let output = HardwareDatapath.HeadOutput(selection: a, rows: ContiguousArray(repeating: 0, count: 3), heldThreshold: 0.5)
        let trace = AttentionTrace(model: "t", tokens: 3, layers: [AttentionLayer(
            name: "l", q: Tensor3(heads: 1, rows: 3, dim: 1), k: Tensor3(heads: 1, rows: 3, dim: 1), v: Tensor3(heads: 1, rows: 3, dim: 1))])
        let s = NumericsStatistics.measure(trace: trace, layer: 0, queryHead: 0, output: output, floatSelection: b,
                                           hardwareQuality: QualityStatistics(), floatQuality: QualityStatistics())
        // Hardware only: (1,2), (2,1); float only: (1,1), (2,2), (2,0).
        #expect(s.selectionGained == 2 && s.selectionLost == 3 && s.selectionChanges == 5)
    }

    @Test func numericsFieldsAreValidated() {
        var c = ElsaConfig()
        c.numerics.qkvFractionBits = 25
        #expect(throws: ConfigError.self) { try c.validate() }
        c = ElsaConfig()
        c.numerics.expTableEntries = 24
        #expect(throws: ConfigError.outOfRange(path: "numerics.exp_table_entries", value: "24", expected: "a power of two, 1…65536")) {
            try c.validate()
        }
        c = ElsaConfig()
        c.numerics.normFractionBits = 9
        #expect(throws: ConfigError.self) { try c.validate() }
        // The fixed-point selectors have no bias adder: lookup is refused in elsa mode, naming the field.
        c = ElsaConfig()
        c.numerics.mode = .elsa
        c.approximation.bias = .lookup
        #expect(throws: ConfigError.self) { try c.validate() }
        do { try c.validate() } catch { #expect(error.path == "approximation.bias") }
        c.numerics.mode = .float
        #expect(throws: Never.self) { try c.validate() }
        #expect(throws: Never.self) { try ElsaConfig().validate() }
    }
}
