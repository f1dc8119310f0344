import Testing
import Foundation
import SimIO
import SimStudies
import Workload
@testable import SimCLI

/// Issue 13 part 5: one `config_hash` and one `trace_hash` in every output, a JSON Lines file of data
/// rows only (its header beside it), and the effective config written beside every output
/// (`docs/reports.md`, "Identities" and "The effective config beside every output").
@Suite struct OutputIdentityTests {
    /// FNV-1a 64 written out here: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The documented canonical trace bytes: the header JSON (sorted keys, compact), a newline, then
    /// q, k, v (and out when present) of every layer as little-endian float32.
    static func traceHash(_ trace: AttentionTrace) -> String {
        func shape(_ t: Tensor3) -> String { "[\(t.heads),\(t.rows),\(t.dim)]" }
        let layers = trace.layers.map { l -> String in
            let out = l.out.map { ",\"out\":" + shape($0) } ?? ""
            let bias = l.bias.map { ",\"bias\":" + shape($0) } ?? ""
            return "{" + bias.dropFirst() + (bias.isEmpty ? "" : ",") + "\"k\":\(shape(l.k)),\"name\":\"\(l.name)\"" + out
                + ",\"q\":\(shape(l.q)),\"v\":\(shape(l.v))}"
        }
        let header = "{\"causal\":\(trace.causal),\"format\":\"elsa-trace/1\",\"layers\":[\(layers.joined(separator: ","))],"
            + "\"model\":\"\(trace.model)\",\"scale\":\(JSONValue.format(trace.scale)),\"tokens\":\(trace.tokens)}\n"
        // FNV-1a 64 steps: a byte of the header each, then a tensor's float32 bit patterns two per step
        // (first value in the low 32 bits; an odd last one alone).
        var steps = header.utf8.map { UInt64($0) }
        for l in trace.layers {
            for t in [l.q, l.k, l.v] + [l.out, l.bias].compactMap({ $0 }) {
                let bits = t.storage.map { UInt64($0.bitPattern) }
                for i in stride(from: 0, to: bits.count, by: 2) { steps.append(i + 1 < bits.count ? bits[i] | bits[i + 1] << 32 : bits[i]) }
            }
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for w in steps { h = (h ^ w) &* 0x0000_0100_0000_01b3 }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func cells(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { row in Dictionary(zip(lines[0], row), uniquingKeysWith: { a, _ in a }) }
    }

    /// run's JSON and CSV and a one-point sweep of the same config and trace give the same config_hash
    /// and trace_hash, equal to FNV-1a 64 of the documented canonical bytes computed here.
    @Test func runAndSweepShareConfigAndTraceHash() throws {
        let dir = SweepTestSupport.temporaryDirectory("identity")
        let config = SweepTestSupport.paperConfig, trace = SweepTestSupport.shippedSlice
        let run = SweepTestSupport.run(["run", "--config", config, "--trace", trace, "--json", dir + "/r.json", "--csv", dir + "/r.csv", "--quiet"])
        #expect(run.code == 0, "\(run.err)")
        let sweep = SweepTestSupport.run(["sweep", "--config", config, "--trace", trace, "--set", "approximation.p=1", "--out", dir + "/s", "--quiet"])
        #expect(sweep.code == 0, "\(sweep.err)")

        // Independent values: the effective config (run --print-config) in canonical form, and the trace.
        let printed = SweepTestSupport.run(["run", "--config", config, "--print-config"])
        let canonical = try JSONValue.parse(Data(printed.out.utf8)).serialized()
        #expect(!canonical.contains("matrix_file\":\"") && !canonical.contains("thresholds_file\":\""))  // no file to replace
        let expectedConfig = Self.fnv1a64(Array(canonical.utf8))
        let expectedTrace = Self.traceHash(try TraceReader.read(path: trace))

        let json = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/r.json").utf8))
        #expect(json.value(atDottedPath: "provenance.config_hash")?.stringValue == expectedConfig)
        #expect(json.value(atDottedPath: "provenance.trace_hash")?.stringValue == expectedTrace)
        let runRows = Self.cells(SweepTestSupport.read(dir + "/r.csv"))
        #expect(!runRows.isEmpty && runRows.allSatisfy { $0["config_hash"] == expectedConfig && $0["trace_hash"] == expectedTrace })
        let sweepRows = Self.cells(SweepTestSupport.read(dir + "/s.csv"))
        #expect(sweepRows.count == 1 && sweepRows[0]["config_hash"] == expectedConfig && sweepRows[0]["trace_hash"] == expectedTrace)
        let row = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/s.jsonl").utf8))
        #expect(row.objectValue?["config_hash"]?.stringValue == expectedConfig && row.objectValue?["trace_hash"]?.stringValue == expectedTrace)
        #expect(row.objectValue?["trace_id"] == nil)
        let header = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/s.header.json").utf8))
        #expect(header.value(atDottedPath: "traces")?.serialized().contains("\"trace_hash\":\"\(expectedTrace)\"") == true)

        // compare: the same names and values in its CSV and JSON.
        let compare = SweepTestSupport.run(["compare", "--config", config, "--trace", trace, "--csv", dir + "/c.csv", "--json", dir + "/c.json", "--quiet"])
        #expect(compare.code == 0, "\(compare.err)")
        let compareRows = Self.cells(SweepTestSupport.read(dir + "/c.csv"))
        #expect(!compareRows.isEmpty && compareRows.allSatisfy { $0["config_hash"] == expectedConfig && $0["trace_hash"] == expectedTrace })
        let compareJSON = SweepTestSupport.read(dir + "/c.json")
        #expect(!compareJSON.contains("config_content_hash") && !compareJSON.contains("\"id\""))
        #expect(compareJSON.contains("\"trace_hash\" : \"\(expectedTrace)\"") || compareJSON.contains("\"trace_hash\": \"\(expectedTrace)\""))
    }

    /// Relative file paths in the written config become absolute (against the working directory), so
    /// `--config OUT.config.json` finds the files from any directory; absolute ones stay; the hash does not move.
    @Test func writtenConfigPathsAreAbsolute() {
        let config: JSONValue = .object(["hash": .object(["matrix_file": .string("m/p.npy"), "bits": .int(16)]),
                                         "approximation": .object(["thresholds_file": .string("/abs/t.json")])])
        let out = EffectiveConfigOutput.portable(config, directory: "/work/x")
        #expect(out.value(atDottedPath: "hash.matrix_file")?.stringValue == "/work/x/m/p.npy")
        #expect(out.value(atDottedPath: "hash.bits") == .int(16))
        #expect(out.value(atDottedPath: "approximation.thresholds_file")?.stringValue == "/abs/t.json")
        #expect(EffectiveConfigOutput.path(beside: "r/a.json") == "r/a.config.json")
        #expect(EffectiveConfigOutput.path(beside: "a.svg", variant: 2) == "a.config-2.json")
        #expect(EffectiveConfigOutput.path(beside: "out") == "out.config.json" && EffectiveConfigOutput.path(beside: "-") == nil)
    }

    /// sensitivity's JSON names its baseline config and trace by the same two identities.
    @Test func sensitivityCarriesTheIdentities() throws {
        let dir = SweepTestSupport.temporaryDirectory("sensitivity")
        let config = SweepTestSupport.paperConfig, trace = SweepTestSupport.shippedSlice
        let r = SweepTestSupport.run(["sensitivity", "--config", config, "--trace", trace, "--json", dir + "/s.json", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let printed = SweepTestSupport.run(["run", "--config", config, "--print-config"])
        let expectedConfig = Self.fnv1a64(Array(try JSONValue.parse(Data(printed.out.utf8)).serialized().utf8))
        let json = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/s.json").utf8))
        #expect(json.objectValue?["config_hash"]?.stringValue == expectedConfig)
        #expect(json.objectValue?["trace_hash"]?.stringValue == Self.traceHash(try TraceReader.read(path: trace)))
        #expect(SweepTestSupport.read(dir + "/s.config.json") == printed.out)
    }

    /// Every line of a sweep's .jsonl is a data row with the same keys (pandas.read_json(lines=True)
    /// reads rows only); the header is OUT.header.json; resuming and merging still work.
    @Test func jsonlHoldsOnlyRowsAndHeaderIsBesideIt() throws {
        let dir = SweepTestSupport.temporaryDirectory("rows")
        let args = ["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                    "--set", "approximation.p=1,2,4", "--quiet"]
        let first = SweepTestSupport.run(args + ["--out", dir + "/g"])
        #expect(first.code == 0, "\(first.err)")
        let lines = SweepTestSupport.read(dir + "/g.jsonl").split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        var keySets: Set<[String]> = []
        for (i, line) in lines.enumerated() {
            let o = try #require(try JSONValue.parse(Data(line.utf8)).objectValue)
            #expect(o["index"]?.integerValue == i && o["format"] == nil)
            keySets.insert(o.keys.sorted())
        }
        #expect(keySets.count == 1)
        let header = try JSONValue.parse(Data(SweepTestSupport.read(dir + "/g.header.json").utf8))
        #expect(header.objectValue?["format"]?.stringValue == "elsa-sweep/1" && header.objectValue?["points"]?.integerValue == 3)
        // Resume: nothing to do, same bytes.
        let again = SweepTestSupport.run(args + ["--out", dir + "/g"])
        #expect(again.code == 0 && again.err.contains("simulated 0 of 3 points"))
        #expect(SweepTestSupport.read(dir + "/g.jsonl") == lines.map { $0 + "\n" }.joined())
        // Shards merge to the same rows and header.
        for k in 0 ..< 2 {
            let shard = SweepTestSupport.run(args + ["--shard", "\(k)/2", "--out", dir + "/g.shard\(k)"])
            #expect(shard.code == 0, "\(shard.err)")
        }
        let merge = SweepTestSupport.run(["sweep", "merge", dir + "/m", dir + "/g.shard0.jsonl", dir + "/g.shard0.header.json",
                                          dir + "/g.shard1.csv", dir + "/g.shard1.config.json"])
        #expect(merge.code == 0, "\(merge.err)")
        #expect(SweepTestSupport.read(dir + "/m.jsonl") == SweepTestSupport.read(dir + "/g.jsonl"))
        #expect(SweepTestSupport.read(dir + "/m.header.json") == SweepTestSupport.read(dir + "/g.header.json"))
    }

    /// `OUT.config.json` beside run's outputs is the effective config (run --print-config) and running
    /// it again with --config gives the same report, bit for bit (host timing aside).
    @Test func effectiveConfigBesideOutputsReproducesTheRun() throws {
        let dir = SweepTestSupport.temporaryDirectory("effective")
        let trace = SweepTestSupport.shippedSlice
        // A --set the file lacks, so the written config differs from the file but not from what ran.
        let first = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", trace, "--set", "approximation.p=2",
                                          "--json", dir + "/a.json", "--csv", dir + "/a.csv", "--quiet"])
        #expect(first.code == 0, "\(first.err)")
        let written = SweepTestSupport.read(dir + "/a.config.json")
        let printed = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--set", "approximation.p=2", "--print-config"])
        #expect(!written.isEmpty && written == printed.out)
        let second = SweepTestSupport.run(["run", "--config", dir + "/a.config.json", "--trace", trace, "--json", dir + "/b.json",
                                           "--csv", dir + "/b.csv", "--quiet"])
        #expect(second.code == 0, "\(second.err)")
        func withoutHost(_ path: String) throws -> String {
            guard case var .object(o) = try JSONValue.parse(Data(SweepTestSupport.read(path).utf8)) else { return "" }
            o["host"] = nil
            return JSONValue.object(o).pretty()
        }
        #expect(try withoutHost(dir + "/a.json") == withoutHost(dir + "/b.json"))
        #expect(SweepTestSupport.read(dir + "/a.csv") == SweepTestSupport.read(dir + "/b.csv"))
        #expect(SweepTestSupport.read(dir + "/b.config.json") == written)

        // compare (two variants: one file per variant), sweep and quality write theirs too.
        let compare = SweepTestSupport.run(["compare", "--config", SweepTestSupport.paperConfig, "--trace", trace,
                                            "--set", "approximation.p=1,2", "--csv", dir + "/c.csv", "--quiet"])
        #expect(compare.code == 0, "\(compare.err)")
        #expect(SweepTestSupport.read(dir + "/c.config-2.json") == written)
        #expect(FileManager.default.fileExists(atPath: dir + "/c.config-1.json"))
        let sweep = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", trace,
                                          "--set", "approximation.p=2", "--out", dir + "/s", "--quiet"])
        #expect(sweep.code == 0 && SweepTestSupport.read(dir + "/s.config.json") == written)
        let quality = SweepTestSupport.run(["quality", "--config", SweepTestSupport.paperConfig, "--trace", trace, "--set", "approximation.p=2",
                                            "--p", "1", "--json", dir + "/q.json", "--quiet"])
        #expect(quality.code == 0, "\(quality.err)")
        #expect(SweepTestSupport.read(dir + "/q.config.json") == written)
    }
}
