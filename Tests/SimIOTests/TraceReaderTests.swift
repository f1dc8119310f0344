import Foundation
import Testing
import Workload
@testable import SimIO

@Suite struct TraceReaderTests {
    @Test func readsTheNumPyTrace() throws {
        let trace = try TraceReader.read(directory: Fixtures.trace())
        #expect(trace.model == "numpy-fixture")
        #expect(trace.description == "written by scripts/make_npy_fixtures.py")
        #expect(trace.layers.map(\.name) == ["encoder.layer.0.attention", "encoder.layer.1.attention"])
        #expect(trace.scale == 0.5) // default 1/sqrt(head_dim = 4)
        #expect(trace.causal == false)
        #expect(trace.tokens == 4 && trace.n == 5)
        #expect(trace.queryHeads == 2 && trace.kvHeads == 2 && trace.headDim == 4)
        for (index, layer) in trace.layers.enumerated() {
            let q = try NpyReader.readTensor3(contentsOf: Fixtures.trace().appendingPathComponent("layer\(index).q.npy"))
            #expect(layer.q == q)
            let out = try #require(layer.out)
            // numpy's float64 attention and ours agree; padded query row 4 is zero in both.
            let exact = exactAttentionOutput(layer: index, trace: trace)
            #expect(zip(out.storage, exact.storage).allSatisfy { abs($0 - $1) <= 1e-6 })
            #expect(out.row(head: 1, row: 4) == [0, 0, 0, 0])
        }
    }

    @Test func readsTheGroupedQueryTrace() throws {
        let trace = try TraceReader.read(directory: Fixtures.trace("trace-gqa"))
        #expect(trace.queryHeads == 4 && trace.kvHeads == 2)
        #expect(trace.scale == 0.25 && trace.causal && trace.tokens == 5)
        #expect(trace.layers[0].kvHead(forQueryHead: 3) == 1)
        let layer = trace.layers[0]
        let out = try #require(layer.out)
        let exact = exactAttentionOutput(layer: layer, trace: trace)
        #expect(zip(out.storage, exact.storage).allSatisfy { abs($0 - $1) <= 1e-6 })
        // Causal: query 0 sees key 0 only.
        #expect(out.row(head: 3, row: 0) == layer.v.row(head: 1, row: 0))
    }

    @Test func displayPathAndNullOptionalFields() throws {
        try withTemporaryDirectory { dir in
            let trace = try copyFixtureTrace(into: dir)
            try editManifest(trace) { $0["description"] = NSNull(); $0["scale"] = NSNull() }
            let read = try TraceReader.read(path: trace.path + "/")
            #expect(read.description == nil && read.scale == 0.5)
            try FileManager.default.removeItem(at: trace.appendingPathComponent("layer1.v.npy"))
            let error = #expect(throws: TraceError.self) { try TraceReader.read(path: trace.path + "/") }
            #expect(error?.description == "\(trace.path)/trace.json: layers[1].v: file 'layer1.v.npy' does not exist")
        }
    }

    /// One case per rejection in trace-format.md ("What a reader must reject"), each on a copy of the
    /// NumPy fixture with one thing broken.
    @Test(arguments: RejectionCase.all)
    func rejects(_ rejection: RejectionCase) throws {
        try withTemporaryDirectory { parent in
            let dir = try copyFixtureTrace(into: parent)
            try rejection.corrupt(dir)
            let error = #expect(throws: TraceError.self) { try TraceReader.read(path: dir.path) }
            let caught = try #require(error)
            #expect(rejection.check(caught, dir.path), "\(caught)")
            #expect(caught.description.contains(rejection.mentions), "\(caught.description)")
            #expect(caught.description.hasPrefix(dir.path + "/"), "\(caught.description)")
        }
    }
}

/// A broken trace: how to break the fixture copy and what the reader must say.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// The file name the message must contain.
    var mentions: String
    var corrupt: @Sendable (URL) throws -> Void
    /// Whether the error is the expected one, given the trace directory's path.
    var check: @Sendable (TraceError, String) -> Bool
    var testDescription: String { name }

    static let all: [RejectionCase] = [
        RejectionCase(name: "missing trace.json", mentions: "trace.json",
                      corrupt: { try remove($0, "trace.json") },
                      check: { $0 == .manifestNotFound(path: $1 + "/trace.json") }),
        RejectionCase(name: "unreadable trace.json", mentions: "trace.json",
                      corrupt: { dir in
                          try remove(dir, "trace.json")
                          try FileManager.default.createDirectory(at: dir.appendingPathComponent("trace.json"),
                                                                  withIntermediateDirectories: false)
                      },
                      check: { $0 == .manifestUnreadable(path: $1 + "/trace.json", reason: "is a directory") }),
        RejectionCase(name: "invalid JSON", mentions: "trace.json",
                      corrupt: { try Data("{\"format\": \"elsa-trace/1\", ".utf8).write(to: $0.appendingPathComponent("trace.json")) },
                      check: { if case .invalidJSON($1 + "/trace.json", _) = $0 { true } else { false } }),
        RejectionCase(name: "top level not an object", mentions: "trace.json",
                      corrupt: { try Data("[1, 2]".utf8).write(to: $0.appendingPathComponent("trace.json")) },
                      check: { $0 == .wrongType(path: $1 + "/trace.json", field: "(top level)", found: "an array",
                                                expected: "a JSON object") }),
        RejectionCase(name: "wrong format", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["format"] = "elsa-trace/2" } },
                      check: { $0 == .wrongFormat(path: $1 + "/trace.json", found: "\"elsa-trace/2\"") }),
        RejectionCase(name: "format not a string", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["format"] = 1 } },
                      check: { $0 == .wrongFormat(path: $1 + "/trace.json", found: "1") }),
        RejectionCase(name: "missing format", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["format"] = nil } },
                      check: { $0 == .missingField(path: $1 + "/trace.json", field: "format") }),
        RejectionCase(name: "missing model", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["model"] = nil } },
                      check: { $0 == .missingField(path: $1 + "/trace.json", field: "model") }),
        RejectionCase(name: "missing layers", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["layers"] = nil } },
                      check: { $0 == .missingField(path: $1 + "/trace.json", field: "layers") }),
        RejectionCase(name: "empty layers", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["layers"] = [Any]() } },
                      check: { $0 == .invalidValue(path: $1 + "/trace.json", field: "layers", found: "[]",
                                                   expected: "at least one layer") }),
        RejectionCase(name: "layer without v", mentions: "trace.json",
                      corrupt: { try editLayer($0, 1) { $0["v"] = nil } },
                      check: { $0 == .missingField(path: $1 + "/trace.json", field: "layers[1].v") }),
        RejectionCase(name: "heads of the wrong type", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["heads"] = "2" } },
                      check: { $0 == .wrongType(path: $1 + "/trace.json", field: "heads", found: "\"2\"",
                                                expected: "an integer") }),
        RejectionCase(name: "causal of the wrong type", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["causal"] = 1 } },
                      check: { $0 == .wrongType(path: $1 + "/trace.json", field: "causal", found: "1",
                                                expected: "true or false") }),
        RejectionCase(name: "layer path does not exist", mentions: "layer9.k.npy",
                      corrupt: { try editLayer($0, 1) { $0["k"] = "layer9.k.npy" } },
                      check: { $0 == .layerFileNotFound(path: $1 + "/trace.json", field: "layers[1].k",
                                                        file: "layer9.k.npy") }),
        RejectionCase(name: "bad magic", mentions: "layer0.q.npy",
                      corrupt: { try replace($0, "layer0.q.npy", with: "bad_magic.npy") },
                      check: { $0 == .array(field: "layers[0].q", .badMagic(path: $1 + "/layer0.q.npy",
                                                                            found: [0x50, 0x4B, 3, 4, 0x50, 0x59])) }),
        RejectionCase(name: "unsupported version", mentions: "layer0.k.npy",
                      corrupt: { try replace($0, "layer0.k.npy", with: "version_4.npy") },
                      check: { $0 == .array(field: "layers[0].k", .unsupportedVersion(path: $1 + "/layer0.k.npy",
                                                                                      major: 4, minor: 0)) }),
        RejectionCase(name: "unsupported dtype", mentions: "layer0.v.npy",
                      corrupt: { try replace($0, "layer0.v.npy", with: "int32.npy") },
                      check: { $0 == .array(field: "layers[0].v", .unsupportedDtype(path: $1 + "/layer0.v.npy",
                                                                                    descr: "'<i4'")) }),
        RejectionCase(name: "big-endian byte order", mentions: "layer1.q.npy",
                      corrupt: { try replace($0, "layer1.q.npy", with: "big_endian_f4.npy") },
                      check: { $0 == .array(field: "layers[1].q", .bigEndian(path: $1 + "/layer1.q.npy",
                                                                             descr: "'>f4'")) }),
        RejectionCase(name: "Fortran order", mentions: "layer1.k.npy",
                      corrupt: { try replace($0, "layer1.k.npy", with: "fortran_f4.npy") },
                      check: { $0 == .array(field: "layers[1].k", .fortranOrder(path: $1 + "/layer1.k.npy")) }),
        RejectionCase(name: "truncated data section", mentions: "layer1.out.npy",
                      corrupt: { try replace($0, "layer1.out.npy", with: "truncated_f4.npy") },
                      check: { $0 == .array(field: "layers[1].out", .truncatedData(
                          path: $1 + "/layer1.out.npy", shape: [2, 3, 4], descr: "<f4", expectedBytes: 96,
                          foundBytes: 90)) }),
        RejectionCase(name: "rank 2 array", mentions: "layer0.q.npy",
                      corrupt: { try replace($0, "layer0.q.npy", with: "matrix_f4.npy") },
                      check: { $0 == .array(field: "layers[0].q", .wrongRank(path: $1 + "/layer0.q.npy",
                                                                             shape: [3, 5], expectedRank: 3)) }),
        RejectionCase(name: "k with another n", mentions: "layer0.k.npy",
                      corrupt: { try writeTensor($0, "layer0.k.npy", heads: 2, rows: 6, dim: 4) },
                      check: { isShapeMismatch($0, path: $1 + "/layer0.k.npy", field: "layers[0].k") }),
        RejectionCase(name: "layer with another n", mentions: "layer1.q.npy",
                      corrupt: { try writeTensor($0, "layer1.q.npy", heads: 2, rows: 6, dim: 4) },
                      check: { isShapeMismatch($0, path: $1 + "/layer1.q.npy", field: "layers[1].q") }),
        RejectionCase(name: "layer with another head_dim", mentions: "layer1.q.npy",
                      corrupt: { dir in
                          try editManifest(dir) { $0["head_dim"] = nil }
                          try writeTensor(dir, "layer1.q.npy", heads: 2, rows: 5, dim: 3)
                      },
                      check: { isShapeMismatch($0, path: $1 + "/layer1.q.npy", field: "layers[1].q") }),
        RejectionCase(name: "heads disagrees with q", mentions: "layer0.q.npy",
                      corrupt: { try editManifest($0) { $0["heads"] = 3 } },
                      check: { isShapeMismatch($0, path: $1 + "/layer0.q.npy", field: "layers[0].q") }),
        RejectionCase(name: "head_dim disagrees with q", mentions: "layer0.q.npy",
                      corrupt: { try editManifest($0) { $0["head_dim"] = 8 } },
                      check: { isShapeMismatch($0, path: $1 + "/layer0.q.npy", field: "layers[0].q") }),
        RejectionCase(name: "v heads disagree with k", mentions: "layer0.v.npy",
                      corrupt: { try writeTensor($0, "layer0.v.npy", heads: 1, rows: 5, dim: 4) },
                      check: { isShapeMismatch($0, path: $1 + "/layer0.v.npy", field: "layers[0].v") }),
        RejectionCase(name: "out shape disagrees with q", mentions: "layer1.out.npy",
                      corrupt: { try writeTensor($0, "layer1.out.npy", heads: 1, rows: 5, dim: 4) },
                      check: { isShapeMismatch($0, path: $1 + "/layer1.out.npy", field: "layers[1].out") }),
        RejectionCase(name: "NaN in q", mentions: "layer0.q.npy",
                      corrupt: { try poke($0, "layer0.q.npy", index: 31, value: .nan) },
                      check: { $0 == .nonFinite(path: $1 + "/layer0.q.npy", field: "layers[0].q", value: "NaN",
                                                head: 1, row: 2, column: 3, flatIndex: 31) }),
        RejectionCase(name: "infinity in k", mentions: "layer1.k.npy",
                      corrupt: { try poke($0, "layer1.k.npy", index: 16, value: .infinity) },
                      check: { $0 == .nonFinite(path: $1 + "/layer1.k.npy", field: "layers[1].k",
                                                value: "+infinity", head: 0, row: 4, column: 0, flatIndex: 16) }),
        RejectionCase(name: "negative infinity in v", mentions: "layer0.v.npy",
                      corrupt: { try poke($0, "layer0.v.npy", index: 0, value: -.infinity) },
                      check: { $0 == .nonFinite(path: $1 + "/layer0.v.npy", field: "layers[0].v",
                                                value: "-infinity", head: 0, row: 0, column: 0, flatIndex: 0) }),
        RejectionCase(name: "input.tokens larger than n", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["input"] = ["tokens": 6] } },
                      check: { $0 == .tokensOutOfRange(path: $1 + "/trace.json", tokens: 6, n: 5) }),
        RejectionCase(name: "input.tokens below 1", mentions: "trace.json",
                      corrupt: { try editManifest($0) { $0["input"] = ["tokens": 0] } },
                      check: { $0 == .tokensOutOfRange(path: $1 + "/trace.json", tokens: 0, n: 5) }),
        RejectionCase(name: "head count that does not divide", mentions: "layer0.k.npy",
                      corrupt: { dir in
                          try writeTensor(dir, "layer0.k.npy", heads: 3, rows: 5, dim: 4)
                          try writeTensor(dir, "layer0.v.npy", heads: 3, rows: 5, dim: 4)
                      },
                      check: { $0 == .headCountDoesNotDivide(path: $1 + "/layer0.k.npy", field: "layers[0].k",
                                                             queryHeads: 2, kvHeads: 3) }),
    ]
}

// MARK: - Breaking a fixture copy

private func remove(_ dir: URL, _ name: String) throws {
    try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
}

private func replace(_ dir: URL, _ name: String, with fixture: String) throws {
    try remove(dir, name)
    try FileManager.default.copyItem(at: Fixtures.npy(fixture), to: dir.appendingPathComponent(name))
}

func editManifest(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let url = dir.appendingPathComponent("trace.json")
    var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    edit(&manifest)
    try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted]).write(to: url)
}

private func editLayer(_ dir: URL, _ index: Int, _ edit: @escaping (inout [String: Any]) -> Void) throws {
    try editManifest(dir) { manifest in
        var layers = manifest["layers"] as! [[String: Any]]
        edit(&layers[index])
        manifest["layers"] = layers
    }
}

/// Overwrites `name` with a float32 array of the given shape (finite values).
private func writeTensor(_ dir: URL, _ name: String, heads: Int, rows: Int, dim: Int) throws {
    let storage = ContiguousArray((0 ..< heads * rows * dim).map { Float($0 % 7) * 0.25 - 0.5 })
    try NpyWriter.write(Tensor3(heads: heads, rows: rows, dim: dim, storage: storage), to: dir.appendingPathComponent(name))
}

/// Sets element `index` of array `name` to `value`.
private func poke(_ dir: URL, _ name: String, index: Int, value: Float) throws {
    let url = dir.appendingPathComponent(name)
    var tensor = try NpyReader.readTensor3(contentsOf: url)
    tensor.storage[index] = value
    try NpyWriter.write(tensor, to: url)
}

private func isShapeMismatch(_ error: TraceError, path: String, field: String) -> Bool {
    if case .shapeMismatch(path, field, _, _, _) = error { return true }
    return false
}
