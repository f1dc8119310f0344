import Foundation
import Testing
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

/// `elsa-sim trace inspect` and the `trace synth` options for realistic and long synthetic traces, run
/// in-process.
@Suite struct TraceInspectAndSynthTests {
    static var shippedTrace: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Traces/minilm-l6-gutenberg-n128").path
    }

    static func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let console = Console.capturing()
        let code = runMain(arguments, console: console)
        return (code, console.standardOutput, console.standardError)
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("elsa-sim-cli-\(UUID().uuidString)", isDirectory: true)
    }

    @Test func inspectsTheShippedTrace() throws {
        let result = Self.run(["trace", "inspect", Self.shippedTrace, "--json", "-", "--threads", "2"])
        #expect(result.code == 0, "\(result.err)")
        let json = try JSONValue.parse(Data(result.out.utf8))
        let top = try #require(json.objectValue)
        #expect(top["n"] == .int(128) && top["tokens"] == .int(128) && top["padding"] == .int(0))
        #expect(top["layers"] == .int(6) && top["heads"] == .int(12) && top["kv_heads"] == .int(12) && top["head_dim"] == .int(32))
        #expect(top["causal"] == .bool(false) && top["mass"]?.doubleValue == 0.9)
        #expect(top["dtype"] == .object(["manifest": .string("float32"), "arrays": .array([.string("<f4")])]))
        let perLayer = try #require(top["per_layer"].flatMap { if case .array(let a) = $0 { a } else { nil } })
        #expect(perLayer.count == 6)
        let heads = perLayer[0].objectValue?["heads"].flatMap { if case .array(let a) = $0 { a } else { nil } }
        #expect(heads?.count == 12)
        let out = top["overall"]?.objectValue?["out"]?.objectValue
        #expect(out?["consistent"] == .bool(true) && out?["mismatches"] == .int(0))
        // A probability mass can never need more keys than there are.
        let keys = try #require(top["overall"]?.objectValue?["keys_for_mass"]?.objectValue)
        #expect((keys["max"]?.doubleValue ?? 999) <= 128 && (keys["min"]?.doubleValue ?? 0) >= 1)
    }

    @Test func humanTableNamesEverything() {
        let result = Self.run(["trace", "inspect", Self.shippedTrace, "--summary", "--no-out-check"])
        #expect(result.code == 0)
        for text in ["n = 128", "head_dim = 32", "128 real, 0 padding", "float32 (trace.json); arrays stored as <f4",
                     "1/√32", "recorded in 6 of 6 layers; not checked", "layer5", "total"] {
            #expect(result.out.contains(text), "missing \(text)")
        }
        #expect(result.out.split(separator: "\n").count < 30) // --summary: no per-head rows
    }

    @Test func inspectOfHandBuiltTraces() throws {
        // One-hot attention: 1 key per query; uniform attention over 37 keys: ⌈0.9 · 37⌉ = 34.
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 37
        var q = Tensor3(heads: 2, rows: n, dim: n), k = Tensor3(heads: 2, rows: n, dim: n)
        for i in 0 ..< n {
            q[0, i, i] = 60  // head 0: q_i = 60 e_i, k_j = e_j
            k[0, i, i] = 1
            k[1, i, i] = 1   // head 1: q = 0, uniform
        }
        var layer = AttentionLayer(name: "hand", q: q, k: k, v: k)
        layer.out = exactAttentionOutput(layer: layer, scale: 1, causal: false, tokens: n)
        try TraceWriter.write(AttentionTrace(model: "hand", scale: 1, layers: [layer]), to: dir)
        let result = Self.run(["trace", "inspect", dir.path, "--json", "-"])
        #expect(result.code == 0, "\(result.err)")
        let json = try JSONValue.parse(Data(result.out.utf8))
        let layer0 = try #require(json.objectValue?["per_layer"].flatMap { if case .array(let a) = $0 { a[0] } else { nil } })
        let heads = try #require(layer0.objectValue?["heads"].flatMap { if case .array(let a) = $0 { a } else { nil } })
        func keys(_ head: Int, _ field: String) -> Double? {
            heads[head].objectValue?["keys_for_mass"]?.objectValue?[field]?.doubleValue
        }
        #expect(keys(0, "mean") == 1 && keys(0, "max") == 1 && keys(0, "median") == 1)
        #expect(keys(1, "mean") == 34 && keys(1, "max") == 34 && keys(1, "min") == 34)
        #expect(heads[1].objectValue?["key_norms"]?.objectValue?["cv"] == .int(0)) // unit keys
    }

    @Test func inconsistentOutIsReportedAndStrictFails() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 16, headDim: 4, seed: 3).generate()
        trace.layers[0].out![1, 5, 3] += 0.01
        try TraceWriter.write(trace, to: dir)
        let lenient = Self.run(["trace", "inspect", dir.path, "--summary"])
        #expect(lenient.code == 0 && lenient.out.contains("INCONSISTENT: 1 of 128 elements") && lenient.err.contains("disagrees"))
        #expect(Self.run(["trace", "inspect", dir.path, "--strict"]).code == 65)
        #expect(Self.run(["trace", "inspect", dir.path, "--strict", "--atol", "0.02"]).code == 0)
    }

    static let usageCases: [([String], Int32)] = [
        (["trace", "inspect"], 64),
        (["trace", "inspect", "/nonexistent/trace"], 66),
        (["trace", "inspect", "a", "b"], 64),
        (["trace", "inspect", "x", "--mass", "1.5"], 64),
        (["trace", "inspect", "x", "--atol", "-1"], 64),
        (["trace", "inspect", "--help"], 0),
        (["trace", "inspekt"], 64),
    ]

    @Test(arguments: Self.usageCases)
    func inspectUsage(arguments: [String], code: Int32) {
        #expect(Self.run(arguments).code == code)
    }

    static let synthShape = ["trace", "synth", "--layers", "2", "--heads", "4", "--n", "64", "--head-dim", "16", "--seed", "21"]

    @Test func synthHitsTheTargetAndRecordsIt() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = Self.run(Self.synthShape + ["--target-keys90", "0.3", "--no-out", "-o", dir.path])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.contains("target keys90 0.3: concentration"))
        let trace = try TraceReader.read(directory: dir)
        #expect(trace.layers.allSatisfy { $0.out == nil })
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("layer0.out.npy").path))
        #expect(trace.description?.contains("target_keys90=0.3") == true)
        let measured = TraceStatistics(trace: trace, checkOutput: false).overall.keysForMass.meanFraction
        #expect(abs(measured - 0.3) <= 0.03, "\(measured)")
        // The same as the library's generator with the solved concentration.
        let solution = try SyntheticConcentrationSolver(generator: SyntheticTraceGenerator(
            layers: 2, heads: 4, n: 64, headDim: 16, seed: 21)).solve(target: 0.3)
        var generator = SyntheticTraceGenerator(layers: 2, heads: 4, n: 64, headDim: 16, seed: 21,
                                                concentration: solution.concentration)
        generator.model = "synthetic"
        let expected = generator.generate(withOutput: false)
        #expect(trace.layers == expected.layers)
    }

    @Test(arguments: [
        ["--target-keys90", "0.3", "--concentration", "1"],
        ["--target-keys90", "0.3,0.2,0.1"],     // 3 targets for 2 layers
        ["--target-keys90", "1.5"],
        ["--target-keys90", "0.97"],            // flatter than uniform attention over 64 keys (0.906)
        ["--key-norm-spread", "0.01"],          // below the spread of Gaussian keys in d = 16
        ["--concentration", "-5"],
    ])
    func synthRejects(extra: [String]) {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = Self.run(Self.synthShape + extra + ["-o", dir.path])
        #expect(result.code == 64, "\(extra): \(result.err)")
        #expect(result.err.hasPrefix("elsa-sim: option '--"))
    }

    @Test func longSynthWithoutOut() throws {
        // n = 4096, 1 layer, 1 head, d = 8 (a second or so in debug, most of it writing and reading back).
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = Self.run(["trace", "synth", "--layers", "1", "--heads", "1", "--n", "4096", "--head-dim", "8",
                               "--seed", "5", "--no-out", "--concentration", "1", "-o", dir.path])
        #expect(result.code == 0, "\(result.err)")
        let trace = try TraceReader.read(directory: dir)
        #expect(trace.n == 4096 && trace.tokens == 4096 && trace.layers[0].out == nil)
        // Rows are drawn in order from per-head streams: the first 32 rows are those of an n = 32 trace.
        let short = SyntheticTraceGenerator(layers: 1, heads: 1, n: 32, headDim: 8, seed: 5, concentration: 1)
            .generate(withOutput: false)
        #expect(Array(trace.layers[0].k.storage.prefix(32 * 8)) == Array(short.layers[0].k.storage))
        #expect(Array(trace.layers[0].q.storage.prefix(32 * 8)) == Array(short.layers[0].q.storage))
    }
}
