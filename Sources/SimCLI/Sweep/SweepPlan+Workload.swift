import SimStudies
import SimReports
import Accelerators
import Foundation
import ElsaModel
import SimIO
import Workload

// Workload files (`--workload`, spec `"workloads"`) as traces of a sweep (`docs/workloads.md`, "Sweeps").
extension SweepPlan {
    /// Reads workload `path` for a sweep: one shape for all its layers (a row carries one n, head_dim,
    /// heads, kv_heads), no thresholds file. Returns it with a one-head all-zero trace of its shape (for the
    /// checks of every point's config; the points draw the real layers).
    static func workload(_ path: String, thresholdsPath: String?) throws -> (WorkloadInput, AttentionTrace) {
        if let thresholdsPath {
            throw UsageError.invalidValue(option: "--thresholds", value: thresholdsPath,
                                          expected: "no thresholds file with --workload (thresholds are learned on the workload's layers)")
        }
        let input = try WorkloadInput.load(file: path, threads: ProcessInfo.processInfo.activeProcessorCount)
        guard input.workload.isUniform else {
            throw UsageError.invalidValue(option: "--workload", value: path,
                                          expected: "layers of one shape in a sweep (a row carries one n, head_dim, heads, kv_heads); "
                                              + "split the file into one workload per shape and pass each with --workload")
        }
        return (input, WorkloadSimulation.shapeProbe(input.workload.entries[0]))
    }

    /// A point's config must learn its thresholds on a workload (`approximation.mode` thresholds-file names a trace's).
    static func checkNoThresholds(_ inputs: SimulationInputs) throws(ConfigError) {
        if inputs.thresholds != nil {
            throw .inconsistent(path: "approximation.mode",
                                message: "\"thresholds-file\" with a workload: thresholds files belong to a trace; use \"learned\" on a workload")
        }
    }

    /// Simulates ELSA point `index` on a workload, head by head on one thread (`WorkloadSimulation`).
    func runWorkload(_ index: Int, workload: WorkloadInput, inputs: SimulationInputs) throws -> SweepRow {
        let traceIndex = grid.coordinates(index).trace
        let result = try WorkloadSimulation.run(workload, model: inputs.model, engine: .event, threads: 1, quality: true)
        let bound = WorkloadSimulation.steadyStateBound(result: result, input: workload, model: inputs.model)
        let e = workload.workload.entries[0]
        let shape = SweepTraceShape(tokens: e.realTokens, headDim: e.headDim, layers: workload.workload.layerCount,
                                    heads: e.heads, kvHeads: e.kvHeads)
        return SweepRow.make(index: index, trace: grid.traces[traceIndex], configHash: configHashes[index],
                             values: grid.values(at: index), config: inputs.config, result: result, tokens: e.realTokens,
                             shape: shape, bound: bound, simulator: BuildInfo.version)
    }
}
