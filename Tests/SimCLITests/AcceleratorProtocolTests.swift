import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Workload
import SimIO
import SimReports
import Accelerators
@testable import SimCLI

extension JSONValue {
    /// The elements of an array value (tests only).
    var elements: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
}

/// Issue 13: ELSA, A^3 and the ideal accelerator behind one protocol (`AcceleratorModel`) and one report
/// schema; `compare` runs any mix on several traces, with a plot and latency normalized to the ideal.
@Suite struct AcceleratorProtocolTests {
    static let shipped = Repo.path("Traces/minilm-l6-gutenberg-n128")
    static let second = Repo.path("Traces/minilm-l6-moby-dick-n128")

    static func json(_ path: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path))).objectValue)
    }

    /// The keys every run JSON has for the common quantities (docs/reports.md, "One schema").
    static let commonTop: Set<String> = ["accelerator", "config", "trace", "clock_ghz", "totals", "layers", "units", "provenance", "host"]
    static let commonTotals: Set<String> = ["cycles", "preprocessing_cycles", "execution_cycles", "selected_pairs", "total_pairs",
                                            "selected_fraction", "time_us", "quality"]
    static let commonLayer: Set<String> = ["name", "cycles", "preprocessing_cycles", "execution_cycles", "critical_accelerator",
                                           "selected_pairs", "total_pairs", "utilization", "modules", "quality", "heads"]
    static let commonHead: Set<String> = ["head", "accelerator", "cycles", "preprocessing_cycles", "execution_cycles",
                                          "selected_pairs", "total_pairs", "utilization", "modules", "quality"]
    static let commonCSV = ["layer", "head", "accelerator", "cycles", "preprocessing_cycles", "execution_cycles", "selected_pairs",
                            "total_pairs", "selected_fraction"]

    /// Must show: the three models' run JSONs carry the same keys for the common quantities; A^3's and
    /// the ideal's only other key, at each level, is their namespace; every CSV starts with the same
    /// columns and ends with the trace and config names.
    @Test func runJSONHasOneSchemaForEveryModel() throws {
        let dir = Repo.temporaryDirectory()
        var roots: [String: [String: JSONValue]] = [:]
        for (name, config) in [("elsa", "Configs/elsa-paper.json"), ("a3", "Configs/a3-conservative.json"), ("ideal", "Configs/ideal.json")] {
            let json = dir.appendingPathComponent("\(name).json").path, csv = dir.appendingPathComponent("\(name).csv").path
            let r = CLIRun(["run", "--config", Repo.path(config), "--trace", Self.shipped, "--json", json, "--csv", csv, "--quiet"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let root = try Self.json(json)
            roots[name] = root
            #expect(root["accelerator"] == .string(name))
            let top = Set(root.keys), totals = Set(try #require(root["totals"]?.objectValue).keys)
            let layer = try #require(root["layers"]?.elements?.first?.objectValue)
            let head = try #require(layer["heads"]?.elements?.first?.objectValue)
            #expect(Self.commonTop.isSubset(of: top), "\(name): missing \(Self.commonTop.subtracting(top))")
            #expect(Self.commonTotals.isSubset(of: totals), "\(name): missing \(Self.commonTotals.subtracting(totals))")
            #expect(Self.commonLayer.isSubset(of: Set(layer.keys)), "\(name): missing \(Self.commonLayer.subtracting(Set(layer.keys)))")
            #expect(Self.commonHead.isSubset(of: Set(head.keys)), "\(name): missing \(Self.commonHead.subtracting(Set(head.keys)))")
            // Module names agree between a head's `modules` and `utilization`.
            #expect(Set(head["modules"]?.objectValue?.keys ?? [:].keys) == Set(head["utilization"]?.objectValue?.keys ?? [:].keys))
            if name != "elsa" {
                #expect(top.subtracting(Self.commonTop).isSubset(of: [name]), "\(name): \(top.subtracting(Self.commonTop))")
                #expect(totals == Self.commonTotals)
                #expect(Set(layer.keys) == Self.commonLayer)
                #expect(Set(head.keys).subtracting(Self.commonHead).isSubset(of: [name]))
            }
            let header = try #require(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").first).split(separator: ",").map(String.init)
            #expect(Array(header.prefix(Self.commonCSV.count)) == Self.commonCSV, "\(name): \(header)")
            #expect(Array(header.suffix(2)) == ["trace", "config"], "\(name): \(header)")
            #expect(header.contains("config_hash") && header.contains("trace_hash"))
        }
        // The same trace hash in every report: one trace, one identity.
        let hashes = Set(roots.values.map { $0["provenance"]?.objectValue?["trace_hash"]?.stringValue ?? "none" })
        #expect(hashes.count == 1)
    }

    /// Must show (and the defect: with an A^3 config `compare` became `compare-accelerators`, dropped
    /// all but the last trace without a warning and refused `--plot`): three designs × two traces, each
    /// trace named in the table, the JSON and the CSV, and a chart with a bar per design and trace.
    @Test func compareRunsAnyMixOnSeveralTracesWithAPlot() throws {
        let dir = Repo.temporaryDirectory()
        let json = dir.appendingPathComponent("c.json").path, csv = dir.appendingPathComponent("c.csv").path
        let plot = dir.appendingPathComponent("c.svg").path
        let r = CLIRun(["compare", "--config", Repo.path("Configs/elsa-paper.json"), "--config", Repo.path("Configs/a3-conservative.json"),
                        "--config", Repo.path("Configs/ideal.json"), "--trace", Self.shipped, "--trace", Self.second,
                        "--plot", plot, "--json", json, "--csv", csv, "--no-quality"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = ["minilm-l6-gutenberg-n128", "minilm-l6-moby-dick-n128"]
        let designs = ["elsa-paper", "a3-conservative", "ideal"]
        for name in names {
            #expect(r.stdout.contains(name))
            let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix(name + ",") }
            // Per trace: 6 layers + total, × 3 designs.
            #expect(rows.count == 7 * 3, "\(name): \(rows.count) rows")
        }
        let traces = try #require(try Self.json(json)["traces"]?.elements)
        #expect(traces.compactMap { $0.objectValue?["name"]?.stringValue } == names)
        let header = try #require(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").first)
        #expect(header.hasPrefix("trace,layer,variant,config,") && header.contains(",vs_ideal"))
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #if canImport(FoundationXML) || os(macOS)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #endif
        for design in designs {
            for name in names {
                // Each bar's tooltip names its design and its group (the trace).
                #expect(svg.contains("<title>\(design), \(name): "), "no bar for \(design) on \(name)")
            }
        }
    }

    /// A d = 64, n = 512 trace of 1 layer and 1 head (the paper's setting).
    static func trace512() throws -> String {
        let dir = Repo.temporaryDirectory()
        let trace = SyntheticTraceGenerator(layers: 1, heads: 1, n: 512, headDim: 64, seed: 5).generate()
        try TraceWriter.write(trace, to: dir.appendingPathComponent("t512"))
        return dir.appendingPathComponent("t512").path
    }

    /// Must show: ELSA-base / ideal = 1.03 (ELSA V-C), printed by `compare` for d = 64, n = 512.
    /// ELSA-base runs the n² pairs on Pa = 4 attention modules, one key per module per cycle, plus the
    /// fill and drain: n²/4 + 12 = 65 548 cycles (docs/model.md §6, C1). The ideal: ⌈(2·64·512² + 64·512)
    /// / 528⌉ = ⌈33 587 200 / 528⌉ = 63 613 cycles. 65 548 / 63 613 = 1.0304…, printed 1.03.
    @Test func elsaBaseOverIdealIs103() throws {
        let trace = try Self.trace512()
        let dir = Repo.temporaryDirectory()
        let json = dir.appendingPathComponent("c.json").path
        let r = CLIRun(["compare", "--config", Repo.path("Configs/elsa-base.json"), "--config", Repo.path("Configs/ideal.json"),
                        "--trace", trace, "--json", json, "--no-quality"])
        #expect(r.status == 0, "\(r.stderr)")
        let totalRow = try #require(r.stdout.split(separator: "\n").first { $0.contains(" total ") && $0.contains("elsa-base") })
        #expect(totalRow.hasSuffix(" 1.03"), "\(totalRow)")
        let total = try #require(try Self.json(json)["traces"]?.elements?.first?.objectValue?["total"]?.elements)
        let base = try #require(total[0].objectValue), ideal = try #require(total[1].objectValue)
        #expect(base["cycles"] == .int(512 * 512 / 4 + 12))
        #expect(ideal["cycles"] == .int(63_613))
        #expect(base["vs_ideal"]?.doubleValue == 65_548.0 / 63_613.0)
        #expect(ideal["vs_ideal"]?.doubleValue == 1)
        #expect(String(format: "%.2f", 65_548.0 / 63_613.0) == "1.03")
    }

    /// The ideal's cycle rule in closed form, on inputs that tell it from plausible wrong rules: a causal
    /// trace of n = 16 rows of which 7 are real tokens. Visible pairs: Σ_{i<7} (i+1) = 28 (padded rows
    /// skipped, only the lower triangle); multiplies 2·64·28 + 64·7 = 4 032; ⌈4 032 / 528⌉ = 8 cycles.
    /// (All 16 rows: 2·64·136 + 64·16 = 18 432 → 35; the full 7×7 square: 2·64·49 + 448 = 6 720 → 13;
    /// without the division: 3 584 → 7.) With 100 multipliers: ⌈40.32⌉ = 41.
    @Test func idealCyclesClosedForm() throws {
        let trace = SyntheticTraceGenerator(layers: 2, heads: 3, n: 16, headDim: 64, seed: 9, tokens: 7, causal: true).generate()
        let ideal = IdealAccelerator(config: IdealAccelerator.Config())
        let run = try ideal.simulate(trace: trace, traceName: "t", options: SimulationOptions(threads: 2, quality: true), progress: nil)
        for layer in run.layers {
            #expect(layer.heads.allSatisfy { $0.cycles == 8 && $0.selectedPairs == 28 && $0.totalPairs == 28 && $0.preprocessingCycles == 0 })
            #expect(layer.cycles == 3 * 8)  // one accelerator: the heads run back to back
            // Exact attention: every visible key, all the softmax mass, no output error.
            #expect(layer.heads.allSatisfy { abs(($0.quality?.massKeptMean ?? 0) - 1) < 1e-12 })
            // The multipliers' busy multiplier-cycles are the multiplies; utilization 4 032 / (8·528).
            #expect(layer.heads[0].modules[0].activity.busy == 4_032)
        }
        var config = IdealAccelerator.Config()
        config.multipliers = 100
        let hundred = try IdealAccelerator(config: config).simulate(trace: trace, traceName: "t", options: SimulationOptions(quality: false), progress: nil)
        #expect(hundred.layers[0].heads[0].cycles == 41)
        #expect(IdealAccelerator.multiplies(pairs: 512 * 512, queries: 512, headDim: 64, countOutputDivision: true) == 33_587_200)
    }

    /// The registry: the config's "accelerator" field picks the model; no field = ELSA.
    @Test func registryPicksTheModelByTheAcceleratorField() throws {
        #expect(try AcceleratorRegistry.modelType(file: Repo.path("Configs/elsa-paper.json")) == ElsaAccelerator.self)
        #expect(try AcceleratorRegistry.modelType(file: Repo.path("Configs/a3-base.json")) == A3Accelerator.self)
        #expect(try AcceleratorRegistry.modelType(file: Repo.path("Configs/ideal.json")) == IdealAccelerator.self)
        #expect(AcceleratorRegistry.names == ["elsa", "a3", "ideal"])
        let bad = CLIRun(["run", "--config", Repo.path("Configs/ideal.json"), "--set", "multiplierz=2", "--print-config"])
        #expect(bad.status == 65 && bad.stderr.contains("did you mean 'multipliers'?"), "\(bad.stderr)")
        let thresholds = CLIRun(["run", "--config", Repo.path("Configs/ideal.json"), "--thresholds", "x.json", "--trace", Self.shipped])
        #expect(thresholds.status == 64 && thresholds.stderr.contains("--thresholds does not apply"), "\(thresholds.stderr)")
    }

    /// The defect: `run --timeline` on an A^3 config said "unknown option" although `run --help` lists
    /// it. Now it writes Chrome trace events: one track per A^3 module (and the host sort), and each
    /// module's busy spans add up to the busy cycles the run reports for that head.
    @Test func a3RunWritesATimeline() throws {
        let dir = Repo.temporaryDirectory()
        let timeline = dir.appendingPathComponent("t.json").path, json = dir.appendingPathComponent("r.json").path
        let r = CLIRun(["run", "--config", Repo.path("Configs/a3-conservative.json"), "--trace", Self.shipped, "--timeline", timeline,
                        "--timeline-head", "1:2", "--json", json, "--quiet", "--no-quality"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try Self.json(timeline)
        let events = (doc["traceEvents"]?.elements ?? []).compactMap { $0.objectValue }
        #expect(!events.isEmpty)
        let trackNames = events.filter { $0["name"] == .string("thread_name") }.compactMap { $0["args"]?.objectValue?["name"]?.stringValue }
        #expect(trackNames == ["host sort", "candidate selection", "dot product", "exponent", "output"])
        let head = try #require(try Self.json(json)["layers"]?.elements?[1].objectValue?["heads"]?.elements?[2].objectValue)
        let modules = try #require(head["modules"]?.objectValue)
        for (tid, module) in [(2, "candidate_selection"), (3, "dot_product"), (4, "exponent"), (5, "output")] {
            let busy = events.filter { $0["tid"] == .int(Int64(tid)) && $0["cat"] == .string("busy") }
                .reduce(Int64(0)) { acc, e in if case let .int(d)? = e["dur"] { return acc + d } else { return acc } }
            #expect(modules[module]?.objectValue?["busy"] == .int(busy), "\(module)")
        }
        // The host sort spans the head's preprocessing cycles.
        let sort = events.first { $0["tid"] == .int(1) && $0["ph"] == .string("X") }
        #expect(sort?["dur"] == head["preprocessing_cycles"])
        let svg = CLIRun(["run", "--config", Repo.path("Configs/a3-base.json"), "--trace", Self.shipped, "--timeline-svg", timeline,
                          "--timeline-head", "0:0", "--quiet", "--no-quality"])
        #expect(svg.status == 64 && svg.stderr.contains("--timeline-svg: not available"), "\(svg.stderr)")
        // The ideal accelerator has no pipeline: refused before anything is simulated (no progress, no report).
        let ideal = CLIRun(["run", "--config", Repo.path("Configs/ideal.json"), "--trace", Self.shipped, "--timeline", timeline,
                            "--timeline-head", "0:0"])
        #expect(ideal.status == 64 && ideal.stderr.contains("--timeline: not available for an \"ideal\" config"), "\(ideal.stderr)")
        #expect(ideal.stdout.isEmpty && !ideal.stderr.contains("simulated"))
    }

    /// `sweep` runs any registered model (the base config's): the ideal accelerator over `multipliers`,
    /// on a 1-layer, 2-head trace of n = 24, d = 16: ⌈(2·16·576 + 16·24) / m⌉ per head, two heads back to
    /// back: m = 100 → 2·⌈18 816 / 100⌉ = 378; m = 528 → 2·⌈35.64⌉ = 72. The rows name the bottleneck module.
    @Test func sweepRunsTheIdealAccelerator() throws {
        let dir = Repo.temporaryDirectory()
        let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 24, headDim: 16, seed: 3).generate()
        try TraceWriter.write(trace, to: dir.appendingPathComponent("t"))
        let out = dir.appendingPathComponent("s").path
        let r = CLIRun(["sweep", "--config", Repo.path("Configs/ideal.json"), "--set", "multipliers=100,528",
                        "--trace", dir.appendingPathComponent("t").path, "--out", out, "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try String(contentsOfFile: out + ".jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONValue.parse(Data($0.utf8)).objectValue }
        #expect(rows.map { $0["cycles"] } == [.int(378), .int(72)])
        #expect(rows.allSatisfy { $0["accelerator"] == .string("ideal") && $0["bottleneck"]?.objectValue?["module"] == .string("multipliers") })
    }
}
