import Foundation
import ElsaModel
import SimIO
import Workload

/// `elsa-sim run`: one trace on one config.
enum RunCommand {
    static let help = """
    usage: elsa-sim run --config FILE --trace DIR [options]

    Simulates every layer and head of an elsa-trace/1 trace on an ELSA hardware config and prints, per
    layer, preprocessing / execution / total cycles, time at the clock, the selected-key fraction and the
    utilization of each module kind (docs/reports.md explains every number).

    options:
      --config FILE          hardware config (elsa-config/1), e.g. Configs/elsa-paper.json
      --trace DIR            trace directory (elsa-trace/1)
      --set PATH=VALUE       override a config field by its dotted path (repeatable),
                             e.g. --set attention_modules=8 --set approximation.p=2
      --hash-matrix FILE     a k×d projection .npy instead of the generated one
      --thresholds FILE      per-head thresholds (elsa-thresholds/1) instead of calibrating on the trace
      --engine NAME          event (default) or reference (the cycle-stepped oracle; slow)
      --threads N            worker threads (default: all cores); results do not depend on it
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (layer, head) (- for stdout)
    \(RunTimeline.help)
      --print-config         print the effective config (defaults filled in, overrides applied) and exit
      --quiet                no human table on stdout
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "run",
                                       options: Set(["config", "trace", "set", "hash-matrix", "thresholds", "engine", "threads", "json", "csv"])
                                           .union(RunTimeline.options),
                                       flags: ["print-config", "quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "run")
        let configPath = try args.required("config", command: "run")
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: try args.overrides(),
                                               hashMatrix: args.last("hash-matrix"), thresholdsPath: args.last("thresholds"))
        if args.has("print-config") {
            console.out(ConfigLoader.effectiveJSON(inputs.config).pretty() + "\n")
            return ExitCode.success
        }
        let tracePath = try args.required("trace", command: "run")
        let engineName = args.last("engine") ?? "event"
        guard let engine = TimingEngine(rawValue: engineName) else {
            throw UsageError.invalidValue(option: "--engine", value: engineName, expected: "event or reference")
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let trace = try TraceReader.read(path: tracePath)
        let thresholds = try inputs.thresholdMatrix(for: trace)
        let timelineHead = try RunTimeline.head(args, trace: trace)
        let start = Date()
        let result = try ElsaSimulation.run(trace: trace, traceName: tracePath, model: inputs.model, thresholds: thresholds,
                                            engine: engine, threads: threads) { done, total in
            console.progress("simulating: \(done)/\(total) heads", done: done == total)
        }
        let wall = Date().timeIntervalSince(start)
        let report = RunReport(result: result)
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        if let timelineHead { try RunTimeline.write(args, at: timelineHead, trace: trace, inputs: inputs, result: result, console: console) }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        console.err(String(format: "simulated %d heads, %lld cycles in %.2f s\n",
                           result.layers.reduce(0) { $0 + $1.heads.count }, result.cycles, wall))
        return ExitCode.success
    }
}
