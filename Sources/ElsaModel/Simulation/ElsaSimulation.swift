import Dispatch
import SimCore
import Workload

/// Which timing implementation simulates a head: the discrete-event pipeline (fast, the default) or the
/// cycle-stepped reference model (the test oracle, `docs/validation.md`). Both follow `docs/model.md`.
public enum TimingEngine: String, Sendable, CaseIterable {
    case event
    case reference
}

/// Simulates every head invocation of a trace on one ELSA config: the functional model picks the
/// candidates, the timing engine turns them into cycles, heads run in parallel and are merged in
/// (layer, head) order so results do not depend on the thread count.
public enum ElsaSimulation {
    /// - Parameters:
    ///   - thresholds: per `[layer][head]` thresholds from a file; `nil` learns them on the trace
    ///     (`learned` mode) or needs none (exact).
    ///   - threads: worker threads (≥ 1).
    ///   - quality: measure each head's approximation quality against exact attention
    ///     (`ApproximationQuality`, O(n²·d) per head; `docs/quality.md`); `false` leaves it `nil`.
    ///   - progress: called after each head with (heads done, heads total), from worker threads, one
    ///     call at a time and with `done` increasing by one per call.
    public static func run(trace: AttentionTrace, traceName: String, model: ElsaFunctionalModel,
                           thresholds: [[Double?]]? = nil, engine: TimingEngine = .event, threads: Int = 1,
                           quality: Bool = true,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ConfigError) -> SimulationResult {
        let config = model.config
        try model.validate(trace: trace)
        if let thresholds {
            guard thresholds.count == trace.layers.count, thresholds.allSatisfy({ $0.count == trace.queryHeads }) else {
                throw .inconsistent(path: "approximation.thresholds_file",
                                    message: "the thresholds cover \(thresholds.count) layers × \(thresholds.first?.count ?? 0) heads; the trace has \(trace.layers.count) × \(trace.queryHeads)")
            }
        } else if config.approximation.mode == .thresholdsFile && !model.isExact {
            throw .inconsistent(path: "approximation.thresholds_file", message: "mode \"thresholds-file\" needs a thresholds file")
        }
        let parameters = TimingParameters(config: config)
        let heads = trace.queryHeads
        let items = trace.layers.count * heads
        let counter = ProgressCounter()
        let hardware = config.numerics.mode == .elsa ? HardwareDatapath(config: config, projection: model.projection) : nil
        let all = ParallelSlots<HeadResult>.map(count: items, threads: threads) { item in
            let layer = item / heads, head = item % heads
            // The head's scores, computed once for threshold learning and the quality metrics.
            let learns = thresholds == nil && !model.isExact
            let scores = quality || learns || hardware != nil
                ? HeadScores(trace: trace, layer: trace.layers[layer], queryHead: head) : nil
            let (floatSelection, threshold) = select(trace: trace, model: model, thresholds: thresholds, layer: layer,
                                                     head: head, scores: scores)
            var selection = floatSelection
            var numerics: NumericsStatistics? = nil
            var hardwareQuality: QualityStatistics? = nil
            if let hardware {
                // numerics.mode elsa: the hardware's own selection drives the timing (docs/numerics.md §7).
                (selection, numerics, hardwareQuality) = hardwareStep(hardware, trace: trace, layer: layer, head: head,
                                                                      threshold: model.isExact ? nil : threshold,
                                                                      floatSelection: floatSelection, scores: scores)
            }
            let outcome = HeadSimulation.simulate(parameters: parameters, selection: selection, engine: engine,
                                                  capacity: config.keyMemoryCapacity, mode: config.tiling.preprocessing)
            let headQuality = !quality ? nil : hardwareQuality
                ?? measure(trace: trace, layer: layer, head: head, selection: selection, scores: scores)
            var result = HeadResult(layer: layer, head: head, accelerator: head % config.accelerators, timing: outcome.timing,
                                    selectedPairs: parameters.exact ? selection.totalPairs : selection.selectedPairs,
                                    totalPairs: selection.totalPairs, threshold: model.isExact ? nil : threshold,
                                    keys: selection.keys, analytic: outcome.analytic,
                                    quality: headQuality, tiling: outcome.tiling)
            result.numerics = numerics
            if let progress { counter.increment { progress($0, items) } }
            return result
        }
        let layers = trace.layers.enumerated().map { l, layer in
            LayerResult(name: layer.name, heads: Array(all[l * heads ..< (l + 1) * heads]), accelerators: config.accelerators)
        }
        let source: ThresholdSource = model.isExact ? .exact
            : thresholds == nil ? .calibratedOnTrace(p: config.approximation.p)
            : .file(config.approximation.thresholdsFile ?? "(given)")
        var result = SimulationResult(configName: config.name, traceName: traceName, thresholds: source,
                                      clockGHz: config.clockGHz, layers: layers, headDim: config.headDim,
                                      hashBits: config.hash.bits, approximate: !model.isExact)
        result.bias = BiasUse(policy: config.approximation.bias, traceHasBias: trace.hasBias)
        return result
    }

    /// The functional step of one head: its threshold (given, learned on the trace, or none) and the
    /// candidates it selects.
    /// - Parameter scores: the head's shared scores, when the caller has them (else learning computes its own).
    static func select(trace: AttentionTrace, model: ElsaFunctionalModel, thresholds: [[Double?]]?, layer: Int,
                       head: Int, scores: HeadScores? = nil) -> (SelectionMatrix, Double?) {
        let threshold: Double?
        if model.isExact { threshold = nil }
        else if let thresholds { threshold = thresholds[layer][head] }
        else if let scores {
            threshold = model.learner.statistics(scores: scores, layer: trace.layers[layer], queryHead: head, trace: trace).mean
        } else { threshold = model.learner.statistics(layer: trace.layers[layer], queryHead: head, trace: trace).mean }
        return (model.selectHead(trace: trace, layer: layer, queryHead: head, threshold: threshold).selection, threshold)
    }

    /// `numerics.mode: elsa`: the hardware datapath of one head, its statistics against the float model,
    /// and the quality of its selection (`docs/numerics.md`).
    static func hardwareStep(_ hardware: HardwareDatapath, trace: AttentionTrace, layer: Int, head: Int, threshold: Double?,
                             floatSelection: SelectionMatrix, scores: HeadScores?) -> (SelectionMatrix, NumericsStatistics?, QualityStatistics?) {
        let output = hardware.run(trace: trace, layer: layer, queryHead: head, threshold: threshold)
        let hardwareQuality = measure(trace: trace, layer: layer, head: head, selection: output.selection, scores: scores)
        let floatQuality = measure(trace: trace, layer: layer, head: head, selection: floatSelection, scores: scores)
        let statistics = NumericsStatistics.measure(trace: trace, layer: layer, queryHead: head, output: output,
                                                    floatSelection: floatSelection, hardwareQuality: hardwareQuality,
                                                    floatQuality: floatQuality)
        return (output.selection, statistics, hardwareQuality)
    }

    /// `ApproximationQuality.measure` on the head's shared scores when there are some.
    static func measure(trace: AttentionTrace, layer: Int, head: Int, selection: SelectionMatrix,
                        scores: HeadScores?) -> QualityStatistics {
        if let scores {
            return ApproximationQuality.measure(trace: trace, layer: layer, queryHead: head, selection: selection, scores: scores)
        }
        return ApproximationQuality.measure(trace: trace, layer: layer, queryHead: head, selection: selection)
    }

    /// The functional model alone over every head (threshold learning and candidate selection, no
    /// timing), in parallel: the baseline `elsa-sim bench` compares the timed simulation with.
    /// Returns the selected and visible (query, key) pairs.
    public static func functionalPass(trace: AttentionTrace, model: ElsaFunctionalModel, thresholds: [[Double?]]? = nil,
                                      threads: Int = 1) -> (selected: Int, total: Int) {
        let heads = trace.queryHeads
        let items = trace.layers.count * heads
        return ParallelSlots<(Int, Int)>.map(count: items, threads: threads) { item in
            let (selection, _) = select(trace: trace, model: model, thresholds: thresholds, layer: item / heads, head: item % heads)
            return (model.isExact ? selection.totalPairs : selection.selectedPairs, selection.totalPairs)
        }.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }
}
