import SimStudies
import SimReports
import Accelerators
import Foundation
import ElsaModel
import SimIO
import Workload

/// ELSA on a workload, head by head: each (layer, query head) is drawn alone with its key/value head
/// (`SyntheticTraceGenerator.generateHead`, exactly that head's slices of the layer), simulated with
/// `ElsaSimulation.run` as a one-head trace and dropped, so memory holds one head's q, k and v per worker
/// thread whatever the layer and head counts. A head's result depends on that head's q, k, v alone
/// (its threshold, selection, timing and quality; `docs/model.md`), so it is the head's result in the
/// whole trace once renumbered (`layer`, `head`, `accelerator = head mod accelerators`); each layer's
/// result is then formed from its heads in head order (`LayerResult`, `docs/model.md` §1), whatever the
/// thread count.
enum WorkloadSimulation {
    static func run(_ input: WorkloadInput, model: ElsaFunctionalModel, engine: TimingEngine, threads: Int,
                    quality: Bool, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ConfigError) -> SimulationResult {
        let workload = input.workload
        for entry in workload.entries { try model.validate(trace: shapeProbe(entry)) }   // before drawing anything
        let entryOf = workload.entryOfLayer
        let totalHeads = entryOf.reduce(0) { $0 + workload.entries[$1].heads }
        let accelerators = model.config.accelerators
        let counter = ProgressCounter()
        var layers: [LayerResult] = []
        var first: SimulationResult? = nil
        for l in 0 ..< workload.layerCount {
            let generator = input.resolved.generators[entryOf[l]]
            let description = input.resolved.notes[entryOf[l]]
            let outcomes = ParallelSlots<Result<SimulationResult, ConfigError>>.map(count: generator.heads, threads: threads) { h in
                let trace = AttentionTrace(model: generator.model, description: description, scale: generator.scale,
                                           causal: generator.causal, tokens: generator.tokens,
                                           layers: [generator.generateHead(layer: l, queryHead: h)])
                let outcome = Result { () throws(ConfigError) -> SimulationResult in
                    try ElsaSimulation.run(trace: trace, traceName: input.file, model: model, thresholds: nil, engine: engine,
                                           threads: 1, quality: quality)
                }
                if let progress { counter.increment { progress($0, totalHeads) } }
                return outcome
            }
            var heads: [HeadResult] = []
            for (h, outcome) in outcomes.enumerated() {
                let result = try outcome.get()
                var head = result.layers[0].heads[0]
                head.layer = l
                head.head = h
                head.accelerator = h % accelerators
                heads.append(head)
                if first == nil { first = result }
            }
            layers.append(LayerResult(name: "layer\(l)", heads: heads, accelerators: accelerators))
        }
        let r = first!   // a workload has at least one layer of at least one head
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

    /// ELSA IV-D's per-query bound over every head of the workload (`SweepPlan.steadyStateBound`), each
    /// head drawn again alone.
    static func steadyStateBound(result: SimulationResult, input: WorkloadInput, model: ElsaFunctionalModel) -> SteadyStateBound {
        var total = SteadyStateBound()
        let entryOf = input.workload.entryOfLayer
        for (l, layer) in result.layers.enumerated() {
            let generator = input.resolved.generators[entryOf[l]]
            for var head in layer.heads {
                let trace = AttentionTrace(model: generator.model, scale: generator.scale, causal: generator.causal,
                                           tokens: generator.tokens, layers: [generator.generateHead(layer: l, queryHead: head.head)])
                head.head = 0
                var one = result
                one.layers = [LayerResult(name: layer.name, heads: [head], accelerators: 1)]
                total = total + SweepPlan.steadyStateBound(result: one, trace: trace, model: model)
            }
        }
        return total
    }
}
