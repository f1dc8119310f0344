import Foundation
import Testing
import Workload
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim quality` and `run --no-quality` driven in-process.
@Suite struct QualityCommandTests {
    /// Writes a small synthetic trace (head dim 8: zero-padded to the default d = 64) and runs `body`.
    static func withTrace<T>(layers: Int = 2, seed: UInt64 = 1, _ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("elsa-sim-quality-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = SyntheticTraceGenerator(layers: layers, heads: 2, n: 12, headDim: 8, seed: seed).generate()
        try TraceWriter.write(trace, to: dir)
        return try body(dir.path)
    }

    static func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let console = Console.capturing()
        let code = runMain(arguments, console: console)
        return (code, console.standardOutput, console.standardError)
    }

    @Test func sweepWritesJSONWithEveryP() throws {
        try Self.withTrace { trace in
            let r = Self.run(["quality", "--trace", trace, "--p", "2,0.5,1", "--json", "-", "--threads", "2"])
            #expect(r.code == 0, "\(r.err)")
            let json = try JSONValue.parse(Data(r.out.utf8))
            guard case let .array(points)? = json.objectValue?["same_trace"] else { Issue.record("no points"); return }
            #expect(points.map { $0.objectValue?["p"]?.doubleValue } == [0.5, 1, 2])
            #expect(json.objectValue?["other_traces"] == .null)
        }
    }

    @Test func calibrationOnAnotherTraceAddsTheComparison() throws {
        try Self.withTrace { trace in
            try Self.withTrace(seed: 2) { other in
                let r = Self.run(["quality", "--trace", trace, "--calibrate-on", other, "--p", "1"])
                #expect(r.code == 0, "\(r.err)")
                #expect(r.out.contains("thresholds learned on \(other) vs on the trace itself"))
            }
            try Self.withTrace(layers: 1, seed: 3) { wrong in
                let r = Self.run(["quality", "--trace", trace, "--calibrate-on", wrong, "--p", "1"])
                #expect(r.code == 65 && r.err.contains(wrong))
            }
        }
    }

    @Test func thetaBiasFitReportsEachSource() throws {
        try Self.withTrace { trace in
            let r = Self.run(["quality", "--trace", trace, "--theta-bias-fit", "--pairs", "200", "--csv", "-"])
            #expect(r.code == 0, "\(r.err)")
            let lines = r.out.split(separator: "\n")
            #expect(lines.count == 4)   // header, gaussian d = 8, trace d = 8, gaussian d = 64
            #expect(lines[1].hasPrefix("gaussian,8,64,200,200,") && lines[2].hasPrefix("trace,8,64,576,576,")
                && lines[3].hasPrefix("gaussian,64,64,200,"))
        }
    }

    @Test(arguments: [
        ["--p", "1,-2"], ["--p", "x"], ["--theta-bias-fit", "--p", "1"], ["--pairs", "10"], ["--bogus"],
    ])
    func usageErrors(extra: [String]) throws {
        try Self.withTrace { trace in
            #expect(Self.run(["quality", "--trace", trace] + extra).code == 64)
        }
    }

    @Test func missingTraceAndHelp() {
        #expect(Self.run(["quality", "--trace", "/nonexistent/trace"]).code == 66)
        #expect(Self.run(["quality"]).code == 64)
        let help = Self.run(["quality", "--help"])
        #expect(help.code == 0 && help.out.contains("--theta-bias-fit"))
    }

    @Test func runWithAndWithoutQuality() throws {
        try Self.withTrace { trace in
            let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Configs/elsa-paper.json").path
            let with = Self.run(["run", "--config", config, "--trace", trace, "--csv", "-"])
            #expect(with.code == 0, "\(with.err)")
            let without = Self.run(["run", "--config", config, "--trace", trace, "--csv", "-", "--no-quality"])
            #expect(without.code == 0)
            let a = with.out.split(separator: "\n"), b = without.out.split(separator: "\n")
            #expect(a[0] == b[0])
            // The six quality columns end at empty_queries; energy columns may follow them.
            let header = a[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let last = try #require(header.firstIndex(of: "empty_queries"))
            let columns = (last - 5) ... last
            func cells(_ line: Substring) -> [String] {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return columns.map { fields[$0] }
            }
            #expect(b.dropFirst().allSatisfy { cells($0).allSatisfy(\.isEmpty) })
            #expect(a.dropFirst().allSatisfy { cells($0).allSatisfy { !$0.isEmpty } })
        }
    }
}
