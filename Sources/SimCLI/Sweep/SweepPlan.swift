import Foundation
import ElsaModel
import SimIO
import Workload

/// A sweep resolved and checked before any point runs (`docs/sweeps.md`): the traces read and
/// identified, the grid, and every point's config loaded and validated against its trace, with its
/// content hash. The first invalid point stops everything with its field and value.
struct SweepPlan: Sendable {
    let configPath: String
    let hashMatrix: String?
    let thresholdsPath: String?
    let grid: SweepGrid
    let traces: [AttentionTrace]
    /// `SweepConfigHash` of every point, in point order.
    let configHashes: [String]
    let configName: String

    static func make(configPath: String, tracePaths: [String], fixed: [(path: String, value: JSONValue)],
                     axes: [SweepAxis], hashMatrix: String?, thresholdsPath: String?) throws -> SweepPlan {
        var traces: [AttentionTrace] = []
        var identities: [TraceIdentity] = []
        for path in tracePaths {
            traces.append(try TraceReader.read(path: path))
            identities.append(try TraceIdentity.of(path: path))
        }
        // Two traces with one directory name: tell them apart by their content ids.
        let names = identities.map(\.name)
        for i in identities.indices where names.filter({ $0 == names[i] }).count > 1 {
            identities[i].name += "-" + identities[i].id.prefix(8)
        }
        let grid = try SweepGrid(traces: identities, axes: axes, fixed: fixed)
        var hashes: [String] = []
        hashes.reserveCapacity(grid.count)
        var name = ""
        for index in 0 ..< grid.count {
            let inputs: SimulationInputs
            do {
                inputs = try SimulationInputs.load(configPath: configPath, overrides: grid.overrides(at: index),
                                                   hashMatrix: hashMatrix, thresholdsPath: thresholdsPath)
                let trace = traces[grid.coordinates(index).trace]
                try inputs.model.validate(trace: trace)
                _ = try inputs.thresholdMatrix(for: trace)
            } catch let error as ConfigError {
                if case .unreadable = error { throw error }   // a missing file is not a point's fault
                throw SweepError.invalidPoint(index: index, count: grid.count, values: grid.label(at: index), message: error.description)
            }
            if index == 0 { name = inputs.config.name }
            hashes.append(SweepConfigHash.of(inputs.config))
        }
        return SweepPlan(configPath: configPath, hashMatrix: hashMatrix, thresholdsPath: thresholdsPath, grid: grid,
                         traces: traces, configHashes: hashes, configName: name)
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
        for (l, layer) in result.layers.enumerated() {
            for head in layer.heads {
                let selection = model.selectHead(trace: trace, layer: l, queryHead: head.head, threshold: head.threshold).selection
                precondition((parameters.exact ? selection.totalPairs : selection.selectedPairs) == head.selectedPairs,
                             "layer \(l) head \(head.head): reselected \(selection.selectedPairs) pairs, the simulation had \(head.selectedPairs)")
                total = total + SteadyStateBound(parameters: parameters, selection: selection)
            }
        }
        return total
    }

    /// Simulates point `index` on one thread and returns its row.
    func run(_ index: Int) throws -> SweepRow {
        let inputs = try SimulationInputs.load(configPath: configPath, overrides: grid.overrides(at: index),
                                               hashMatrix: hashMatrix, thresholdsPath: thresholdsPath)
        let traceIndex = grid.coordinates(index).trace
        let trace = traces[traceIndex]
        let result = try ElsaSimulation.run(trace: trace, traceName: grid.traces[traceIndex].name, model: inputs.model,
                                            thresholds: try inputs.thresholdMatrix(for: trace), threads: 1)
        let bound = Self.steadyStateBound(result: result, trace: trace, model: inputs.model)
        return SweepRow.make(index: index, trace: grid.traces[traceIndex], configHash: configHashes[index],
                             values: grid.values(at: index), config: inputs.config, result: result, tokens: trace.tokens,
                             bound: bound, simulator: BuildInfo.version)
    }
}
