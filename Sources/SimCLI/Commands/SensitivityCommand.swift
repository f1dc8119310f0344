import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim sensitivity`: how much each modelling assumption moves the results (`docs/validation.md`,
/// "Which unknowns matter").
enum SensitivityCommand {
    static let help = """
    usage: elsa-sim sensitivity --config FILE --trace DIR [options]

    Simulates the trace on the config (the baseline) and once more for every alternative of every
    assumption: each config field whose source says "assumed" (elsa-sim config fields) — enumerations
    over every value, numbers to a documented low and high — plus the cost of a loaded hash matrix
    (the generated Kronecker matrix passed in as a matrix-file, costed dense and kronecker) and the
    calibration source (thresholds learned on the evaluated trace vs on --calibration-trace). Prints
    Δ total cycles, Δ execution cycles, Δ selected fraction and Δ output error per alternative, sorted
    by effect. docs/validation.md lists the values and why.

    options:
      --config FILE            hardware config (elsa-config/1)
      --trace DIR              the evaluated trace (elsa-trace/1)
      --calibration-trace DIR  a second trace with the same layers and heads: the held-out calibration
      --set PATH=VALUE         override a baseline field (repeatable)
      --threads N              worker threads, one point each (default: all cores); results do not depend on it
      --json FILE              write the JSON report (- for stdout)
      --csv FILE               write one CSV row per point (- for stdout)
                               beside every output file OUT.EXT: OUT.config.json, the effective config
      --plot FILE.svg          a tornado chart of Δ total cycles
      --title TEXT             the chart title
      --quiet                  no table on stdout, no progress line on stderr
      -h, --help               this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "sensitivity",
                                       options: ["config", "trace", "calibration-trace", "set", "threads", "json", "csv", "plot", "title"],
                                       flags: ["quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "sensitivity")
        let configPath = try args.required("config", command: "sensitivity")
        let model = try AcceleratorRegistry.modelType(file: configPath)
        guard model == ElsaAccelerator.self else {   // the assumed fields listed in SensitivityPlan are ELSA's
            throw UsageError.invalidValue(option: "--config", value: configPath,
                                          expected: "an ELSA config: sensitivity varies ELSA's assumed fields (docs/config.md), "
                                              + "and this is an \"\(model.accelerator)\" config")
        }
        let tracePath = try args.required("trace", command: "sensitivity")
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let overrides = try args.overrides()
        let baselineInputs = try SimulationInputs.load(configPath: configPath, overrides: overrides, hashMatrix: nil, thresholdsPath: nil)
        let trace = try TraceReader.read(path: tracePath, threads: threads)
        let calibrationPath = args.last("calibration-trace")
        let calibrationTrace = try calibrationPath.map { try TraceReader.read(path: $0, threads: threads) }
        if let calibrationTrace, let calibrationPath,
           calibrationTrace.layers.map(\.name) != trace.layers.map(\.name) || calibrationTrace.queryHeads != trace.queryHeads {
            throw ConfigError.inconsistent(path: calibrationPath,
                                           message: "has \(calibrationTrace.layers.count) layers × \(calibrationTrace.queryHeads) heads; \(tracePath) has \(trace.layers.count) × \(trace.queryHeads) (the held-out calibration needs the same layers and heads)")
        }
        let study = SensitivityStudy(configPath: configPath, userOverrides: overrides, trace: trace, calibrationTrace: calibrationTrace,
                                     calibrationTracePath: calibrationPath)
        let (points, notes) = study.points(baseline: baselineInputs.config)
        // Check every point's config before the long part, so a bad one fails at once.
        for point in points.dropFirst() where !point.overrides.isEmpty {
            _ = try ConfigLoader.load(file: configPath, overrides: overrides + point.overrides)
        }
        let counter = ProgressCounter()
        let total = points.count
        let outcomes = ParallelSlots<Result<SimulationResult, ErrorBox>>.map(count: total, threads: threads) { i in
            let outcome: Result<SimulationResult, ErrorBox>
            do { outcome = .success(try study.run(points[i])) } catch { outcome = .failure(ErrorBox(error: error)) }
            counter.increment { done in console.progress("sensitivity: \(done)/\(total) points", done: done == total) }
            return outcome
        }
        var results: [SimulationResult] = []
        for (i, outcome) in outcomes.enumerated() {
            switch outcome {
            case let .success(r): results.append(r)
            case let .failure(box):
                throw ConfigError.inconsistent(path: points[i].field, message: "the alternative \(points[i].value) cannot run: \(box.error)")
            }
        }
        let report = SensitivityReport(configName: baselineInputs.config.name, traceName: tracePath, calibrationTraceName: calibrationPath,
                                       baseline: SensitivityMetrics(results[0]),
                                       baselineAssumptions: baselineInputs.assumptions(evaluatedTraces: [tracePath]),
                                       alternatives: zip(points, results).dropFirst().map { ($0, SensitivityMetrics($1)) },
                                       excluded: SensitivityPlan.exclusions + notes)
        if let json = args.last("json") {
            let document = SensitivityReport.addingIdentities(to: report.json(), configHash: ConfigIdentity.hash(of: baselineInputs.config),
                                                              traceHash: TraceIdentity.hash(of: trace))
            try writeOutput(document.pretty() + "\n", to: json, console: console)
        }
        if let csv = args.last("csv") { try writeOutput(report.csv(), to: csv, console: console) }
        if let plot = args.last("plot") {
            try writeOutput(report.chart(title: args.last("title")).render(), to: plot, console: console)
            console.err("sensitivity: wrote \(plot)\n")
        }
        try EffectiveConfigOutput.write(ConfigLoader.effectiveJSON(baselineInputs.config),
                                        beside: [args.last("json"), args.last("csv"), args.last("plot")])
        let toStdout = args.last("json") == "-" || args.last("csv") == "-"
        if !args.has("quiet") && !toStdout { console.out(report.table()) }
        return ExitCode.success
    }

    /// A thrown error carried out of a worker thread.
    struct ErrorBox: Error, @unchecked Sendable { let error: any Error }
}
