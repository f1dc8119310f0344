/// The bounds that keep one run's memory and time finite whatever a config holds (issue 19;
/// `docs/config.md`, "Bounds"): derived sizes computed with overflow checks, and the few ranges that
/// the per-field checks of `validate()` leave too wide (clock, selectors, hash work, energy and area).
extension ElsaConfig {
    /// Most candidate selectors in total, `attention_modules × selectors_per_module` (512× the paper's 32).
    public static let maxSelectors = 1 << 14
    /// Most hash multiplies per vector: `hash.bits × head_dim` for a dense or file projection (256× the
    /// paper's 64 × 64).
    public static let maxDenseHashProducts = 1 << 20
    /// Slowest and fastest clock accepted (GHz): 1 MHz … 1 THz.
    public static let clockRange: ClosedRange<Double> = 1e-3 ... 1000

    /// Checks the bounds above; called first by `validate()`, so later checks may multiply freely.
    public func validateBounds() throws(ConfigError) {
        if !(clockGHz >= Self.clockRange.lowerBound && clockGHz <= Self.clockRange.upperBound) {
            throw .outOfRange(path: "clock_ghz", value: "\(clockGHz)", expected: "a number in 0.001…1000 (GHz)")
        }
        if hash.projection == .kronecker {
            var product = 1
            for factor in hash.kroneckerFactors {
                guard factor >= 1 else { break } // reported by validate() with the whole list
                let (next, overflow) = product.multipliedReportingOverflow(by: factor)
                if overflow || next > 4096 {
                    throw .outOfRange(path: "hash.kronecker_factors", value: Self.clip("\(hash.kroneckerFactors)"),
                                      expected: "factors whose product is head_dim (at most 4096)")
                }
                product = next
            }
            if hash.kroneckerFactors.count > 64 {
                throw .outOfRange(path: "hash.kronecker_factors", value: "a list of \(hash.kroneckerFactors.count) factors",
                                  expected: "at most 64 factors")
            }
        } else if hash.bits >= 1 && headDim >= 1 && hash.bits <= 4096 && headDim <= 4096 && hash.bits * headDim > Self.maxDenseHashProducts {
            throw .outOfRange(path: "hash.bits", value: "\(hash.bits)",
                              expected: "hash.bits × head_dim ≤ \(Self.maxDenseHashProducts) (here head_dim = \(headDim), so hash.bits ≤ \(Self.maxDenseHashProducts / headDim))")
        }
        if attentionModules >= 1 && selectorsPerModule >= 1 && attentionModules <= 1024 && selectorsPerModule <= 1024
            && attentionModules * selectorsPerModule > Self.maxSelectors {
            throw .outOfRange(path: "selectors_per_module", value: "\(selectorsPerModule)",
                              expected: "attention_modules × selectors_per_module ≤ \(Self.maxSelectors) (here attention_modules = \(attentionModules))")
        }
        try energy.validateBounds()
    }

    static func clip(_ text: String) -> String { text.count > 60 ? String(text.prefix(60)) + "…" : text }
}

extension EnergyParameters {
    /// Largest area of one module row (mm²) and largest power (mW) accepted: a 100 mm × 100 mm die and 1 kW.
    public static let maxAreaMM2 = 1e4
    public static let maxPowerMW = 1e6

    /// The upper bounds of the energy and area parameters (their lower bounds are in `validate()`).
    public func validateBounds() throws(ConfigError) {
        if synthesisClockGHz > 0 && synthesisClockGHz < 1e-3 {
            throw .outOfRange(path: "energy.synthesis_clock_ghz", value: "\(synthesisClockGHz)", expected: "a number in 0.001…1000 (GHz)")
        }
        for (name, keyPath) in Self.rowNames {
            let row = self[keyPath: keyPath]
            if row.areaMM2 > Self.maxAreaMM2 {
                throw .outOfRange(path: "energy.\(name).area_mm2", value: "\(row.areaMM2)", expected: "0…10000 (mm²)")
            }
            for (field, value) in [("dynamic_mw", row.dynamicMW), ("static_mw", row.staticMW)] where value > Self.maxPowerMW {
                throw .outOfRange(path: "energy.\(name).\(field)", value: "\(value)", expected: "0…1000000 (mW)")
            }
        }
    }
}
