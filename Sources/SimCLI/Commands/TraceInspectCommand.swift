import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim trace inspect DIR`: shapes, tokens, dtype and per (layer, head) attention concentration,
/// key-norm spread and `out` consistency of a trace (docs/traces.md, "Inspecting a trace").
enum TraceInspectCommand {
    static let help = """
    usage: elsa-sim trace inspect DIR [options]

    Reads an elsa-trace/1 trace and prints its shapes, n, real tokens, dtype, causal and scale, and per
    layer and head: the keys needed to cover 90 % of the softmax mass (mean, median, max over the real
    queries, and mean as a fraction of the visible keys), the spread of the key norms ‖k‖ over the real
    keys (min, mean, max, coefficient of variation) and whether the recorded out equals the exact
    attention softmax(q·kᵀ·scale)·v recomputed from q, k, v (docs/traces.md, "Inspecting a trace").
    With an additive bias (trace.json layers[i].bias) every softmax is of q·kᵀ·scale + bias, the header
    says so, and a per-layer table gives the bias's share of the score spread and how often it changes
    a query's top key.

    options:
      --json FILE        write the JSON report (- for stdout; then no table)
      --summary          one row per layer (no per-head rows) in the table
      --mass M           the softmax mass to cover, in (0, 1] (default 0.9)
      --atol A           out check: absolute tolerance (default 1e-4)
      --rtol R           out check: relative tolerance (default 1e-4); an element agrees when
                         |out − exact| ≤ A + R·|exact|
      --no-out-check     skip the out comparison (saves about half the time)
      --strict           exit 65 when out is recorded and inconsistent
      --threads N        worker threads (default: all cores); results do not depend on it
      -h, --help         this help
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "trace inspect",
                                       options: ["json", "mass", "atol", "rtol", "threads"],
                                       flags: ["summary", "no-out-check", "strict"])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        guard let path = args.positional.first else {
            throw UsageError.missingOption("DIR (the trace directory)", command: "trace inspect")
        }
        if let extra = args.positional.dropFirst().first {
            throw UsageError.unexpectedArgument(extra, command: "trace inspect")
        }
        let mass = try args.double("mass") ?? 0.9
        guard mass > 0 && mass <= 1 else {
            throw UsageError.invalidValue(option: "--mass", value: args.last("mass")!, expected: "a number in (0, 1]")
        }
        let atol = try args.double("atol") ?? OutputTolerance.standard.absolute
        let rtol = try args.double("rtol") ?? OutputTolerance.standard.relative
        for (name, value) in [("atol", atol), ("rtol", rtol)] where value < 0 {
            throw UsageError.invalidValue(option: "--\(name)", value: args.last(name)!, expected: "a number ≥ 0")
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)

        let trace = try TraceReader.read(path: path)
        let storage = try TraceStorageInfo.read(path: path)
        let statistics = TraceStatistics(trace: trace, mass: mass, checkOutput: !args.has("no-out-check"),
                                         tolerance: OutputTolerance(absolute: atol, relative: rtol), threads: threads)
        var report = TraceInspectReport(path: path, statistics: statistics, storage: storage,
                                        layerNames: trace.layers.map(\.name),
                                        layersWithOut: trace.layers.filter { $0.out != nil }.count)
        report.bias = BiasStatistics.measure(trace: trace, threads: threads)
        if let json = args.last("json") { try writeOutput(report.json().pretty() + "\n", to: json, console: console) }
        if args.last("json") != "-" { console.out(report.table(summary: args.has("summary"))) }
        if let output = statistics.overall.output, !output.consistent {
            console.err("elsa-sim: \(path): out disagrees with the exact attention in \(output.mismatches) of "
                        + "\(output.compared) elements (max |out − exact| \(output.maxAbsoluteError))\n")
            if args.has("strict") { return ExitCode.dataError }
        }
        return ExitCode.success
    }
}
