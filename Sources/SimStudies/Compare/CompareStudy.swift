import Foundation
import Accelerators
import ElsaModel
import SimIO
import SimReports
import Workload

/// `elsa-sim compare` as a study (`docs/sweeps.md`, "Compare"): every config — of any accelerator, the
/// config's `"accelerator"` field picks the model — times every combination of the multi-valued
/// `--set` axes, on every trace, in the common schema (`AcceleratorRun`), assembled into a
/// `CompareReport` (speedup over the baseline; latency normalized to the ideal accelerator when one is
/// among the configs, ELSA Fig. 11(b)). No CLI dependency: the command parses the arguments and
/// passes callbacks for warnings and progress.
public enum CompareStudy {
    /// An input other than a trace directory (a workload file): its path, and how to draw it as one
    /// trace with its identity. Reported after the trace directories, in the given order.
    public struct Input: Sendable {
        public var path: String
        public var read: @Sendable () throws -> (trace: AttentionTrace, identity: TraceIdentity)

        public init(path: String, read: @escaping @Sendable () throws -> (trace: AttentionTrace, identity: TraceIdentity)) {
            self.path = path
            self.read = read
        }
    }

    /// - Parameters:
    ///   - labels: one per config, or empty (the config's name).
    ///   - baseline: the 0-based baseline variant, given the number of variants (may throw a usage error).
    ///   - warn: called once per trace before it runs (e.g. a huge-trace warning).
    ///   - progress: (text, done) after each head.
    public static func run(configs: [String], labels: [String], axes: [SweepAxis], fixed: [(path: String, value: JSONValue)],
                           tracePaths: [String], otherInputs: [Input] = [], simulator: String, options: SimulationOptions,
                           baseline: (Int) throws -> Int, warn: (AttentionTrace) -> Void,
                           progress: @escaping @Sendable (String, Bool) -> Void) throws -> CompareReport {
        // Variants: config × the product of the multi-valued --set axes; all loaded and checked first.
        // An exact-mode config ignores approximation.*: its variants that differ only there are one.
        let grid = try SweepGrid(traces: [TraceIdentity(name: "-", id: "-")], axes: axes, fixed: fixed)
        var variants: [(model: any AcceleratorModel, variant: CompareReport.Variant, file: String)] = []
        for (c, path) in configs.enumerated() {
            var seen: Set<String> = []
            for point in 0 ..< grid.count {
                let model: any AcceleratorModel
                do {
                    model = try AcceleratorRegistry.load(file: path, options: LoadOptions(overrides: grid.overrides(at: point)))
                } catch let error as ConfigError {
                    if grid.count == 1 { throw error }
                    throw SweepError.invalidPoint(index: point, count: grid.count, values: "\(path), \(grid.label(at: point))", message: error.description)
                }
                let relevant = grid.values(at: point).filter { !model.ignoresOverride($0.field) }
                let swept = relevant.map { "\(SweepCharts.short($0.field))=\(SweepAxis.text($0.value))" }
                guard seen.insert(swept.joined(separator: " ")).inserted else { continue }
                let name = labels.isEmpty ? model.configName : labels[c]
                let overrides = grid.overrides(at: point).filter { !model.ignoresOverride($0.path) }
                    .map { "\($0.path)=\(SweepAxis.text($0.value))" }
                variants.append((model, CompareReport.Variant(label: ([name] + swept).joined(separator: " "), configName: model.configName,
                                                              configHash: model.configHash, overrides: overrides,
                                                              effectiveConfig: model.effectiveConfig), path))
            }
        }
        // Two variants with one label (two files with one config name): add the file name.
        for i in variants.indices where variants.filter({ $0.variant.label == variants[i].variant.label }).count > 1 {
            variants[i].variant.label += " (\(URL(fileURLWithPath: variants[i].file).lastPathComponent))"
        }
        let baselineIndex = try baseline(variants.count)

        let count = variants.count
        let start = Date()
        var traces: [TraceIdentity] = []
        var traceHashes: [String] = []
        var results: [[AcceleratorRun]] = []
        var summaries: [[RunSummary?]] = []
                let inputs = tracePaths.map { path in
            Input(path: path) { let trace = try TraceReader.read(path: path); return (trace, TraceIdentity(path: path, trace: trace)) }
        } + otherInputs
        for input in inputs {
            let (trace, identity) = try input.read()
            warn(trace)
            var row: [AcceleratorRun] = []
            var rowSummaries: [RunSummary?] = []
            for (i, v) in variants.enumerated() {
                let (run, summary) = try simulate(v.model, trace: trace, traceName: identity.name,
                                                  options: options, simulator: simulator) { done, total in
                    progress("compare: \(identity.name), variant \(i + 1)/\(count): \(done)/\(total) heads",
                             done == total && i == count - 1)
                }
                row.append(run)
                rowSummaries.append(summary)
            }
            traces.append(identity)
            traceHashes.append(identity.id)
            summaries.append(rowSummaries)
            results.append(row)
        }
        let host = BatchHostStatistics(wallSeconds: Date().timeIntervalSince(start), threads: options.threads,
                               simulations: count * inputs.count, unit: "variants")
        let provenance = CompareProvenance(simulatorVersion: simulator,
                                           configHashes: variants.map { $0.model.configHash }, traceHashes: traceHashes)
        return CompareReport(variants: variants.map(\.variant), traces: traces, runs: results, baseline: baselineIndex,
                                   summaries: summaries, provenance: provenance, host: host,
                                   assumptions: variants.map { $0.model.assumptions(evaluatedTraces: inputs.map(\.path)) })
    }

    /// One variant on one trace, in the common schema, with the model's whole-trace summary (if any).
    static func simulate<Model: AcceleratorModel>(_ model: Model, trace: AttentionTrace, traceName: String, options: SimulationOptions,
                                                  simulator: String,
                                                  progress: @escaping @Sendable (Int, Int) -> Void) throws -> (AcceleratorRun, RunSummary?) {
        let result = try model.simulate(trace: trace, traceName: traceName, options: options, progress: progress)
        return (model.common(result), model.summary(result, simulator: simulator))
    }
}
