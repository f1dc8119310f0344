import ElsaModel

/// The `numerics` group of `elsa-config/1`: the switch between the float functional model and ELSA's
/// number formats, and every width and open choice of the latter (ELSA IV-E; `docs/config.md`,
/// "Number formats"; `docs/numerics.md`).
extension ConfigSchema {
    static var numericsFields: [ConfigField] {
        [
            numericsChoice("numerics.mode", \.numerics.mode, source: "— (float = today's model; elsa = paper IV-E formats)",
                           "float: the float32/Double functional model (docs/algorithm.md); elsa: every hardware step in ELSA's number formats (docs/numerics.md)."),
            int("numerics.qkv_integer_bits", \.numerics.qkvIntegerBits, source: "paper: 5 (IV-E)",
                "Integer bits of Q, K, V and of the output rows (1 sign bit besides)."),
            int("numerics.qkv_fraction_bits", \.numerics.qkvFractionBits, source: "paper: 3 (IV-E)",
                "Fraction bits of Q, K, V; the fixed-point pipeline after them keeps them (hash stages, scores)."),
            int("numerics.hash_fraction_bits", \.numerics.hashFractionBits, source: "paper: 5 (IV-E)",
                "Fraction bits of the hash projection factors (1 sign + these)."),
            numericsChoice("numerics.hash_sign_at_zero", \.numerics.hashSignAtZero, source: "assumed: one (as III-B's sign(0) = 1 in the float model)",
                           "The hash bit of a projection that is exactly 0 (more frequent in fixed point)."),
            int("numerics.norm_bits", \.numerics.normBits, source: "paper: 8 (IV-C, 512 B key norm memory)",
                "Bits of a stored key norm."),
            numericsChoice("numerics.norm_format", \.numerics.normFormat, source: "assumed: fixed",
                           "fixed: unsigned, norm_fraction_bits fraction bits; relative: ‖K‖/‖K_max‖ with norm_bits − 1 fraction bits."),
            int("numerics.norm_fraction_bits", \.numerics.normFractionBits, source: "assumed: 3 (= qkv_fraction_bits)",
                "Fraction bits of a fixed norm; integer bits = norm_bits − this."),
            int("numerics.cosine_fraction_bits", \.numerics.cosineFractionBits, source: "assumed: 5 (= hash_fraction_bits)",
                "Fraction bits of the cosine table entries (1 sign + 1 integer + these)."),
            int("numerics.threshold_fraction_bits", \.numerics.thresholdFractionBits, source: "assumed: 5 (= hash_fraction_bits)",
                "Fraction bits of t as the hardware holds it (1 sign + 1 integer + these)."),
            int("numerics.exp_exponent_bits", \.numerics.expExponentBits, source: "paper: 10 (IV-E)",
                "Exponent bits of the custom float from the exponent unit on."),
            int("numerics.exp_fraction_bits", \.numerics.expFractionBits, source: "paper: 5 (IV-E)",
                "Fraction bits of the custom float."),
            int("numerics.exp_table_entries", \.numerics.expTableEntries, source: "paper: 32 (IV-C)",
                "Entries of the exponent unit's table of 2^(j/entries); a power of two."),
            int("numerics.reciprocal_table_entries", \.numerics.reciprocalTableEntries, source: "paper: 32 (IV-C)",
                "Entries of the reciprocal unit's table of 1/(1 + j/entries); a power of two."),
            numericsChoice("numerics.rounding", \.numerics.rounding, source: "assumed: nearest-even",
                           "How every conversion to a narrower format rounds (truncate: floor in fixed point, toward zero in the float)."),
            numericsChoice("numerics.overflow", \.numerics.overflow, source: "assumed: saturate",
                           "A fixed-point value outside its range saturates or wraps (the custom float always saturates)."),
            numericsChoice("numerics.output_format", \.numerics.outputFormat, source: "assumed: fixed (9-bit output memory, IV-C)",
                           "The written output rows: the Q/K/V fixed point, or the custom float."),
        ]
    }

    static func numericsChoice<E: RawRepresentable & CaseIterable & Sendable>(
        _ path: String, _ kp: WritableKeyPath<ElsaConfig, E> & Sendable, source: String, _ summary: String
    ) -> ConfigField where E.RawValue == String {
        choice(path, kp, source: source, summary)
    }
}
