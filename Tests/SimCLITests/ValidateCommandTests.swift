import Testing
import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim validate`: the equivalence check, the single-case reproducer, the paper table, and its
/// usage errors.
@Suite struct ValidateCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func batchPrintsHowManyCasesPassed() {
        let console = Console.capturing()
        #expect(runMain(["validate", "--cases", "12", "--seed-start", "40", "--threads", "2"], console: console) == 0)
        #expect(console.standardOutput == "engine equivalence: 12 random cases passed (seeds 40…51, every HeadTiming field equal)\n")
    }

    @Test func tiledBatchPrintsHowManyCasesPassed() {
        let console = Console.capturing()
        #expect(runMain(["validate", "--tiled", "--cases", "8", "--seed-start", "300", "--threads", "2"], console: console) == 0)
        #expect(console.standardOutput == "engine equivalence: 8 random tiled cases passed (seeds 300…307, every HeadTiming field equal)\n")
    }

    /// `--steady-state`: long exact-mode cases, checked with and without the fast-forward; the count of
    /// cases where it fired is the library's own count over the same seeds.
    @Test func steadyStateBatchSaysHowOftenTheFastForwardFired() {
        let console = Console.capturing()
        #expect(runMain(["validate", "--steady-state", "--cases", "6", "--seed-start", "0", "--threads", "2"], console: console) == 0)
        let fired = (UInt64(0) ..< 6).filter { EngineEquivalence.checkSteadyState(seed: $0).skippedQueries > 0 }.count
        #expect(fired > 0)
        #expect(console.standardOutput
            == "engine equivalence: 6 random steady-state cases passed (seeds 0…5, every HeadTiming field equal; the fast-forward fired in \(fired))\n")
        #expect(runMain(["validate", "--steady-state", "--tiled"], console: Console.capturing()) != 0)
    }

    @Test func batchJSONCountsThePasses() throws {
        let console = Console.capturing()
        #expect(runMain(["validate", "--cases", "5", "--json", "-"], console: console) == 0)
        let json = try JSONValue.parse(Data(console.standardOutput.utf8)).objectValue
        #expect(json?["passed"] == .int(5))
        #expect(json?["mismatches"] == .array([]))
    }

    @Test func seedReproducesOneCase() {
        let console = Console.capturing()
        #expect(runMain(["validate", "--seed", "5"], console: console) == 0)
        let out = console.standardOutput
        #expect(out.hasPrefix("case 5: " + RandomTimingCase(seed: 5).summary + "\n"))
        #expect(out.hasSuffix("engines agree on every field\n"))
    }

    @Test func usageErrors() {
        for arguments in [["validate", "--seed", "1", "--seed-start", "2"], ["validate", "--cases", "0"],
                          ["validate", "--seed", "-3"], ["validate", "--case", "3"], ["validate", "extra"]] {
            let console = Console.capturing()
            #expect(runMain(arguments, console: console) == 64, "\(arguments)")
            #expect(console.standardError.hasPrefix("elsa-sim: "))
        }
        let console = Console.capturing()
        #expect(runMain(["validate", "--help"], console: console) == 0)
        #expect(console.standardOutput.contains("--paper-table"))
    }

    /// `--paper-table` prints the Markdown tables of docs/validation.md — the doc holds exactly this
    /// output, so its numbers are the code's — and `--json FILE` the same rows as JSON.
    @Test func paperTableIsTheDocsTable() throws {
        let jsonPath = FileManager.default.temporaryDirectory.appendingPathComponent("paper-table-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: jsonPath) }
        let console = Console.capturing()
        #expect(runMain(["validate", "--paper-table", "--json", jsonPath], console: console) == 0)
        let markdown = console.standardOutput
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/validation.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("**ELSA IV-D: preprocessing"))
        #expect(doc.contains(markdown), "docs/validation.md does not hold the current `elsa-sim validate --paper-table` output")
        let json = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: jsonPath))).objectValue
        guard case let .array(rows)? = json?["rows"] else { Issue.record("no rows"); return }
        #expect(rows.count == 65)
        #expect(rows.first?.objectValue?["section"] == .string("preprocessing"))
    }

    /// The paper table's settings are the shipped configs (docs/validation.md names them).
    @Test func paperTableUsesTheShippedConfigs() throws {
        func load(_ name: String) throws -> TimingParameters {
            TimingParameters(config: try ConfigLoader.load(file: Self.root.appendingPathComponent("Configs/\(name).json").path))
        }
        #expect(try load("elsa-paper") == TimingParameters(config: PaperComparison.paperConfig))
        #expect(try load("elsa-base") == TimingParameters(config: PaperComparison.baseConfig))
        #expect(try load("elsa-single") == TimingParameters(config: PaperComparison.singleConfig))
    }
}
