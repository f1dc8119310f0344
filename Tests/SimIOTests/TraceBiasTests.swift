import Foundation
import Testing
import Workload
@testable import SimIO

/// The optional additive bias of `elsa-trace/1` (`docs/trace-format.md`): written once when layers
/// share it, read back shared, and every bad bias rejected with a one-line message naming the file.
@Suite struct TraceBiasTests {
    /// A 2-layer, 2-head trace, n = 5 with 4 real tokens, both layers sharing one bias.
    static func biasedTrace(causal: Bool = false, shared: Bool = true) -> AttentionTrace {
        func tensor(_ heads: Int, _ rows: Int, _ dim: Int, _ salt: Int) -> Tensor3 {
            Tensor3(heads: heads, rows: rows, dim: dim, storage: ContiguousArray((0 ..< heads * rows * dim).map {
                Float(($0 * 7 + salt) % 11) * 0.25 - 1.25
            }))
        }
        let bias = tensor(2, 5, 5, 3)
        let layers = (0 ..< 2).map { l in
            AttentionLayer(name: "layer\(l)", q: tensor(2, 5, 4, l), k: tensor(2, 5, 4, l + 5), v: tensor(2, 5, 4, l + 9),
                           bias: shared || l == 0 ? bias : tensor(2, 5, 5, 8))
        }
        return AttentionTrace(model: "bias-test", causal: causal, tokens: 4, layers: layers)
    }

    @Test func roundTripWritesOneSharedFile() throws {
        try withTemporaryDirectory { dir in
            let trace = Self.biasedTrace()
            try TraceWriter.write(trace, to: dir)
            let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("trace.json"))) as? [String: Any])
            let layers = try #require(manifest["layers"] as? [[String: Any]])
            #expect(layers.map { $0["bias"] as? String } == ["bias.npy", "bias.npy"])
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("layer0.bias.npy").path))
            let read = try TraceReader.read(directory: dir)
            #expect(read == trace)
            #expect(read.hasBias)
            // One copy in memory: both layers' bias storage is the same buffer.
            let first = read.layers[0].bias!.storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            let second = read.layers[1].bias!.storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            #expect(first == second)
            // A second path spelling of the same file is still one file.
            try editManifest(dir) { manifest in
                var layers = manifest["layers"] as! [[String: Any]]
                layers[1]["bias"] = "./bias.npy"
                manifest["layers"] = layers
            }
            let respelled = try TraceReader.read(directory: dir)
            #expect(respelled.layers[1].bias!.storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
                == respelled.layers[0].bias!.storage.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
        }
    }

    @Test func distinctBiasesGetOneFileEach() throws {
        let names = TraceWriter.biasFileNames(Self.biasedTrace(shared: false).layers)
        #expect(names == ["layer0.bias.npy", "layer1.bias.npy"])
        var layers = Self.biasedTrace(shared: false).layers
        layers.append(layers[0])
        layers[1].bias = nil
        #expect(TraceWriter.biasFileNames(layers) == ["bias.npy", nil, "bias.npy"])
    }

    @Test func traceWithoutBiasHasNoBiasField() throws {
        try withTemporaryDirectory { dir in
            var trace = Self.biasedTrace()
            for l in trace.layers.indices { trace.layers[l].bias = nil }
            try TraceWriter.write(trace, to: dir)
            let text = try String(contentsOf: dir.appendingPathComponent("trace.json"), encoding: .utf8)
            #expect(!text.contains("\"bias\""))
            #expect(try TraceReader.read(directory: dir) == trace)
        }
    }

    @Test func float16AndFloat64BiasesAreRead() throws {
        try withTemporaryDirectory { dir in
            let trace = Self.biasedTrace()
            try TraceWriter.write(trace, to: dir)
            let bias = try #require(trace.layers[0].bias)
            // Values are multiples of 0.25 in [-1.25, 1.25]: exact in float16.
            for dtype in [NpyDType.float16, .float64] {
                try NpyWriter.write(bias, dtype: dtype, to: dir.appendingPathComponent("bias.npy"))
                #expect(try TraceReader.read(directory: dir).layers[1].bias == bias)
            }
        }
    }

    @Test func nonFiniteOutsideTheAttendedPairsIsAccepted() throws {
        try withTemporaryDirectory { dir in
            try TraceWriter.write(Self.biasedTrace(causal: true), to: dir)
            var bias = try NpyReader.readTensor3(contentsOf: dir.appendingPathComponent("bias.npy"))
            bias[1, 4, 2] = .nan       // padding query row 4
            bias[0, 1, 4] = .infinity  // padding key column 4
            bias[1, 1, 3] = -.infinity // future key under causal
            try NpyWriter.write(bias, to: dir.appendingPathComponent("bias.npy"))
            _ = try TraceReader.read(directory: dir)
        }
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var corrupt: @Sendable (URL) throws -> Void
        var expected: @Sendable (String) -> String
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        Rejection(name: "wrong shape", corrupt: { dir in
            try NpyWriter.write(Tensor3(heads: 2, rows: 5, dim: 4), to: dir.appendingPathComponent("bias.npy"))
        }, expected: { "\($0)/bias.npy: layers[0].bias: shape (2, 5, 4) disagrees with q (heads = 2, n = 5); a bias is [heads, n, n]; expected (2, 5, 5)" }),
        Rejection(name: "wrong head count", corrupt: { dir in
            try NpyWriter.write(Tensor3(heads: 1, rows: 5, dim: 5), to: dir.appendingPathComponent("bias.npy"))
        }, expected: { "\($0)/bias.npy: layers[0].bias: shape (1, 5, 5) disagrees with q (heads = 2, n = 5); a bias is [heads, n, n]; expected (2, 5, 5)" }),
        Rejection(name: "integer dtype", corrupt: { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent("bias.npy"))
            try FileManager.default.copyItem(at: Fixtures.npy("int32.npy"), to: dir.appendingPathComponent("bias.npy"))
        }, expected: { "\($0)/bias.npy: layers[0].bias: unsupported dtype '<i4'; expected '<f2' (float16), '<f4' (float32) or '<f8' (float64)" }),
        Rejection(name: "NaN on an attended pair", corrupt: { dir in
            var bias = try NpyReader.readTensor3(contentsOf: dir.appendingPathComponent("bias.npy"))
            bias[1, 2, 3] = .nan
            try NpyWriter.write(bias, to: dir.appendingPathComponent("bias.npy"))
        }, expected: { "\($0)/bias.npy: layers[0].bias: NaN at (head 1, row 2, column 3), flat index 38 (the first one); expected finite values" }),
        Rejection(name: "missing file", corrupt: { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent("bias.npy"))
        }, expected: { "\($0)/trace.json: layers[0].bias: file 'bias.npy' does not exist" }),
        Rejection(name: "bias path not a string", corrupt: { dir in
            try editManifest(dir) { manifest in
                var layers = manifest["layers"] as! [[String: Any]]
                layers[1]["bias"] = 3
                manifest["layers"] = layers
            }
        }, expected: { "\($0)/trace.json: layers[1].bias: found 3; expected a string" }),
        Rejection(name: "bias path names a directory", corrupt: { dir in
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub.npy"), withIntermediateDirectories: true)
            try editManifest(dir) { manifest in
                var layers = manifest["layers"] as! [[String: Any]]
                layers[1]["bias"] = "sub.npy"
                manifest["layers"] = layers
            }
        }, expected: { "\($0)/sub.npy: layers[1].bias: " }),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: Rejection) throws {
        try withTemporaryDirectory { parent in
            let dir = parent.appendingPathComponent("t")
            try TraceWriter.write(Self.biasedTrace(), to: dir)
            try rejection.corrupt(dir)
            let error = #expect(throws: TraceError.self) { try TraceReader.read(path: dir.path) }
            let message = try #require(error).description
            #expect(message.hasPrefix(rejection.expected(dir.path)), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}
