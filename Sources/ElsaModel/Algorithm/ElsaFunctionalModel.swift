import Workload

/// The candidates of one head invocation and the threshold that chose them.
public struct HeadSelection: Sendable, Equatable {
    public let layer: Int
    public let queryHead: Int
    /// The `t` used; `nil` when every visible key was selected (exact mode, `p = 0`, or no query of the
    /// head could be learned from).
    public let threshold: Double?
    /// The learning statistics when `t` was learned on this trace, else `nil`.
    public let statistics: ThresholdStatistics?
    public let selection: SelectionMatrix

    public init(layer: Int, queryHead: Int, threshold: Double?, statistics: ThresholdStatistics?,
                selection: SelectionMatrix) {
        self.layer = layer
        self.queryHead = queryHead
        self.threshold = threshold
        self.statistics = statistics
        self.selection = selection
    }
}

/// The functional model's result for one trace: one `HeadSelection` per (layer, query head).
public struct FunctionalResult: Sendable, Equatable {
    /// Indexed `[layer][queryHead]`.
    public var heads: [[HeadSelection]]

    public init(heads: [[HeadSelection]]) { self.heads = heads }

    /// Σ selected (query, key) pairs over all heads.
    public var selectedPairs: Int { heads.joined().reduce(0) { $0 + $1.selection.selectedPairs } }
    /// Σ visible (query, key) pairs over all heads.
    public var totalPairs: Int { heads.joined().reduce(0) { $0 + $1.selection.totalPairs } }
}

/// ELSA's approximation as a function (ELSA III): which keys each query's candidate selectors pass to the
/// attention module, given an `ElsaConfig` and a hash projection. The timing model consumes the result.
///
/// Modes (`approximation.mode`): `exact` and `learned` with `p = 0` select every visible key; `learned`
/// learns `t` per head on the simulated trace itself unless thresholds are passed in; `thresholds-file`
/// needs thresholds passed in (SimIO reads the file).
public struct ElsaFunctionalModel: Sendable {
    public let config: ElsaConfig
    /// `nil` only in exact mode with a `matrix-file` projection that was not loaded.
    public let projection: HashProjection?
    /// The θ_bias the selectors subtract: `config.thetaBias`, or ELSA III-D's fit at the config's d and k
    /// when `theta_bias` is `"fit"` (`ThetaBiasFit.configFit`).
    public let thetaBias: Double

    /// - Parameter projection: the projection to use; when `nil`, built from `config.hash` (`kronecker`
    ///   or `dense`; a `matrix-file` projection must be loaded by the caller and passed in).
    /// - Throws: `ConfigError.inconsistent` when the projection's shape is not `hash.bits × head_dim`, or a
    ///   `matrix-file` projection is needed but missing.
    public init(config: ElsaConfig, projection: HashProjection? = nil) throws(ConfigError) {
        self.config = config
        if let projection {
            guard projection.bits == config.hash.bits, projection.dim == config.headDim else {
                throw .inconsistent(path: "hash.matrix_file",
                                    message: "the projection is [\(projection.bits), \(projection.dim)]; expected [hash.bits, head_dim] = [\(config.hash.bits), \(config.headDim)]")
            }
            self.projection = projection
        } else {
            switch config.hash.projection {
            case .kronecker:
                self.projection = HashProjection.kronecker(factors: config.hash.kroneckerFactors, seed: config.hash.seed)
            case .dense:
                self.projection = HashProjection.dense(bits: config.hash.bits, dim: config.headDim, seed: config.hash.seed)
            case .matrixFile:
                self.projection = nil
            }
            if self.projection == nil && !config.isExact {
                throw .inconsistent(path: "hash.matrix_file",
                                    message: "projection \"matrix-file\" needs the matrix loaded and passed to the functional model")
            }
        }
        if config.thetaBiasRule == .fit, let fitted = self.projection {
            thetaBias = ThetaBiasFit.configFit(projection: fitted, dim: config.headDim)
        } else {
            thetaBias = config.thetaBias
        }
    }

    /// Every visible key is selected: `exact` mode, or `learned` with `p = 0` (ELSA IV-E).
    public var isExact: Bool {
        config.isExact
    }

    /// Checks that `trace` fits the hardware: head dim ≤ `head_dim` (smaller is zero-padded) and real
    /// tokens ≤ `key_memory_capacity` unless `long_sequences` is `tile` (`docs/model.md` §9).
    public func validate(trace: AttentionTrace) throws(ConfigError) {
        if trace.headDim > config.headDim {
            throw .inconsistent(path: "head_dim",
                                message: "the trace's head dim \(trace.headDim) is larger than head_dim \(config.headDim); the hardware runs d ≤ head_dim only")
        }
        if trace.tokens > config.keyMemoryCapacity && config.longSequences == .error {
            throw .inconsistent(path: "long_sequences",
                                message: "the trace has \(trace.tokens) tokens, more than the \(config.keyMemoryCapacity) keys the key memories hold (key_memory_capacity); set long_sequences to \"tile\" to process the keys in tiles, or raise key_memory_capacity")
        }
    }

    /// The learner for `approximation.p`, `approximation.relevance_count` and `approximation.bias`.
    ///
    /// - Precondition: `p > 0`.
    public var learner: ThresholdLearner {
        ThresholdLearner(p: config.approximation.p, relevanceCount: config.approximation.relevanceCount,
                         biasPolicy: config.approximation.bias)
    }

    /// Threshold statistics pooled over the queries of all `traces`, indexed `[layer][queryHead]`; each
    /// head's threshold is `mean` (Σ t_x / count over every trace's queries).
    ///
    /// - Precondition: `p > 0`; at least one trace; all traces have the same layer and head counts.
    public func learnThresholds(traces: [AttentionTrace]) -> [[ThresholdStatistics]] {
        precondition(!traces.isEmpty, "threshold learning needs at least one trace")
        let learner = self.learner
        var pooled = learner.statistics(trace: traces[0])
        for trace in traces.dropFirst() {
            precondition(trace.layers.count == pooled.count && trace.queryHeads == traces[0].queryHeads,
                         "traces disagree: \(trace.layers.count) layers × \(trace.queryHeads) heads vs \(pooled.count) × \(traces[0].queryHeads)")
            let stats = learner.statistics(trace: trace)
            for l in pooled.indices { for h in pooled[l].indices { pooled[l][h].merge(stats[l][h]) } }
        }
        return pooled
    }

    /// One head invocation: its candidates under `threshold` (`nil` ⇒ every visible key).
    public func selectHead(trace: AttentionTrace, layer: Int, queryHead: Int, threshold: Double?,
                           statistics: ThresholdStatistics? = nil) -> HeadSelection {
        let visible = ContiguousArray((0 ..< trace.tokens).lazy.map { trace.visibleKeys(query: $0) })
        let selection: SelectionMatrix
        if let threshold, !isExact {
            guard let projection else { preconditionFailure("approximate selection without a projection") }
            let selector = CandidateSelection(projection: projection, thetaBias: thetaBias)
            if config.approximation.bias == .lookup, trace.layers[layer].bias != nil {
                selection = selector.selectWithBias(layer: trace.layers[layer], queryHead: queryHead, trace: trace,
                                                    threshold: threshold)
            } else {
                selection = selector.select(layer: trace.layers[layer], queryHead: queryHead, trace: trace,
                                            threshold: threshold)
            }
        } else {
            selection = .all(keys: trace.tokens, visible: visible)
        }
        return HeadSelection(layer: layer, queryHead: queryHead, threshold: isExact ? nil : threshold,
                             statistics: statistics, selection: selection)
    }

    /// Every head of `trace`.
    ///
    /// - Parameter thresholds: per `[layer][queryHead]` thresholds (a thresholds file, or `mean`s of
    ///   `learnThresholds`); `nil` in `learned` mode learns them on `trace` with `p`. A `nil` entry
    ///   selects every visible key. Ignored in exact mode.
    /// - Precondition: thresholds are given in `thresholds-file` mode and match the trace's shape.
    public func run(trace: AttentionTrace, thresholds: [[Double?]]? = nil) -> FunctionalResult {
        if isExact {
            return FunctionalResult(heads: trace.layers.indices.map { l in
                (0 ..< trace.queryHeads).map { selectHead(trace: trace, layer: l, queryHead: $0, threshold: nil) }
            })
        }
        if let thresholds {
            precondition(thresholds.count == trace.layers.count && thresholds.allSatisfy { $0.count == trace.queryHeads },
                         "thresholds are not [\(trace.layers.count)][\(trace.queryHeads)]")
            return FunctionalResult(heads: trace.layers.indices.map { l in
                (0 ..< trace.queryHeads).map {
                    selectHead(trace: trace, layer: l, queryHead: $0, threshold: thresholds[l][$0])
                }
            })
        }
        precondition(config.approximation.mode == .learned,
                     "mode \(config.approximation.mode.rawValue) needs thresholds passed in")
        let learner = self.learner
        return FunctionalResult(heads: trace.layers.enumerated().map { l, layer in
            (0 ..< trace.queryHeads).map { h in
                let stats = learner.statistics(layer: layer, queryHead: h, trace: trace)
                return selectHead(trace: trace, layer: l, queryHead: h, threshold: stats.mean, statistics: stats)
            }
        })
    }
}
