import Testing
import Workload

@Suite struct SyntheticTraceTests {
    static let base = SyntheticTraceGenerator(layers: 2, heads: 4, kvHeads: 2, n: 12, headDim: 8, seed: 42)

    @Test func deterministicForASeed() {
        #expect(Self.base.generate() == Self.base.generate())
    }

    @Test func seedsDiffer() {
        var other = Self.base
        other.seed = 43
        let a = Self.base.generate(), b = other.generate()
        #expect(a.layers[0].q != b.layers[0].q && a.layers[0].k != b.layers[0].k && a.layers[0].v != b.layers[0].v)
        #expect(a.layers[0].q != a.layers[1].q) // layers draw from different streams too
    }

    @Test func shapesAndFields() throws {
        let trace = Self.base.generate()
        #expect(trace.layers.count == 2 && trace.n == 12 && trace.headDim == 8)
        #expect(trace.queryHeads == 4 && trace.kvHeads == 2 && trace.tokens == 12 && !trace.causal)
        #expect(trace.scale == 1 / 8.0.squareRoot())
        #expect(trace.layers.allSatisfy { $0.out?.shape == [4, 12, 8] && $0.v.shape == [2, 12, 8] })
        #expect(trace.layers.allSatisfy { layer in
            [layer.q, layer.k, layer.v].allSatisfy { $0.storage.allSatisfy(\.isFinite) }
        })
    }

    @Test func outIsExactAttention() throws {
        let trace = Self.base.generate()
        for (index, layer) in trace.layers.enumerated() {
            let out = try #require(layer.out)
            #expect(out == exactAttentionOutput(layer: index, trace: trace))
            for (head, query) in [(0, 0), (3, 11)] {
                let expected = naiveAttentionRow(layer: layer, head: head, query: query, visible: 12, scale: trace.scale)
                for (a, b) in zip(out.row(head: head, row: query), expected) { #expect(abs(Double(a) - b) < 1e-5) }
            }
        }
    }

    @Test func causalAndPaddingRespected() throws {
        var generator = Self.base
        generator.causal = true
        generator.tokens = 9
        let trace = generator.generate()
        #expect(trace.causal && trace.tokens == 9)
        for layer in trace.layers {
            let out = try #require(layer.out)
            for head in 0 ..< 4 {
                #expect(out.row(head: head, row: 0) == layer.v.row(head: layer.kvHead(forQueryHead: head), row: 0))
                for row in 9 ..< 12 { #expect(out.row(head: head, row: row).allSatisfy { $0 == 0 }) }
            }
            let expected = naiveAttentionRow(layer: layer, head: 2, query: 5, visible: 6, scale: trace.scale)
            for (a, b) in zip(out.row(head: 2, row: 5), expected) { #expect(abs(Double(a) - b) < 1e-5) }
        }
    }

    @Test func zeroConcentrationIsPlainGaussian() {
        let trace = SyntheticTraceGenerator(heads: 2, n: 64, headDim: 16, seed: 5, concentration: 0).generate()
        let q = trace.layers[0].q.storage.map(Double.init)
        let mean = q.reduce(0, +) / Double(q.count)
        let variance = q.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(q.count)
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.1)
    }

    @Test func higherConcentrationNeedsFewerKeys() {
        let counts = [0.0, 2.0, 6.0].map { c in
            keysFor90PercentMass(trace: SyntheticTraceGenerator(heads: 2, n: 64, headDim: 16, seed: 11,
                                                                concentration: c).generate())
        }
        #expect(counts[0] > counts[1] && counts[1] > counts[2], "\(counts)")
        #expect(counts[0] > 0.5 * 64) // plain Gaussian attention is flat
    }

    @Test func subSeedsAreDistinct() {
        var seen = Set<UInt64>()
        for layer in 0 ..< 4 {
            for head in 0 ..< 8 {
                for stream in 0 ..< UInt64(3) {
                    seen.insert(SyntheticTraceGenerator.subSeed(7, layer: layer, head: head, stream: stream))
                }
            }
        }
        #expect(seen.count == 4 * 8 * 3)
    }
}
