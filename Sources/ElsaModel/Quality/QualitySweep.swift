import Dispatch
import Workload

/// The approximation quality of one trace at one `p` (`docs/quality.md` §2–3).
public struct QualitySweepPoint: Sendable, Equatable {
    /// The hyperparameter (0 = exact attention).
    public let p: Double
    /// Where the thresholds were learned.
    public let calibration: QualityCalibration
    /// The thresholds used, `[layer][head]`; `nil` selects every visible key (always `nil` at `p = 0`).
    public let thresholds: [[Double?]]
    /// Per head, `[layer][head]`.
    public let heads: [[QualityStatistics]]

    public init(p: Double, calibration: QualityCalibration, thresholds: [[Double?]], heads: [[QualityStatistics]]) {
        self.p = p
        self.calibration = calibration
        self.thresholds = thresholds
        self.heads = heads
    }

    /// Per layer: its heads merged in head order.
    public var layers: [QualityStatistics] { heads.map { QualityStatistics.merged($0) } }
    /// The whole trace: the layers merged in layer order.
    public var total: QualityStatistics { QualityStatistics.merged(layers) }
}

/// Where a sweep point's thresholds come from.
public enum QualityCalibration: Sendable, Equatable, CustomStringConvertible {
    /// Learned on the measured trace itself (`learned` mode's default; optimistic, `docs/quality.md` §2).
    case sameTrace
    /// Learned on other traces, queries pooled (ELSA III-E: training inputs), named here.
    case otherTraces([String])

    public var description: String {
        switch self {
        case .sameTrace: return "same-trace"
        case let .otherTraces(names): return "other:" + names.joined(separator: "+")
        }
    }
}

/// Measures approximation quality over a list of `p` values: for each `p`, thresholds are learned
/// (ELSA III-E) on the trace itself or on other traces, every head's candidates are selected with the
/// config's projection and θ_bias, and `ApproximationQuality` compares the result with exact attention.
/// Heads run in parallel and are merged in (layer, head) order: results do not depend on `threads`.
public enum QualitySweep {
    /// One `p`.
    ///
    /// - Parameters:
    ///   - config: supplies `head_dim`, the hash projection, `theta_bias` and `relevance_count`; its
    ///     `approximation.mode` and `p` are replaced (`learned` with this `p`).
    ///   - projection: a loaded `matrix-file` projection (else built from the config).
    ///   - calibration: traces to learn the thresholds on, with names for reports; `nil` learns on `trace`.
    ///     Each must have `trace`'s layer count and query heads.
    /// - Throws: `ConfigError` when the trace (or a calibration trace) does not fit the config.
    public static func point(trace: AttentionTrace, config: ElsaConfig, projection: HashProjection? = nil, p: Double,
                             calibration: (traces: [AttentionTrace], names: [String])? = nil,
                             threads: Int = 1) throws(ConfigError) -> QualitySweepPoint {
        precondition(p >= 0 && p.isFinite, "p \(p) must be finite and ≥ 0")
        var config = config
        config.approximation.mode = .learned
        config.approximation.p = p
        let model = try ElsaFunctionalModel(config: config, projection: projection)
        try model.validate(trace: trace)
        if let calibration {
            precondition(!calibration.traces.isEmpty, "calibration needs at least one trace")
            for (other, name) in zip(calibration.traces, calibration.names) {
                try model.validate(trace: other)
                guard other.layers.count == trace.layers.count && other.queryHeads == trace.queryHeads else {
                    throw .inconsistent(path: name,
                                        message: "has \(other.layers.count) layers × \(other.queryHeads) heads; the measured trace has \(trace.layers.count) × \(trace.queryHeads)")
                }
            }
        }
        let heads = trace.queryHeads
        let items = trace.layers.count * heads
        let all = ParallelSlots<(Double?, QualityStatistics)>.map(count: items, threads: threads) { item in
            let layer = item / heads, head = item % heads
            // The head's scores, shared by learning on this trace and the metrics.
            let scores = HeadScores(trace: trace, layer: trace.layers[layer], queryHead: head)
            var threshold: Double? = nil
            if !model.isExact {
                let learner = model.learner
                if let calibration {
                    var pooled = ThresholdStatistics()
                    for other in calibration.traces {
                        pooled.merge(learner.statistics(layer: other.layers[layer], queryHead: head, trace: other))
                    }
                    threshold = pooled.mean
                } else {
                    threshold = learner.statistics(scores: scores, layer: trace.layers[layer], queryHead: head,
                                                   trace: trace).mean
                }
            }
            let selection = model.selectHead(trace: trace, layer: layer, queryHead: head, threshold: threshold).selection
            return (threshold, ApproximationQuality.measure(trace: trace, layer: layer, queryHead: head, selection: selection,
                                                            scores: scores))
        }
        return QualitySweepPoint(
            p: p, calibration: calibration.map { .otherTraces($0.names) } ?? .sameTrace,
            thresholds: (0 ..< trace.layers.count).map { l in (0 ..< heads).map { all[l * heads + $0].0 } },
            heads: (0 ..< trace.layers.count).map { l in (0 ..< heads).map { all[l * heads + $0].1 } })
    }

    /// `point` for every `p` of `ps`, in order.
    public static func run(trace: AttentionTrace, config: ElsaConfig, projection: HashProjection? = nil, ps: [Double],
                           calibration: (traces: [AttentionTrace], names: [String])? = nil,
                           threads: Int = 1) throws(ConfigError) -> [QualitySweepPoint] {
        var points: [QualitySweepPoint] = []
        for p in ps {
            points.append(try point(trace: trace, config: config, projection: projection, p: p,
                                    calibration: calibration, threads: threads))
        }
        return points
    }
}
