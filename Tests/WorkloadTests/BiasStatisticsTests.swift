import Testing
@testable import Workload

/// `BiasStatistics` (what `trace inspect` reports about a bias) on a trace small enough to do by hand,
/// and the MPNet-like bucket function of the synthetic relative-position bias.
@Suite struct BiasStatisticsTests {
    @Test func handWorkedSpreadShareAndTopKeyChanges() {
        // One head, d = 1, q = 1 for every query, k = 0, 1, 2: every query's q·k·scale is [0, 1, 2].
        let q = Tensor3(heads: 1, rows: 3, dim: 1, storage: [1, 1, 1])
        let k = Tensor3(heads: 1, rows: 3, dim: 1, storage: [0, 1, 2])
        let bias = Tensor3(heads: 1, rows: 3, dim: 3, storage: [3, 0, 0,  0, 0, 0,  0, 0, 0.5])
        let trace = AttentionTrace(model: "t", scale: 1, layers: [AttentionLayer(name: "l", q: q, k: k, v: k, bias: bias)])
        let stats = BiasStatistics.measure(layer: trace.layers[0], queryHead: 0, trace: trace)
        // Var(a) = 2/3 per query. Var(b): row 0 [3,0,0] → 2; row 1 → 0; row 2 [0,0,0.5] → 1/18.
        // Top key by a is 2 everywhere; with the bias row 0's is key 0 (3 > 1 + 0 and 3 > 2 + 0).
        #expect(stats.queries == 3 && stats.topKeyChanged == 1)
        #expect(abs(stats.spreadShare - 37.0 / 73.0) < 1e-12)
        #expect(abs(stats.topKeyChangedFraction - 1.0 / 3.0) < 1e-15)
        let whole = BiasStatistics.measure(trace: trace, threads: 2)
        #expect(whole?.overall == stats && whole?.layers == [stats])
        var plain = trace
        plain.layers[0].bias = nil
        #expect(BiasStatistics.measure(trace: plain) == nil)
    }

    @Test func causalQueriesSeeOnlyTheirPrefix() {
        let q = Tensor3(heads: 1, rows: 2, dim: 1, storage: [1, 1])
        let k = Tensor3(heads: 1, rows: 2, dim: 1, storage: [0, 5])
        // Row 0 sees key 0 only: its huge bias on key 1 is never looked at.
        let bias = Tensor3(heads: 1, rows: 2, dim: 2, storage: [0, 100, 6, 0])
        let trace = AttentionTrace(model: "t", scale: 1, causal: true, layers: [AttentionLayer(name: "l", q: q, k: k, v: k, bias: bias)])
        let stats = BiasStatistics.measure(layer: trace.layers[0], queryHead: 0, trace: trace)
        // Row 1: a = [0, 5], b = [6, 0] → z = [6, 5]: top key changes from 1 to 0; Var(a) = 6.25, Var(b) = 9.
        #expect(stats.queries == 2 && stats.topKeyChanged == 1)
        #expect(stats.spreadShare == 9 / 15.25)
    }

    @Test func mpnetBuckets() {
        let b = RelativePositionBias(seed: 1)
        // r = i − j. Keys at or before the query: buckets 0…15; after it: 16…31. Exact below 8.
        #expect(b.bucket(query: 5, key: 5) == 0)
        #expect(b.bucket(query: 5, key: 4) == 1 && b.bucket(query: 9, key: 2) == 7)
        #expect(b.bucket(query: 4, key: 5) == 17 && b.bucket(query: 0, key: 7) == 23)
        // |r| = 8: 8 + ⌊log(1)/log(16)·8⌋ = 8; |r| = 16: 8 + ⌊(1/4)·8⌋ = 10; |r| = 127: 8 + ⌊log(15.875)/log(16)·8⌋ = 15.
        #expect(b.bucket(query: 8, key: 0) == 8 && b.bucket(query: 16, key: 0) == 10 && b.bucket(query: 127, key: 0) == 15)
        #expect(b.bucket(query: 0, key: 500) == 31 && b.bucket(query: 500, key: 0) == 15)
        let t = b.tensor(heads: 2, n: 20)
        let table = b.table(heads: 2)
        #expect(t[1, 3, 19] == table[1][b.bucket(query: 3, key: 19)] && t[0, 19, 3] == table[0][b.bucket(query: 19, key: 3)])
    }
}
