import Testing
import Workload

/// `AttentionWorkload` / `ResolvedWorkload`: how entries expand into layers, which generator draws each
/// layer, that the draw depends on nothing but the workload, and `prefix` (`docs/workloads.md`).
@Suite struct AttentionWorkloadTests {
    /// Two entries of different shapes: 2 × (n 12, 2 heads, d 8) then 3 × (n 20, 10 real tokens, causal,
    /// 4 query heads on 2 kv heads, d 4, c = 1).
    static let mixed = AttentionWorkload(model: "m", seed: 11, entries: [
        WorkloadLayer(n: 12, heads: 2, headDim: 8, repeatCount: 2),
        WorkloadLayer(n: 20, tokens: 10, heads: 4, kvHeads: 2, headDim: 4, causal: true, repeatCount: 3, concentration: 1),
    ])

    @Test func entriesExpandInOrder() {
        let w = Self.mixed
        #expect(w.layerCount == 5)
        #expect(w.entryOfLayer == [0, 0, 1, 1, 1])
        #expect(w.firstLayer(ofEntry: 0) == 0 && w.firstLayer(ofEntry: 1) == 2)
        #expect(!w.isUniform)
        // Pairs by hand: 2 layers × 2 heads × 12² + 3 layers × 4 heads × (10 · 11 / 2).
        #expect(w.visiblePairs == Double(2 * 2 * 144 + 3 * 4 * 55))
    }

    @Test func eachLayerIsTheGeneratorsLayerOfTheSameIndex() throws {
        let resolved = try Self.mixed.resolved()
        for l in 0 ..< 5 {
            let trace = resolved.layerTrace(l)
            let first = l < 2
            // Written out independently of `baseGenerator`: the entry's shape, the workload's seed, layer l.
            let g = first
                ? SyntheticTraceGenerator(layers: 5, heads: 2, n: 12, headDim: 8, seed: 11, model: "m")
                : SyntheticTraceGenerator(layers: 5, heads: 4, kvHeads: 2, n: 20, headDim: 4, seed: 11, tokens: 10, causal: true,
                                          concentration: 1, model: "m")
            #expect(trace.layers == [g.generateLayer(l, withOutput: false)])
            #expect(trace.layers[0].name == "layer\(l)")
            #expect(trace.tokens == (first ? 12 : 10) && trace.causal == !first && trace.n == (first ? 12 : 20))
            #expect(trace.queryHeads == (first ? 2 : 4) && trace.kvHeads == (first ? 2 : 2) && trace.headDim == (first ? 8 : 4))
        }
        // Repeated layers are not copies: each has its own seed.
        #expect(resolved.layerTrace(2).layers[0].q != resolved.layerTrace(3).layers[0].q)
    }

    /// A head drawn alone is that head's slice of the whole layer (q of the head, k and v of its
    /// key/value head), for grouped-query attention and with a key-norm spread.
    @Test func aHeadAloneIsItsSliceOfTheLayer() {
        var g = SyntheticTraceGenerator(layers: 3, heads: 6, kvHeads: 2, n: 10, headDim: 4, seed: 5, tokens: 7, causal: true,
                                        concentration: 1.5, topics: 3)
        g.keyNormSigma = 0.4
        g.layerConcentrations = [0, 2.5, -1]
        for l in 0 ..< 3 {
            let layer = g.generateLayer(l, withOutput: false)
            for h in 0 ..< 6 {
                let head = g.generateHead(layer: l, queryHead: h)
                func slice(_ t: Tensor3, _ i: Int) -> ContiguousArray<Float> { ContiguousArray(t.storage[i * 40 ..< (i + 1) * 40]) }
                #expect(head.q.storage == slice(layer.q, h) && head.q.heads == 1 && head.q.rows == 10 && head.q.dim == 4)
                #expect(head.k.storage == slice(layer.k, h / 3) && head.v.storage == slice(layer.v, h / 3))
                #expect(head.name == "layer\(l)")
            }
        }
    }

    @Test func drawingDependsOnlyOnTheWorkload() throws {
        let a = try Self.mixed.resolved(threads: 1), b = try Self.mixed.resolved(threads: 4)
        for l in 0 ..< 5 { #expect(a.layerTrace(l, threads: 1) == b.layerTrace(l, threads: 3)) }
        var reseeded = Self.mixed
        reseeded.seed = 12
        #expect(try reseeded.resolved().layerTrace(0).layers[0].q != a.layerTrace(0).layers[0].q)
    }

    @Test func prefixKeepsTheSameLayers() throws {
        let cut = Self.mixed.prefix(layers: 3)
        #expect(cut.layerCount == 3 && cut.entries.map(\.repeatCount) == [2, 1])
        let full = try Self.mixed.resolved(), part = try cut.resolved()
        for l in 0 ..< 3 { #expect(part.layerTrace(l) == full.layerTrace(l)) }
        #expect(Self.mixed.prefix(layers: 1).entries.map(\.repeatCount) == [1])
    }

    @Test func wholeTraceOnlyForOneShape() throws {
        let resolved = try Self.mixed.resolved()
        #expect(resolved.trace() == nil)
        let uniform = try #require(resolved.trace(layers: 2 ..< 5))
        #expect(uniform.layers.count == 3 && uniform.layers.map(\.name) == ["layer2", "layer3", "layer4"])
        #expect(uniform.layers[1] == resolved.layerTrace(3).layers[0])
    }

    @Test func targetsAreSolvedOnTheEntrysFirstLayer() throws {
        // The entry starting at layer 2 solves its concentration on layer 2's probe, as the solver would.
        let w = AttentionWorkload(model: "t", seed: 3, entries: [
            WorkloadLayer(n: 16, heads: 2, headDim: 8, repeatCount: 2, concentration: 0),
            WorkloadLayer(n: 32, heads: 2, headDim: 8, repeatCount: 1, targetKeys90: 0.3),
        ])
        let resolved = try w.resolved()
        let g = SyntheticTraceGenerator(layers: 3, heads: 2, n: 32, headDim: 8, seed: 3, model: "t")
        let solution = try SyntheticConcentrationSolver(generator: g).solve(target: 0.3, layer: 2)
        #expect(resolved.generators[1].concentration == solution.concentration)
        #expect(resolved.generators[0].concentration == 0)
        // An unreachable target names its entry and field.
        let sharp = AttentionWorkload(model: "t", seed: 3, entries: [WorkloadLayer(n: 16, heads: 1, headDim: 8, targetKeys90: 0.001)])
        #expect(throws: WorkloadTargetError.self) { try sharp.resolved() }
        do { _ = try sharp.resolved() } catch {
            #expect(error.entry == 0 && error.field == "target_keys90")
        }
    }
}
