import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim quality`: approximation quality over a p sweep, calibration on other traces, and the
/// θ_bias fit (`docs/quality.md`).
enum QualityCommand {
    static let help = """
    usage: elsa-sim quality --trace DIR [--p LIST] [--calibrate-on DIR ...] [options]
           elsa-sim quality --trace DIR --theta-bias-fit [options]

    p sweep (default): for each p, learns per-head thresholds (ELSA III-E), selects candidates with the
    config's hash projection and theta_bias, and prints per layer and overall the selected fraction, the
    exact softmax mass the selected keys keep (mean and worst query), the relative L2 error of the
    output, the recall of each query's top-1 and top-5 exact keys, and the queries left with no key.
    With --calibrate-on, thresholds are also learned on those traces (queries pooled) and the report
    shows how far the selected fraction, mass kept and error move from self-calibration.

    --theta-bias-fit: the 80th percentile of the angle estimator's error (π/k)·hamming − true angle
    (ELSA III-D's θ_bias) on Gaussian vectors of the trace's d and on the trace's real (q, k) pairs,
    with the config's k and projection. docs/quality.md defines every number.

    options:
      --trace DIR            the trace to measure (elsa-trace/1)
      --workload FILE        instead of --trace: a workload file (elsa-workload/1, docs/workloads.md) whose
                             layers share one shape, drawn whole in memory; --layers N keeps its first N
      --config FILE          hardware config: head_dim, hash, theta_bias, relevance_count (default: built-in
                             defaults = the paper's d = k = 64 Kronecker [4,4,4]); its approximation mode/p are
                             replaced by each --p
      --set PATH=VALUE       override a config field (repeatable)
      --hash-matrix FILE     a k×d projection .npy instead of the generated one
      --p LIST               comma-separated p values ≥ 0 (0 = exact), default 0.25,0.5,1,2,4
      --calibrate-on DIR     learn thresholds on this trace instead (repeatable; same layers and heads)
      --theta-bias-fit       fit θ_bias instead of sweeping p
      --pairs N              Gaussian pairs for --theta-bias-fit (default 20000)
      --seed S               Gaussian seed for --theta-bias-fit (default 2021)
      --max-trace-pairs N    trace pairs kept at most for --theta-bias-fit, evenly thinned (default 4000000)
      --threads N            worker threads (default: all cores); results do not depend on it
      --json FILE            write the JSON report (- for stdout)
      --csv FILE             write the CSV rows (- for stdout)
                             beside every output file OUT.EXT: OUT.config.json, the effective config
      --plot FILE            write an SVG chart (sweep: fraction, mass and error vs p; fit: error CDFs)
      --quiet                no human table on stdout, no progress line on stderr
      -h, --help             this help
    """

    static let defaultPs = [0.25, 0.5, 1, 2, 4]

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "quality",
                                       options: ["trace", "workload", "layers", "config", "set", "hash-matrix", "p", "calibrate-on", "pairs", "seed",
                                                 "max-trace-pairs", "threads", "json", "csv", "plot"],
                                       flags: ["theta-bias-fit", "quiet"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "quality")
        let workloadPath = try WorkloadInput.path(args, command: "quality")
        let tracePath = try workloadPath ?? args.required("trace", command: "quality")
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let ps = try parsePs(args.last("p"))
        if args.has("theta-bias-fit") {
            for option in ["p", "calibrate-on"] where args.last(option) != nil {
                throw UsageError.invalidValue(option: "--\(option)", value: args.last(option)!, expected: "no --\(option) with --theta-bias-fit (it fits θ_bias, it does not sweep p)")
            }
        } else {
            for option in ["pairs", "seed", "max-trace-pairs"] where args.last(option) != nil {
                throw UsageError.invalidValue(option: "--\(option)", value: args.last(option)!, expected: "--\(option) only with --theta-bias-fit")
            }
        }
        var config: ElsaConfig
        var projection: HashProjection? = nil
        if let file = args.last("config") {
            let inputs = try SimulationInputs.load(configPath: file, overrides: try args.overrides(),
                                                   hashMatrix: args.last("hash-matrix"), thresholdsPath: nil)
            config = inputs.config
            projection = inputs.model.projection
        } else {
            config = try ConfigLoader.decode(.object([:]), overrides: try args.overrides())
            if let file = args.last("hash-matrix") {
                config.hash.projection = .matrixFile
                config.hash.matrixFile = file
                let array = try NpyReader.read(contentsOf: URL(fileURLWithPath: file), rank: 2, displayPath: file)
                do { projection = try HashProjection(matrix: array.values, rows: array.shape[0], columns: array.shape[1]) } catch {
                    throw ConfigError.inFile(file: file, error: error)
                }
            }
        }
        let configName = config.name
        let trace = try workloadPath.map { path in
            let layers = try args.last("layers").map { _ in try args.int("layers", default: 1, range: 1 ... AttentionWorkload.Limits.layers) }
            return try WorkloadInput.load(file: path, layers: layers, threads: threads).materialized(option: "--workload", threads: threads)
        } ?? TraceReader.read(path: tracePath, threads: threads)
        warnIfHuge(trace, console: console)

        let outputs: (table: String, json: JSONValue, csv: String, figure: SVGFigure)
        if args.has("theta-bias-fit") {
            let pairs = try args.int("pairs", default: 20_000, range: 1 ... 100_000_000)
            let seed = UInt64(try args.int("seed", default: 2021, range: 0 ... Int.max))
            let maxTracePairs = try args.int("max-trace-pairs", default: ThetaBiasFit.defaultMaxTracePairs, range: 1 ... 1_000_000_000)
            var learned = config
            learned.approximation.mode = .learned
            learned.approximation.p = 1
            let model = try ElsaFunctionalModel(config: learned, projection: projection)
            try model.validate(trace: trace)
            guard let hash = model.projection else { preconditionFailure("an approximate model has a projection") }
            var rows = [ThetaBiasReport.Row(source: "gaussian", dim: trace.headDim,
                                            sample: ThetaBiasFit.gaussian(projection: hash, dim: trace.headDim, pairs: pairs, seed: seed)),
                        ThetaBiasReport.Row(source: "trace", dim: trace.headDim,
                                            sample: ThetaBiasFit.trace(trace, projection: hash, maxPairs: maxTracePairs))]
            if trace.headDim != hash.dim {
                rows.append(ThetaBiasReport.Row(source: "gaussian", dim: hash.dim,
                                                sample: ThetaBiasFit.gaussian(projection: hash, dim: hash.dim, pairs: pairs, seed: seed)))
            }
            let report = ThetaBiasReport(traceName: tracePath, configName: configName, traceDim: trace.headDim, bits: hash.bits,
                                         projectionDim: hash.dim, configThetaBias: config.thetaBias, gaussianSeed: seed, rows: rows)
            outputs = (report.table(), report.json(), report.csv(), report.figure())
        } else {
            let calibrationPaths = args.all("calibrate-on")
            let calibrationTraces = try calibrationPaths.map { path throws -> AttentionTrace in try TraceReader.read(path: path, threads: threads) }
            var same: [QualitySweepPoint] = []
            var other: [QualitySweepPoint]? = calibrationPaths.isEmpty ? nil : []
            for (i, p) in ps.enumerated() {
                console.progress("p = \(JSONValue.format(p)) (\(i + 1)/\(ps.count))")
                same.append(try QualitySweep.point(trace: trace, config: config, projection: projection, p: p, threads: threads))
                if other != nil {
                    other!.append(try QualitySweep.point(trace: trace, config: config, projection: projection, p: p,
                                                         calibration: (calibrationTraces, calibrationPaths), threads: threads))
                }
            }
            console.progress("", done: true)
            if let first = same.first {
                warnStoredOut(QualityStatistics.merged(first.heads.joined()), trace: tracePath, console: console)
            }
            let report = QualityReport(traceName: tracePath, configName: configName, layerNames: trace.layers.map(\.name),
                                       sameTrace: same, otherTraces: other)
            outputs = (report.table(), report.json(), report.csv(), report.figure())
        }
        if let json = args.last("json") { try writeOutput(outputs.json.pretty() + "\n", to: json, console: console) }
        if let csv = args.last("csv") { try writeOutput(outputs.csv, to: csv, console: console) }
        if let plot = args.last("plot") { try writeOutput(outputs.figure.svg(), to: plot, console: console) }
        try EffectiveConfigOutput.write(ConfigLoader.effectiveJSON(config), beside: [args.last("json"), args.last("csv"), args.last("plot")])
        let toStdout = [args.last("json"), args.last("csv"), args.last("plot")].contains("-")
        if !args.has("quiet") && !toStdout { console.out(outputs.table) }
        return ExitCode.success
    }

    /// `--p` as a sorted list without duplicates.
    static func parsePs(_ text: String?) throws(UsageError) -> [Double] {
        guard let text else { return defaultPs }
        var ps: [Double] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let p = Double(trimmed), p.isFinite, p >= 0 else {
                throw .invalidValue(option: "--p", value: text, expected: "comma-separated numbers ≥ 0, e.g. 0.25,0.5,1,2,4 ('\(trimmed)' is not one)")
            }
            ps.append(p)
        }
        return Array(Set(ps)).sorted()
    }
}
