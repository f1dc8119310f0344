import SimStudies
import SimReports
import Accelerators
import Foundation
import ElsaModel
import SimIO
import Workload

/// `elsa-sim run --workload FILE`: `run` on a workload file (`docs/workloads.md`) instead of a trace
/// directory. The heads are drawn one at a time (`WorkloadSimulation`); the report is `run`'s, with
/// the workload file as the trace name and its content hash as `trace_hash`.
enum RunWorkload {
    static let help = """
      --workload FILE        instead of --trace: a workload file (elsa-workload/1, docs/workloads.md)
                             listing layers by shape, simulated on a deterministic synthetic trace drawn
                             from it (ELSA: one head at a time; same file → same numbers on any threads)
      --layers N             with --workload: simulate its first N layers only (e.g. one 70B layer)
    """

    static func main(_ args: ParsedArguments, workloadPath: String, inputs: SimulationInputs, console: Console) throws -> Int32 {
        if args.last("timeline") != nil {
            throw UsageError.invalidValue(option: "--timeline", value: args.last("timeline")!, expected: "--trace DIR (a timeline needs a trace, not --workload)")
        }
        if inputs.thresholds != nil {
            throw UsageError.invalidValue(option: "--workload", value: workloadPath,
                                          expected: "thresholds learned on the workload: per-head thresholds files (--thresholds, approximation.mode "
                                              + "thresholds-file) belong to a trace; drop them or --set approximation.mode=learned")
        }
        let engineName = args.last("engine") ?? "event"
        guard let engine = TimingEngine(rawValue: engineName) else {
            throw UsageError.invalidValue(option: "--engine", value: engineName, expected: "event or reference")
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let layers = try args.last("layers").map { _ in try args.int("layers", default: 1, range: 1 ... AttentionWorkload.Limits.layers) }
        let input = try WorkloadInput.load(file: workloadPath, layers: layers, threads: threads)
        let pairs = input.workload.visiblePairs
        if pairs > hugeWorkPairs {
            console.err(String(format: "elsa-sim: note: this workload has %.3g query-key pairs; the run will take a while (--layers N runs fewer layers; Ctrl-C stops it)\n", pairs))
        }
        let start = Date()
        let result = try WorkloadSimulation.run(input, model: inputs.model, engine: engine, threads: threads,
                                                quality: !args.has("no-quality")) { done, total in
            console.progress("simulating: \(done)/\(total) heads", done: done == total)
        }
        let wall = Date().timeIntervalSince(start)
        let host = HostStatistics(wallSeconds: wall, threads: threads, simulatedCycles: result.cycles, queryKeyPairs: result.totalPairs)
        let provenance = Provenance(simulatorVersion: BuildInfo.version, config: inputs.config, traceHash: input.traceHash, engine: engine.rawValue)
        let report = RunReport(result: result, energy: EnergyModel(config: inputs.config).report(for: result),
                               provenance: provenance, host: host,
                               assumptions: inputs.assumptions(evaluatedTraces: [workloadPath]))
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        try EffectiveConfigOutput.write(ConfigLoader.effectiveJSON(inputs.config), beside: [args.last("json"), args.last("csv")])
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        console.err("simulated \(result.layers.reduce(0) { $0 + $1.heads.count }) heads of workload \(input.identity.name) "
                    + "(\(input.workload.layerCount) layers, seed \(input.workload.seed)); \(host.summary)\n")
        return ExitCode.success
    }
}
