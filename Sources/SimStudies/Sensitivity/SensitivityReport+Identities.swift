import SimIO

extension SensitivityReport {
    /// The sensitivity JSON with the baseline's `config_hash` and the trace's `trace_hash` at the top
    /// level, the identities every report gives (`docs/reports.md`, "Identities").
    package static func addingIdentities(to json: JSONValue, configHash: String, traceHash: String) -> JSONValue {
        guard case var .object(o) = json else { return json }
        o["config_hash"] = .string(configHash)
        o["trace_hash"] = .string(traceHash)
        return .object(o)
    }
}
