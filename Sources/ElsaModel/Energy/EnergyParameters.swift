/// The config group `energy`: area and power of every module at the synthesis point, the synthesis
/// clock and the module counts of that point (ELSA Table I, digest §1.4; `docs/energy.md`).
///
/// Defaults are Table I (TSMC 40 nm, 1 GHz, n = 512, d = 64, Pa = 4, Pc = 8, m_h = 256, m_o = 16). Each
/// row is the whole row of the table (all instances: "32× candidate selection", "4× attention
/// computation"); the K/V and Q/O rows are per memory ("36 KB each"). Units are in the field names.
public struct EnergyParameters: Sendable, Equatable {
    /// Clock at which the dynamic powers were measured, GHz (paper: 1 GHz). Energy per busy cycle is
    /// dynamic power ÷ this clock; it does not change with the simulated `clock_ghz`.
    public var synthesisClockGHz: Double = 1.0
    /// Module counts and memory sizes of the synthesis point.
    public var reference = SynthesisReference()
    /// Hash computation, m_h = 256.
    public var hash = ModuleCost(areaMM2: 0.202, dynamicMW: 115.08, staticMW: 2.23)
    /// Norm computation.
    public var norm = ModuleCost(areaMM2: 0.006, dynamicMW: 9.91, staticMW: 0.07)
    /// All 32 candidate selection modules.
    public var candidateSelection = ModuleCost(areaMM2: 0.180, dynamicMW: 78.41, staticMW: 1.95)
    /// All 4 attention computation modules.
    public var attention = ModuleCost(areaMM2: 0.666, dynamicMW: 566.42, staticMW: 7.53)
    /// Output division, m_o = 16.
    public var outputDivision = ModuleCost(areaMM2: 0.022, dynamicMW: 11.42, staticMW: 0.19)
    /// Key hash memory, 4 KB.
    public var keyHashMemory = ModuleCost(areaMM2: 0.141, dynamicMW: 139.91, staticMW: 1.05)
    /// Key norm memory, 512 B.
    public var keyNormMemory = ModuleCost(areaMM2: 0.038, dynamicMW: 34.9, staticMW: 0.29)
    /// One of the key and value memories (36 KB each).
    public var keyValueMemory = ModuleCost(areaMM2: 0.253, dynamicMW: 167.39, staticMW: 2.29)
    /// One of the query and output memories (36 KB each).
    public var queryOutputMemory = ModuleCost(areaMM2: 0.193, dynamicMW: 91.03, staticMW: 1.72)

    public init() {}

    /// The synthesis row of `component` (K and V share the key/value row, Q and O the query/output row).
    public func cost(of component: EnergyComponent) -> ModuleCost {
        switch component {
        case .hash: return hash
        case .norm: return norm
        case .candidateSelection: return candidateSelection
        case .attention: return attention
        case .outputDivision: return outputDivision
        case .keyHashMemory: return keyHashMemory
        case .keyNormMemory: return keyNormMemory
        case .keyMemory, .valueMemory: return keyValueMemory
        case .queryMemory, .outputMemory: return queryOutputMemory
        }
    }

    /// The config-file name of each row's group (`energy.<name>.area_mm2` …), in schema order.
    public static let rowNames: [(name: String, keyPath: WritableKeyPath<EnergyParameters, ModuleCost> & Sendable)] = [
        ("hash", \.hash), ("norm", \.norm), ("candidate_selection", \.candidateSelection), ("attention", \.attention),
        ("output_division", \.outputDivision), ("key_hash_memory", \.keyHashMemory),
        ("key_norm_memory", \.keyNormMemory), ("key_value_memory", \.keyValueMemory),
        ("query_output_memory", \.queryOutputMemory),
    ]

    /// Checks every range of `docs/config.md` (energy group); errors name the dotted field.
    public func validate() throws(ConfigError) {
        if !(synthesisClockGHz > 0 && synthesisClockGHz <= 1000) {
            throw .outOfRange(path: "energy.synthesis_clock_ghz", value: "\(synthesisClockGHz)",
                              expected: "a number > 0 and ≤ 1000 (GHz)")
        }
        let counts: [(String, Int)] = [
            ("hash_multipliers", reference.hashMultipliers), ("attention_modules", reference.attentionModules),
            ("selectors_per_module", reference.selectorsPerModule),
            ("output_division_multipliers", reference.outputDivisionMultipliers),
            ("norm_keys_per_cycle", reference.normKeysPerCycle), ("head_dim", reference.headDim),
            ("hash_bits", reference.hashBits), ("keys", reference.keys),
        ]
        for (name, value) in counts where value < 1 || value > 1 << 24 {
            throw .outOfRange(path: "energy.reference.\(name)", value: "\(value)", expected: "1…\(1 << 24)")
        }
        for (name, keyPath) in Self.rowNames {
            let row = self[keyPath: keyPath]
            let fields: [(String, Double, String)] = [("area_mm2", row.areaMM2, "mm²"), ("dynamic_mw", row.dynamicMW, "mW"),
                                                      ("static_mw", row.staticMW, "mW")]
            for (field, value, unit) in fields where !(value >= 0 && value.isFinite) {
                throw .outOfRange(path: "energy.\(name).\(field)", value: "\(value)", expected: "a finite number ≥ 0 (\(unit))")
            }
        }
    }
}
