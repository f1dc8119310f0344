extension CustomFloatFormat {
    /// A lookup table of `entries` (a power of two ≤ 65536) custom floats, entry `j` = `value(j / entries)`
    /// rounded to nearest (ties to even) in this format whatever its datapath rounding: the ROMs of the
    /// exponent and reciprocal units (ELSA IV-C; `docs/numerics.md` §3, §4).
    func lookupTable(entries: Int, of unit: String, _ value: (Double) -> Double) -> ContiguousArray<CustomFloat> {
        precondition(entries >= 1 && entries & (entries - 1) == 0 && entries <= 1 << 16,
                     "the \(unit) table needs a power-of-two size ≤ 65536, got \(entries)")
        let nearest = CustomFloatFormat(exponentBits: exponentBits, fractionBits: fractionBits, rounding: .nearestEven)
        return ContiguousArray((0 ..< entries).map { j in nearest.fromDouble(value(Double(j) / Double(entries))) })
    }
}
