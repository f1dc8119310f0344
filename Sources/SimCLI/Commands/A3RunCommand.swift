import Foundation
import A3Model
import SimIO
import Workload

/// `elsa-sim run` on an A^3 config (`a3-config/1`, `"accelerator": "a3"`): `RunCommand` hands over
/// when the config names the A^3 model.
enum A3RunCommand {
    static let help = """
    usage: elsa-sim run --config A3FILE --trace DIR [options]
           elsa-sim run --config A3FILE --workload FILE [--layers N] [options]

    Simulates every layer and head of an elsa-trace/1 trace on an A^3 config (HPCA 2020; docs/a3.md) and
    prints, per layer, preprocessing (host sort of the key columns) / execution / total cycles, time at
    the clock, the candidate (C) and kept (K) fractions, the approximation quality against exact
    attention (mass kept, output error; docs/quality.md) and each module's busy share.

    options:
      --config FILE          A^3 config (a3-config/1), e.g. Configs/a3-base.json, a3-conservative.json
      --trace DIR            trace directory (elsa-trace/1)
    \(RunWorkload.help)
      --set PATH=VALUE       override a config field by its dotted path (repeatable),
                             e.g. --set approximation.iterations_fraction=0.25
      --threads N            worker threads (default: all cores); results do not depend on it
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (layer, head) (- for stdout)
      --print-config         print the effective config (defaults filled in, overrides applied) and exit
      --no-quality           skip the approximation-quality metrics
      --quiet                no human table on stdout
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "run",
                                       options: ["config", "trace", "workload", "layers", "set", "threads", "json", "csv"],
                                       flags: ["print-config", "quiet", "no-quality"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "run")
        let configPath = try args.required("config", command: "run")
        let config = try A3Execution.loadConfig(configPath, overrides: try args.overrides())
        if args.has("print-config") {
            console.out(A3ConfigLoader.effectiveJSON(config).pretty() + "\n")
            return ExitCode.success
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let tracePath: String, trace: AttentionTrace
        var workloadHash: String? = nil
        if let workload = try WorkloadInput.path(args, command: "run") {
            // A^3 on a workload: drawn whole (one shape; docs/workloads.md).
            let layers = try args.last("layers").map { _ in try args.int("layers", default: 1, range: 1 ... AttentionWorkload.Limits.layers) }
            tracePath = workload
            let input = try WorkloadInput.load(file: workload, layers: layers, threads: threads)
            trace = try input.materialized(option: "--workload", threads: threads)
            workloadHash = input.traceHash
        } else {
            tracePath = try args.required("trace", command: "run")
            trace = try TraceReader.read(path: tracePath)
        }
        warnIfHuge(trace, console: console)
        let start = Date()
        var report = try A3Execution.run(config: config, configPath: configPath, trace: trace, tracePath: tracePath,
                                         threads: threads, quality: !args.has("no-quality"), console: console)
        let wall = Date().timeIntervalSince(start)
        if let workloadHash { report.provenance?.traceHash = workloadHash }   // the workload's, as ELSA's run reports it
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        console.err("simulated \(report.result.layers.reduce(0) { $0 + $1.heads.count }) heads on A^3 in \(String(format: "%.2f", wall)) s with \(threads) threads\n")
        return ExitCode.success
    }
}
