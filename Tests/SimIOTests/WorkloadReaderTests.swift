import Foundation
import Testing
import SimIO
import Workload

/// `WorkloadReader`: every field's error names the file, the JSON path, what was found and what was
/// expected; defaults; limits; no crash or unbounded allocation on arbitrary JSON (`docs/workloads.md`).
@Suite struct WorkloadReaderTests {
    static let file = "w.json"

    /// A valid one-entry workload with `layer` merged into its layer object and `top` into the top level.
    static func document(layer: [String: JSONValue] = [:], top: [String: JSONValue] = [:]) -> JSONValue {
        var l: [String: JSONValue] = ["n": .int(64), "heads": .int(4), "head_dim": .int(16)]
        for (k, v) in layer { l[k] = v }
        var o: [String: JSONValue] = ["format": .string("elsa-workload/1"), "seed": .int(5), "layers": .array([.object(l)])]
        for (k, v) in top { o[k] = v }
        return .object(o)
    }

    static func error(_ root: JSONValue) -> WorkloadError? {
        do { _ = try WorkloadReader.decode(root, file: file); return nil } catch { return error }
    }

    @Test func defaultsAreFilledIn() throws {
        let w = try WorkloadReader.decode(Self.document(), file: Self.file)
        #expect(w.seed == 5 && w.model == "workload" && w.entries.count == 1)
        let e = w.entries[0]
        #expect(e.n == 64 && e.realTokens == 64 && e.heads == 4 && e.kvHeads == 4 && e.headDim == 16)
        #expect(!e.causal && e.repeatCount == 1 && e.concentration == nil && e.targetKeys90 == nil && e.topics == 8)
    }

    /// (field, value, expected path, a fragment of the expected message): one row per field and rule.
    static let layerCases: [(String, JSONValue, String, String)] = [
        ("n", .int(0), "layers[0].n", "expected an integer 1…16384"),
        ("n", .int(16_385), "layers[0].n", "found an integer 16385"),
        ("n", .string("64"), "layers[0].n", "found a string \"64\""),
        ("tokens", .int(65), "layers[0].tokens", "expected an integer 1…64"),
        ("heads", .int(0), "layers[0].heads", "expected an integer 1…1024"),
        ("kv_heads", .int(3), "layers[0].kv_heads", "expected a divisor of heads 4"),
        ("kv_heads", .int(8), "layers[0].kv_heads", "expected an integer 1…4"),
        ("head_dim", .double(16.5), "layers[0].head_dim", "found a number 16.5"),
        ("head_dim", .int(4097), "layers[0].head_dim", "expected an integer 1…4096"),
        ("causal", .int(1), "layers[0].causal", "expected true or false"),
        ("repeat", .int(0), "layers[0].repeat", "expected an integer 1…1024"),
        ("concentration", .int(-5), "layers[0].concentration", "expected a number -4…16"),
        ("concentration", .int(17), "layers[0].concentration", "found an integer 17"),
        ("target_keys90", .int(0), "layers[0].target_keys90", "expected a fraction in (0, 1]"),
        ("target_keys90", .double(1.5), "layers[0].target_keys90", "found a number 1.5"),
        ("key_norm_spread", .int(-1), "layers[0].key_norm_spread", "expected a coefficient of variation 0…100"),
        ("topics", .int(0), "layers[0].topics", "expected an integer 1…1024"),
        ("comment", .int(1), "layers[0].comment", "expected a string"),
        ("hedas", .int(4), "layers[0].hedas", "found an unknown field"),
    ]

    @Test(arguments: layerCases)
    func eachLayerFieldIsChecked(_ c: (String, JSONValue, String, String)) throws {
        let (field, value, path, fragment) = c
        let error = try #require(Self.error(Self.document(layer: [field: value])))
        let text = error.description
        #expect(text.hasPrefix("w.json: \(path): found "), "\(text)")
        #expect(text.contains(fragment), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func requiredLayerFieldsAreNamed() throws {
        for field in ["n", "heads", "head_dim"] {
            var l: [String: JSONValue] = ["n": .int(64), "heads": .int(4), "head_dim": .int(16)]
            l[field] = nil
            let root: JSONValue = .object(["format": .string("elsa-workload/1"), "seed": .int(1), "layers": .array([.object(l)])])
            let text = try #require(Self.error(root)).description
            #expect(text.hasPrefix("w.json: layers[0].\(field): found nothing; expected an integer"), "\(text)")
        }
    }

    @Test func topLevelFieldsAreChecked() throws {
        let cases: [(JSONValue, String)] = [
            (.array([]), "w.json: (top level): found an array; expected an object"),
            (Self.document(top: ["format": .string("elsa-workload/2")]),
             "w.json: format: found a string \"elsa-workload/2\"; expected \"elsa-workload/1\" (this simulator reads version 1)"),
            (Self.document(top: ["format": .string("elsa-trace/1")]), "w.json: format: found a string \"elsa-trace/1\"; expected \"elsa-workload/1\""),
            (Self.document(top: ["seed": .int(-1)]), "w.json: seed: found an integer -1; expected an integer seed 0…"),
            (Self.document(top: ["seed": .double(1.5)]), "w.json: seed: found a number 1.5; expected an integer seed"),
            (Self.document(top: ["seed": .null]), "w.json: seed: found null; expected an integer seed"),
            (Self.document(top: ["model": .int(3)]), "w.json: model: found an integer 3; expected a string"),
            (Self.document(top: ["layers": .array([])]), "w.json: layers: found an array; expected a non-empty array of layer objects"),
            (Self.document(top: ["layers": .array([.int(3)])]), "w.json: layers[0]: found an integer 3; expected an object"),
            (Self.document(top: ["sede": .int(3)]), "w.json: sede: found an unknown field; expected one of"),
        ]
        for (root, prefix) in cases {
            let text = try #require(Self.error(root)).description
            #expect(text.hasPrefix(prefix), "\(text)")
        }
        var noSeed = Self.document().objectValue!
        noSeed["seed"] = nil
        #expect(Self.error(.object(noSeed))?.description.hasPrefix("w.json: seed: found nothing; expected an integer seed") == true)
    }

    @Test func concentrationAndTargetAreExclusive() throws {
        let text = try #require(Self.error(Self.document(layer: ["concentration": .int(1), "target_keys90": .double(0.3)]))).description
        #expect(text.hasPrefix("w.json: layers[0].target_keys90: found both concentration and target_keys90"), "\(text)")
    }

    @Test func limitsBoundTheWork() throws {
        // One layer's q: 1024 heads × 16384 × 16 = 2^28 > 2^27 values.
        let big = try #require(Self.error(Self.document(layer: ["heads": .int(1024), "n": .int(16_384)])))
        #expect(big.description.hasPrefix("w.json: layers[0]: found heads × n × head_dim = 1024 × 16384 × 16 = 268435456"), "\(big)")
        // 2 entries of 600 layers: 1200 > 1024 after expansion, named at the entry that crosses the limit.
        let entry: JSONValue = .object(["n": .int(8), "heads": .int(1), "head_dim": .int(4), "repeat": .int(600)])
        let many = try #require(Self.error(Self.document(top: ["layers": .array([entry, entry])])))
        #expect(many.description.hasPrefix("w.json: layers[1].repeat: found 1200 layers in all"), "\(many)")
        let entries = try #require(Self.error(Self.document(top: ["layers": .array(Array(repeating: entry, count: 1025))])))
        #expect(entries.description.hasPrefix("w.json: layers: found 1025 entries"), "\(entries)")
    }

    @Test func unreadableAndNonJSONFiles() throws {
        let missing = "/nonexistent-\(UUID().uuidString).json"
        #expect(throws: WorkloadError.unreadable(file: missing, reason: "no such file", missing: true)) {
            try WorkloadReader.read(file: missing)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("workload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("bad.json").path
        try Data("{\"format\": ".utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try WorkloadReader.read(file: path); Issue.record("accepted a truncated file") } catch {
            #expect(error.description.hasPrefix("\(path): (document): found text that is not JSON"), "\(error)")
        }
        #expect(!WorkloadReader.isWorkload(file: path) && !WorkloadReader.isWorkload(file: directory.path))
    }

    /// Random JSON documents (and random mutations of a valid one) are either accepted within the limits
    /// or refused with a one-line message naming the file; never a crash.
    @Test func arbitraryJSONNeverCrashes() throws {
        var g = SeededGenerator(seed: 13)
        let values: [JSONValue] = [.null, .bool(true), .int(0), .int(-1), .int(1), .int(3), .int(64), .int(1 << 40),
                                   .int(Int64.max), .int(Int64.min), .double(0.5), .double(-0.0), .double(1e308),
                                   .string(""), .string("x"), .array([]), .object([:])]
        let keys = ["n", "tokens", "heads", "kv_heads", "head_dim", "causal", "repeat", "concentration", "target_keys90",
                    "key_norm_spread", "topics", "comment", "format", "seed", "layers", "model", "zzz"]
        for _ in 0 ..< 2000 {
            var layer: [String: JSONValue] = [:]
            for _ in 0 ..< Int(g.next() % 6) { layer[keys[Int(g.next() % UInt64(keys.count))]] = values[Int(g.next() % UInt64(values.count))] }
            if g.next() % 2 == 0 { layer["n"] = .int(Int64(g.next() % 40)); layer["heads"] = .int(Int64(g.next() % 9)); layer["head_dim"] = .int(Int64(g.next() % 9)) }
            var top: [String: JSONValue] = ["layers": .array([.object(layer)])]
            if g.next() % 4 != 0 { top["format"] = .string("elsa-workload/1") }
            if g.next() % 4 != 0 { top["seed"] = values[Int(g.next() % UInt64(values.count))] }
            if g.next() % 8 == 0 { top["layers"] = values[Int(g.next() % UInt64(values.count))] }
            do {
                let w = try WorkloadReader.decode(.object(top), file: Self.file)
                #expect(w.layerCount <= AttentionWorkload.Limits.layers)
                #expect(w.entries.allSatisfy { $0.heads * $0.n * $0.headDim <= AttentionWorkload.Limits.layerElements && $0.heads % $0.kvHeads == 0 })
            } catch {
                #expect(error.description.hasPrefix("w.json: ") && !error.description.contains("\n"))
            }
        }
    }

    @Test func identityFollowsContentNotLayout() throws {
        let a = try WorkloadReader.decode(Self.document(), file: Self.file)
        // The same workload written with its defaults spelled out, a comment and a description.
        let b = try WorkloadReader.decode(Self.document(layer: ["kv_heads": .int(4), "repeat": .int(1), "causal": .bool(false),
                                                                "tokens": .int(64), "topics": .int(8), "comment": .string("c")],
                                                        top: ["description": .string("d")]), file: Self.file)
        let reseeded = try WorkloadReader.decode(Self.document(top: ["seed": .int(6)]), file: Self.file)
        let longer = try WorkloadReader.decode(Self.document(layer: ["repeat": .int(2)]), file: Self.file)
        #expect(WorkloadReader.identity(a, file: "x/w.json") == WorkloadReader.identity(b, file: "y/w.json"))
        #expect(WorkloadReader.identity(a, file: "x/w.json").name == "w")
        // The id is FNV-1a 64 of the canonical JSON, 16 hex digits (docs/workloads.md), written out here.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in WorkloadReader.canonicalJSON(a).serialized().utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        #expect(WorkloadReader.identity(a, file: "w.json").id == String(repeating: "0", count: 16 - hex.count) + hex)
        for other in [reseeded, longer] {
            #expect(WorkloadReader.identity(a, file: "w.json").id != WorkloadReader.identity(other, file: "w.json").id)
        }
    }

    @Test func shippedWorkloadsParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bert = try WorkloadReader.read(file: root.appendingPathComponent("Configs/workloads/bert-large.json").path)
        #expect(bert.layerCount == 24 && bert.entries[0].heads == 16 && bert.entries[0].headDim == 64 && bert.entries[0].n == 512)
        let llama = try WorkloadReader.read(file: root.appendingPathComponent("Configs/workloads/llama2-70b.json").path)
        let e = llama.entries[0]
        #expect(llama.layerCount == 80 && e.heads == 64 && e.kvHeads == 8 && e.headDim == 128 && e.causal && e.n == 4096)
    }
}
