import Foundation
import ElsaModel

/// Reads an `elsa-config/1` hardware config (`docs/config.md`): JSON → `ElsaConfig`, with `--set`
/// overrides applied first, unknown fields rejected with a suggestion, types and ranges checked.
public enum ConfigLoader {
    /// Loads `file`, applying `overrides` (`dotted.path` → value) on top.
    /// `hashMatrix` and `thresholdsFile` are the command line's `--hash-matrix` and `--thresholds`: they
    /// set the projection / mode and the file before the config is validated (so a config with projection
    /// "matrix-file" or mode "thresholds-file" and no file of its own is valid with them), and are taken
    /// as given, not relative to the config file.
    public static func load(file: String, overrides: [(path: String, value: JSONValue)] = [], hashMatrix: String? = nil,
                            thresholdsFile: String? = nil) throws(ConfigError) -> ElsaConfig {
        let root = try readDocument(file: file)
        var config: ElsaConfig
        do {
            config = try decode(root, overrides: overrides, hashMatrix: hashMatrix, thresholdsFile: thresholdsFile)
        } catch {
            // A value that came from --set is blamed on the command line, not on the file.
            if let path = error.path, let o = overrides.first(where: { $0.path == path }) {
                throw .inFile(file: "--set \(o.path)=\(o.value.serialized())", error: error)
            }
            throw .inFile(file: file, error: error)
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        if hashMatrix == nil { config.hash.matrixFile = config.hash.matrixFile.map { resolve($0, against: directory) } }
        if thresholdsFile == nil {
            config.approximation.thresholdsFile = config.approximation.thresholdsFile.map { resolve($0, against: directory) }
        }
        return config
    }

    /// Reads and parses the JSON document `file` (a config or thresholds file); a missing or unreadable
    /// file (or one that is not a regular file, or over 64 MiB) is `ConfigError.unreadable` (exit 66),
    /// a malformed one `ConfigError.notJSON` with the parser's position (exit 65).
    public static func readDocument(file: String) throws(ConfigError) -> JSONValue {
        let data: Data
        switch InputFile.readDocument(file) {
        case let .success(d): data = d
        case let .failure(problem): throw .unreadable(file: file, reason: problem.reason)
        }
        do { return try JSONValue.parse(data) } catch {
            throw .notJSON(file: file, reason: TraceReader.jsonReason(data, error))
        }
    }

    /// Decodes a parsed document (plus overrides) and validates it.
    public static func decode(_ root: JSONValue, overrides: [(path: String, value: JSONValue)] = [], hashMatrix: String? = nil,
                              thresholdsFile: String? = nil) throws(ConfigError) -> ElsaConfig {
        guard var tree = root.objectValue else {
            throw .wrongType(path: "(top level)", found: root.kindDescription, expected: "an object")
        }
        let fields = ConfigSchema.fields
        let byPath = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0) })
        for (path, value) in overrides {
            guard byPath[path] != nil else {
                throw .unknownField(path: "--set \(path)", suggestion: closest(path, among: fields.map(\.path)))
            }
            set(&tree, path.split(separator: ".").map(String.init), value)
        }
        if let format = tree["format"], format != .string(ConfigSchema.format) {
            throw .invalidValue(path: "format", value: format.stringValue ?? format.kindDescription,
                                expected: "\"\(ConfigSchema.format)\"")
        }
        var config = ElsaConfig()
        try walkFields(tree, paths: Set(byPath.keys), documentFields: documentFields) { path, value throws(ConfigError) in
            try byPath[path]!.write(&config, value, path)
        }
        if let hashMatrix {
            config.hash.projection = .matrixFile
            config.hash.matrixFile = hashMatrix
        }
        if let thresholdsFile {
            config.approximation.mode = .thresholdsFile
            config.approximation.thresholdsFile = thresholdsFile
        }
        try config.validate()
        return config
    }

    /// The effective config as JSON (every field, defaults filled in), grouped as in the file format.
    public static func effectiveJSON(_ config: ElsaConfig) -> JSONValue {
        var tree: [String: JSONValue] = ["format": .string(ConfigSchema.format)]
        for field in ConfigSchema.fields {
            set(&tree, field.path.split(separator: ".").map(String.init), field.read(config))
        }
        return .object(tree)
    }

    private static let documentFields: Set<String> = ["format", "description", "comment"]

    /// Visits every field of a config document: nested objects are walked by their dotted paths,
    /// `documentFields` at the top level are skipped, and a key that is neither a known path nor the
    /// prefix of one is an unknown field (with the nearest known path as a suggestion). Every config
    /// format of the project (`elsa-config/1`, `a3-config/1`) reads its fields through this.
    public static func walkFields(_ object: [String: JSONValue], prefix: String = "", paths: Set<String>,
                                  documentFields: Set<String>,
                                  visit: (String, JSONValue) throws(ConfigError) -> Void) throws(ConfigError) {
        for key in object.keys.sorted() {
            let value = object[key]!
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if prefix.isEmpty && documentFields.contains(key) { continue }
            if paths.contains(path) {
                try visit(path, value)
            } else if paths.contains(where: { $0.hasPrefix(path + ".") }) {
                guard let inner = value.objectValue else {
                    throw .wrongType(path: path, found: value.kindDescription, expected: "an object")
                }
                try walkFields(inner, prefix: path, paths: paths, documentFields: documentFields, visit: visit)
            } else {
                throw .unknownField(path: path, suggestion: closest(path, among: Array(paths) + documentFields))
            }
        }
    }

    static func set(_ tree: inout [String: JSONValue], _ components: [String], _ value: JSONValue) {
        guard let first = components.first else { return }
        if components.count == 1 { tree[first] = value; return }
        var inner = tree[first]?.objectValue ?? [:]
        set(&inner, Array(components.dropFirst()), value)
        tree[first] = .object(inner)
    }

    /// The known path nearest to `path` by edit distance, if it is close enough to be a likely typo.
    public static func closest(_ path: String, among known: [String]) -> String? {
        var best: (name: String, distance: Int)? = nil
        for candidate in known.sorted() {
            let distance = editDistance(path, candidate)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let found = best, found.distance <= max(2, path.count / 3) else { return nil }
        return found.name
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0 ... b.count)
        for i in 1 ... max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1 ... max(b.count, 1) where !b.isEmpty {
                let saved = row[j]
                let substitution: Int = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
                let deletion: Int = row[j] + 1
                let insertion: Int = row[j - 1] + 1
                row[j] = Swift.min(deletion, insertion, substitution)
                previous = saved
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    package static func resolve(_ path: String, against directory: URL) -> String {
        path.hasPrefix("/") ? path : directory.appendingPathComponent(path).path
    }

    static func describe(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        return "\(error)"
    }
}
