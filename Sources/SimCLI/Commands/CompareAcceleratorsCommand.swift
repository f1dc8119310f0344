import Foundation
import A3Model
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim compare-accelerators`: ELSA and A^3 configs side by side on one trace (`docs/a3.md` §8).
enum CompareAcceleratorsCommand {
    static let help = """
    usage: elsa-sim compare-accelerators --config FILE --config FILE [...] --trace DIR [options]

    Runs each config — ELSA (elsa-config/1) or A^3 (a3-config/1) — on the trace and prints per config:
    cycles, preprocessing share, selected fraction, mass kept, output error (docs/quality.md) and the
    speedup over the first config (its time ÷ this config's time). ELSA thresholds are learned on the
    trace as in 'run'. docs/a3.md §8 explains every column.

    options:
      --config FILE          a config (repeatable, ≥ 1; the first is the baseline)
      --trace DIR            trace directory (elsa-trace/1)
      --threads N            worker threads (default: all cores); results do not depend on it
      --json FILE            write the JSON comparison (- for stdout)
      --csv FILE             write one CSV row per config (- for stdout)
      --no-quality           skip mass kept and output error
      --quiet                no human table on stdout, no progress line on stderr
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "compare-accelerators",
                                       options: ["config", "trace", "threads", "json", "csv"], flags: ["quiet", "no-quality"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "compare-accelerators")
        let configs = args.all("config")
        guard !configs.isEmpty else { throw UsageError.missingOption("--config", command: "compare-accelerators") }
        let tracePath = try args.required("trace", command: "compare-accelerators")
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let trace = try TraceReader.read(path: tracePath)
        warnIfHuge(trace, console: console)
        let comparison = try compare(configPaths: configs, trace: trace, tracePath: tracePath, threads: threads,
                                     quality: !args.has("no-quality"), console: console)
        if let json = args.last("json") { try writeOutput(comparison.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(comparison.csv(), to: csv, console: console) }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(comparison.table()) }
        return ExitCode.success
    }

    /// Runs every config on `trace`, in order, and assembles the comparison (reusable by other commands).
    static func compare(configPaths: [String], trace: AttentionTrace, tracePath: String, threads: Int, quality: Bool,
                        console: Console) throws -> AcceleratorComparison {
        var rows: [AcceleratorComparison.Row] = []
        for path in configPaths {
            console.progress("comparing: \(path)", done: false)
            if A3ConfigLoader.isA3Config(file: path) {
                let config = try A3Execution.loadConfig(path, overrides: [])
                let report = try A3Execution.run(config: config, configPath: path, trace: trace, tracePath: tracePath,
                                                 threads: threads, quality: quality)
                rows.append(AcceleratorComparison.Row(a3: report, configFile: path))
            } else {
                let inputs = try SimulationInputs.load(configPath: path, overrides: [], hashMatrix: nil, thresholdsPath: nil)
                let result = try ElsaSimulation.run(trace: trace, traceName: tracePath, model: inputs.model,
                                                    thresholds: try inputs.thresholdMatrix(for: trace), engine: .event,
                                                    threads: threads, quality: quality)
                rows.append(AcceleratorComparison.Row(elsa: result, configFile: path))
            }
        }
        console.progress("compared \(configPaths.count) configs", done: true)
        return AcceleratorComparison(trace: tracePath, rows: rows)
    }
}
