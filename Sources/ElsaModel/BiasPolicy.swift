/// How ELSA's candidate selectors treat a trace's additive attention bias (`approximation.bias`;
/// `docs/algorithm.md` §10, `docs/model.md` §8). The paper's models have no bias, so this is a design
/// choice of the simulator, not a paper value.
///
/// Under both policies the attention computation uses the exact biased score `q·k·scale + bias`.
public enum BiasPolicy: String, Sendable, Equatable, CaseIterable {
    /// The selectors see `q·k` only, as the paper's hardware would; threshold learning picks the relevant
    /// key with the biased softmax but learns `t` from that key's unbiased score. Default: the published
    /// hardware unchanged, no extra area, timing or energy, and every trace without a bias simulates bit
    /// for bit as before; the report shows what ignoring the bias costs.
    case ignore
    /// Each selector adds the key's bias, looked up in a per-head table by relative position and brought
    /// into selector units per query, before comparing with `t·‖K_max‖`; threshold learning uses the same
    /// biased score. Adds one selector pipeline stage and the lookup hardware's area and energy.
    case lookup
}

/// The hardware of the `lookup` bias policy (`docs/model.md` §8, `docs/energy.md`): its size for the
/// area and energy model. All values are **assumed** (the paper has no bias).
public struct BiasLookupConfig: Sendable, Equatable {
    /// Growth of one candidate selector's area and per-cycle energy for the bias adder, the bucket-index
    /// logic and the read of the query's scaled bias table, as a fraction of a selector (assumed 0.25).
    public var selectorOverhead: Double = 0.25
    /// Growth of the norm unit's area and per-event energy for the query norm, its reciprocal, the bias
    /// table (buckets × heads entries) and its per-query scaling, as a fraction of the unit (assumed 1.0:
    /// one query norm per key norm).
    public var normOverhead: Double = 1.0
    public init() {}
}

extension ElsaConfig {
    /// The selector pipeline depth the timing model uses: `selector.pipeline_depth`, plus one stage for
    /// the bias adder under the `lookup` policy (`docs/model.md` §8).
    public var effectiveSelectorDepth: Int {
        selector.pipelineDepth + (approximation.bias == .lookup ? 1 : 0)
    }

    /// Range checks of `bias_lookup.*` (called from `validate()`).
    func validateBias() throws(ConfigError) {
        for (name, value) in [("selector_overhead", biasLookup.selectorOverhead), ("norm_overhead", biasLookup.normOverhead)]
        where !(value >= 0 && value <= 1000) {
            throw .outOfRange(path: "bias_lookup.\(name)", value: "\(value)", expected: "a number 0…1000 (a fraction of the unit)")
        }
    }
}
