import Foundation
import A3Model
import Accelerators
import ElsaModel
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload

/// A sweep resolved and checked before any point runs (`docs/sweeps.md`): the traces read and
/// identified, the grid, and every point's config loaded and validated against its trace, with its
/// content hash. The first invalid point stops everything with its field and value. The base config
/// picks the accelerator of every point (`AcceleratorRegistry`): ELSA rows carry ELSA's own metrics;
/// any other model's rows are built from the common schema (`docs/sweeps.md`, "A^3 sweeps"); one sweep
/// never mixes accelerators.
struct SweepPlan: Sendable {
    let configPath: String
    /// The model of the base config.
    let model: any AcceleratorModel.Type
    var isElsa: Bool { model == ElsaAccelerator.self }
    let hashMatrix: String?
    let thresholdsPath: String?
    let grid: SweepGrid
    let traces: [AttentionTrace]
    /// Per trace index: the workload file it came from (`--workload`), or `nil` for a trace directory. A
    /// workload's entry in `traces` is a one-head all-zero trace of its shape (for checks); points draw every layer.
    var workloads: [WorkloadInput?] = []
    /// `ConfigIdentity.hash(of:)` of every point, in point order.
    let configHashes: [String]
    let configName: String

    static func make(configPath: String, tracePaths: [String], workloadPaths: [String] = [], fixed: [(path: String, value: JSONValue)],
                     axes: [SweepAxis], hashMatrix: String?, thresholdsPath: String?) throws -> SweepPlan {
        var traces: [AttentionTrace] = []
        var identities: [TraceIdentity] = []
        var workloads: [WorkloadInput?] = []
        for path in tracePaths {
            let trace = try TraceReader.read(path: path)
            traces.append(trace)
            identities.append(TraceIdentity(path: path, trace: trace))
            workloads.append(nil)
        }
        for path in workloadPaths {
            let (input, shape) = try SweepPlan.workload(path, thresholdsPath: thresholdsPath)
            traces.append(shape)
            identities.append(input.identity)
            workloads.append(input)
        }
        // Two traces with one directory name: tell them apart by their content ids.
        let names = identities.map(\.name)
        for i in identities.indices where names.filter({ $0 == names[i] }).count > 1 {
            identities[i].name += "-" + identities[i].id.prefix(8)
        }
        let grid = try SweepGrid(traces: identities, axes: axes, fixed: fixed)
        let model = try AcceleratorRegistry.modelType(file: configPath)
        let isElsa = model == ElsaAccelerator.self
        if !isElsa { for case let workload? in workloads { try workload.checkMaterializable(option: "--workload") } }   // drawn whole
        try checkOneAccelerator(model: model, fields: fixed.map(\.path) + axes.flatMap(\.fields),
                                hashMatrix: hashMatrix, thresholdsPath: thresholdsPath)
        var hashes: [String] = []
        hashes.reserveCapacity(grid.count)
        var name = ""
        for index in 0 ..< grid.count where !isElsa {
            do {
                let point = try model.load(file: configPath, options: LoadOptions(overrides: grid.overrides(at: index)))
                try point.validate(trace: traces[grid.coordinates(index).trace])
                if index == 0 { name = point.configName }
                hashes.append(point.configHash)
            } catch let error as ConfigError {
                if case .unreadable = error { throw error }
                throw SweepError.invalidPoint(index: index, count: grid.count, values: grid.label(at: index), message: error.description)
            }
        }
        for index in 0 ..< grid.count where isElsa {
            let inputs: SimulationInputs
            do {
                inputs = try SimulationInputs.load(configPath: configPath, overrides: grid.overrides(at: index),
                                                   hashMatrix: hashMatrix, thresholdsPath: thresholdsPath)
                let trace = traces[grid.coordinates(index).trace]
                try inputs.model.validate(trace: trace)
                if workloads[grid.coordinates(index).trace] != nil { try Self.checkNoThresholds(inputs) }
                else { _ = try inputs.thresholdMatrix(for: trace) }
            } catch let error as ConfigError {
                if case .unreadable = error { throw error }   // a missing file is not a point's fault
                throw SweepError.invalidPoint(index: index, count: grid.count, values: grid.label(at: index), message: error.description)
            }
            if index == 0 { name = inputs.config.name }
            hashes.append(ConfigIdentity.hash(of: inputs.config))
        }
        var plan = SweepPlan(configPath: configPath, model: model, hashMatrix: hashMatrix, thresholdsPath: thresholdsPath, grid: grid,
                             traces: traces, configHashes: hashes, configName: name)
        plan.workloads = workloads
        return plan
    }

    /// Refuses what would mix accelerators or give a non-ELSA sweep ELSA-only inputs: sweeping or fixing
    /// `accelerator` / `format` (a sweep runs the base config's accelerator), and `--hash-matrix` /
    /// `--thresholds` with a base config of another model.
    static func checkOneAccelerator(model: any AcceleratorModel.Type, fields: [String], hashMatrix: String?,
                                    thresholdsPath: String?) throws(UsageError) {
        if let field = fields.first(where: { $0 == "accelerator" || $0 == "format" }) {
            throw .invalidValue(option: "--set", value: field, expected: "no \(field): a sweep runs the accelerator of its --config "
                + "(ELSA or A^3) for every point; sweep ELSA and A^3 configs separately and put them side by side with 'elsa-sim compare'")
        }
        guard model != ElsaAccelerator.self else { return }
        let name = model == A3Accelerator.self ? "an A^3" : "an \"\(model.accelerator)\""
        for (option, value) in [("--hash-matrix", hashMatrix), ("--thresholds", thresholdsPath)] {
            if let value {
                throw .invalidValue(option: option, value: value, expected: "no \(option) with \(name) --config (it is an ELSA input)")
            }
        }
    }

    /// `FNV1a64` of all point config hashes, in order.
    var configsHash: String { FNV1a64.of(configHashes.joined(separator: "\n")) }

    func header(shard: SweepShard) -> SweepHeader {
        SweepHeader(grid: grid, shard: shard, configName: configName, configsHash: configsHash)
    }

    /// ELSA IV-D's per-query bound over every head: each head's candidates chosen again with the
    /// threshold the simulation used (selection is cheap next to threshold learning and timing).
    static func steadyStateBound(result: SimulationResult, trace: AttentionTrace, model: ElsaFunctionalModel) -> SteadyStateBound {
        let parameters = TimingParameters(config: model.config)
        var total = SteadyStateBound()
        // numerics.mode elsa: the hardware's own selection (docs/numerics.md §7).
        let hardware = model.config.numerics.mode == .elsa ? HardwareDatapath(config: model.config, projection: model.projection) : nil
        for (l, layer) in result.layers.enumerated() {
            for head in layer.heads {
                let selection = hardware?.select(trace: trace, layer: l, queryHead: head.head, threshold: head.threshold).0
                    ?? model.selectHead(trace: trace, layer: l, queryHead: head.head, threshold: head.threshold).selection
                precondition((parameters.exact ? selection.totalPairs : selection.selectedPairs) == head.selectedPairs,
                             "layer \(l) head \(head.head): reselected \(selection.selectedPairs) pairs, the simulation had \(head.selectedPairs)")
                total = total + SteadyStateBound(parameters: parameters, selection: selection, capacity: model.config.keyMemoryCapacity)
            }
        }
        return total
    }

    /// Simulates point `index` on one thread and returns its row.
    func run(_ index: Int) throws -> SweepRow {
        if !isElsa {
            let point = try model.load(file: configPath, options: LoadOptions(overrides: grid.overrides(at: index)))
            return try runModel(point, index)
        }
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: grid.overrides(at: index),
                                               hashMatrix: hashMatrix, thresholdsPath: thresholdsPath)
        let traceIndex = grid.coordinates(index).trace
        if let workload = workloads[traceIndex] { return try runWorkload(index, workload: workload, inputs: inputs) }
        let trace = traces[traceIndex]
        let result = try ElsaSimulation.run(trace: trace, traceName: grid.traces[traceIndex].name, model: inputs.model,
                                            thresholds: try inputs.thresholdMatrix(for: trace), threads: 1)
        let bound = Self.steadyStateBound(result: result, trace: trace, model: inputs.model)
        return SweepRow.make(index: index, trace: grid.traces[traceIndex], configHash: configHashes[index],
                             values: grid.values(at: index), config: inputs.config, result: result, tokens: trace.tokens,
                             shape: SweepTraceShape(trace: trace), bound: bound, simulator: BuildInfo.version)
    }

    /// Simulates point `index` of a model other than ELSA on one thread, as `elsa-sim run` does (with
    /// quality), and returns its row in the common schema.
    func runModel<Model: AcceleratorModel>(_ model: Model, _ index: Int) throws -> SweepRow {
        let traceIndex = grid.coordinates(index).trace
        let trace = try workloads[traceIndex]?.materialized(option: "--workload", threads: 1) ?? traces[traceIndex]
        let result = try model.simulate(trace: trace, traceName: grid.traces[traceIndex].name, options: SimulationOptions(threads: 1),
                                        progress: nil)
        return SweepRow.make(index: index, trace: grid.traces[traceIndex], configHash: configHashes[index],
                             values: grid.values(at: index), run: model.common(result), extras: model.runExtras(result),
                             shape: SweepTraceShape(trace: trace), simulator: BuildInfo.version)
    }
}
