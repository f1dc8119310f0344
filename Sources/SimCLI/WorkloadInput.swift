import SimStudies
import SimReports
import Accelerators
import Foundation
import ElsaModel
import SimIO
import Workload

/// A workload file (`elsa-workload/1`, `docs/workloads.md`) as the commands use it: read, cut to
/// `--layers`, statistics targets solved, named and hashed. Its layers are drawn on demand.
struct WorkloadInput: Sendable {
    /// The file as given on the command line (names it in messages and reports).
    let file: String
    let resolved: ResolvedWorkload
    /// Name (file name without `.json`) and content id (`trace_hash` of every report).
    let identity: TraceIdentity
    var traceHash: String { identity.id }

    var workload: AttentionWorkload { resolved.workload }

    /// Reads `file`, keeps its first `layers` layers when given, and solves its targets.
    static func load(file: String, layers: Int? = nil, threads: Int) throws -> WorkloadInput {
        var workload = try WorkloadReader.read(file: file)
        if let layers {
            guard layers <= workload.layerCount else {
                throw UsageError.invalidValue(option: "--layers", value: "\(layers)",
                                              expected: "at most the \(workload.layerCount) layers of \(file)")
            }
            workload = workload.prefix(layers: layers)
        }
        let resolved = try WorkloadReader.resolve(workload, file: file, threads: threads)
        return WorkloadInput(file: file, resolved: resolved, identity: WorkloadReader.identity(workload, file: file))
    }

    /// The `--workload` file of a command that also takes `--trace`, or `nil` when `--trace` is used.
    /// Refuses both at once, `--trace` naming a workload file, and `--layers` without `--workload`.
    static func path(_ args: ParsedArguments, command: String) throws(UsageError) -> String? {
        let workload = args.last("workload")
        if let workload, let trace = args.last("trace") {
            throw .invalidValue(option: "--workload", value: workload,
                                expected: "either --workload or --trace, not both (--trace \(trace) was given too)")
        }
        try refuseWorkloads(asTraces: args.all("trace"))
        if workload == nil, let layers = args.last("layers") {
            throw .invalidValue(option: "--layers", value: layers, expected: "--workload FILE as well (it cuts a workload)")
        }
        return workload
    }

    /// Refuses a `--trace` that names a workload file, pointing at `--workload` (run, sweep, compare).
    static func refuseWorkloads(asTraces tracePaths: [String]) throws(UsageError) {
        for path in tracePaths where WorkloadReader.isWorkload(file: path) {
            throw .invalidValue(option: "--trace", value: path, expected: "a trace directory; \(path) is a workload file: use --workload \(path)")
        }
    }

    /// The whole workload as one trace in memory (`compare`, `quality`, A^3, sweeps), or a usage error
    /// when its layers differ in shape (one trace has one n, d and head count) or it would not fit the
    /// trace limits.
    func materialized(option: String, threads: Int) throws(UsageError) -> AttentionTrace {
        try checkMaterializable(option: option)
        return resolved.trace(threads: threads)!   // one shape: checked
    }

    /// What `materialized` refuses, checked without drawing anything.
    func checkMaterializable(option: String) throws(UsageError) {
        let perLayer = workload.entries.map { Double($0.heads) * Double($0.n) * Double($0.headDim) + 2 * Double($0.kvHeads) * Double($0.n) * Double($0.headDim) }
        let values = zip(workload.entries, perLayer).reduce(0.0) { $0 + Double($1.0.repeatCount) * $1.1 }
        guard workload.isUniform else {
            throw .invalidValue(option: option, value: file,
                                expected: "a workload whose layers share one shape here (n, tokens, heads, kv_heads, head_dim, causal); "
                                    + "'run' simulates mixed shapes head by head, or split the file")
        }
        guard values <= Double(TraceReader.maxTraceElements) else {
            throw .invalidValue(option: option, value: file,
                                expected: "at most \(TraceReader.maxTraceElements) q, k, v values in memory here; this workload has "
                                    + String(format: "%.3g", values) + " ('run' draws one head at a time; or --layers / fewer \"repeat\")")
        }
    }
}
