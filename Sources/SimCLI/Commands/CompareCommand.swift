import Foundation
import ElsaModel
import SimIO
import Workload

/// `elsa-sim compare`: several configs (and/or values of swept fields) on one or more traces
/// (`docs/sweeps.md`, "Compare").
enum CompareCommand {
    static let help = """
    usage: elsa-sim compare --config A.json [--config B.json ...] --trace DIR [--trace DIR ...] [options]
           elsa-sim compare --config A.json [--config B.json ...] --workload FILE [...] [options]

    Simulates every config variant on every trace and prints, per layer and in total, preprocessing and
    execution cycles, the preprocessing share and the speedup over the baseline (baseline cycles /
    cycles). Variants: each --config, times every combination of the multi-valued --set fields
    (e.g. --set approximation.p=1,2,4 gives three variants per config; an exact-mode config ignores
    approximation.* and appears once). Under the variant list, each variant's modelling assumptions and
    calibration source (docs/config.md, "Modelling assumptions"; learned on the compared traces = optimistic).

    options:
      --config FILE          a hardware config (repeatable; order = variant order)
      --trace DIR            a trace (repeatable)
      --workload FILE        a workload file (elsa-workload/1, docs/workloads.md; repeatable): simulated like
                             'run --workload', reported after the --trace ones
      --set PATH=V[,V...]    one value: override the field in every variant; several: one variant per value
      --baseline N           the baseline variant, 1-based in the listed order (default 1)
      --label TEXT           a label per --config, in order (default: the config's name)
      --threads N            worker threads per simulation (default: all cores)
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (trace, layer, variant) (- for stdout)
      --plot FILE.svg        stacked bars of execution + preprocessing normalized to the baseline
                             (one trace: per layer and total; several traces: per trace)
      --title TEXT           the chart title
      --quiet                no table on stdout
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "compare",
                                       options: ["config", "trace", "workload", "set", "baseline", "label", "threads", "json", "csv", "plot", "title"],
                                       flags: ["quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "compare")
        let configs = args.all("config")
        guard !configs.isEmpty else { throw UsageError.missingOption("--config", command: "compare") }
        // With an A^3 config among them, the accelerators are compared side by side (docs/a3.md): the
        // per-layer preprocessing/execution split below is ELSA's.
        if configs.contains(where: { A3ConfigLoader.isA3Config(file: $0) }) {
            guard args.all("set").isEmpty, args.last("plot") == nil, args.last("baseline") == nil, args.all("label").isEmpty else {
                throw UsageError.invalidValue(option: "--config", value: configs.joined(separator: ", "),
                                              expected: "ELSA configs only when --set, --plot, --baseline or --label is given (A^3 configs compare through compare-accelerators' options)")
            }
            return try CompareAcceleratorsCommand.main(arguments, console: console)
        }
        let tracePaths = args.all("trace")
        let workloadPaths = args.all("workload")
        guard !tracePaths.isEmpty || !workloadPaths.isEmpty else { throw UsageError.missingOption("--trace", command: "compare") }
        for path in tracePaths where WorkloadReader.isWorkload(file: path) {
            throw UsageError.invalidValue(option: "--trace", value: path, expected: "a trace directory; \(path) is a workload file: use --workload \(path)")
        }
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
        var variants: [(inputs: SimulationInputs, variant: CompareReport.Variant, file: String)] = []
        for (c, path) in configs.enumerated() {
            var seen: Set<String> = []
            for point in 0 ..< grid.count {
                let inputs: SimulationInputs
                do {
                    inputs = try SimulationInputs.load(configPath: path, overrides: grid.overrides(at: point), hashMatrix: nil, thresholdsPath: nil)
                } catch let error as ConfigError {
                    if grid.count == 1 { throw error }
                    throw SweepError.invalidPoint(index: point, count: grid.count, values: "\(path), \(grid.label(at: point))", message: error.description)
                }
                let exact = inputs.model.isExact
                let relevant = grid.values(at: point).filter { !(exact && $0.field.hasPrefix("approximation.")) }
                let swept = relevant.map { "\(SweepCharts.short($0.field))=\(SweepAxis.text($0.value))" }
                guard seen.insert(swept.joined(separator: " ")).inserted else { continue }
                let name = labels.isEmpty ? inputs.config.name : labels[c]
                let overrides = grid.overrides(at: point).filter { !(exact && $0.path.hasPrefix("approximation.")) }
                    .map { "\($0.path)=\(SweepAxis.text($0.value))" }
                variants.append((inputs, CompareReport.Variant(label: ([name] + swept).joined(separator: " "), configName: inputs.config.name,
                                                               configHash: SweepConfigHash.of(inputs.config), overrides: overrides), path))
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
        var results: [[SimulationResult]] = []
        var summaries: [[RunSummary]] = []
        for path in tracePaths {
            let trace = try TraceReader.read(path: path)
            warnIfHuge(trace, console: console)
            let identity = try TraceIdentity.of(path: path)
            var row: [SimulationResult] = []
            for (i, v) in variants.enumerated() {
                let thresholds = try v.inputs.thresholdMatrix(for: trace)
                row.append(try ElsaSimulation.run(trace: trace, traceName: identity.name, model: v.inputs.model, thresholds: thresholds,
                                                  threads: threads) { done, total in
                    console.progress("compare: \(identity.name), variant \(i + 1)/\(count): \(done)/\(total) heads",
                                     done: done == total && i == count - 1)
                })
            }
            traces.append(identity)
            traceHashes.append(ContentHash.of(trace: trace))
            summaries.append(zip(variants, row).map { RunSummary(config: $0.inputs.config, result: $1, simulator: BuildInfo.version) })
            results.append(row)
        }
        for path in workloadPaths {
            let (input, row) = try compareWorkload(path, variants: variants.map(\.inputs), threads: threads, console: console)
            traces.append(input.identity)
            traceHashes.append(input.traceHash)
            summaries.append(zip(variants, row).map { RunSummary(config: $0.inputs.config, result: $1, simulator: BuildInfo.version) })
            results.append(row)
        }
        let host = BatchHostStatistics(wallSeconds: Date().timeIntervalSince(start), threads: threads,
                               simulations: count * (tracePaths.count + workloadPaths.count), unit: "variants")
        let provenance = CompareProvenance(simulatorVersion: BuildInfo.version,
                                           configHashes: variants.map { ContentHash.of(config: $0.inputs.config) }, traceHashes: traceHashes)
        let report = CompareReport(variants: variants.map(\.variant), traces: traces, results: results, baseline: baseline,
                                   summaries: summaries, provenance: provenance, host: host,
                                   assumptions: variants.map { $0.inputs.assumptions(evaluatedTraces: tracePaths + workloadPaths) })
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
}
