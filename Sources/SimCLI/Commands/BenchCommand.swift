import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// `elsa-sim bench`: how fast the simulator itself is on a trace (docs/performance.md).
enum BenchCommand {
    static let help = """
    usage: elsa-sim bench --config FILE --trace DIR [--threads N] [--repeat R] [--set PATH=VALUE ...]
                          [--thresholds FILE] [--workload NAME] [--process-times FILE] [--exact FILE]
                          [--json FILE] [--csv FILE]

    Times, on one trace, (1) the functional pass (threshold learning + candidate selection, no timing)
    and (2) the timed pass (the same plus the cycle model and the analytic cross-check; the
    approximation-quality metrics, 'run --no-quality', are left out), each R times in this process,
    and prints per pass: the minimum and median wall time, the median CPU time (every thread), query-key
    pairs per second and simulated cycles per second at the minimum wall time, and the peak resident
    memory during the pass (the trace included). docs/performance.md explains every column;
    'make bench' (scripts/bench.sh) runs it on the bench workloads.

    options:
      --repeat R             repetitions of each pass (default 3)
      --thresholds FILE      per-head thresholds (elsa-thresholds/1), as 'run --thresholds': both
                             passes then skip threshold learning
      --workload NAME        the workload's name in the table, JSON and CSV (default: the trace path)
      --process-times FILE   add a row for whole 'run' processes timed outside: one line per process
                             as scripts/bench.sh writes it (wall s, user s, system s,
                             peak KiB)
      --exact FILE           add the NumPy exact-attention pass (scripts/exact_attention_bench.py
                             --json) and a column: each pass's minimum wall time over NumPy's
      --json FILE            write the measurements as JSON
      --csv FILE             write one CSV row per pass
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "bench",
                                       options: ["config", "trace", "threads", "repeat", "set", "json", "csv", "workload",
                                                 "process-times", "exact", "thresholds"], flags: [])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "bench")
        let configPath = try args.required("config", command: "bench")
        let tracePath = try args.required("trace", command: "bench")
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let repeats = try args.int("repeat", default: 3, range: 1 ... 100)
        let workload = args.last("workload") ?? tracePath
        let processSamples = try args.last("process-times").map { path throws(UsageError) in
            guard case let .success(data) = InputFile.readDocument(path) else {
                throw UsageError.invalidValue(option: "--process-times", value: path, expected: "a readable file")
            }
            return try BenchInputs.processTimes(String(decoding: data, as: UTF8.self), path: path)
        }
        let exact = try args.last("exact").map { path throws(UsageError) in
            guard case let .success(data) = InputFile.readDocument(path) else {
                throw UsageError.invalidValue(option: "--exact", value: path, expected: "a readable file")
            }
            return try BenchInputs.exactPass(data, path: path)
        }
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: try args.overrides(), hashMatrix: nil,
                                               thresholdsPath: args.last("thresholds"))
        let (trace, load) = try ProcessMeter.measure { () throws(TraceError) in try TraceReader.read(path: tracePath, threads: threads) }
        try inputs.model.validate(trace: trace)
        let thresholds = try inputs.thresholdMatrix(for: trace)
        var functional: [BenchSample] = [], timed: [BenchSample] = []
        var pairs = (selected: 0, total: 0)
        var cycles: Int64 = 0
        for _ in 0 ..< repeats {
            let (p, f) = ProcessMeter.measure { ElsaSimulation.functionalPass(trace: trace, model: inputs.model, thresholds: thresholds, threads: threads) }
            pairs = p
            functional.append(f)
            let (result, t) = try ProcessMeter.measure { () throws(ConfigError) in
                try ElsaSimulation.run(trace: trace, traceName: tracePath, model: inputs.model, thresholds: thresholds,
                                       threads: threads, quality: false)
            }
            timed.append(t)
            cycles = result.cycles
        }
        var rows: [BenchRow] = []
        if let processSamples { rows.append(BenchRow(pass: "run (process)", samples: processSamples, pairs: pairs.total, cycles: cycles)) }
        rows.append(BenchRow(pass: "timed pass", samples: timed, pairs: pairs.total, cycles: cycles))
        rows.append(BenchRow(pass: "functional pass", samples: functional, pairs: pairs.total, cycles: nil))
        if let exact { rows.append(exact.row) }
        let exactSeconds = exact?.seconds
        let traceBytes = traceByteCount(trace)
        console.out("""
        elsa-sim bench — \(workload): \(trace.layers.count) layers × \(trace.queryHeads) heads, n = \(trace.n), d = \(trace.headDim)\
        \(trace.causal ? ", causal" : ""); config \(inputs.config.name); \(threads) thread(s); \(repeats) runs per pass
        trace \(tracePath): \(megabytes(traceBytes)) MB as float32, loaded in \(String(format: "%.3f", load.wall)) s; \
        \(pairs.total) query-key pairs, \(String(format: "%.1f", 100 * Double(pairs.selected) / Double(max(pairs.total, 1))))% selected; \
        \(cycles) simulated cycles

        """)
        console.out(table(rows, exactSeconds: exactSeconds))
        if let exact, exact.row.pairs != pairs.total {
            console.err("warning: the NumPy pass counted \(exact.row.pairs) pairs, the simulator \(pairs.total)\n")
        }
        if let json = args.last("json") {
            let doc: JSONValue = .object([
                "workload": .string(workload), "trace": .string(tracePath), "config": .string(inputs.config.name),
                "threads": .int(Int64(threads)), "repeat": .int(Int64(repeats)),
                "pairs": .int(Int64(pairs.total)), "selected_pairs": .int(Int64(pairs.selected)), "cycles": .int(cycles),
                "functional_seconds": .double(functional.map(\.wall).min() ?? .nan),
                "timed_seconds": .double(timed.map(\.wall).min() ?? .nan), "load_seconds": .double(load.wall),
                "trace_bytes": .int(Int64(traceBytes)),
                "passes": .array(rows.map { $0.json(exactSeconds: exactSeconds) }),
            ])
            try writeOutput(doc.pretty() + "\n", to: json, console: console)
        }
        if let csv = args.last("csv") { try writeOutput(csvText(rows, workload: workload, exactSeconds: exactSeconds), to: csv, console: console) }
        return ExitCode.success
    }

    /// The compact table: one line per pass.
    static func table(_ rows: [BenchRow], exactSeconds: Double?) -> String {
        var lines: [[String]] = [["pass", "wall min s", "median s", "CPU s", "pairs/s", "cycles/s", "peak MB"]
                                 + (exactSeconds == nil ? [] : ["× exact"])]
        for row in rows {
            lines.append([row.pass, String(format: "%.3f", row.wallMin), String(format: "%.3f", row.wallMedian),
                          String(format: "%.3f", row.cpuMedian), rate(row.pairsPerSecond), row.cyclesPerSecond.map(rate) ?? "—",
                          row.peakBytes.map(megabytes) ?? "—"]
                         + (exactSeconds.map { [String(format: "%.2f", row.wallMin / $0)] } ?? []))
        }
        return TextTable.render(lines, rightAligned: Set(1 ..< lines[0].count), ruleBefore: [1])
    }

    static let csvHeader = "workload,pass,wall_seconds_min,wall_seconds_median,cpu_seconds_median,query_key_pairs_per_second,"
        + "simulated_cycles_per_second,peak_bytes,ratio_to_exact,pairs,cycles"

    /// One CSV row per pass, after `csvHeader`; empty cells where a value does not apply.
    static func csvText(_ rows: [BenchRow], workload: String, exactSeconds: Double?) -> String {
        func quoted(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var out = csvHeader + "\n"
        for row in rows {
            let cells: [String] = [
                quoted(workload), quoted(row.pass), "\(row.wallMin)", "\(row.wallMedian)", "\(row.cpuMedian)", "\(row.pairsPerSecond)",
                row.cyclesPerSecond.map { "\($0)" } ?? "", row.peakBytes.map { "\($0)" } ?? "",
                exactSeconds.map { "\(row.wallMin / $0)" } ?? "", "\(row.pairs)", row.cycles.map { "\($0)" } ?? "",
            ]
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Bytes of the trace's arrays in memory (float32; a bias shared by layers counted once).
    static func traceByteCount(_ trace: AttentionTrace) -> Int {
        var elements = 0
        var biases: [ContiguousArray<Float>] = []
        for layer in trace.layers {
            elements += layer.q.storage.count + layer.k.storage.count + layer.v.storage.count + (layer.out?.storage.count ?? 0)
            if let bias = layer.bias?.storage, !biases.contains(where: { $0.withUnsafeBufferPointer { a in
                bias.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } } }) {
                biases.append(bias)
                elements += bias.count
            }
        }
        return elements * MemoryLayout<Float>.size
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }

    static func rate(_ perSecond: Double) -> String {
        perSecond >= 1e9 ? String(format: "%.2f G", perSecond / 1e9)
            : perSecond >= 1e6 ? String(format: "%.1f M", perSecond / 1e6) : String(format: "%.0f", perSecond)
    }
}
