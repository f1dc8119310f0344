import Dispatch
import Foundation
import SimCore
import Workload

/// Simulates every head invocation of a trace on one A^3 config: the functional model picks the kept
/// keys, `A3Pipeline` turns the per-query work into cycles on SimCore's engine, the host cost model
/// adds the preprocessing. Heads run in parallel and merge in (layer, head) order, so results do not
/// depend on the thread count.
public enum A3Simulation {
    /// - Parameters:
    ///   - threads: worker threads (≥ 1).
    ///   - measure: called once per head with its selection (from worker threads); its values come
    ///     back per `[layer][head]` (the CLI measures approximation quality with it).
    /// - Precondition: the trace fits the config (`A3Config.mismatch` is `nil`).
    public static func run<Measure: Sendable>(trace: AttentionTrace, traceName: String, config: A3Config, threads: Int = 1,
                                              measure: @escaping @Sendable (Int, Int, A3HeadSelection) -> Measure)
        -> (result: A3SimulationResult, measures: [[Measure]]) {
        precondition(config.mismatch(headDim: trace.headDim, tokens: trace.tokens) == nil, "trace does not fit the A^3 config")
        let model = A3FunctionalModel(config: config)
        let rules = A3TimingRules(config: config)
        let heads = trace.queryHeads
        let items = trace.layers.count * heads
        let slots = Slots<(A3HeadResult, Measure)>(count: items)
        let workers = max(1, min(threads, items))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var item = worker
            while item < items {
                let layer = item / heads, head = item % heads
                let selection = model.selectHead(trace: trace, layer: layer, queryHead: head)
                let timing = A3Pipeline.simulate(stages: rules.stages, durations: rules.durations(selection.work))
                let preprocessing = config.approximation.enabled
                    ? config.preprocessing.cycles(columns: trace.headDim, keys: trace.tokens) : 0
                let result = A3HeadResult(layer: layer, head: head, unit: head % config.units,
                                          preprocessingCycles: preprocessing, pipeline: timing,
                                          selectedPairs: selection.selectedPairs, candidatePairs: selection.candidatePairs,
                                          totalPairs: selection.totalPairs, iterations: selection.iterations)
                slots.store((result, measure(layer, head, selection)), at: item)
                item += workers
            }
        }
        let all = slots.values()
        let layers = trace.layers.enumerated().map { l, layer in
            A3LayerResult(name: layer.name, heads: all[l * heads ..< (l + 1) * heads].map(\.0), units: config.units)
        }
        let measures = (0 ..< trace.layers.count).map { l in all[l * heads ..< (l + 1) * heads].map(\.1) }
        return (A3SimulationResult(configName: config.name, traceName: traceName, clockGHz: config.clockGHz,
                                   approximate: config.approximation.enabled, layers: layers), measures)
    }

    /// The simulation without per-head measurements.
    public static func run(trace: AttentionTrace, traceName: String, config: A3Config, threads: Int = 1) -> A3SimulationResult {
        run(trace: trace, traceName: traceName, config: config, threads: threads, measure: { _, _, _ in 0 }).result
    }
}

/// Fixed slots that worker threads fill by index, each once: the deterministic merge of parallel results.
final class Slots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) {
        lock.lock()
        precondition(slots[index] == nil, "result slot \(index) written twice")
        slots[index] = value
        lock.unlock()
    }

    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.enumerated().map { i, v in
            guard let v else { preconditionFailure("result slot \(i) never written") }
            return v
        }
    }
}
