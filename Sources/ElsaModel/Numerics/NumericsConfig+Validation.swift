extension ElsaConfig {
    /// Range checks of the `numerics` group (`docs/config.md`, "Number formats"). The limits keep every
    /// exact integer product of the datapath inside 64 bits.
    func validateNumerics() throws(ConfigError) {
        let n = numerics
        func range(_ field: String, _ value: Int, _ lo: Int, _ hi: Int) throws(ConfigError) {
            if value < lo || value > hi {
                throw .outOfRange(path: "numerics." + field, value: "\(value)", expected: "\(lo)…\(hi)")
            }
        }
        func powerOfTwo(_ field: String, _ value: Int, _ lo: Int, _ hi: Int) throws(ConfigError) {
            if value < lo || value > hi || value & (value - 1) != 0 {
                throw .outOfRange(path: "numerics." + field, value: "\(value)", expected: "a power of two, \(lo)…\(hi)")
            }
        }
        try range("qkv_integer_bits", n.qkvIntegerBits, 0, 24)
        try range("qkv_fraction_bits", n.qkvFractionBits, 0, 24)
        if n.qkvIntegerBits + n.qkvFractionBits > 24 {
            throw .outOfRange(path: "numerics.qkv_fraction_bits", value: "\(n.qkvFractionBits)",
                              expected: "qkv_integer_bits + qkv_fraction_bits ≤ 24 (found \(n.qkvIntegerBits) + \(n.qkvFractionBits))")
        }
        try range("hash_fraction_bits", n.hashFractionBits, 1, 16)
        try range("norm_bits", n.normBits, 1, 16)
        try range("norm_fraction_bits", n.normFractionBits, 0, n.normBits)
        try range("cosine_fraction_bits", n.cosineFractionBits, 1, 16)
        try range("threshold_fraction_bits", n.thresholdFractionBits, 1, 16)
        try range("exp_exponent_bits", n.expExponentBits, 2, 10)
        try range("exp_fraction_bits", n.expFractionBits, 1, 16)
        try powerOfTwo("exp_table_entries", n.expTableEntries, 1, 1 << 16)
        try powerOfTwo("reciprocal_table_entries", n.reciprocalTableEntries, 1, 1 << 16)
        if n.mode == .elsa && approximation.bias == .lookup {
            // The fixed-point selector has no bias adder (docs/numerics.md §3).
            throw .inconsistent(path: "approximation.bias",
                                message: "\"lookup\" is not modelled with numerics.mode \"elsa\" (the fixed-point selectors have no bias adder); use \"ignore\" or numerics.mode \"float\"")
        }
    }
}
