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
    usage: elsa-sim bench --config FILE --trace DIR [--threads N] [--repeat R] [--set PATH=VALUE ...] [--json FILE]

    Times, on one trace, (1) the functional-only pass (threshold learning + candidate selection, no
    timing) and (2) the timed simulation (the same plus the cycle model and the analytic cross-check;
    the approximation-quality metrics, 'run --no-quality', are left out), each the best of R runs,
    and prints wall time, query-key pairs per second, simulated cycles per second and the ratio of the two.
    """

    static func main(_ arguments: [String], console: Console) throws -> Int32 {
        let args = try ParsedArguments(arguments, command: "bench", options: ["config", "trace", "threads", "repeat", "set", "json"], flags: [])
        if args.has("help") { console.out(help + "\n"); return ExitCode.success }
        try args.noPositional(command: "bench")
        let configPath = try args.required("config", command: "bench")
        let tracePath = try args.required("trace", command: "bench")
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1 ... 1024)
        let repeats = try args.int("repeat", default: 3, range: 1 ... 100)
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: try args.overrides(), hashMatrix: nil, thresholdsPath: nil)
        var clock = Date()
        let trace = try TraceReader.read(path: tracePath)
        let loadSeconds = Date().timeIntervalSince(clock)
        try inputs.model.validate(trace: trace)
        var functional = Double.infinity, timed = Double.infinity
        var pairs = (selected: 0, total: 0)
        var cycles: Int64 = 0
        for _ in 0 ..< repeats {
            clock = Date()
            pairs = ElsaSimulation.functionalPass(trace: trace, model: inputs.model, threads: threads)
            functional = min(functional, Date().timeIntervalSince(clock))
            clock = Date()
            let result = try ElsaSimulation.run(trace: trace, traceName: tracePath, model: inputs.model, threads: threads, quality: false)
            timed = min(timed, Date().timeIntervalSince(clock))
            cycles = result.cycles
        }
        let heads = trace.layers.count * trace.queryHeads
        let rows: [[String]] = [
            ["pass", "wall s", "pairs/s", "simulated cycles/s"],
            ["functional only", String(format: "%.3f", functional), rate(Double(pairs.total) / functional), "—"],
            ["timed simulation", String(format: "%.3f", timed), rate(Double(pairs.total) / timed), rate(Double(cycles) / timed)],
        ]
        console.out("""
        elsa-sim bench — \(tracePath): \(trace.layers.count) layers × \(trace.queryHeads) heads, n = \(trace.n), d = \(trace.headDim); \
        config \(inputs.config.name); \(threads) thread(s); best of \(repeats)
        trace load \(String(format: "%.3f", loadSeconds)) s; \(heads) heads; \(pairs.total) query-key pairs, \
        \(String(format: "%.1f", 100 * Double(pairs.selected) / Double(max(pairs.total, 1))))% selected; \(cycles) simulated cycles

        """)
        console.out(TextTable.render(rows, rightAligned: [1, 2, 3], ruleBefore: [1]))
        console.out(String(format: "timed / functional = %.2f×\n", timed / functional))
        if let json = args.last("json") {
            let doc: JSONValue = .object([
                "trace": .string(tracePath), "config": .string(inputs.config.name), "threads": .int(Int64(threads)),
                "pairs": .int(Int64(pairs.total)), "selected_pairs": .int(Int64(pairs.selected)), "cycles": .int(cycles),
                "functional_seconds": .double(functional), "timed_seconds": .double(timed), "load_seconds": .double(loadSeconds),
            ])
            try writeOutput(doc.pretty() + "\n", to: json, console: console)
        }
        return ExitCode.success
    }

    static func rate(_ perSecond: Double) -> String {
        perSecond >= 1e9 ? String(format: "%.2f G", perSecond / 1e9)
            : perSecond >= 1e6 ? String(format: "%.1f M", perSecond / 1e6) : String(format: "%.0f", perSecond)
    }
}
