import SimIO
import SimCharts
import SimReports
import ElsaModel

/// The content identity of an effective config: `FNV1a64` of its JSON (every field, defaults
/// filled in, sorted keys) with the `hash.matrix_file` and `approximation.thresholds_file` paths
/// replaced by the hashes of the files' bytes, so the same inputs hash the same on every machine.
public enum SweepConfigHash {
    public static func of(_ config: ElsaConfig) -> String {
        guard case var .object(tree) = ConfigLoader.effectiveJSON(config) else { preconditionFailure("config JSON is an object") }
        func replace(_ group: String, _ key: String) {
            guard var inner = tree[group]?.objectValue, let path = inner[key]?.stringValue else { return }
            inner[key] = .string(FNV1a64.ofFile(path).map { "content:\($0)" } ?? "unreadable:\(path)")
            tree[group] = .object(inner)
        }
        replace("hash", "matrix_file")
        replace("approximation", "thresholds_file")
        return FNV1a64.of(JSONValue.object(tree).serialized())
    }
}
