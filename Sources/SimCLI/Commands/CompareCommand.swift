import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim compare`: several configs of any accelerator (and/or values of swept fields) on one or more
/// traces (`docs/sweeps.md`, "Compare"); with the ideal accelerator among them, every latency is also
/// normalized to it (ELSA Fig. 11(b)).
enum CompareCommand {
    static let help = """
    usage: elsa-sim compare --config A.json [--config B.json ...] --trace DIR [--trace DIR ...] [options]

    Simulates every config variant on every trace and prints, per layer and in total, preprocessing and
    execution cycles, the preprocessing share and the speedup over the baseline (baseline cycles /
    cycles). Configs may be of any accelerator, mixed (ELSA, A^3, the ideal accelerator: the config's
    "accelerator" field); with an ideal config (Configs/ideal.json) a "vs ideal" column gives each
    latency normalized to the ideal accelerator's, as ELSA Fig. 11(b) does (docs/ideal.md). Variants: each --config, times every combination of the multi-valued --set fields
    (e.g. --set approximation.p=1,2,4 gives three variants per config; an exact-mode config ignores
    approximation.* and appears once). Under the variant list, each variant's modelling assumptions and
    calibration source (docs/config.md, "Modelling assumptions"; learned on the compared traces = optimistic).

    options:
      --config FILE          an accelerator config (repeatable; order = variant order)
      --trace DIR            a trace (repeatable)
      --set PATH=V[,V...]    one value: override the field in every variant; several: one variant per value
      --baseline N           the baseline variant, 1-based in the listed order (default 1)
      --label TEXT           a label per --config, in order (default: the config's name)
      --threads N            worker threads per simulation (default: all cores)
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (trace, layer, variant) (- for stdout)
      --plot FILE.svg        stacked bars of execution + preprocessing normalized to the baseline
                             (one trace: per layer and total; several traces: per trace)
      --title TEXT           the chart title
      --no-quality           skip mass kept and output error (docs/quality.md)
      --quiet                no table on stdout
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "compare",
                                       options: ["config", "trace", "set", "baseline", "label", "threads", "json", "csv", "plot", "title"],
                                       flags: ["quiet", "no-quality"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "compare")
        let configs = args.all("config")
        guard !configs.isEmpty else { throw UsageError.missingOption("--config", command: "compare") }
        let tracePaths = args.all("trace")
        guard !tracePaths.isEmpty else { throw UsageError.missingOption("--trace", command: "compare") }
        let labels = args.all("label")
        guard labels.isEmpty || labels.count == configs.count else {
            throw UsageError.invalidValue(option: "--label", value: labels.joined(separator: ", "),
                                          expected: "one --label per --config (\(configs.count))")
        }
        let settings = try SweepSettings(args.all("set"))
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)

        // Variants: config × the product of the multi-valued --set axes; all loaded and checked first.
        // An exact-mode config ignores approximation.*: its variants that differ only there are one.
        let grid = try SweepGrid(traces: [TraceIdentity(name: "-", id: "-")], axes: settings.axes, fixed: settings.fixed)
        var variants: [(model: any AcceleratorModel, variant: CompareReport.Variant, file: String)] = []
        for (c, path) in configs.enumerated() {
            var seen: Set<String> = []
            for point in 0 ..< grid.count {
                let model: any AcceleratorModel
                do {
                    model = try AcceleratorRegistry.load(file: path, options: LoadOptions(overrides: grid.overrides(at: point)))
                } catch let error as ConfigError {
                    if grid.count == 1 { throw error }
                    throw SweepError.invalidPoint(index: point, count: grid.count, values: "\(path), \(grid.label(at: point))", message: error.description)
                }
                let relevant = grid.values(at: point).filter { !model.ignoresOverride($0.field) }
                let swept = relevant.map { "\(SweepCharts.short($0.field))=\(SweepAxis.text($0.value))" }
                guard seen.insert(swept.joined(separator: " ")).inserted else { continue }
                let name = labels.isEmpty ? model.configName : labels[c]
                let overrides = grid.overrides(at: point).filter { !model.ignoresOverride($0.path) }
                    .map { "\($0.path)=\(SweepAxis.text($0.value))" }
                variants.append((model, CompareReport.Variant(label: ([name] + swept).joined(separator: " "), configName: model.configName,
                                                              configHash: model.configHash, overrides: overrides), path))
            }
        }
        // Two variants with one label (two files with one config name): add the file name.
        for i in variants.indices where variants.filter({ $0.variant.label == variants[i].variant.label }).count > 1 {
            variants[i].variant.label += " (\(URL(fileURLWithPath: variants[i].file).lastPathComponent))"
        }
        let baseline = try args.int("baseline", default: 1, range: 1 ... variants.count) - 1

        let count = variants.count
        let start = Date()
        var traces: [TraceIdentity] = []
        var traceHashes: [String] = []
        var results: [[AcceleratorRun]] = []
        var summaries: [[RunSummary?]] = []
        let quality = !args.has("no-quality")
        for path in tracePaths {
            let trace = try TraceReader.read(path: path)
            warnIfHuge(trace, console: console)
            let identity = try TraceIdentity.of(path: path)
            var row: [AcceleratorRun] = []
            var rowSummaries: [RunSummary?] = []
            for (i, v) in variants.enumerated() {
                let (run, summary) = try simulate(v.model, trace: trace, traceName: identity.name,
                                                  options: SimulationOptions(threads: threads, quality: quality)) { done, total in
                    console.progress("compare: \(identity.name), variant \(i + 1)/\(count): \(done)/\(total) heads",
                                     done: done == total && i == count - 1)
                }
                row.append(run)
                rowSummaries.append(summary)
            }
            traces.append(identity)
            traceHashes.append(ContentHash.of(trace: trace))
            summaries.append(rowSummaries)
            results.append(row)
        }
        let host = BatchHostStatistics(wallSeconds: Date().timeIntervalSince(start), threads: threads,
                               simulations: count * tracePaths.count, unit: "variants")
        let provenance = CompareProvenance(simulatorVersion: BuildInfo.version,
                                           configHashes: variants.map { $0.model.configHash }, traceHashes: traceHashes)
        let report = CompareReport(variants: variants.map(\.variant), traces: traces, runs: results, baseline: baseline,
                                   summaries: summaries, provenance: provenance, host: host,
                                   assumptions: variants.map { $0.model.assumptions(evaluatedTraces: tracePaths) })
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        if let plot = args.last("plot") {
            try writeOutput(report.chart(title: args.last("title")).render(), to: plot, console: console)
            console.err("compare: wrote \(plot)\n")
        }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        return ExitCode.success
    }

    /// One variant on one trace, in the common schema, with the model's whole-trace summary (if any).
    static func simulate<Model: AcceleratorModel>(_ model: Model, trace: AttentionTrace, traceName: String, options: SimulationOptions,
                                                  progress: @escaping @Sendable (Int, Int) -> Void) throws -> (AcceleratorRun, RunSummary?) {
        let result = try model.simulate(trace: trace, traceName: traceName, options: options, progress: progress)
        return (model.common(result), model.summary(result, simulator: BuildInfo.version))
    }
}
