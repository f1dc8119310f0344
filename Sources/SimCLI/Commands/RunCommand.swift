import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
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
      --config FILE          accelerator config; its "accelerator" field picks the model: ELSA
                             (elsa-config/1, e.g. Configs/elsa-paper.json), A^3 (a3-config/1, e.g.
                             Configs/a3-base.json; docs/a3.md) or the paper's ideal accelerator
                             (ideal-config/1, Configs/ideal.json; docs/ideal.md). Every model reports
                             in the one schema of docs/reports.md
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
                             beside every output file OUT.EXT: OUT.config.json, the effective config
    \(RunTimeline.help)
      --print-config         print the effective config (defaults filled in, overrides applied) and exit
      --no-quality           skip the approximation-quality metrics (mass kept, output error; docs/quality.md)
      --quiet                no human table on stdout, no progress line on stderr
      -h, --help             this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "run",
                                       options: Set(["config", "trace", "workload", "layers", "set", "hash-matrix", "thresholds", "engine", "threads", "json", "csv"])
                                           .union(RunTimeline.options),
                                       flags: ["print-config", "quiet", "no-quality"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "run")
        let configPath = try args.required("config", command: "run")
        // The config's "accelerator" field picks the model (AcceleratorRegistry); the rest is written once.
        let model = try AcceleratorRegistry.load(file: configPath, options: LoadOptions(
            overrides: try args.overrides(), hashMatrix: args.last("hash-matrix"), thresholdsPath: args.last("thresholds")))
        return try run(model, args: args, configPath: configPath, console: console)
    }

    static func run<Model: AcceleratorModel>(_ model: Model, args: ParsedArguments, configPath: String, console: Console) throws -> Int32 {
        if args.has("print-config") {
            console.out(model.effectiveConfig.pretty() + "\n")
            return ExitCode.success
        }
        let workloadPath = try WorkloadInput.path(args, command: "run")
        if let workloadPath, let elsa = model as? ElsaAccelerator {   // ELSA draws a workload one head at a time
            return try RunWorkload.main(args, workloadPath: workloadPath, inputs: elsa.inputs, console: console)
        }
        let engineName = args.last("engine") ?? "event"
        guard TimingEngine(rawValue: engineName) != nil else {
            throw UsageError.invalidValue(option: "--engine", value: engineName, expected: "event or reference")
        }
        if engineName != "event" && Model.accelerator != ElsaAccelerator.accelerator {
            throw UsageError.invalidValue(option: "--engine", value: engineName, expected: "event (the only engine of an \"\(Model.accelerator)\" config)")
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let tracePath: String, trace: AttentionTrace, workloadHash: String?
        if let workloadPath {   // another model draws the workload whole, as one trace (docs/workloads.md)
            if args.last("timeline") != nil {
                throw UsageError.invalidValue(option: "--timeline", value: args.last("timeline")!, expected: "--trace DIR (a timeline needs a trace, not --workload)")
            }
            let layers = try args.last("layers").map { _ in try args.int("layers", default: 1, range: 1 ... AttentionWorkload.Limits.layers) }
            let input = try WorkloadInput.load(file: workloadPath, layers: layers, threads: threads)
            (tracePath, trace, workloadHash) = (workloadPath, try input.materialized(option: "--workload", threads: threads), input.traceHash)
        } else {
            tracePath = try args.required("trace", command: "run")
            (trace, workloadHash) = (try TraceReader.read(path: tracePath, threads: threads), nil)
        }
        let timeline = try RunTimeline.request(args, trace: trace)
        if let timeline { try model.checkTimeline(timeline, trace: trace) }  // before the simulation: fail fast
        warnIfHuge(trace, console: console)
        // The trace's content hash (one serial pass over every value) runs beside the simulation.
        let traceHash = BackgroundValue { workloadHash ?? TraceIdentity.hash(of: trace) }
        let start = Date()
        let result = try model.simulate(trace: trace, traceName: tracePath,
                                        options: SimulationOptions(threads: threads, quality: !args.has("no-quality"), engine: engineName)) {
            done, total in console.progress("simulating: \(done)/\(total) heads", done: done == total)
        }
        let wall = Date().timeIntervalSince(start)
        let common = model.common(result)
        warnStoredOut(common.quality, trace: tracePath, console: console)
        let host = HostStatistics(wallSeconds: wall, threads: threads, simulatedCycles: common.cycles, queryKeyPairs: common.totalPairs)
        let report = model.report(result, trace: trace, traceName: tracePath, traceHash: traceHash.value,
                                  simulator: BuildInfo.version, engine: engineName,
                                  host: host, evaluatedTraces: [tracePath])
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        try EffectiveConfigOutput.write(model.effectiveConfig, beside: [args.last("json"), args.last("csv")])
        if let timeline { try RunTimeline.write(args, request: timeline, model: model, trace: trace, traceName: tracePath, result: result, console: console) }
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        console.err("simulated \(common.headCount) heads; \(host.summary)\n")
        return ExitCode.success
    }
}
