import ElsaModel
import SimIO
import SimCharts
import SimReports

/// What `elsa-sim sensitivity` varies (`docs/validation.md`, "Which unknowns matter"): every config field
/// whose source says "assumed" is either varied here — enumerations over every value, numbers to a
/// documented low and high — or excluded with a written reason. A test fails when a field marked assumed
/// is in neither list, so fields added later are caught.
package enum SensitivityPlan {
    /// How one field is varied.
    package struct Variation: Sendable {
        package let field: String
        /// (value as JSON, kind): kind is `value` for an enumeration member, `low` / `high` for numbers.
        package let values: [(value: JSONValue, kind: String)]
        /// Why these values (the documented low and high).
        package let why: String
    }

    package static func enumeration<E: RawRepresentable & CaseIterable>(_ field: String, _ type: E.Type, why: String) -> Variation
        where E.RawValue == String {
        Variation(field: field, values: E.allCases.map { (.string($0.rawValue), "value") }, why: why)
    }

    package static func range(_ field: String, low: JSONValue, high: JSONValue, why: String) -> Variation {
        Variation(field: field, values: [(low, "low"), (high, "high")], why: why)
    }

    /// The varied config fields; a value equal to the baseline's is skipped at run time.
    package static let variations: [Variation] = [
        enumeration("pipeline.query_overlap", QueryOverlap.self, why: "both rules of docs/model.md §4 rule 1"),
        enumeration("hash.preprocessing", HashPreprocessing.self, why: "both rules of docs/model.md §3"),
        range("selector.pipeline_depth", low: .int(1), high: .int(8), why: "1: the shallowest pipeline; 8: a deep LUT/multiply/compare pipeline"),
        range("selector.queue_depth", low: .int(1), high: .int(16), why: "1: the sharpest back-pressure; 16: four times the default"),
        enumeration("arbiter", ArbiterPolicy.self, why: "both arbiters"),
        enumeration("bank_mapping", BankMapping.self, why: "both mappings"),
        range("attention.latency", low: .int(1), high: .int(16), why: "1: a single-cycle module; 16: a deep exp/accumulate pipeline"),
        range("attention.accumulators", low: .int(2), high: .int(4), why: "2: the least that overlaps output division (IV-C); 4: generous"),
        range("output_division.latency", low: .int(0), high: .int(8), why: "0: the row written in its last busy cycle; 8: a slow reciprocal"),
        range("norm.keys_per_cycle", low: .int(1), high: .int(16), why: "1: one shared adder tree; 16: four times the default Pa = 4"),
        range("norm.latency", low: .int(0), high: .int(16), why: "0: no square-root latency; 16: a slow square root and max"),
        Variation(field: "theta_bias", values: [(.double(0), "low"), (.double(0.25), "high"), (.string("fit"), "value")],
                  why: "0: no correction; 0.25: about twice the paper's 0.127; \"fit\": ELSA III-D's rule at the config's d and k"),
        range("accelerators", low: .int(1), high: .int(12), why: "1: one accelerator; 12: the paper's evaluation (V-C)"),
        enumeration("approximation.relevance_count", RelevanceCount.self, why: "both counts"),
        // The number formats' open choices move results only under numerics.mode = elsa (run the study with
        // --set numerics.mode=elsa); under float they are reported with zero effect.
        enumeration("numerics.hash_sign_at_zero", HashSignAtZero.self, why: "both hash bits for an exact 0 (numerics.mode elsa only)"),
        enumeration("numerics.norm_format", NormFormat.self, why: "both norm formats (numerics.mode elsa only)"),
        range("numerics.norm_fraction_bits", low: .int(1), high: .int(5), why: "1 and 5 fraction bits of an 8-bit norm (numerics.mode elsa only)"),
        range("numerics.cosine_fraction_bits", low: .int(3), high: .int(8), why: "3 and 8 fraction bits of the cosine table (numerics.mode elsa only)"),
        range("numerics.threshold_fraction_bits", low: .int(3), high: .int(8), why: "3 and 8 fraction bits of t (numerics.mode elsa only)"),
        enumeration("numerics.rounding", RoundingMode.self, why: "every rounding mode (numerics.mode elsa only)"),
        enumeration("numerics.overflow", OverflowMode.self, why: "saturate and wrap (numerics.mode elsa only)"),
        enumeration("numerics.output_format", OutputFormat.self, why: "both output-row formats (numerics.mode elsa only)"),
        enumeration("tiling.preprocessing", TilePreprocessing.self,
                    why: "both tile schedules (docs/model.md §9; only a trace longer than key_memory_capacity is tiled)"),
        enumeration("approximation.bias", BiasPolicy.self,
                    why: "both policies (a trace without a bias: only lookup's extra selector stage and its area move)"),
    ]

    /// Study dimensions that are not a single `--set`: the cost of a loaded matrix and the calibration source.
    package static let specialFields: [(field: String, why: String)] = [
        ("hash.cost", "the config's generated Kronecker matrix passed in as a loaded (matrix-file) matrix, costed dense and kronecker"),
        ("calibration", "thresholds learned on the evaluated trace vs on --calibration-trace (held out)"),
    ]

    /// Assumed fields that are deliberately not varied, with the reason.
    package static let exclusions: [(field: String, reason: String)] = [
        ("energy.reference.norm_keys_per_cycle",
         "energy scaling only (docs/energy.md): it changes no cycle count, selection or output error"),
        ("long_sequences",
         "what runs, not how: error refuses a trace longer than the key memory, tile runs it (its schedule is tiling.preprocessing)"),
        ("bias_lookup.selector_overhead",
         "area and energy of the lookup policy only (docs/energy.md): it changes no cycle count, selection or output error"),
        ("bias_lookup.norm_overhead",
         "area and energy of the lookup policy only (docs/energy.md): it changes no cycle count, selection or output error"),
    ]

    /// Every field marked assumed in the schema (source contains "assumed").
    package static var assumedFields: [String] {
        ConfigSchema.fields.filter { $0.source.lowercased().contains("assumed") }.map(\.path)
    }

    /// Assumed fields neither varied nor excluded (must be empty).
    package static var uncovered: [String] {
        uncovered(in: ConfigSchema.fields.map { ($0.path, $0.source) })
    }

    /// The fields among `(path, source)` whose source says "assumed" and that are neither varied nor excluded.
    package static func uncovered(in fields: [(path: String, source: String)]) -> [String] {
        let covered = Set(variations.map(\.field) + specialFields.map(\.field) + exclusions.map(\.field))
        return fields.filter { $0.source.lowercased().contains("assumed") && !covered.contains($0.path) }.map(\.path)
    }
}
