import Foundation
import ElsaModel
import SimIO
import Workload

/// ELSA on a workload, one layer at a time: each layer is drawn, simulated with `ElsaSimulation.run`
/// and dropped before the next, so memory holds one layer's q, k, v whatever the layer count. The
/// layers' results are merged in layer order (`HeadResult.layer` renumbered to the workload's layer).
enum WorkloadSimulation {
    static func run(_ input: WorkloadInput, model: ElsaFunctionalModel, engine: TimingEngine, threads: Int,
                    quality: Bool, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ConfigError) -> SimulationResult {
        let workload = input.workload
        for entry in workload.entries { try model.validate(trace: shapeProbe(entry)) }   // before drawing any layer
        let entryOf = workload.entryOfLayer
        let totalHeads = entryOf.reduce(0) { $0 + workload.entries[$1].heads }
        var layers: [LayerResult] = []
        var first: SimulationResult? = nil
        var headsBefore = 0
        for l in 0 ..< workload.layerCount {
            let trace = input.resolved.layerTrace(l, threads: threads)
            let offset = headsBefore
            var layerProgress: (@Sendable (Int, Int) -> Void)? = nil
            if let progress { layerProgress = { done, _ in progress(offset + done, totalHeads) } }
            let result = try ElsaSimulation.run(trace: trace, traceName: input.file, model: model, thresholds: nil, engine: engine,
                                                threads: threads, quality: quality, progress: layerProgress)
            var layer = result.layers[0]
            for h in layer.heads.indices { layer.heads[h].layer = l }
            layers.append(layer)
            headsBefore += trace.queryHeads
            if first == nil { first = result }
        }
        let r = first!   // a workload has at least one layer
        var merged = SimulationResult(configName: r.configName, traceName: input.file, thresholds: r.thresholds, clockGHz: r.clockGHz,
                                      layers: layers, headDim: r.headDim, hashBits: r.hashBits, approximate: r.approximate)
        merged.bias = r.bias
        return merged
    }

    /// A one-head all-zero trace of `entry`'s n, tokens and d: what `ElsaFunctionalModel.validate` checks.
    static func shapeProbe(_ entry: WorkloadLayer) -> AttentionTrace {
        let zero = Tensor3(heads: 1, rows: entry.n, dim: entry.headDim)
        return AttentionTrace(model: "probe", causal: entry.causal, tokens: entry.realTokens,
                              layers: [AttentionLayer(name: "probe", q: zero, k: zero, v: zero)])
    }

    /// ELSA IV-D's per-query bound over every head of the workload, layer by layer (`SweepPlan.steadyStateBound`).
    static func steadyStateBound(result: SimulationResult, input: WorkloadInput, model: ElsaFunctionalModel) -> SteadyStateBound {
        var total = SteadyStateBound()
        for (l, layer) in result.layers.enumerated() {
            var one = result
            one.layers = [layer]
            total = total + SweepPlan.steadyStateBound(result: one, trace: input.resolved.layerTrace(l), model: model)
        }
        return total
    }
}
