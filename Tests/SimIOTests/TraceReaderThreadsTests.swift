import Foundation
import Testing
import Workload
@testable import SimIO

/// `TraceReader.read(…, threads:)`: layers after the first are read several at a time, yet the trace, the
/// sharing of a bias file and the error reported are those of a one-at-a-time read.
@Suite struct TraceReaderThreadsTests {
    /// Eight layers, n = 5, 2 heads; layers 1…6 share one bias file except layer 3, which has none, and
    /// layer 7 has a bias of its own. When `firstSharesBias`, layer 0 names the shared file too, so
    /// batches of later layers are read in parallel; otherwise layer 1 is the first to name it, and the
    /// batch holding it must be read one layer at a time to keep one copy.
    static func trace(firstSharesBias: Bool) -> AttentionTrace {
        func tensor(_ heads: Int, _ rows: Int, _ dim: Int, _ salt: Int) -> Tensor3 {
            Tensor3(heads: heads, rows: rows, dim: dim, storage: ContiguousArray((0 ..< heads * rows * dim).map {
                Float(($0 * 7 + salt) % 13) * 0.25 - 1.5
            }))
        }
        let shared = tensor(2, 5, 5, 3)
        let layers = (0 ..< 8).map { l in
            AttentionLayer(name: "layer\(l)", q: tensor(2, 5, 4, l), k: tensor(2, 5, 4, l + 5), v: tensor(2, 5, 4, l + 9),
                           bias: l == 7 ? tensor(2, 5, 5, 8) : l == 3 || (l == 0 && !firstSharesBias) ? nil : shared)
        }
        return AttentionTrace(model: "threads-test", causal: false, tokens: 5, layers: layers)
    }

    static func address(_ tensor: Tensor3?) -> UInt {
        tensor!.storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    @Test(arguments: [1, 2, 3, 8], [false, true])
    func sameTraceAndSharedBiasAtAnyThreadCount(threads: Int, firstSharesBias: Bool) throws {
        try withTemporaryDirectory { dir in
            let trace = Self.trace(firstSharesBias: firstSharesBias)
            try TraceWriter.write(trace, to: dir)
            let read = try TraceReader.read(directory: dir, threads: threads)
            #expect(read == trace)
            #expect(read.layers[3].bias == nil)
            let shared = Self.address(read.layers[1].bias)
            for l in [2, 4, 5, 6] { #expect(Self.address(read.layers[l].bias) == shared, "layer \(l)") }
            if firstSharesBias { #expect(Self.address(read.layers[0].bias) == shared) }
            #expect(Self.address(read.layers[7].bias) != shared)
        }
    }

    /// Layers 3 and 4 are both broken (a wrong n, a NaN): every thread count reports layer 3's, the first
    /// in manifest order, although with 2 or 4 threads both are read in the same parallel batch.
    @Test func theFirstErrorInManifestOrderWins() throws {
        try withTemporaryDirectory { dir in
            try TraceWriter.write(Self.trace(firstSharesBias: true), to: dir)
            let q3 = dir.appendingPathComponent("layer3.q.npy")
            try NpyWriter.write(Tensor3(heads: 2, rows: 6, dim: 4, storage: ContiguousArray(repeating: 0.5, count: 48)), to: q3)
            let k4 = dir.appendingPathComponent("layer4.k.npy")
            var k = try NpyReader.readTensor3(contentsOf: k4)
            k.storage[3] = .nan
            try NpyWriter.write(k, to: k4)
            var messages: [String] = []
            for threads in [1, 2, 4] {
                do {
                    _ = try TraceReader.read(directory: dir, displayPath: "t", threads: threads)
                    Issue.record("threads \(threads): the broken trace was read")
                } catch {
                    messages.append("\(error)")
                }
            }
            #expect(messages.count == 3 && Set(messages).count == 1, "\(messages)")
            #expect(messages.first?.contains("layer3.q.npy") == true, "\(messages)")
        }
    }

    /// The bound on the values read: with a limit that layer 5 crosses (each layer holds 120 values), every
    /// thread count refuses the trace naming layer 5, as a one-at-a-time read does, although workers
    /// read layers past it in any order; one value more and the same trace is read whole.
    @Test func theBoundOnValuesNamesTheSameLayerAtAnyThreadCount() throws {
        try withTemporaryDirectory { dir in
            let trace = Self.trace(firstSharesBias: true)
            try TraceWriter.write(trace, to: dir)
            let perLayer = 3 * 2 * 5 * 4   // q, k, v: 2 heads × 5 rows × 4 dims (no out)
            #expect(trace.layers.allSatisfy { $0.q.storage.count + $0.k.storage.count + $0.v.storage.count == perLayer && $0.out == nil })
            for threads in [1, 2, 3, 8] {
                do {
                    _ = try TraceReader.read(directory: dir, displayPath: "t", threads: threads, elementLimit: 6 * perLayer - 1)
                    Issue.record("threads \(threads): read past the bound")
                } catch {
                    #expect("\(error)".contains("layers[5]") && "\(error)".contains("\(6 * perLayer) values in layers 0…5"),
                            "threads \(threads): \(error)")
                }
                let whole = try TraceReader.read(directory: dir, displayPath: "t", threads: threads, elementLimit: 8 * perLayer)
                #expect(whole == trace, "threads \(threads)")
            }
        }
    }
}
