import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `numerics.mode: elsa` in the reports of `run`, `sweep` and `compare` (`docs/numerics.md` §8), on one
/// real head of the shipped trace.
@Suite struct NumericsReportTests {
    static func runJSON(_ extra: [String]) throws -> JSONValue {
        let out = Repo.temporaryDirectory().appendingPathComponent("r.json").path
        let r = CLIRun(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                        "--json", out, "--quiet"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out)))
    }

    static func path(_ v: JSONValue, _ p: String) -> JSONValue? { SweepRow.lookup(v, p) }

    @Test func runCarriesNumericsBesideTheFloatModel() throws {
        let float = try Self.runJSON([])
        let elsa = try Self.runJSON(["--set", "numerics.mode=elsa"])
        #expect(Self.path(float, "totals.numerics") == nil)
        let totals = try #require(Self.path(elsa, "totals.numerics")?.objectValue)
        // The float model's numbers beside the hardware's are those of a float run.
        #expect(totals["float_output_error"] == Self.path(float, "totals.quality.output_error"))
        #expect(totals["float_mass_kept_mean"] == Self.path(float, "totals.quality.mass_kept_mean"))
        #expect(totals["nonfinite_outputs"] == .int(0))
        // The hardware's selection drives the report: its selected pairs are the run's.
        let selected = try #require(Self.path(elsa, "totals.selected_pairs")?.doubleValue)
        let total = try #require(Self.path(elsa, "totals.total_pairs")?.doubleValue)
        #expect(totals["selected_fraction"]?.doubleValue == selected / total)
        let changes = try #require(totals["selection_changes"]?.doubleValue)
        let gained = try #require(totals["selection_gained"]?.doubleValue), lost = try #require(totals["selection_lost"]?.doubleValue)
        #expect(changes == gained + lost)
        // Σ selected(hardware) − Σ selected(float) = gained − lost.
        let floatSelected = try #require(Self.path(float, "totals.selected_pairs")?.doubleValue)
        #expect(selected - floatSelected == gained - lost)
        #expect(Self.path(elsa, "layers")?.arrayFirst.flatMap { Self.path($0, "heads") }?.arrayFirst
            .flatMap { Self.path($0, "numerics.held_threshold") } != nil)
        let hw = try #require(totals["output_error"]?.doubleValue), fl = try #require(totals["float_output_error"]?.doubleValue)
        #expect(hw.isFinite && hw > 0 && fl > 0)
    }

    /// Timing depends only on the selection: with every key selected (exact mode) the cycles do not move.
    @Test func timingIsUnchangedByNumericsWhenTheSelectionIsTheSame() throws {
        let float = try Self.runJSON(["--set", "approximation.mode=exact"])
        let elsa = try Self.runJSON(["--set", "approximation.mode=exact", "--set", "numerics.mode=elsa"])
        #expect(Self.path(float, "totals.cycles") == Self.path(elsa, "totals.cycles"))
        #expect(Self.path(elsa, "totals.numerics.selection_changes") == .int(0))
        // The datapath alone still costs accuracy: the hardware's rows are not exact.
        #expect((Self.path(elsa, "totals.numerics.output_error")?.doubleValue ?? 0) > 0)
    }

    @Test func runCSVAndTableInElsaMode() {
        let r = CLIRun(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                        "--set", "numerics.mode=elsa", "--csv", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("layer") }
        let header = lines.first
        #expect(header?.contains("selection_changes,selection_gained,selection_lost,hardware_mass_kept_mean,hardware_output_error,float_output_error,held_threshold") == true)
        let table = CLIRun(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                            "--set", "numerics.mode=elsa"])
        #expect(table.stdout.contains("number formats (numerics.mode elsa"))
        #expect(!CLIRun(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice])
            .stdout.contains("number formats"))
    }

    /// A width sweep: every row carries numerics; one Q/K/V fraction bit costs clearly more than three.
    @Test func sweepingTheFractionBits() throws {
        let dir = SweepTestSupport.temporaryDirectory("numerics")
        let r = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                                      "--set", "numerics.mode=elsa", "--set", "numerics.qkv_fraction_bits=1,3",
                                      "--out", dir + "/s", "--threads", "1", "--plot", dir + "/s.svg",
                                      "--x", "numerics.qkv_fraction_bits", "--y", "hardware_output_error,float_output_error"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("number formats (numerics.mode elsa)"))
        let csv = SweepTestSupport.read(dir + "/s.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(csv.first?.firstIndex(of: "hardware_output_error"))
        let errors = csv.dropFirst().compactMap { Double($0[column]) }
        #expect(errors.count == 2)
        #expect(errors[0] > errors[1] + 0.05, "1 fraction bit: \(errors[0]), 3: \(errors[1])")
        // One line per y column, named for the legend; a linear axis for bit widths.
        let svg = SweepTestSupport.read(dir + "/s.svg")
        #expect(svg.contains(">hardware<") && svg.contains(">float<") && svg.contains("output error (relative L2)"))
        #expect(!svg.contains("log scale"))
    }

    @Test func compareShowsNumericsPerVariant() {
        let r = CLIRun(["compare", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                        "--set", "numerics.mode=float,elsa", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("number formats (numerics.mode elsa): hardware vs float model"))
    }
}

extension JSONValue {
    var arrayFirst: JSONValue? { if case let .array(a) = self { return a.first } else { return nil } }
}
