import Foundation
import A3Model
import ElsaModel

/// One field of the `a3-config/1` file: dotted path, what it must hold (checked when written), where
/// its default comes from, and how to read and write it (`docs/a3.md` §6 lists them).
public struct A3ConfigField: Sendable {
    public let path: String
    public let expected: String
    public let source: String
    public let summary: String
    public let read: @Sendable (A3Config) -> JSONValue
    let write: @Sendable (inout A3Config, JSONValue, String) throws(ConfigError) -> Void
}

/// Reads an A^3 config (`a3-config/1`, top-level `"accelerator": "a3"`): JSON → `A3Config`, `--set`
/// overrides applied first, unknown fields rejected with a suggestion, types and ranges checked per field.
public enum A3ConfigLoader {
    public static let format = "a3-config/1"
    public static let accelerator = "a3"

    /// Whether `file` is an A^3 config: its top-level `accelerator` is `"a3"` or its `format` is
    /// `"a3-config/1"`. Unreadable or invalid files answer `false` (the ELSA loader then reports them).
    public static func isA3Config(file: String) -> Bool {
        guard case let .success(data) = InputFile.readDocument(file),
              let object = (try? JSONValue.parse(data))?.objectValue else { return false }
        return object["accelerator"]?.stringValue == accelerator || object["format"]?.stringValue == format
    }

    /// Loads `file`, applying `overrides` (`dotted.path` → value) on top.
    public static func load(file: String, overrides: [(path: String, value: JSONValue)] = []) throws(ConfigError) -> A3Config {
        let root = try ConfigLoader.readDocument(file: file)
        do { return try decode(root, overrides: overrides) } catch { throw .inFile(file: file, error: error) }
    }

    /// Decodes a parsed document (plus overrides).
    public static func decode(_ root: JSONValue, overrides: [(path: String, value: JSONValue)] = []) throws(ConfigError) -> A3Config {
        guard var tree = root.objectValue else {
            throw .wrongType(path: "(top level)", found: root.kindDescription, expected: "an object")
        }
        let byPath = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0) })
        for (path, value) in overrides {
            guard byPath[path] != nil else {
                throw .unknownField(path: "--set \(path)", suggestion: ConfigLoader.closest(path, among: fields.map(\.path)))
            }
            ConfigLoader.set(&tree, path.split(separator: ".").map(String.init), value)
        }
        if let f = tree["format"], f != .string(format) {
            throw .invalidValue(path: "format", value: f.stringValue ?? f.kindDescription, expected: "\"\(format)\"")
        }
        guard let a = tree["accelerator"] else {
            throw .inconsistent(path: "accelerator", message: "missing; an A^3 config names its model with \"accelerator\": \"a3\"")
        }
        if a != .string(accelerator) {
            throw .invalidValue(path: "accelerator", value: a.stringValue ?? a.kindDescription, expected: "\"\(accelerator)\"")
        }
        var config = A3Config()
        try ConfigLoader.walkFields(tree, paths: Set(byPath.keys), documentFields: documentFields) { path, value throws(ConfigError) in
            try byPath[path]!.write(&config, value, path)
        }
        return config
    }

    /// The effective config as JSON (every field, defaults filled in).
    public static func effectiveJSON(_ config: A3Config) -> JSONValue {
        var tree: [String: JSONValue] = ["format": .string(format), "accelerator": .string(accelerator)]
        for field in fields { ConfigLoader.set(&tree, field.path.split(separator: ".").map(String.init), field.read(config)) }
        return .object(tree)
    }

    private static let documentFields: Set<String> = ["format", "accelerator", "description", "comment"]


    /// Every field, in the order `--print-config` and `docs/a3.md` §6 give them.
    public static var fields: [A3ConfigField] {
        [
            A3ConfigField(path: "name", expected: "a string", source: "—", summary: "Name shown in reports.",
                          read: { .string($0.name) },
                          write: { c, v, p throws(ConfigError) in
                              guard let s = v.stringValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a string") }
                              c.name = s
                          }),
            real("clock_ghz", \.clockGHz, 1e-6 ... 1000, source: "paper: 1 GHz (§V)", "Clock; converts cycles to time in reports only."),
            int("head_dim", \.headDim, 1 ... 4096, source: "paper: d = 64 (§III-A)", "d of the dot-product module; larger trace head dims are rejected."),
            int("key_capacity", \.keyCapacity, 1 ... 1 << 20, source: "paper: n = 320 (§III-D)", "Keys the key/value SRAMs hold; longer traces are rejected."),
            int("units", \.units, 1 ... 1 << 16, source: "assumed: 1", "A^3 units sharing a layer's heads (head h on unit h mod units)."),
            int("pipeline.dot_product_overhead", \.pipeline.dotProductOverhead, 0 ... 1 << 16, source: "derived: 9 (3n + 27, n + 9; docs/a3.md §2)", "α of the dot-product module: it holds a query v + α cycles (C + α approximate)."),
            int("pipeline.exponent_overhead", \.pipeline.exponentOverhead, 0 ... 1 << 16, source: "derived: 9 (docs/a3.md §2)", "α of the exponent module."),
            int("pipeline.division_latency", \.pipeline.divisionLatency, 0 ... 1 << 16, source: "paper: 7 (§III-C)", "Output module: divider latency (part of its α)."),
            int("pipeline.mac_latency", \.pipeline.macLatency, 0 ... 1 << 16, source: "paper: 2 (§III-C)", "Output module: multiply-accumulate latency (part of its α)."),
            int("candidate_selection.init_cycles", \.candidateSelection.initCycles, 0 ... 1 << 16, source: "assumed: 4 (8d multiplies on 2d borrowed multipliers, §IV-C)", "Filling the component-multiplication buffers."),
            int("candidate_selection.loop_latency", \.candidateSelection.loopLatency, 0 ... 1 << 16, source: "paper: c = 4 (§IV-C)", "Cycles after the last iteration until the greedy scores are final."),
            int("candidate_selection.scan_width", \.candidateSelection.scanWidth, 1 ... 1 << 16, source: "paper: 16 (§IV-C)", "Greedy-score registers scanned per cycle when emitting candidates."),
            int("post_scoring.entries_per_cycle", \.postScoring.entriesPerCycle, 1 ... 1 << 16, source: "paper: 16 (§IV-C)", "Candidate scores compared with the threshold per cycle."),
            A3ConfigField(path: "approximation.enabled", expected: "a boolean", source: "paper: false = base A^3", summary: "Greedy search + post-scoring; false: every key.",
                          read: { .bool($0.approximation.enabled) },
                          write: { c, v, p throws(ConfigError) in
                              guard case let .bool(b) = v else { throw .wrongType(path: p, found: v.kindDescription, expected: "a boolean") }
                              c.approximation.enabled = b
                          }),
            real("approximation.iterations_fraction", \.approximation.iterationsFraction, 1e-9 ... 1e6,
                 source: "paper: 1/2 conservative, 1/8 aggressive (§V-B)", "M = ⌈fraction · v⌉ greedy iterations for a query seeing v keys."),
            A3ConfigField(path: "approximation.iterations", expected: "an integer ≥ 0 or null", source: "—", summary: "An absolute M overriding iterations_fraction.",
                          read: { $0.approximation.iterations.map { .int(Int64($0)) } ?? .null },
                          write: { c, v, p throws(ConfigError) in
                              if v == .null { c.approximation.iterations = nil; return }
                              c.approximation.iterations = try checkedInt(v, p, 0 ... 1 << 30)
                          }),
            A3ConfigField(path: "approximation.threshold_percent", expected: "a number in (0, 100] or null", source: "paper: T = 5 % conservative, 10 % aggressive (§IV-B)",
                          summary: "Post-scoring T: keep candidates whose softmax weight is ≥ T % of the largest; null keeps every candidate.",
                          read: { $0.approximation.thresholdPercent.map { .double($0) } ?? .null },
                          write: { c, v, p throws(ConfigError) in
                              if v == .null { c.approximation.thresholdPercent = nil; return }
                              guard let d = v.doubleValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a number or null") }
                              guard d > 0 && d <= 100 else { throw .outOfRange(path: p, value: "\(d)", expected: "0 < T ≤ 100 (percent)") }
                              c.approximation.thresholdPercent = d
                          }),
            A3ConfigField(path: "approximation.skip_min_heuristic", expected: "a boolean", source: "paper: on (§IV-A)", summary: "Skip the minQ step while the running sum is negative.",
                          read: { .bool($0.approximation.skipMinHeuristic) },
                          write: { c, v, p throws(ConfigError) in
                              guard case let .bool(b) = v else { throw .wrongType(path: p, found: v.kindDescription, expected: "a boolean") }
                              c.approximation.skipMinHeuristic = b
                          }),
            real("preprocessing.cycles_per_element_log2", \.preprocessing.cyclesPerElementLog2, 0 ... 1e6,
                 source: "assumed: 0.024 (calibrated on §IV-A's 7 % for BERT; docs/a3.md §5)", "Host sort cost: P = ⌈c · d · v · log2 v⌉ + fixed cycles per head."),
            int("preprocessing.fixed_cycles", \.preprocessing.fixedCycles, 0 ... 1 << 30, source: "assumed: 0", "Fixed host cycles per head (launch, transfer)."),
        ]
    }

    static func checkedInt(_ v: JSONValue, _ path: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value: Int
        switch v {
        case let .int(i) where i >= Int64(Int.min) && i <= Int64(Int.max): value = Int(i)
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: value = Int(d)
        default: throw .wrongType(path: path, found: v.kindDescription, expected: "an integer")
        }
        guard range.contains(value) else {
            throw .outOfRange(path: path, value: "\(value)", expected: "\(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    static func int(_ path: String, _ kp: WritableKeyPath<A3Config, Int> & Sendable, _ range: ClosedRange<Int>, source: String,
                    _ summary: String) -> A3ConfigField {
        A3ConfigField(path: path, expected: "an integer in \(range.lowerBound)…\(range.upperBound)", source: source, summary: summary,
                      read: { .int(Int64($0[keyPath: kp])) },
                      write: { c, v, p throws(ConfigError) in c[keyPath: kp] = try checkedInt(v, p, range) })
    }

    static func real(_ path: String, _ kp: WritableKeyPath<A3Config, Double> & Sendable, _ range: ClosedRange<Double>, source: String,
                     _ summary: String) -> A3ConfigField {
        A3ConfigField(path: path, expected: "a number in \(range.lowerBound)…\(range.upperBound)", source: source, summary: summary,
                      read: { .double($0[keyPath: kp]) },
                      write: { c, v, p throws(ConfigError) in
                          guard let d = v.doubleValue else { throw .wrongType(path: p, found: v.kindDescription, expected: "a number") }
                          guard range.contains(d) else {
                              throw .outOfRange(path: p, value: "\(d)", expected: "\(range.lowerBound)…\(range.upperBound)")
                          }
                          c[keyPath: kp] = d
                      })
    }
}
