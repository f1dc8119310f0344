import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SimCore
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim compare` and its report: speedups and shares by hand, variants from --set, baseline
/// choice, the chart's normalization.
@Suite struct CompareCommandTests {
    static func result(_ config: String, layers: [(pre: Int64, exec: Int64)]) -> SimulationResult {
        SimulationResult(configName: config, traceName: "t", thresholds: .exact, clockGHz: 1, layers: layers.enumerated().map { l, c in
            let timing = HeadTiming(totalCycles: c.pre + c.exec, preprocessingCycles: c.pre, hash: UnitActivity(idle: c.pre + c.exec),
                                    norm: UnitActivity(idle: c.pre + c.exec), selectors: [], attention: [],
                                    outputDivision: UnitActivity(idle: c.pre + c.exec), queues: [])
            return LayerResult(name: "layer\(l)", heads: [HeadResult(layer: l, head: 0, accelerator: 0, timing: timing, selectedPairs: 1,
                                                                      totalPairs: 2, threshold: nil, keys: 1,
                                                                      analytic: AnalyticModel(paperClosedForm: 0, lowerBound: 0))],
                               accelerators: 1)
        })
    }

    /// Baseline (0 + 100, 0 + 60) vs other (10 + 40, 20 + 10): layer speedups 100/50 = 2, 60/30 = 2,
    /// total 160/80 = 2; preprocessing shares 10/50 = 0.2, 20/30 = 2/3, 30/80 = 0.375; chart bars are
    /// execution and preprocessing over the baseline's cycles: (0.4, 0.1), (1/6, 1/3), (0.3125, 0.1875).
    @Test func speedupShareAndChartByHand() {
        let report = CompareReport(variants: [.init(label: "base", configName: "b", configHash: "1", overrides: []),
                                              .init(label: "approx", configName: "a", configHash: "2", overrides: [])],
                                   traces: [TraceIdentity(name: "t", id: "0")],
                                   results: [[Self.result("b", layers: [(0, 100), (0, 60)]), Self.result("a", layers: [(10, 40), (20, 10)])]],
                                   baseline: 0)
        let other = report.entries.filter { $0.variant == 1 }
        #expect(other.map(\.layer) == ["layer0", "layer1", "total"])
        #expect(other.map(\.speedup) == [2, 2, 2])
        #expect(abs(other[0].preprocessingShare - 0.2) < 1e-12 && abs(other[1].preprocessingShare - 2.0 / 3) < 1e-12)
        #expect(abs(other[2].preprocessingShare - 0.375) < 1e-12)
        let bars = report.chart().groups.map { $0.bars[1] }
        let expected = [(0.4, 0.1), (1.0 / 6, 1.0 / 3), (0.3125, 0.1875)]
        for (bar, e) in zip(bars, expected) { #expect(abs(bar.bottom - e.0) < 1e-12 && abs(bar.top - e.1) < 1e-12) }
        #expect(report.chart().groups.allSatisfy { abs($0.bars[0].bottom + $0.bars[0].top - 1) < 1e-12 })
        let svg = report.chart().render()
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(report.csv().split(separator: "\n").count == 1 + 6)
    }

    /// Base + paper × p ∈ {1, 2} on a tiny trace: the exact config appears once; CSV speedups are the
    /// baseline's cycles over each row's cycles (checked from the CSV's own cycles), with --baseline
    /// moving the reference; the paper rows equal `elsa-sim run` with that p.
    @Test func variantsBaselineAndRunAgreement() throws {
        let d = SweepTestSupport.temporaryDirectory("compare")
        let base = SweepTestSupport.root.appendingPathComponent("Configs/elsa-base.json").path
        for baseline in ["1", "3"] {
            let r = SweepTestSupport.run(["compare", "--config", base, "--config", SweepTestSupport.paperConfig, "--set", "approximation.p=1,2",
                                          "--trace", SweepTestSupport.tinyTrace, "--baseline", baseline, "--csv", d + "/c\(baseline).csv",
                                          "--json", d + "/c.json", "--plot", d + "/c.svg", "--quiet"])
            #expect(r.code == 0, "\(r.err)")
            let rows = SweepTestSupport.read(d + "/c\(baseline).csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(rows.map { $0[2] } == ["elsa-base", "elsa-paper p=1", "elsa-paper p=2", "elsa-base", "elsa-paper p=1", "elsa-paper p=2"])
            let b = Int(baseline)! - 1
            for group in [0, 3] {
                let cycles = rows[group ..< group + 3].map { Double($0[7])! }
                for v in 0 ..< 3 {
                    #expect(abs(Double(rows[group + v][10])! - cycles[b] / cycles[v]) < 1e-12)
                    #expect(rows[group + v][12] == (v == b ? "yes" : "no"))
                }
            }
            #expect(XMLParser(data: Data(SweepTestSupport.read(d + "/c.svg").utf8)).parse())
        }
        let rows = SweepTestSupport.read(d + "/c1.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let run = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                        "--set", "approximation.p=2", "--json", d + "/r.json", "--quiet"])
        #expect(run.code == 0)
        let totals = try JSONValue.parse(Data(SweepTestSupport.read(d + "/r.json").utf8)).objectValue?["totals"]?.objectValue
        #expect(Int64(rows[5][7]) == totals?["cycles"]?.integerValue.map(Int64.init))
        #expect(Int64(rows[5][5]) == totals?["preprocessing_cycles"]?.integerValue.map(Int64.init))
    }

    /// Per config, compare carries what `run` reports: an exact-mode variant keeps all the mass with no
    /// output error, the area of elsa-paper's hardware is Table I's 1.255 + 0.892 mm² (docs/energy.md),
    /// the p = 2 variant's totals and provenance equal `run --json`'s, and the host section stays out of
    /// the results.
    @Test func perConfigTotalsAndProvenance() throws {
        let d = SweepTestSupport.temporaryDirectory("compare-summary")
        let base = SweepTestSupport.root.appendingPathComponent("Configs/elsa-base.json").path
        let r = SweepTestSupport.run(["compare", "--config", base, "--config", SweepTestSupport.paperConfig, "--set", "approximation.p=1,2",
                                      "--trace", SweepTestSupport.tinyTrace, "--csv", d + "/c.csv", "--json", d + "/c.json"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("per config (whole trace") && r.out.contains("provenance: elsa-sim "))
        let lines = SweepTestSupport.read(d + "/c.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        func cell(_ row: [String], _ name: String) -> String {
            guard let i = header.firstIndex(of: name), i < row.count else { return "<no column \(name)>" }
            return row[i]
        }
        let rows = Array(lines.dropFirst())
        let totals = rows.filter { $0[1] == "total" }
        #expect(totals.map { $0[2] } == ["elsa-base", "elsa-paper p=1", "elsa-paper p=2"])
        // Exact mode selects every visible key: all the mass, the exact output.
        #expect(Double(cell(totals[0], "mass_kept_mean")) == 1)
        #expect(abs(Double(cell(totals[0], "output_error")) ?? 1) < 1e-6)
        // Same hardware in all three (Pa = 4, Pc = 8, m_h = 256, m_o = 16, n ≤ 512, one accelerator).
        for row in totals {
            #expect(abs((Double(cell(row, "area_mm2")) ?? 0) - (1.255 + 0.892)) < 0.0015, "\(cell(row, "area_mm2"))")
        }
        // Layer rows leave the whole-trace columns empty but carry the provenance.
        let layerRow = try #require(rows.first { $0[1] != "total" })
        #expect(cell(layerRow, "energy_uj") == "" && cell(layerRow, "trace_hash").count == 16)

        let run = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                        "--set", "approximation.p=2", "--json", d + "/r.json", "--quiet"])
        #expect(run.code == 0)
        let report = try JSONValue.parse(Data(SweepTestSupport.read(d + "/r.json").utf8))
        func at(_ path: String) -> String { SweepTable.cell(SweepRow.lookup(report, path)) }
        let p2 = totals[2]
        #expect(cell(p2, "mass_kept_mean") == at("totals.quality.mass_kept_mean"))
        #expect(cell(p2, "output_error") == at("totals.quality.output_error"))
        #expect(cell(p2, "energy_uj") == at("totals.energy.total_uj"))
        #expect(cell(p2, "bottleneck") == at("totals.bottleneck.module"))
        #expect(cell(p2, "paper_closed_form_cycles") == at("totals.paper_closed_form_cycles"))
        #expect(cell(p2, "simulator") == at("provenance.simulator"))
        #expect(cell(p2, "config_hash") == at("provenance.config_hash"))
        #expect(cell(p2, "trace_hash") == at("provenance.trace_hash"))

        let json = try JSONValue.parse(Data(SweepTestSupport.read(d + "/c.json").utf8))
        #expect(SweepRow.lookup(json, "host.variants")?.integerValue == 3)
        #expect(SweepRow.lookup(json, "provenance.simulator") == SweepRow.lookup(report, "provenance.simulator"))
        guard case let .array(traces)? = json.objectValue?["traces"], case let .array(perConfig)? = traces.first?.objectValue?["per_config"] else {
            Issue.record("compare --json lacks traces[0].per_config"); return
        }
        #expect(perConfig.count == 3 && SweepTable.cell(SweepRow.lookup(perConfig[2], "energy.total_uj")) == at("totals.energy.total_uj"))
        #expect(traces.allSatisfy { SweepRow.lookup($0, "host") == nil })
    }

    @Test func badBaselineIsUsageError() {
        let r = SweepTestSupport.run(["compare", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace, "--baseline", "2"])
        #expect(r.code == 64 && r.err.contains("--baseline"))
    }
}
