import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

@Suite struct RunCommandTests {
    @Test func unknownCommandAndOptionAreUsageErrors() {
        let bad = CLIRun(["frobnicate"])
        #expect(bad.status == 64)
        let option = CLIRun(["run", "--confg", "x.json"])
        #expect(option.status == 64)
        #expect(option.stderr.contains("did you mean '--config'"))
    }

    @Test(arguments: ["run", "calibrate", "trace", "config", "bench"])
    func everyCommandHasHelp(command: String) {
        let r = CLIRun([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("usage: elsa-sim \(command)"))
    }

    /// Two runs with different thread counts write byte-identical JSON apart from the host section.
    @Test func threadCountDoesNotChangeResults() throws {
        let dir = Repo.temporaryDirectory()
        var documents: [JSONValue] = []
        for threads in ["1", "3"] {
            let out = dir.appendingPathComponent("r\(threads).json").path
            let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                            "--threads", threads, "--json", out, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            guard case var .object(root) = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out))) else {
                Issue.record("not a JSON object"); return
            }
            #expect(root["host"] != nil)
            root["host"] = nil
            documents.append(.object(root))
        }
        #expect(documents[0].pretty() == documents[1].pretty())
    }

    /// The JSON has the issue's required shape, and its totals are the sums of its layers.
    @Test func jsonShapeAndTotals() throws {
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                        "--json", "-", "--threads", "2"])
        #expect(r.status == 0)
        guard case let .object(root) = try JSONValue.parse(Data(r.stdout.utf8)),
              case let .object(totals)? = root["totals"], case let .array(layers)? = root["layers"] else {
            Issue.record("missing totals or layers"); return
        }
        #expect(root["thresholds"] == .string("calibrated-on-trace"))
        var cycles: Int64 = 0, selected: Int64 = 0
        for case let .object(layer) in layers {
            if case let .int(c)? = layer["cycles"] { cycles += c }
            guard case let .array(heads)? = layer["heads"] else { continue }
            for case let .object(head) in heads {
                if case let .int(s)? = head["selected_pairs"] { selected += s }
                for key in ["head", "cycles", "preprocessing_cycles", "execution_cycles", "total_pairs", "threshold",
                            "utilization", "stall_cycles"] { #expect(head[key] != nil, "head lacks \(key)") }
            }
        }
        #expect(totals["cycles"] == .int(cycles))
        #expect(totals["selected_pairs"] == .int(selected))
        // Every real token is a query and a key: 6 layers × 12 heads × 128².
        #expect(totals["total_pairs"] == .int(6 * 12 * 128 * 128))
    }

    /// Every CSV row ends with the provenance the JSON reports, then the trace and config names (issue 13:
    /// a name column for the trace and config in every CSV).
    @Test func csvRowsCarryProvenance() throws {
        let dir = Repo.temporaryDirectory()
        let json = dir.appendingPathComponent("r.json").path, csv = dir.appendingPathComponent("r.csv").path
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-base.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                        "--json", json, "--csv", csv, "--quiet", "--no-quality"])
        #expect(r.status == 0, "\(r.stderr)")
        guard case let .object(root) = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: json))),
              case let .object(p)? = root["provenance"], case let .string(configHash)? = p["config_hash"],
              case let .string(traceHash)? = p["trace_hash"] else { Issue.record("no provenance in the JSON"); return }
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines[0].hasSuffix(",simulator,config_hash,trace_hash,engine,trace,config"))
        #expect(lines.count == 1 + 6 * 12)
        let names = "," + Repo.path("Traces/minilm-l6-gutenberg-n128") + ",elsa-base"
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",\(configHash),\(traceHash),event" + names) })
    }

    @Test func missingTraceIsAnInputErrorNamingThePath() {
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", "/nonexistent/trace"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("/nonexistent/trace"))
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func traceLongerThanKeyMemoryNamesTheField() {
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                        "--set", "key_memory_capacity=100"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("key_memory_capacity"))
        #expect(r.stderr.contains("long_sequences"))
        #expect(r.stderr.contains("128"))
    }

    @Test func headDimLargerThanConfigIsRejected() {
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                        "--set", "head_dim=16", "--set", "hash.bits=16", "--set", "hash.kronecker_factors=[4,4]"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("32") && r.stderr.contains("16"))
    }

    @Test func printConfigShowsOverridesAndDefaults() throws {
        let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--set", "selector.queue_depth=9", "--print-config"])
        #expect(r.status == 0)
        let config = try ConfigLoader.decode(try JSONValue.parse(Data(r.stdout.utf8)))
        #expect(config.selector.queueDepth == 9)
        #expect(config.attentionModules == 4)
    }
}
