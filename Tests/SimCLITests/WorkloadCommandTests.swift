import Foundation
import Testing
import SimIO
@testable import SimCLI

/// `run`, `sweep`, `compare` and `quality` on workload files (`--workload`, `docs/workloads.md`), in-process.
@Suite struct WorkloadCommandTests {
    static let config = SweepTestSupport.paperConfig

    /// Writes `json` to a fresh file named `name` and returns its path.
    static func write(_ json: String, name: String = "w.json") -> String {
        let path = SweepTestSupport.temporaryDirectory("workload") + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }

    /// Two shapes: 2 layers of (n 24, 2 heads, d 16) then 1 layer of (n 32, 20 real tokens, causal,
    /// 4 query heads on 2 kv heads, d 16).
    static func mixed(seed: Int = 7) -> String {
        """
        {"format": "elsa-workload/1", "model": "mixed", "seed": \(seed),
         "layers": [{"n": 24, "heads": 2, "head_dim": 16, "repeat": 2, "comment": "first shape"},
                    {"n": 32, "tokens": 20, "heads": 4, "kv_heads": 2, "head_dim": 16, "causal": true, "concentration": 1}]}
        """
    }

    static func json(_ text: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(text.utf8)).objectValue)
    }

    /// The report without what legitimately differs between two runs of one input (host timing).
    static func results(_ report: [String: JSONValue]) -> [String: JSONValue] {
        var r = report
        r["host"] = nil
        return r
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case let .array(items)? = value { return items }
        return []
    }

    @Test func runIsDeterministicAndFollowsTheSeed() throws {
        let file = Self.write(Self.mixed())
        let one = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--json", "-", "--threads", "1"])
        let two = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--json", "-", "--threads", "2"])
        #expect(one.code == 0, "\(one.err)")
        let a = try Self.json(one.out), b = try Self.json(two.out)
        #expect(Self.results(a) == Self.results(b))
        let reseeded = SweepTestSupport.run(["run", "--config", Self.config, "--workload", Self.write(Self.mixed(seed: 8)), "--json", "-"])
        let c = try Self.json(reseeded.out)
        #expect(c["totals"] != a["totals"])
        #expect(c["provenance"]?.objectValue?["trace_hash"] != a["provenance"]?.objectValue?["trace_hash"])
        #expect(a["provenance"]?.objectValue?["trace_hash"]?.stringValue?.count == 16)
    }

    /// Layers of different shapes are reported each with its own heads and pairs, counted by hand:
    /// non-causal 24 tokens = 24² pairs per head; causal 20 real tokens = 20 · 21 / 2 = 210 per head.
    @Test func repeatAndMixedShapesAreReportedPerLayer() throws {
        let file = Self.write(Self.mixed())
        let result = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--json", "-", "--threads", "2"])
        #expect(result.code == 0, "\(result.err)")
        let report = try Self.json(result.out)
        let layers = Self.array(report["layers"])
        #expect(layers.map { $0.objectValue?["name"] } == [.string("layer0"), .string("layer1"), .string("layer2")])
        let pairs = layers.map { $0.objectValue?["total_pairs"]?.integerValue }
        #expect(pairs == [2 * 576, 2 * 576, 4 * 210])
        let heads = layers.map { Self.array($0.objectValue?["heads"]).map { $0.objectValue?["head"]?.integerValue } }
        #expect(heads == [[0, 1], [0, 1], [0, 1, 2, 3]])
        #expect(report["totals"]?.objectValue?["total_pairs"]?.integerValue == 2 * 2 * 576 + 4 * 210)
        // --layers 2 keeps the first entry only, and the same two layers.
        let cut = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--layers", "2", "--json", "-"])
        let cutLayers = Self.array(try Self.json(cut.out)["layers"])
        #expect(cutLayers.count == 2 && cutLayers[0] == layers[0] && cutLayers[1] == layers[1])
        // The CSV has one row per (layer, head): 2 + 2 + 4.
        let csv = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--csv", "-"])
        #expect(csv.out.split(separator: "\n").count == 1 + 8)
    }

    /// A workload runs exactly as the trace `trace synth` writes from the same parameters (`--no-out`):
    /// the same layers and totals, through the trace reader instead of the generator in memory.
    @Test(arguments: [
        (#"{"n": 40, "tokens": 33, "heads": 4, "kv_heads": 2, "head_dim": 16, "causal": true, "concentration": 1.5, "topics": 5, "repeat": 2}"#,
         ["--layers", "2", "--n", "40", "--tokens", "33", "--heads", "4", "--kv-heads", "2", "--head-dim", "16", "--causal",
          "--concentration", "1.5", "--topics", "5"]),
        (#"{"n": 48, "heads": 2, "head_dim": 8, "target_keys90": 0.3, "key_norm_spread": 0.4}"#,
         ["--layers", "1", "--n", "48", "--heads", "2", "--head-dim", "8", "--target-keys90", "0.3", "--key-norm-spread", "0.4"]),
    ])
    func runEqualsRunOnTheSynthesizedTrace(_ c: (layer: String, synth: [String])) throws {
        let file = Self.write(#"{"format": "elsa-workload/1", "seed": 21, "layers": ["# + c.layer + "]}")
        let directory = SweepTestSupport.temporaryDirectory("synth") + "/trace"
        let synth = SweepTestSupport.run(["trace", "synth", "--seed", "21", "--no-out", "-o", directory, "--threads", "2"] + c.synth)
        #expect(synth.code == 0, "\(synth.err)")
        // Three accelerators: heads drawn alone keep their accelerator (head mod 3) and layers their critical one.
        let fromTrace = SweepTestSupport.run(["run", "--config", Self.config, "--trace", directory, "--set", "accelerators=3", "--json", "-"])
        let fromWorkload = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--set", "accelerators=3", "--json", "-"])
        #expect(fromTrace.code == 0 && fromWorkload.code == 0, "\(fromTrace.err) \(fromWorkload.err)")
        let a = try Self.json(fromTrace.out), b = try Self.json(fromWorkload.out)
        #expect(!Self.array(a["layers"]).isEmpty)
        for key in ["layers", "totals", "thresholds", "bias", "throughput"] { #expect(a[key] == b[key], "\(key)") }
    }

    @Test func sweepTakesAWorkloadAsATrace() throws {
        let file = Self.write(#"{"format": "elsa-workload/1", "seed": 4, "layers": [{"n": 32, "heads": 2, "kv_heads": 1, "head_dim": 16, "repeat": 2}]}"#,
                              name: "small.json")
        let out = SweepTestSupport.temporaryDirectory("sweep") + "/s"
        let sweep = SweepTestSupport.run(["sweep", "--config", Self.config, "--workload", file, "--set", "attention_modules=1,2",
                                          "--out", out, "--quiet", "--threads", "2"])
        #expect(sweep.code == 0, "\(sweep.err)")
        let rows = SweepTestSupport.read(out + ".jsonl").split(separator: "\n").map { try? JSONValue.parse(Data($0.utf8)).objectValue }
        #expect(rows.count == 2)
        for (i, modules) in [1, 2].enumerated() {
            let row = try #require(rows[i] ?? nil)
            #expect(row["trace"] == .string("small") && row["n"] == .int(32) && row["head_dim"] == .int(16))
            #expect(row["layers"] == .int(2) && row["heads"] == .int(2) && row["kv_heads"] == .int(1))
            // The same point through `run`.
            let run = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--set", "attention_modules=\(modules)", "--json", "-"])
            let totals = try Self.json(run.out)["totals"]?.objectValue
            #expect(row["cycles"] == totals?["cycles"] && row["selected_pairs"] == totals?["selected_pairs"])
        }
        // Rerun: every row kept (the workload's id is stable).
        let again = SweepTestSupport.run(["sweep", "--config", Self.config, "--workload", file, "--set", "attention_modules=1,2", "--out", out])
        #expect(again.code == 0 && again.err.contains("simulated 0 of 2 points"), "\(again.err)")
        // A spec names workloads relative to itself.
        let spec = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("spec.json").path
        FileManager.default.createFile(atPath: spec, contents: Data(#"{"format": "elsa-sweep-spec/1", "workloads": ["small.json"], "axes": [{"field": "attention_modules", "values": [1, 2]}]}"#.utf8))
        let fromSpec = SweepTestSupport.run(["sweep", "--spec", spec, "--config", Self.config, "--out", out, "--quiet"])
        #expect(fromSpec.code == 0 && fromSpec.err.contains("simulated 0 of 2 points"), "\(fromSpec.err)")
    }

    /// Two workloads (seeds 4 and 5) swept on 1 and on 2 threads: byte-identical outputs.
    @Test func sweepOutputDoesNotDependOnThreads() throws {
        let a = Self.write(#"{"format": "elsa-workload/1", "seed": 4, "layers": [{"n": 24, "heads": 2, "head_dim": 16, "repeat": 2}]}"#, name: "a.json")
        let b = Self.write(#"{"format": "elsa-workload/1", "seed": 5, "layers": [{"n": 24, "heads": 2, "head_dim": 16, "repeat": 2}]}"#, name: "b.json")
        var outputs: [String] = []
        for threads in ["1", "2"] {
            let out = SweepTestSupport.temporaryDirectory("threads") + "/s"
            let sweep = SweepTestSupport.run(["sweep", "--config", Self.config, "--workload", a, "--workload", b,
                                              "--set", "attention_modules=1,2", "--out", out, "--quiet", "--threads", threads])
            #expect(sweep.code == 0, "\(sweep.err)")
            outputs.append(SweepTestSupport.read(out + ".jsonl"))
        }
        #expect(outputs[0] == outputs[1] && outputs[0].split(separator: "\n").count == 4)
        // Two seeds, two traces: their rows differ.
        let rows = outputs[0].split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8)).objectValue }
        #expect(rows.map { $0["trace"] } == [.string("a"), .string("a"), .string("b"), .string("b")])
        #expect(rows[0]["trace_hash"] != rows[2]["trace_hash"] && rows[0]["selected_pairs"] != rows[2]["selected_pairs"])
    }

    @Test func compareAndQualityTakeAWorkload() throws {
        let file = Self.write(#"{"format": "elsa-workload/1", "seed": 4, "layers": [{"n": 32, "heads": 2, "head_dim": 16}]}"#, name: "one.json")
        let compare = SweepTestSupport.run(["compare", "--config", Self.config, "--workload", file, "--json", "-"])
        #expect(compare.code == 0, "\(compare.err)")
        let run = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--json", "-"])
        let cycles = try #require(try Self.json(run.out)["totals"]?.objectValue?["cycles"])
        let traces = Self.array(try Self.json(compare.out)["traces"])
        #expect(traces.count == 1 && traces[0].objectValue?["name"] == .string("one"))
        let layer = Self.array(traces.first?.objectValue?["layers"]).first?.objectValue
        #expect(Self.array(layer?["variants"]).first?.objectValue?["cycles"] == cycles)
        let quality = SweepTestSupport.run(["quality", "--workload", file, "--p", "1", "--quiet"])
        #expect(quality.code == 0, "\(quality.err)")
    }

    /// A^3 draws the workload whole; its report names the workload by the same hash as ELSA's, and an
    /// A^3 sweep refuses, before any point runs, a workload too large to hold.
    @Test func a3TakesAWorkload() throws {
        let file = Self.write(#"{"format": "elsa-workload/1", "seed": 4, "layers": [{"n": 32, "heads": 2, "head_dim": 16, "repeat": 2}]}"#)
        let a3Config = SweepTestSupport.root.appendingPathComponent("Configs/a3-base.json").path
        let a3 = SweepTestSupport.run(["run", "--config", a3Config, "--workload", file, "--json", "-"])
        let elsa = SweepTestSupport.run(["run", "--config", Self.config, "--workload", file, "--json", "-"])
        #expect(a3.code == 0 && elsa.code == 0, "\(a3.err) \(elsa.err)")
        let hash = { (text: String) throws -> JSONValue? in try Self.json(text)["provenance"]?.objectValue?["trace_hash"] }
        #expect(try hash(a3.out) != nil && hash(a3.out) == hash(elsa.out))
        #expect(Self.array(try Self.json(a3.out)["layers"]).count == 2)
        let out = SweepTestSupport.temporaryDirectory("a3") + "/s"
        let sweep = SweepTestSupport.run(["sweep", "--config", a3Config, "--workload", file, "--set", "units=1,2", "--out", out, "--quiet"])
        #expect(sweep.code == 0, "\(sweep.err)")
        #expect(SweepTestSupport.read(out + ".csv").split(separator: "\n").count == 3)
        // 40 layers × (8 + 2 · 8) heads × 16384 × 1024 values > 2^29: refused by name, nothing drawn.
        let huge = Self.write(#"{"format": "elsa-workload/1", "seed": 1, "layers": [{"n": 16384, "heads": 8, "head_dim": 1024, "repeat": 40}]}"#)
        let refused = SweepTestSupport.run(["sweep", "--config", a3Config, "--workload", huge, "--set", "units=1,2", "--out", out + "-huge"])
        #expect(refused.code == 64 && refused.err.contains("at most 536870912 q, k, v values in memory here"), "\(refused.err)")
    }

    @Test func usageErrors() throws {
        let file = Self.write(Self.mixed())
        let cases: [([String], Int32, String)] = [
            (["run", "--config", Self.config, "--workload", file, "--trace", SweepTestSupport.tinyTrace], 64, "either --workload or --trace, not both"),
            (["run", "--config", Self.config, "--trace", file], 64, "is a workload file: use --workload"),
            (["run", "--config", Self.config, "--trace", SweepTestSupport.tinyTrace, "--layers", "1"], 64, "--workload FILE as well"),
            (["run", "--config", Self.config, "--workload", file, "--layers", "4"], 64, "at most the 3 layers of"),
            (["run", "--config", Self.config, "--workload", file, "--timeline", "t.json"], 64, "a timeline needs a trace"),
            (["run", "--config", Self.config, "--workload", "/nonexistent/w.json"], 66, "/nonexistent/w.json: no such file"),
            (["run", "--config", Self.config, "--workload", Self.write(#"{"format": "elsa-workload/1", "seed": 1, "layers": [{"n": 8}]}"#)], 65,
             "layers[0].heads: found nothing; expected an integer 1…1024"),
            (["sweep", "--config", Self.config, "--workload", file, "--set", "attention_modules=1,2", "--out", "/tmp/never"], 64,
             "layers of one shape in a sweep"),
            (["sweep", "--config", Self.config, "--trace", file, "--set", "attention_modules=1,2", "--out", "/tmp/never"], 64,
             "is a workload file: use --workload"),
            (["quality", "--workload", file], 64, "share one shape"),
            (["run", "--config", Self.config, "--workload", Self.write(#"{"format": "elsa-workload/1", "seed": 1, "layers": [{"n": 8, "heads": 1, "head_dim": 8, "target_keys90": 0.001}]}"#)],
             65, "layers[0].target_keys90: keys-for-90 % target 0.001 for layer 0 is out of reach"),
        ]
        for (arguments, code, fragment) in cases {
            let result = SweepTestSupport.run(arguments)
            #expect(result.code == code, "\(arguments): \(result.err)")
            #expect(result.err.contains(fragment), "\(arguments): \(result.err)")
            #expect(result.err.split(separator: "\n").count == 1, "\(result.err)")
        }
    }
}
