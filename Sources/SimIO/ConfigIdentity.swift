import Foundation
import A3Model
import ElsaModel

/// The one identity of an effective config (`config_hash` in every report, CSV, sweep row and header;
/// `docs/reports.md`, "Identities"): `FNV1a64` of its canonical bytes. The canonical bytes are the
/// effective config's JSON (`ConfigLoader.effectiveJSON` / `A3ConfigLoader.effectiveJSON`: every field,
/// defaults filled in) with the `hash.matrix_file` and `approximation.thresholds_file` paths replaced
/// by `"content:" + FNV1a64 of the file's bytes` (`"unreadable:" + path` when it cannot be read), written
/// compact with sorted keys (`JSONValue.serialized`). The same inputs therefore hash the same in `run`,
/// `compare`, `sweep` and `sensitivity`, and on every machine.
public enum ConfigIdentity {
    /// The canonical JSON text that `hash(of:)` hashes.
    public static func canonicalJSON(_ config: ElsaConfig) -> String {
        guard case var .object(tree) = ConfigLoader.effectiveJSON(config) else { return ConfigLoader.effectiveJSON(config).serialized() }
        func replace(_ group: String, _ key: String) {
            guard var inner = tree[group]?.objectValue, let path = inner[key]?.stringValue else { return }
            inner[key] = .string(FNV1a64.ofFile(path).map { "content:\($0)" } ?? "unreadable:\(path)")
            tree[group] = .object(inner)
        }
        replace("hash", "matrix_file")
        replace("approximation", "thresholds_file")
        return JSONValue.object(tree).serialized()
    }

    /// 16 lowercase hex digits: `FNV1a64` of `canonicalJSON(config)`.
    public static func hash(of config: ElsaConfig) -> String { FNV1a64.of(canonicalJSON(config)) }

    /// An A^3 config: `FNV1a64` of its effective `a3-config/1` JSON, compact with sorted keys (it names no files).
    public static func hash(of config: A3Config) -> String { hash(ofEffective: A3ConfigLoader.effectiveJSON(config)) }

    /// The hash of an effective config that names no input file (A^3, the ideal accelerator): its
    /// compact, key-sorted JSON.
    public static func hash(ofEffective json: JSONValue) -> String { FNV1a64.of(json.serialized()) }
}
