import ElsaModel

/// `approximation.bias` and the `bias_lookup` group of `elsa-config/1`: how the candidate selectors treat
/// a trace's additive attention bias, and the size of the lookup hardware (`docs/config.md`, "Attention
/// bias"; `docs/model.md` §8).
extension ConfigSchema {
    static var biasFields: [ConfigField] {
        [
            choice("approximation.bias", \.approximation.bias, source: "assumed: ignore (the paper's models have no bias)",
                   "ignore: selectors see q·k only (the paper's hardware); lookup: each selector adds the key's relative-position bias from a per-head table (one more pipeline stage). Attention always uses the biased score."),
            double("bias_lookup.selector_overhead", \.biasLookup.selectorOverhead, expected: "a number 0…1000",
                   source: "assumed: 0.25",
                   "Lookup policy: growth of a candidate selector's area and energy (adder, bucket index, table read), as a fraction of a selector."),
            double("bias_lookup.norm_overhead", \.biasLookup.normOverhead, expected: "a number 0…1000",
                   source: "assumed: 1.0",
                   "Lookup policy: growth of the norm unit's area and energy (query norm, reciprocal, the bias table and its per-query scaling), as a fraction of the unit."),
        ]
    }
}
