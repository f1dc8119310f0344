import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim calibrate`: learn per-head thresholds (ELSA III-E) from one or more traces.
enum CalibrateCommand {
    static let help = """
    usage: elsa-sim calibrate --p P --trace DIR [--trace DIR ...] -o FILE [--config FILE] [--set PATH=VALUE ...]

    Learns one threshold t per (layer, head) with hyperparameter p, pooling the queries of every trace
    (the paper learns on training inputs and evaluates on others). Writes elsa-thresholds/1, which
    'elsa-sim run --thresholds FILE' applies. docs/algorithm.md describes the rule.

    options:
      --p P              the hyperparameter (> 0; larger selects fewer keys)
      --trace DIR        a trace to learn from (repeatable; all must have the same layers and heads)
      -o, --output FILE  where to write the thresholds (- for stdout)
      --config FILE      config whose approximation.relevance_count and approximation.bias apply
                         (default: built-in defaults); with biased traces the file records bias_policy:
                         apply it with the same policy (docs/algorithm.md §10)
      --set PATH=VALUE   override a config field (repeatable)
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "calibrate", options: ["p", "trace", "output", "config", "set"], flags: [])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "calibrate")
        guard let p = try args.double("p") else { throw UsageError.missingOption("--p", command: "calibrate") }
        guard p > 0 else { throw UsageError.invalidValue(option: "--p", value: "\(p)", expected: "a number > 0 (p = 0 is exact attention: nothing to learn)") }
        let tracePaths = args.all("trace")
        guard !tracePaths.isEmpty else { throw UsageError.missingOption("--trace", command: "calibrate") }
        let output = try args.required("output", command: "calibrate")
        var config = ElsaConfig()
        if let file = args.last("config") { config = try ConfigLoader.load(file: file, overrides: try args.overrides()) }
        else if !args.all("set").isEmpty { config = try ConfigLoader.decode(.object([:]), overrides: try args.overrides()) }
        config.approximation.mode = .learned
        config.approximation.p = p
        let traces = try tracePaths.map { path throws -> AttentionTrace in try TraceReader.read(path: path) }
        for (i, trace) in traces.enumerated().dropFirst() {
            guard trace.layers.map(\.name) == traces[0].layers.map(\.name), trace.queryHeads == traces[0].queryHeads else {
                throw ConfigError.inconsistent(path: tracePaths[i],
                                               message: "has \(trace.layers.count) layers × \(trace.queryHeads) heads; \(tracePaths[0]) has \(traces[0].layers.count) × \(traces[0].queryHeads) (all traces must have the same layers and heads)")
            }
        }
        let model = try ElsaFunctionalModel(config: config)
        let stats = model.learnThresholds(traces: traces)
        var provenance: [String: JSONValue] = [
            "traces": .array(tracePaths.map(JSONValue.string)),
            "relevance_count": .string(config.approximation.relevanceCount.rawValue),
            "queries": .array(stats.map { .array($0.map { .int(Int64($0.count)) }) }),
        ]
        // t depends on the bias policy only when a trace has a bias (docs/algorithm.md §10).
        if traces.contains(where: \.hasBias) { provenance["bias_policy"] = .string(config.approximation.bias.rawValue) }
        let file = ThresholdsFile(
            p: p,
            layers: zip(traces[0].layers, stats).map { layer, heads in (layer.name, heads.map(\.mean)) },
            provenance: provenance)
        try writeOutput(file.json().pretty() + "\n", to: output, console: console)
        console.err("learned \(stats.count) layers × \(stats.first?.count ?? 0) heads from \(traces.count) trace(s), p = \(JSONValue.format(p))\n")
        return ExitCode.success
    }
}
