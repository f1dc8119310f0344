import Foundation
import Testing
import Workload
@testable import SimIO

/// The real all-MiniLM-L6-v2 trace shipped in `Traces/` (docs/traces.md, "The shipped trace"), read with
/// no Python: its recorded `out` must be the exact attention of its q, k, v, which also checks the reader.
@Suite struct ShippedTraceTests {
    /// `Traces/minilm-l6-gutenberg-n128`, found from this file's path (Tests/SimIOTests/ → the repository).
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Traces/minilm-l6-gutenberg-n128", isDirectory: true)
    }

    @Test func shapeAndFields() throws {
        let trace = try TraceReader.read(directory: Self.directory)
        #expect(trace.model == "sentence-transformers/all-MiniLM-L6-v2")
        #expect(trace.layers.count == 6 && trace.queryHeads == 12 && trace.kvHeads == 12)
        #expect(trace.n == 128 && trace.tokens == 128 && trace.headDim == 32 && !trace.causal)
        #expect(abs(trace.scale - 1 / 32.0.squareRoot()) < 1e-15)
        #expect(trace.layers.map(\.name) == (0 ..< 6).map { "layer\($0)" })
        #expect(trace.layers.allSatisfy { $0.out?.shape == [12, 128, 32] })
        let storage = try TraceStorageInfo.read(path: Self.directory.path)
        #expect(storage.manifestDType == "float32" && storage.arrays.count == 24 && storage.distinctDTypes == [.float32])
    }

    /// softmax(q·kᵀ·scale)·v in Double, written here without any of the simulator's code.
    static func plainAttention(q: [Float], keys: [[Float]], values: [[Float]], scale: Double) -> [Double] {
        let scores = keys.map { k in zip(q, k).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } * scale }
        let top = scores.max()!
        let weights = scores.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        var out = [Double](repeating: 0, count: values[0].count)
        for (w, v) in zip(weights, values) {
            for c in out.indices { out[c] += w / total * Double(v[c]) }
        }
        return out
    }

    @Test(arguments: [(0, 0), (0, 2), (2, 5), (3, 9), (5, 11)])
    func outIsTheExactAttention(layerIndex: Int, head: Int) throws {
        let trace = try TraceReader.read(directory: Self.directory)
        let layer = trace.layers[layerIndex]
        let out = try #require(layer.out)
        let keys = (0 ..< 128).map { layer.k.row(head: head, row: $0) }
        let values = (0 ..< 128).map { layer.v.row(head: head, row: $0) }
        var worst = 0.0
        for query in 0 ..< 128 {
            let expected = Self.plainAttention(q: layer.q.row(head: head, row: query), keys: keys, values: values,
                                               scale: trace.scale)
            for (a, b) in zip(out.row(head: head, row: query), expected) { worst = max(worst, abs(Double(a) - b)) }
        }
        #expect(worst < 1e-5, "layer \(layerIndex) head \(head): max |out − exact| = \(worst)")
        // The recorded values are not all zero or constant (a reader returning zeros would pass nothing).
        #expect(Set(out.row(head: head, row: 7)).count > 16)
    }

    @Test func inspectStatisticsAgreeWithThePlainRecomputation() throws {
        let trace = try TraceReader.read(directory: Self.directory)
        let statistics = TraceStatistics(trace: trace, threads: 2)
        let check = try #require(statistics.overall.output)
        #expect(check.consistent && check.compared == 6 * 12 * 128 * 32)
        // out is the float32 rounding of the exact attention (docs/traces.md, Validation): every error is at
        // most half a float32 ulp of the largest |out| (plus a hair for the Double reference's own rounding).
        let largest = trace.layers.map { $0.out!.storage.map { abs($0) }.max()! }.max()!
        #expect(check.maxAbsoluteError <= Double(largest.ulp) / 2 * (1 + 1e-6), "\(check.maxAbsoluteError), max |out| \(largest)")
        // Head (0, 2) by hand: its keys-for-90 % counts from the plain softmax above.
        let layer = trace.layers[0]
        let keys = (0 ..< 128).map { layer.k.row(head: 2, row: $0) }
        var counts: [Int] = []
        for query in 0 ..< 128 {
            let q = layer.q.row(head: 2, row: query)
            let scores = keys.map { k in zip(q, k).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } * trace.scale }
            let top = scores.max()!
            let weights = scores.map { exp($0 - top) }
            let total = weights.reduce(0, +)
            var covered = 0.0, count = 0
            for w in weights.sorted(by: >) where covered < 0.9 * total { covered += w; count += 1 }
            counts.append(count)
        }
        let summary = statistics.head(layer: 0, head: 2).statistics.keysForMass
        #expect(summary.maximum == counts.max()! && summary.minimum == counts.min()!)
        #expect(abs(summary.mean - Double(counts.reduce(0, +)) / 128) < 1e-12)
    }
}
