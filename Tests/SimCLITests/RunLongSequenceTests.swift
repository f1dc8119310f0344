import Testing
import Foundation
@testable import SimCLI
@testable import SimIO
@testable import SimCharts
@testable import SimReports
@testable import SimStudies

// `run` on a trace longer than the key memory (docs/model.md §9): the shipped n = 128 trace with a
// 100-key memory runs in two key tiles of 100 and 28 keys; non-causal, so all 128 queries run in both.
@Suite struct RunLongSequenceTests {
    static let base = ["run", "--config", Repo.path("Configs/elsa-paper.json"), "--trace", Repo.path("Traces/minilm-l6-gutenberg-n128"),
                       "--set", "key_memory_capacity=100", "--set", "long_sequences=tile"]

    @Test func tiledRunReportsTilesAndTheSink() throws {
        let r = CLIRun(Self.base + ["--json", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONValue.parse(Data(r.stdout.utf8))
        guard case let .array(layers)? = json.objectValue?["layers"], let layer = layers.first?.objectValue else {
            Issue.record("no layers")
            return
        }
        let tiling = try #require(layer["tiling"]?.objectValue)
        #expect(tiling["tiles"] == .int(2) && tiling["preprocessing"] == .string("serial"))
        // 12 heads × 2 tiles × 128 queries.
        #expect(tiling["query_passes"] == .int(12 * 2 * 128))
        guard case let .array(heads)? = layer["heads"], let head = heads.first?.objectValue,
              let headTiling = head["tiling"]?.objectValue else {
            Issue.record("no head tiling")
            return
        }
        #expect(headTiling["keys_per_tile"] == .array([.int(100), .int(28)]))
        #expect(headTiling["queries_per_tile"] == .array([.int(128), .int(128)]))
        let sink = try #require(layer["sink_mass"]?.doubleValue)
        let kept = try #require(layer["sink_selected_fraction"]?.doubleValue)
        #expect(sink > 0 && sink < 1 && kept >= 0 && kept <= 1)
        #expect(layer["modules"]?.objectValue?["conserved"] == .bool(true))
    }

    @Test func timelineOfATiledRunIsRefused() {
        let out = Repo.temporaryDirectory().appendingPathComponent("t.json").path
        let r = CLIRun(Self.base + ["--timeline", out, "--timeline-head", "0:0"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("key_memory_capacity") && r.stderr.contains("2 key tiles"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
