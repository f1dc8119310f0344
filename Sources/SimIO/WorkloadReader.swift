import Foundation
import Workload

/// Reads workload files (`elsa-workload/1`, `docs/workloads.md`): attention layers listed by shape,
/// turned into synthetic traces by `AttentionWorkload`. Every field is checked against the limits of
/// `AttentionWorkload.Limits` before anything is allocated, so no input can crash the reader or make it
/// allocate without bound.
///
/// ```json
/// {"format": "elsa-workload/1", "model": "bert-large", "seed": 1,
///  "layers": [{"n": 512, "heads": 16, "head_dim": 64, "repeat": 24, "target_keys90": 0.2}]}
/// ```
public enum WorkloadReader {
    static let topKeys = ["format", "model", "description", "comment", "seed", "layers"]
    static let layerKeys = ["n", "tokens", "heads", "kv_heads", "head_dim", "causal", "repeat", "concentration",
                            "target_keys90", "key_norm_spread", "topics", "comment"]
    /// The largest `key_norm_spread` target accepted (the generator reaches a CV of about 7).
    public static let maxKeyNormSpread = 100.0

    /// Whether `file` is a regular file whose JSON `format` names a workload (any version), so a command
    /// can tell a workload file from a trace directory or a config.
    public static func isWorkload(file: String) -> Bool {
        guard case let .success(data) = InputFile.readDocument(file),
              let root = try? JSONValue.parse(data), let format = root.objectValue?["format"]?.stringValue else { return false }
        return format.hasPrefix("elsa-workload")
    }

    /// Reads and checks `file`.
    public static func read(file: String) throws(WorkloadError) -> AttentionWorkload {
        let data: Data
        switch InputFile.readDocument(file) {
        case let .success(d): data = d
        case let .failure(problem): throw .unreadable(file: file, reason: problem.reason, missing: problem.missing)
        }
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch {
            throw .invalid(file: file, path: "(document)", found: "text that is not JSON (\(TraceReader.jsonReason(data, error)))",
                           expected: "a JSON object")
        }
        return try decode(root, file: file)
    }

    /// Checks a parsed workload; `file` names it in messages.
    public static func decode(_ root: JSONValue, file: String) throws(WorkloadError) -> AttentionWorkload {
        func fail(_ path: String, _ found: String, _ expected: String) -> WorkloadError {
            .invalid(file: file, path: path, found: found, expected: expected)
        }
        guard let object = root.objectValue else {
            throw fail("(top level)", root.kindDescription, "an object with \"format\": \"\(AttentionWorkload.format)\"")
        }
        guard let format = object["format"] else { throw fail("format", "nothing", "\"\(AttentionWorkload.format)\"") }
        guard format == .string(AttentionWorkload.format) else {
            let hint = format.stringValue?.hasPrefix("elsa-workload") == true ? " (this simulator reads version 1)" : ""
            throw fail("format", format.kindDescription, "\"\(AttentionWorkload.format)\"" + hint)
        }
        for key in object.keys.sorted() where !topKeys.contains(key) {
            let hint = ConfigLoader.closest(key, among: topKeys).map { " (did you mean '\($0)'?)" } ?? ""
            throw fail(key, "an unknown field", "one of " + topKeys.joined(separator: ", ") + hint)
        }
        for key in ["model", "description", "comment"] {
            if let value = object[key], value.stringValue == nil { throw fail(key, value.kindDescription, "a string") }
        }
        let model = object["model"]?.stringValue ?? "workload"
        guard let seedValue = object["seed"] else { throw fail("seed", "nothing", "an integer seed 0…\(Int64.max)") }
        guard case let .int(seed) = seedValue, seed >= 0 else {
            throw fail("seed", seedValue.kindDescription, "an integer seed 0…\(Int64.max)")
        }
        guard case let .array(items)? = object["layers"], !items.isEmpty else {
            throw fail("layers", object["layers"]?.kindDescription ?? "nothing", "a non-empty array of layer objects")
        }
        guard items.count <= AttentionWorkload.Limits.entries else {
            throw fail("layers", "\(items.count) entries", "at most \(AttentionWorkload.Limits.entries) (use \"repeat\" for identical layers)")
        }
        var entries: [WorkloadLayer] = []
        var total = 0
        for (i, item) in items.enumerated() {
            let entry = try decodeLayer(item, path: "layers[\(i)]", fail: fail)
            total += entry.repeatCount
            guard total <= AttentionWorkload.Limits.layers else {
                throw fail("layers[\(i)].repeat", "\(total) layers in all up to this entry",
                           "at most \(AttentionWorkload.Limits.layers) layers after expanding repeat")
            }
            entries.append(entry)
        }
        return AttentionWorkload(model: model, description: object["description"]?.stringValue, seed: UInt64(seed),
                                 entries: entries)
    }

    static func decodeLayer(_ value: JSONValue, path: String,
                            fail: (String, String, String) -> WorkloadError) throws(WorkloadError) -> WorkloadLayer {
        guard let o = value.objectValue else { throw fail(path, value.kindDescription, "an object (one layer's shape)") }
        for key in o.keys.sorted() where !layerKeys.contains(key) {
            let hint = ConfigLoader.closest(key, among: layerKeys).map { " (did you mean '\($0)'?)" } ?? ""
            throw fail("\(path).\(key)", "an unknown field", "one of " + layerKeys.joined(separator: ", ") + hint)
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, required: Bool, note: String = "") throws(WorkloadError) -> Int? {
            guard let v = o[key], v != .null else {
                if required { throw fail("\(path).\(key)", "nothing", "an integer \(range.lowerBound)…\(range.upperBound)\(note)") }
                return nil
            }
            guard let x = v.integerValue, range.contains(x) else {
                throw fail("\(path).\(key)", v.kindDescription, "an integer \(range.lowerBound)…\(range.upperBound)\(note)")
            }
            return x
        }
        func number(_ key: String, _ check: (Double) -> Bool, _ expected: String) throws(WorkloadError) -> Double? {
            guard let v = o[key], v != .null else { return nil }
            guard let x = v.doubleValue, x.isFinite, check(x) else { throw fail("\(path).\(key)", v.kindDescription, expected) }
            return x
        }
        let limits = AttentionWorkload.Limits.self
        let n = try integer("n", 1 ... limits.n, required: true)!
        let tokens = try integer("tokens", 1 ... n, required: false, note: " (real tokens, at most n)")
        let heads = try integer("heads", 1 ... limits.heads, required: true)!
        let kvHeads = try integer("kv_heads", 1 ... heads, required: false, note: " (dividing heads \(heads))") ?? heads
        guard heads % kvHeads == 0 else {
            throw fail("\(path).kv_heads", "an integer \(kvHeads)", "a divisor of heads \(heads)")
        }
        let headDim = try integer("head_dim", 1 ... limits.headDim, required: true)!
        let elements = heads * n * headDim   // ≤ 2^10 · 2^14 · 2^12: no overflow
        guard elements <= limits.layerElements else {
            throw fail(path, "heads × n × head_dim = \(heads) × \(n) × \(headDim) = \(elements) values in one layer's q",
                       "at most \(limits.layerElements) (fewer heads or a shorter n)")
        }
        var causal = false
        if let c = o["causal"], c != .null {
            guard case let .bool(b) = c else { throw fail("\(path).causal", c.kindDescription, "true or false") }
            causal = b
        }
        let repeatCount = try integer("repeat", 1 ... limits.layers, required: false) ?? 1
        let minimum = SyntheticTraceGenerator.minimumConcentration, maximum = SyntheticConcentrationSolver.maximumConcentration
        let concentration = try number("concentration", { $0 >= minimum && $0 <= maximum },
                                       "a number \(JSONValue.format(minimum))…\(JSONValue.format(maximum))")
        let target = try number("target_keys90", { $0 > 0 && $0 <= 1 }, "a fraction in (0, 1]")
        if concentration != nil && target != nil {
            throw fail("\(path).target_keys90", "both concentration and target_keys90", "one of them (target_keys90 solves the concentration)")
        }
        let spread = try number("key_norm_spread", { $0 >= 0 && $0 <= maxKeyNormSpread },
                                "a coefficient of variation 0…\(JSONValue.format(maxKeyNormSpread))")
        let topics = try integer("topics", 1 ... limits.topics, required: false) ?? SyntheticTraceGenerator.defaultTopics
        if let c = o["comment"], c.stringValue == nil { throw fail("\(path).comment", c.kindDescription, "a string") }
        return WorkloadLayer(n: n, tokens: tokens, heads: heads, kvHeads: kvHeads, headDim: headDim, causal: causal,
                             repeatCount: repeatCount, concentration: concentration, targetKeys90: target,
                             keyNormSpread: spread, topics: topics)
    }

    /// Solves the statistics targets (`AttentionWorkload.resolved`), naming the entry's field on failure.
    public static func resolve(_ workload: AttentionWorkload, file: String, threads: Int) throws(WorkloadError) -> ResolvedWorkload {
        do { return try workload.resolved(threads: threads) } catch {
            throw .unreachableTarget(file: file, path: "layers[\(error.entry)].\(error.field)", message: error.error.description)
        }
    }

    /// The workload's fields that determine its layers, defaults filled in, as canonical JSON (sorted
    /// keys, compact): what its identity hashes. Comments, the description and the file's layout do not count.
    public static func canonicalJSON(_ workload: AttentionWorkload) -> JSONValue {
        .object([
            "format": .string(AttentionWorkload.format), "model": .string(workload.model),
            "seed": .int(Int64(workload.seed)),
            "layers": .array(workload.entries.map { e in
                var o: [String: JSONValue] = [
                    "n": .int(Int64(e.n)), "tokens": .int(Int64(e.realTokens)), "heads": .int(Int64(e.heads)),
                    "kv_heads": .int(Int64(e.kvHeads)), "head_dim": .int(Int64(e.headDim)), "causal": .bool(e.causal),
                    "repeat": .int(Int64(e.repeatCount)), "topics": .int(Int64(e.topics)),
                ]
                if let c = e.concentration { o["concentration"] = .double(c) }
                if let t = e.targetKeys90 { o["target_keys90"] = .double(t) }
                if let s = e.keyNormSpread { o["key_norm_spread"] = .double(s) }
                return .object(o)
            }),
        ])
    }

    /// The workload's name and content id in sweep and compare outputs: the file name without `.json`,
    /// and `FNV1a64` of its canonical JSON: the `trace_hash` every report on this workload gives.
    public static func identity(_ workload: AttentionWorkload, file: String) -> TraceIdentity {
        var name = URL(fileURLWithPath: file).lastPathComponent
        if name.hasSuffix(".json") { name.removeLast(5) }
        return TraceIdentity(name: name, id: FNV1a64.of(canonicalJSON(workload).serialized()))
    }
}
