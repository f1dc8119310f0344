import ElsaModel

/// The `energy` group of `elsa-config/1`: synthesis clock, synthesis-point module counts and the area and
/// power of every module (ELSA Table I; `docs/energy.md`, `docs/config.md`).
extension ConfigSchema {
    static var energyFields: [ConfigField] {
        var fields: [ConfigField] = [
            double("energy.synthesis_clock_ghz", \.energy.synthesisClockGHz, expected: "a number > 0 (GHz)",
                   source: "paper: 1 GHz (Table I)",
                   "Clock of the synthesis; energy of a busy cycle or an access = dynamic power ÷ (instances or ports × this clock)."),
            int("energy.reference.hash_multipliers", \.energy.reference.hashMultipliers, source: "paper: 256 (Table I)",
                "m_h the hash row was synthesized with; the hash row scales by hash.multipliers ÷ this."),
            int("energy.reference.attention_modules", \.energy.reference.attentionModules, source: "paper: 4 (Table I)",
                "Pa of the synthesis; attention rows scale by attention_modules ÷ this, selection rows by Pa·Pc ÷ (this × Pc_ref)."),
            int("energy.reference.selectors_per_module", \.energy.reference.selectorsPerModule, source: "paper: 8 (Table I)",
                "Pc of the synthesis (32 selectors with Pa = 4)."),
            int("energy.reference.output_division_multipliers", \.energy.reference.outputDivisionMultipliers,
                source: "paper: 16 (Table I)", "m_o of the synthesis; the output-division row scales by output_division.multipliers ÷ this."),
            int("energy.reference.norm_keys_per_cycle", \.energy.reference.normKeysPerCycle, source: "assumed: 4 (= Pa)",
                "Key norms per cycle of the synthesized norm unit; the norm row scales by the config's norm rate ÷ this."),
            int("energy.reference.head_dim", \.energy.reference.headDim, source: "paper: d = 64 (Table I)",
                "d of the synthesis; attention and K/V/Q/O rows scale with head_dim ÷ this."),
            int("energy.reference.hash_bits", \.energy.reference.hashBits, source: "paper: k = 64 (IV-C)",
                "k of the synthesis; the key hash memory (n·k/8 B) scales with hash.bits ÷ this."),
            int("energy.reference.keys", \.energy.reference.keys, source: "paper: n = 512 (Table I)",
                "n the memories were sized for; every memory scales with key_memory_capacity ÷ this."),
        ]
        let rows: [(String, WritableKeyPath<EnergyParameters, ModuleCost> & Sendable, String)] = [
            ("hash", \.hash, "hash computation (m_h = 256)"),
            ("norm", \.norm, "norm computation"),
            ("candidate_selection", \.candidateSelection, "all 32 candidate selection modules"),
            ("attention", \.attention, "all 4 attention computation modules"),
            ("output_division", \.outputDivision, "output division (m_o = 16)"),
            ("key_hash_memory", \.keyHashMemory, "key hash memory (4 KB)"),
            ("key_norm_memory", \.keyNormMemory, "key norm memory (512 B)"),
            ("key_value_memory", \.keyValueMemory, "one of the K and V memories (36 KB each; external)"),
            ("query_output_memory", \.queryOutputMemory, "one of the Q and output memories (36 KB each; external)"),
        ]
        let defaults = EnergyParameters()
        for (name, row, what) in rows {
            let d = defaults[keyPath: row]
            fields.append(cost("energy.\(name).area_mm2", row, \.areaMM2, unit: "mm²",
                               source: "paper: \(JSONValue.format(d.areaMM2)) (Table I)", "Area of \(what), mm²."))
            fields.append(cost("energy.\(name).dynamic_mw", row, \.dynamicMW, unit: "mW",
                               source: "paper: \(JSONValue.format(d.dynamicMW)) (Table I)",
                               "Dynamic power of \(what) at the synthesis clock with every instance busy (memory: every port accessed) each cycle, mW."))
            fields.append(cost("energy.\(name).static_mw", row, \.staticMW, unit: "mW",
                               source: "paper: \(JSONValue.format(d.staticMW)) (Table I)", "Static power of \(what), mW."))
        }
        return fields
    }

    /// A number of one `ModuleCost` row of the energy group.
    static func cost(_ path: String, _ row: WritableKeyPath<EnergyParameters, ModuleCost> & Sendable,
                     _ field: WritableKeyPath<ModuleCost, Double> & Sendable, unit: String, source: String,
                     _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "a number ≥ 0 (\(unit))", source: source, summary: summary,
                    read: { .double($0.energy[keyPath: row][keyPath: field]) },
                    write: { c, v, p throws(ConfigError) in
                        guard let d = v.doubleValue else {
                            throw .wrongType(path: p, found: v.kindDescription, expected: "a number (\(unit))")
                        }
                        c.energy[keyPath: row][keyPath: field] = d
                    })
    }
}
