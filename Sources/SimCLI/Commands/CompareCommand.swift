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
           elsa-sim compare --config A.json [--config B.json ...] --workload FILE [...] [options]

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
      --workload FILE        a workload file (elsa-workload/1, docs/workloads.md; repeatable), drawn whole as
                             one trace (its layers must share one shape); reported after the --trace ones
      --set PATH=V[,V...]    one value: override the field in every variant; several: one variant per value
      --baseline N           the baseline variant, 1-based in the listed order (default 1)
      --label TEXT           a label per --config, in order (default: the config's name)
      --threads N            worker threads per simulation (default: all cores)
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (trace, layer, variant) (- for stdout)
                             beside every output file OUT.EXT: OUT.config.json, the effective config
                             (compare with several variants: OUT.config-K.json)
      --plot FILE.svg        stacked bars of execution + preprocessing normalized to the baseline
                             (one trace: per layer and total; several traces: per trace)
      --title TEXT           the chart title
      --no-quality           skip mass kept and output error (docs/quality.md)
      --quiet                no table on stdout, no progress line on stderr
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "compare",
                                       options: ["config", "trace", "workload", "set", "baseline", "label", "threads", "json", "csv", "plot", "title"],
                                       flags: ["quiet", "no-quality"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "compare")
        let configs = args.all("config")
        guard !configs.isEmpty else { throw UsageError.missingOption("--config", command: "compare") }
        let tracePaths = args.all("trace")
        let workloadPaths = args.all("workload")
        guard !tracePaths.isEmpty || !workloadPaths.isEmpty else { throw UsageError.missingOption("--trace", command: "compare") }
        try WorkloadInput.refuseWorkloads(asTraces: tracePaths)
        let labels = args.all("label")
        guard labels.isEmpty || labels.count == configs.count else {
            throw UsageError.invalidValue(option: "--label", value: labels.joined(separator: ", "),
                                          expected: "one --label per --config (\(configs.count))")
        }
        let settings = try SweepSettings(args.all("set"))
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)

        let report = try CompareStudy.run(configs: configs, labels: labels, axes: settings.axes, fixed: settings.fixed,
                                          tracePaths: tracePaths, otherInputs: workloadPaths.map { path in
                                              CompareStudy.Input(path: path) {
                                                  let input = try WorkloadInput.load(file: path, threads: threads)
                                                  return (try input.materialized(option: "--workload", threads: threads), input.identity)
                                              }
                                          },
                                          simulator: BuildInfo.version,
                                          options: SimulationOptions(threads: threads, quality: !args.has("no-quality")),
                                          baseline: { count in try args.int("baseline", default: 1, range: 1 ... count) - 1 },
                                          warn: { warnIfHuge($0, console: console) },
                                          progress: { text, done in console.progress(text, done: done) })
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        if let plot = args.last("plot") {
            try writeOutput(report.chart(title: args.last("title")).render(), to: plot, console: console)
            console.err("compare: wrote \(plot)\n")
        }
        try EffectiveConfigOutput.write(variants: report.variants.map(\.effectiveConfig),
                                        beside: [args.last("json"), args.last("csv"), args.last("plot")])
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        return ExitCode.success
    }
}
