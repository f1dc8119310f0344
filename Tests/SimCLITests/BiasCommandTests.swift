import Foundation
import Testing
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

/// The bias from the command line: `trace synth --bias relative`, `trace inspect` on a biased trace, and
/// `run` naming the bias policy in the table header, the JSON and the CSV.
@Suite struct BiasCommandTests {
    static func synth(_ dir: URL, bias: Bool) -> CLIRun {
        CLIRun(["trace", "synth", "--layers", "2", "--heads", "2", "--n", "48", "--tokens", "44", "--head-dim", "64",
                "--seed", "5", "--threads", "2", "-o", dir.path] + (bias ? ["--bias", "relative", "--bias-strength", "2"] : []))
    }

    @Test func synthWritesOneSharedBiasAndOutIncludesIt() throws {
        let dir = Repo.temporaryDirectory().appendingPathComponent("t")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let synth = Self.synth(dir, bias: true)
        #expect(synth.status == 0, "\(synth.stderr)")
        let trace = try TraceReader.read(path: dir.path)
        #expect(trace.layers.allSatisfy { $0.bias == RelativePositionBias(strength: 2, seed: 5).tensor(heads: 2, n: 48) })
        let out = try #require(trace.layers[1].out)
        let exact = exactAttentionOutput(layer: 1, trace: trace)
        #expect(zip(out.storage, exact.storage).allSatisfy { $0 == $1 })
        let inspect = CLIRun(["trace", "inspect", dir.path, "--summary", "--threads", "2"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("scores  q·kᵀ·scale + bias"))
        #expect(inspect.stdout.contains("consistent with softmax(q·kᵀ·scale + bias)·v"))
        let json = CLIRun(["trace", "inspect", dir.path, "--json", "-"])
        let bias = try #require(JSONValue.parse(Data(json.stdout.utf8)).objectValue?["bias"]?.objectValue)
        let expected = try #require(BiasStatistics.measure(trace: trace))
        #expect(bias["spread_share"]?.doubleValue == expected.overall.spreadShare)
        #expect(bias["top_key_changed"] == .int(Int64(expected.overall.topKeyChanged)))
        #expect(expected.overall.queries == 2 * 2 * 44 && expected.overall.spreadShare > 0)
    }

    @Test func runNamesThePolicyWhenItMatters() throws {
        let parent = Repo.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let biased = parent.appendingPathComponent("b"), plain = parent.appendingPathComponent("p")
        #expect(Self.synth(biased, bias: true).status == 0 && Self.synth(plain, bias: false).status == 0)
        func run(_ trace: URL, _ policy: String?) throws -> (table: String, json: [String: JSONValue], csv: [String]) {
            let json = parent.appendingPathComponent("r.json").path, csv = parent.appendingPathComponent("r.csv").path
            let r = CLIRun(["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", trace.path, "--json", json,
                            "--csv", csv, "--threads", "2"] + (policy.map { ["--set", "approximation.bias=\($0)"] } ?? []))
            #expect(r.status == 0, "\(r.stderr)")
            return (r.stdout, try #require(JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: json))).objectValue),
                    try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init))
        }
        let ignore = try run(biased, nil)
        #expect(ignore.table.hasPrefix("elsa-sim run — config elsa-paper, trace \(biased.path), thresholds calibrated-on-trace, clock 1 GHz, bias ignore ("))
        #expect(ignore.json["bias"] == .object(["policy": .string("ignore"), "trace_has_bias": .bool(true)]))
        let header = ignore.csv[0].split(separator: ",").map(String.init)
        let column = try #require(header.firstIndex(of: "bias_policy"))
        #expect(ignore.csv.dropFirst().allSatisfy { $0.split(separator: ",").map(String.init)[column] == "ignore" })

        let lookup = try run(biased, "lookup")
        #expect(lookup.table.contains(", bias lookup (selectors add the bias"))
        #expect(lookup.json["bias"] == .object(["policy": .string("lookup"), "trace_has_bias": .bool(true)]))

        // No bias, default policy: no bias policy in the table or CSV (θ_bias of the assumptions line is
        // another quantity); the JSON says so.
        let none = try run(plain, nil)
        #expect(!none.table.contains(", bias ") && !none.table.contains("attention uses the biased score")
                && !none.csv[0].contains("bias_policy"))
        #expect(none.json["bias"] == .object(["policy": .string("ignore"), "trace_has_bias": .bool(false)]))
    }

    @Test func synthRejectsAnUnknownBiasKind() {
        let r = CLIRun(["trace", "synth", "--layers", "1", "--heads", "1", "--n", "4", "--head-dim", "4", "--seed", "1",
                        "-o", "/tmp/never", "--bias", "alibi"])
        #expect(r.status == 64 && r.stderr.contains("--bias") && r.stderr.contains("relative"))
        let strength = CLIRun(["trace", "synth", "--layers", "1", "--heads", "1", "--n", "4", "--head-dim", "4", "--seed", "1",
                               "-o", "/tmp/never", "--bias-strength", "2"])
        #expect(strength.status == 64)
    }
}
