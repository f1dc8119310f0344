import Testing
import Foundation
import Workload
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim run` on A^3 configs and `elsa-sim compare` (and its deprecated alias
/// `compare-accelerators`) on a small synthetic trace.
@Suite struct A3CommandTests {
    static let n = 32

    /// A 2-layer, 2-head synthetic trace (n = 32, d = 64) in a fresh directory.
    static func traceDirectory() throws -> URL {
        let dir = Repo.temporaryDirectory()
        let trace = SyntheticTraceGenerator(layers: 2, heads: 2, n: n, headDim: 64, seed: 21).generate()
        try TraceWriter.write(trace, to: dir.appendingPathComponent("trace"))
        return dir
    }

    static func json(_ path: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path))).objectValue)
    }

    /// Base A^3, per head: 3n + 27 for the first query, then n + 9 per query (docs/a3.md §2):
    /// 3·32 + 27 + 31·41 = 1394 cycles; 2 heads on one unit per layer, 2 layers: 5576.
    @Test func baseRunReportsThePipelineCycles() throws {
        let dir = try Self.traceDirectory()
        let json = dir.appendingPathComponent("r.json").path, csv = dir.appendingPathComponent("r.csv").path
        let r = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--trace", dir.appendingPathComponent("trace").path,
                        "--json", json, "--csv", csv, "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("A^3"))
        let root = try Self.json(json)
        let totals = try #require(root["totals"]?.objectValue)
        let n = Self.n
        #expect(totals["cycles"] == .int(Int64(4 * (3 * n + 27 + (n - 1) * (n + 9)))))
        #expect(totals["preprocessing_cycles"] == .int(0))
        #expect(totals["selected_fraction"]?.doubleValue == 1)
        let mass = try #require(totals["quality"]?.objectValue?["mass_kept_mean"]?.doubleValue)
        #expect(abs(mass - 1) < 1e-12)
        #expect(root["accelerator"] == .string("a3"))
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 4)
        // The common schema (docs/reports.md): ELSA's names, A^3's own fields under its namespace.
        #expect(lines[0].hasPrefix("layer,head,accelerator,cycles,preprocessing_cycles,execution_cycles,selected_pairs,total_pairs,selected_fraction,util_dot_product,util_exponent,util_output,"))
        #expect(lines[0].hasSuffix(",trace,config"))
        #expect(lines[0].contains(",a3_iterations,a3_candidate_pairs,"))
        #expect(root["units"]?.objectValue?["cycles"] != nil)
        let head = try #require(root["layers"]?.elements?.first?.objectValue?["heads"]?.elements?.first?.objectValue)
        #expect(head["cycles"] == .int(Int64(3 * n + 27 + (n - 1) * (n + 9))))
        #expect(head["accelerator"] == .int(0))
        #expect(head["a3"]?.objectValue?["iterations"] != nil)
    }

    /// Conservative A^3: per head the host sort costs ⌈0.024 · 64 · 32 · log2 32⌉ = ⌈245.76⌉ = 246
    /// cycles; total = preprocessing + execution; kept ≤ candidates ≤ visible.
    @Test func conservativeRunChargesTheHostSort() throws {
        let dir = try Self.traceDirectory()
        let json = dir.appendingPathComponent("r.json").path
        let r = CLIRun(["run", "--config", Repo.path("Configs/a3-conservative.json"), "--trace", dir.appendingPathComponent("trace").path,
                        "--json", json, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let root = try Self.json(json)
        let totals = try #require(root["totals"]?.objectValue)
        #expect(totals["preprocessing_cycles"] == .int(4 * 246))
        guard case let .int(cycles)? = totals["cycles"], case let .int(exec)? = totals["execution_cycles"],
              case let .int(kept)? = totals["selected_pairs"], case let .int(cand)? = root["a3"]?.objectValue?["candidate_pairs"],
              case let .int(pairs)? = totals["total_pairs"] else { Issue.record("missing totals"); return }
        #expect(cycles == exec + 4 * 246)
        #expect(kept <= cand && cand < pairs)
    }

    /// Results do not depend on the thread count.
    @Test func threadCountDoesNotChangeA3Results() throws {
        let dir = try Self.traceDirectory()
        var outputs: [String] = []
        for threads in ["1", "3"] {
            let path = dir.appendingPathComponent("t\(threads).json").path
            let r = CLIRun(["run", "--config", Repo.path("Configs/a3-aggressive.json"), "--trace", dir.appendingPathComponent("trace").path,
                            "--threads", threads, "--json", path, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            // Everything but the host section (wall time, threads) is equal.
            var root = try Self.json(path)
            root["host"] = nil
            outputs.append(JSONValue.object(root).pretty())
        }
        #expect(outputs[0] == outputs[1])
    }

    /// Config mistakes are data errors (65) naming the field; unknown fields suggest the nearest one.
    @Test(arguments: [
        (#""approximation": { "enabeld": true }"#, "approximation.enabeld: unknown field; did you mean 'approximation.enabled'?"),
        (#""approximation": { "threshold_percent": 0 }"#, "approximation.threshold_percent: 0.0 is out of range"),
        (#""units": 0"#, "units: 0 is out of range; expected 1…65536"),
        (#""head_dim": "wide""#, "head_dim: found a string \"wide\"; expected an integer"),
    ])
    func configErrorsNameTheField(fragment: String, message: String) throws {
        let dir = Repo.temporaryDirectory()
        let file = dir.appendingPathComponent("a3.json")
        try Data(#"{ "format": "a3-config/1", "accelerator": "a3", \#(fragment) }"#.utf8).write(to: file)
        let r = CLIRun(["run", "--config", file.path, "--trace", "unused", "--print-config"])
        #expect(r.status == 65)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    /// A config whose "accelerator" and "format" disagree is rejected naming the field; an unknown
    /// accelerator lists the registered ones; --set paths are checked too; a trace
    /// with more tokens than key_capacity is a data error naming key_capacity.
    @Test func acceleratorFieldAndOverridesAreChecked() throws {
        let dir = try Self.traceDirectory()
        let file = dir.appendingPathComponent("a3.json")
        try Data(#"{ "format": "a3-config/1", "accelerator": "elsa" }"#.utf8).write(to: file)
        let wrong = CLIRun(["run", "--config", file.path, "--print-config"])
        #expect(wrong.status == 65)
        #expect(wrong.stderr.contains("format: 'a3-config/1' is not valid; expected \"elsa-config/1\""), "\(wrong.stderr)")
        try Data(#"{ "format": "a3-config/1", "accelerator": "a4" }"#.utf8).write(to: file)
        let unknown = CLIRun(["run", "--config", file.path, "--print-config"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("accelerator: 'a4' is not valid; expected \"elsa\", \"a3\", \"ideal\""), "\(unknown.stderr)")
        let set = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--set", "unitz=2", "--print-config"])
        #expect(set.status == 65)
        #expect(set.stderr.contains("did you mean 'units'?"))
        let small = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--set", "key_capacity=16",
                            "--trace", dir.appendingPathComponent("trace").path])
        #expect(small.status == 65)
        #expect(small.stderr.contains("key_capacity: the trace has 32 tokens"))
        let engine = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--engine", "reference"])
        #expect(engine.status == 64)
    }

    /// `compare-accelerators` is a deprecated alias of `compare`: the same help, a one-line note on stderr.
    @Test func helpTextsExist() {
        let compare = CLIRun(["compare-accelerators", "--help"])
        #expect(compare.status == 0 && compare.stdout.contains("usage: elsa-sim compare"))
        #expect(compare.stderr.contains("compare-accelerators is deprecated") && compare.stderr.split(separator: "\n").count == 1)
        let a3 = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--help"])
        #expect(a3.status == 0 && a3.stdout.contains("A^3 (a3-config/1"))
    }

    /// ELSA-base and base A^3 side by side (through the deprecated alias, which runs `compare`): the
    /// first config is the baseline (speedup 1); the second's speedup is the first's cycles over its own
    /// (both at 1 GHz); A^3's cycles are the pipeline's 5576; base A^3 computes every visible pair.
    @Test func compareAcceleratorsPutsBothSideBySide() throws {
        let dir = try Self.traceDirectory()
        let json = dir.appendingPathComponent("c.json").path
        let r = CLIRun(["compare-accelerators", "--config", Repo.path("Configs/elsa-base.json"), "--config", Repo.path("Configs/a3-base.json"),
                        "--trace", dir.appendingPathComponent("trace").path, "--json", json, "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("elsa-base") && r.stdout.contains("a3-base"))
        let root = try Self.json(json)
        guard case let .array(traces)? = root["traces"], let trace = traces.first?.objectValue,
              case let .array(rows)? = trace["total"], rows.count == 2,
              let elsa = rows[0].objectValue, let a3 = rows[1].objectValue,
              case let .int(elsaCycles)? = elsa["cycles"], case let .int(a3Cycles)? = a3["cycles"],
              case let .array(variants)? = root["variants"], variants.count == 2 else {
            Issue.record("unexpected comparison JSON"); return
        }
        #expect(variants[0].objectValue?["accelerator"] == .string("elsa") && variants[1].objectValue?["accelerator"] == .string("a3"))
        #expect(elsa["speedup"]?.doubleValue == 1)
        let n = Int64(Self.n)
        #expect(a3Cycles == 4 * (3 * n + 27 + (n - 1) * (n + 9)))
        let speedup = try #require(a3["speedup"]?.doubleValue)
        #expect(abs(speedup - Double(elsaCycles) / Double(a3Cycles)) < 1e-12)
        #expect(a3["selected_pairs"] == a3["total_pairs"])
        let missing = CLIRun(["compare-accelerators", "--trace", "x"])
        #expect(missing.status == 64)
    }
}
