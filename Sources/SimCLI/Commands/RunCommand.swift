import Foundation
import ElsaModel
import SimIO
import Workload

/// `elsa-sim run`: one trace on one config.
enum RunCommand {
    static let help = """
    usage: elsa-sim run --config FILE --trace DIR [options]
           elsa-sim run --config FILE --workload FILE [--layers N] [options]

    Simulates every layer and head of an elsa-trace/1 trace on an ELSA hardware config and prints, per
    layer, preprocessing / execution / total cycles, time at the clock, the selected-key fraction and the
    utilization of each module kind (docs/reports.md explains every number), the approximation quality
    against exact attention (docs/quality.md), then energy, average power, energy per query, the energy
    split of ELSA Fig. 13(b), area and throughput per area (docs/energy.md). The header states the
    modelling assumptions the numbers depend on (query overlap, preprocessing hash, hash cost, θ_bias;
    docs/config.md) and where the thresholds were calibrated ("calibrated on the evaluated input" is
    optimistic: the paper learns them on other inputs; 'make run' uses held-out thresholds).

    options:
      --config FILE          hardware config (elsa-config/1), e.g. Configs/elsa-paper.json; an A^3
                             config (a3-config/1, e.g. Configs/a3-base.json) runs the A^3 model instead
                             ('elsa-sim run --config Configs/a3-base.json --help'; docs/a3.md)
      --trace DIR            trace directory (elsa-trace/1, docs/trace-format.md); a trace with an
                             additive bias is simulated under approximation.bias (ignore, the default:
                             selectors see q·k only; --set approximation.bias=lookup: selectors add the
                             bias, one more selector stage); the report names the policy
    \(RunWorkload.help)
      --set PATH=VALUE       override a config field by its dotted path (repeatable),
                             e.g. --set attention_modules=8 --set approximation.p=2;
                             --set numerics.mode=elsa runs ELSA's number formats (docs/numerics.md);
                             a trace longer than key_memory_capacity needs --set long_sequences=tile
                             (keys in tiles, docs/model.md §9; --timeline is refused then)
      --hash-matrix FILE     a k×d projection .npy instead of the generated one
      --thresholds FILE      per-head thresholds (elsa-thresholds/1) instead of calibrating on the trace
      --engine NAME          event (default) or reference (the cycle-stepped oracle; slow)
      --threads N            worker threads (default: all cores); results do not depend on it
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write one CSV row per (layer, head) (- for stdout)
    \(RunTimeline.help)
      --print-config         print the effective config (defaults filled in, overrides applied) and exit
      --no-quality           skip the approximation-quality metrics (mass kept, output error; docs/quality.md)
      --quiet                no human table on stdout
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "run",
                                       options: Set(["config", "trace", "workload", "layers", "set", "hash-matrix", "thresholds", "engine", "threads", "json", "csv"])
                                           .union(RunTimeline.options),
                                       flags: ["print-config", "quiet", "no-quality"])
        // An A^3 config (`"accelerator": "a3"`) runs the A^3 model instead (docs/a3.md).
        if let c = args.last("config"), A3ConfigLoader.isA3Config(file: c) { return try A3RunCommand.main(arguments, console: console) }
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "run")
        let configPath = try args.required("config", command: "run")
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: try args.overrides(),
                                               hashMatrix: args.last("hash-matrix"), thresholdsPath: args.last("thresholds"))
        if args.has("print-config") {
            console.out(ConfigLoader.effectiveJSON(inputs.config).pretty() + "\n")
            return ExitCode.success
        }
        if let workload = try WorkloadInput.path(args, command: "run") {
            return try RunWorkload.main(args, workloadPath: workload, inputs: inputs, console: console)
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
        if timelineHead != nil && trace.tokens > inputs.config.keyMemoryCapacity {
            throw TimelineError.tiledHead(tokens: trace.tokens, capacity: inputs.config.keyMemoryCapacity)
        }
        warnIfHuge(trace, console: console)
        let start = Date()
        let result = try ElsaSimulation.run(trace: trace, traceName: tracePath, model: inputs.model, thresholds: thresholds,
                                            engine: engine, threads: threads,
                                            quality: !args.has("no-quality")) { done, total in
            console.progress("simulating: \(done)/\(total) heads", done: done == total)
        }
        let wall = Date().timeIntervalSince(start)
        warnStoredOut(result.quality, trace: tracePath, console: console)
        let host = HostStatistics(wallSeconds: wall, threads: threads, simulatedCycles: result.cycles, queryKeyPairs: result.totalPairs)
        let provenance = Provenance(simulatorVersion: BuildInfo.version, config: inputs.config, trace: trace, engine: engine.rawValue)
        let report = RunReport(result: result, energy: EnergyModel(config: inputs.config).report(for: result),
                               provenance: provenance, host: host,
                               assumptions: inputs.assumptions(evaluatedTraces: [tracePath]))
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        if let timelineHead { try RunTimeline.write(args, at: timelineHead, trace: trace, inputs: inputs, result: result, console: console) }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        console.err("simulated \(result.layers.reduce(0) { $0 + $1.heads.count }) heads; \(host.summary)\n")
        return ExitCode.success
    }
}
