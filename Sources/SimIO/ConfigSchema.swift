import ElsaModel

/// One field of the hardware config JSON: its dotted path, how to read and write it, and its
/// documentation (the same text `docs/config.md` shows; `elsa-sim config fields` prints it).
public struct ConfigField: Sendable {
    public let path: String
    /// What the JSON must hold, for messages (`an integer ≥ 1`).
    public let expected: String
    /// The paper's value and section, or "assumed".
    public let source: String
    public let summary: String
    public let read: @Sendable (ElsaConfig) -> JSONValue
    let write: @Sendable (inout ElsaConfig, JSONValue, String) throws(ConfigError) -> Void
}

/// The config file format `elsa-config/1`: every field, in the order `--print-config` writes them.
public enum ConfigSchema {
    public static let format = "elsa-config/1"

    public static var fields: [ConfigField] {
        [
            string("name", \.name, source: "—", "Name shown in reports."),
            double("clock_ghz", \.clockGHz, expected: "a number > 0 (GHz)", source: "paper: 1 GHz (V-C)",
                   "Clock frequency; converts cycles to time in reports only."),
            int("head_dim", \.headDim, source: "paper: 64 (IV-E)",
                "d the hardware is built for. Smaller trace head dims are zero-padded to it; larger ones are rejected."),
            int("hash.bits", \.hash.bits, source: "paper: k = d = 64 (III-B)", "k, hash bits per vector."),
            choice("hash.projection", \.hash.projection, source: "paper: kronecker (III-C)",
                   "kronecker: seeded orthogonal factors (modified Gram–Schmidt); dense: a seeded k×d matrix with orthonormal rows; matrix-file: a k×d .npy."),
            intList("hash.kronecker_factors", \.hash.kroneckerFactors, source: "paper: [4, 4, 4] (III-C)",
                    "Sizes of the square Kronecker factors; their product must equal head_dim."),
            seed("hash.seed", \.hash.seed, "Seed of the projection's Gaussian draws."),
            optionalString("hash.matrix_file", \.hash.matrixFile, source: "—",
                           "A k×d projection .npy (relative to the config file); with projection matrix-file. --hash-matrix overrides."),
            int("hash.multipliers", \.hash.multipliers, source: "paper: m_h = 256 with Pa = 4 (IV-C)",
                "m_h; a vector takes ceil(multiplies / m_h) cycles (768 multiplies for [4,4,4])."),
            int("attention_modules", \.attentionModules, source: "paper: Pa = 4 (IV-C)", "Pa: attention modules, one per key bank."),
            int("selectors_per_module", \.selectorsPerModule, source: "paper: Pc = 8 (IV-C)",
                "Pc: candidate selectors per attention module."),
            int("selector.pipeline_depth", \.selector.pipelineDepth, source: "assumed: 3",
                "D: cycles from reading a key to its ID being visible in the output queue."),
            int("selector.queue_depth", \.selector.queueDepth, source: "assumed: 4",
                "Q: output-queue slots per selector (reserved when a selected key is read)."),
            choice("arbiter", \.arbiter, source: "paper: longest-queue-first (IV-C); round-robin assumed",
                   "Which selector queue the arbiter serves."),
            choice("bank_mapping", \.bankMapping, source: "assumed: contiguous",
                   "contiguous: bank b holds keys [b·m, (b+1)·m); interleaved: key j in bank j mod Pa."),
            int("attention.latency", \.attention.latency, source: "assumed: 4",
                "L_att: cycles from issuing a key to its contribution being accumulated."),
            int("attention.accumulators", \.attention.accumulators, source: "assumed: 2 (double-buffered, IV-C overlap)",
                "B_acc: partial-result accumulators per attention module (≥ 2)."),
            int("output_division.multipliers", \.outputDivision.multipliers, source: "paper: m_o = 16 with Pa = 4 (IV-C)",
                "m_o; a query takes ceil(head_dim / m_o) cycles."),
            int("output_division.latency", \.outputDivision.latency, source: "assumed: 2",
                "L_od: cycles from the last busy cycle until the row is written."),
            optionalInt("norm.keys_per_cycle", \.norm.keysPerCycle, source: "assumed: null = attention_modules",
                        "Key norms per cycle in preprocessing (null: one per attention module)."),
            int("norm.latency", \.norm.latency, source: "assumed: 2", "Square root, max and t·‖K_max‖ latency."),
            thetaBiasField,
            int("key_memory_capacity", \.keyMemoryCapacity, source: "paper: 512 (IV-E)",
                "Keys the on-chip memories hold; a longer trace is an error unless long_sequences is tile."),
            int("accelerators", \.accelerators, source: "assumed: 1 (the paper's evaluation uses 12)",
                "Whole accelerators sharing a layer's heads (head h on accelerator h mod A)."),
            choice("approximation.mode", \.approximation.mode, source: "paper: exact = ELSA-base, learned (III-E)",
                   "exact: every key is a candidate; learned: thresholds learned with p on the trace; thresholds-file."),
            double("approximation.p", \.approximation.p, expected: "a number ≥ 0", source: "paper: p (III-E)",
                   "The threshold-learning hyperparameter; larger p selects fewer keys. p = 0 means exact."),
            optionalString("approximation.thresholds_file", \.approximation.thresholdsFile, source: "—",
                           "An elsa-thresholds/1 file (relative to the config file); with mode thresholds-file. --thresholds overrides."),
            choice("approximation.relevance_count", \.approximation.relevanceCount, source: "assumed: visible-keys",
                   "The n of the p/n relevance cut-off: keys the query sees (padding excluded), or the padded length."),
        ] + energyFields + assumptionFields + biasFields + numericsFields + tilingFields
    }

    // MARK: field builders

    static func int(_ path: String, _ kp: WritableKeyPath<ElsaConfig, Int> & Sendable, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "an integer", source: source, summary: summary,
                    read: { .int(Int64($0[keyPath: kp])) },
                    write: { c, v, p throws(ConfigError) in c[keyPath: kp] = try integer(v, p) })
    }

    static func optionalInt(_ path: String, _ kp: WritableKeyPath<ElsaConfig, Int?> & Sendable, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "an integer or null", source: source, summary: summary,
                    read: { $0[keyPath: kp].map { .int(Int64($0)) } ?? .null },
                    write: { c, v, p throws(ConfigError) in c[keyPath: kp] = v == .null ? nil : try integer(v, p) })
    }

    static func double(_ path: String, _ kp: WritableKeyPath<ElsaConfig, Double> & Sendable, expected: String, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: expected, source: source, summary: summary,
                    read: { .double($0[keyPath: kp]) },
                    write: { c, v, p throws(ConfigError) in
                        guard let d = v.doubleValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a number") }
                        c[keyPath: kp] = d
                    })
    }

    static func string(_ path: String, _ kp: WritableKeyPath<ElsaConfig, String> & Sendable, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "a string", source: source, summary: summary,
                    read: { .string($0[keyPath: kp]) },
                    write: { c, v, p throws(ConfigError) in
                        guard let s = v.stringValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a string") }
                        c[keyPath: kp] = s
                    })
    }

    static func optionalString(_ path: String, _ kp: WritableKeyPath<ElsaConfig, String?> & Sendable, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "a string or null", source: source, summary: summary,
                    read: { $0[keyPath: kp].map { .string($0) } ?? .null },
                    write: { c, v, p throws(ConfigError) in
                        if v == .null { c[keyPath: kp] = nil; return }
                        guard let s = v.stringValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a string or null") }
                        c[keyPath: kp] = s
                    })
    }

    static func seed(_ path: String, _ kp: WritableKeyPath<ElsaConfig, UInt64> & Sendable, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "an integer ≥ 0", source: "—", summary: summary,
                    read: { .int(Int64(bitPattern: $0[keyPath: kp])) },
                    write: { c, v, p throws(ConfigError) in
                        let i = try integer(v, p)
                        guard i >= 0 else { throw .outOfRange(path: p, value: "\(i)", expected: "an integer ≥ 0") }
                        c[keyPath: kp] = UInt64(i)
                    })
    }

    static func intList(_ path: String, _ kp: WritableKeyPath<ElsaConfig, [Int]> & Sendable, source: String, _ summary: String) -> ConfigField {
        ConfigField(path: path, expected: "an array of integers", source: source, summary: summary,
                    read: { .array($0[keyPath: kp].map { .int(Int64($0)) }) },
                    write: { c, v, p throws(ConfigError) in
                        guard case let .array(items) = v else { throw .wrongType(path: p, found: v.kindDescription, expected: "an array of integers") }
                        var out: [Int] = []
                        for (i, item) in items.enumerated() { out.append(try integer(item, "\(p)[\(i)]")) }
                        c[keyPath: kp] = out
                    })
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ path: String, _ kp: WritableKeyPath<ElsaConfig, E> & Sendable, source: String, _ summary: String
    ) -> ConfigField where E.RawValue == String {
        let names = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        return ConfigField(path: path, expected: "one of \(names)", source: source, summary: summary,
                           read: { .string($0[keyPath: kp].rawValue) },
                           write: { c, v, p throws(ConfigError) in
                               guard let s = v.stringValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "one of \(names)") }
                               guard let e = E(rawValue: s) else { throw .invalidValue(path: p, value: s, expected: "one of \(names)") }
                               c[keyPath: kp] = e
                           })
    }

    static func integer(_ v: JSONValue, _ path: String) throws(ConfigError) -> Int {
        switch v {
        case let .int(i): return Int(i)
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw .wrongType(path: path, found: v.kindDescription, expected: "an integer")
        }
    }
}
