import SimIO
import SimCharts
import SimReports
import Foundation

/// A sweep spec file (`elsa-sweep-spec/1`, `docs/sweeps.md`, "Spec files"): the base config, the
/// traces, fixed overrides and the axes of a larger study, so it can be versioned and rerun.
///
/// ```json
/// {"format": "elsa-sweep-spec/1",
///  "config": "../Configs/elsa-paper.json", "traces": ["../Traces/minilm-l6-gutenberg-n128"],
///  "set": {"selector.queue_depth": 8},
///  "axes": [{"field": "approximation.p", "values": [0.5, 1, 2, 4]},
///           {"fields": ["attention_modules", "hash.multipliers"], "values": [[2, 128], [4, 256]]}]}
/// ```
/// Paths are relative to the spec file. Every key but `format` and `axes` is optional.
public struct SweepSpec: Sendable {
    public static let format = "elsa-sweep-spec/1"
    /// Base config path (resolved against the spec's directory).
    public var config: String?
    public var traces: [String]
    /// Workload files (`elsa-workload/1`), resolved against the spec's directory; more values of the trace axis.
    public var workloads: [String] = []
    public var fixed: [(path: String, value: JSONValue)]
    public var axes: [SweepAxis]

    static let keys = ["format", "description", "comment", "config", "traces", "workloads", "set", "axes"]

    /// Reads and decodes `file`.
    public static func read(file: String) throws(SweepError) -> SweepSpec {
        let data: Data
        switch InputFile.readDocument(file) {
        case let .success(d): data = d
        case let .failure(problem): throw .specUnreadable(file: file, reason: problem.reason)
        }
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch {
            throw .invalidSpec(file: file, path: "(document)", message: "not valid JSON (\(TraceReader.jsonReason(data, error)))")
        }
        return try decode(root, file: file, directory: URL(fileURLWithPath: file).deletingLastPathComponent())
    }

    /// Decodes a parsed spec; `file` names it in messages, `directory` resolves its relative paths.
    public static func decode(_ root: JSONValue, file: String, directory: URL) throws(SweepError) -> SweepSpec {
        guard let object = root.objectValue else {
            throw .invalidSpec(file: file, path: "(top level)", message: "found \(root.kindDescription); expected an object")
        }
        for key in object.keys.sorted() where !keys.contains(key) {
            let hint = ConfigLoader.closest(key, among: keys).map { "; did you mean '\($0)'?" } ?? ""
            throw .invalidSpec(file: file, path: key, message: "unknown field" + hint)
        }
        guard object["format"] == .string(format) else {
            throw .invalidSpec(file: file, path: "format", message: "found \(object["format"]?.kindDescription ?? "nothing"); expected \"\(format)\"")
        }
        func resolve(_ path: String) -> String { ConfigLoader.resolve(path, against: directory) }
        var spec = SweepSpec(config: nil, traces: [], fixed: [], axes: [])
        if let config = object["config"], config != .null {
            guard let path = config.stringValue else {
                throw .invalidSpec(file: file, path: "config", message: "found \(config.kindDescription); expected a file path")
            }
            spec.config = resolve(path)
        }
        if let traces = object["traces"], traces != .null {
            guard case let .array(items) = traces, let paths = Optional(items.compactMap(\.stringValue)), paths.count == items.count else {
                throw .invalidSpec(file: file, path: "traces", message: "expected an array of trace directory paths")
            }
            spec.traces = paths.map(resolve)
        }
        if let workloads = object["workloads"], workloads != .null {
            guard case let .array(items) = workloads, case let paths = items.compactMap(\.stringValue), paths.count == items.count else {
                throw .invalidSpec(file: file, path: "workloads", message: "expected an array of workload file paths")
            }
            spec.workloads = paths.map(resolve)
        }
        if let set = object["set"], set != .null {
            guard let fields = set.objectValue else {
                throw .invalidSpec(file: file, path: "set", message: "found \(set.kindDescription); expected an object of \"dotted.path\": value")
            }
            spec.fixed = fields.keys.sorted().map { (path: $0, value: fields[$0]!) }
        }
        guard case let .array(axes)? = object["axes"] else {
            throw .invalidSpec(file: file, path: "axes", message: "expected an array of {\"field\": ..., \"values\": [...]}")
        }
        for (i, axis) in axes.enumerated() {
            spec.axes.append(try decodeAxis(axis, file: file, path: "axes[\(i)]"))
        }
        return spec
    }

    static func decodeAxis(_ value: JSONValue, file: String, path: String) throws(SweepError) -> SweepAxis {
        guard let object = value.objectValue else {
            throw .invalidSpec(file: file, path: path, message: "found \(value.kindDescription); expected an object")
        }
        for key in object.keys.sorted() where !["field", "fields", "values"].contains(key) {
            throw .invalidSpec(file: file, path: "\(path).\(key)", message: "unknown field; expected field, fields or values")
        }
        guard case let .array(values)? = object["values"], !values.isEmpty else {
            throw .invalidSpec(file: file, path: "\(path).values", message: "expected a non-empty array of values")
        }
        if let field = object["field"]?.stringValue, object["fields"] == nil {
            return SweepAxis(field: field, values: values)
        }
        guard case let .array(names)? = object["fields"], object["field"] == nil,
              case let fields = names.compactMap(\.stringValue), fields.count == names.count, !fields.isEmpty else {
            throw .invalidSpec(file: file, path: path, message: "expected \"field\": \"dotted.path\" or \"fields\": [\"a\", \"b\", ...] (linked)")
        }
        var rows: [[JSONValue]] = []
        for (i, v) in values.enumerated() {
            guard case let .array(items) = v, items.count == fields.count else {
                throw .invalidSpec(file: file, path: "\(path).values[\(i)]",
                                   message: "found \(v.kindDescription); expected an array of \(fields.count) values, one per field")
            }
            rows.append(items)
        }
        return SweepAxis(fields: fields, values: rows)
    }
}
