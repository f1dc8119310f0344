import Dispatch
import Foundation
import SimIO
import SimCore
import SimReports
import ElsaModel
import Workload

/// The ideal accelerator of the ELSA paper (Section V-C, Fig. 11(b)): the same multipliers as
/// ELSA-base (528 = Pa·2d + m_o = 4·128 + 16; the hash unit's are not counted), every one busy every
/// cycle at 1 GHz, computing exact attention on the real (unpadded) tokens. A head takes
/// `⌈(2d·P + d·Q) / multipliers⌉` cycles, `P` its visible (query, key) pairs (the lower triangle under a
/// causal mask), `Q` its real queries: `q·k` and the weighted sum of `v` cost `d` multiplies per pair,
/// the output division `d` per query. No preprocessing (`docs/ideal.md`).
public struct IdealAccelerator: AcceleratorModel {
    public static let accelerator = "ideal"
    public static let format = "ideal-config/1"
    public static let summary = "the ELSA paper's ideal accelerator (V-C): 528 multipliers 100 % busy, exact attention (docs/ideal.md)"

    /// An `ideal-config/1` config.
    public struct Config: Sendable, Equatable {
        public var name = "ideal"
        public var clockGHz = 1.0
        /// Multipliers kept busy every cycle (the paper: 528, ELSA-base's attention and output-division multipliers).
        public var multipliers = 528
        /// Copies of the accelerator; heads go to `head mod accelerators`, as in ELSA (`docs/model.md` §1).
        public var accelerators = 1
        /// Whether the output division's `d` multiplies per query count (assumed: yes, the 16 m_o are among the 528).
        public var countOutputDivision = true

        public init() {}
    }

    public let config: Config

    public init(config: Config) { self.config = config }

    // MARK: config file

    static let documentFields: Set<String> = ["format", "accelerator", "description", "comment"]
    static let paths = ["name", "clock_ghz", "multipliers", "accelerators", "count_output_division"]

    public static func load(file: String, options: LoadOptions) throws -> IdealAccelerator {
        if options.hashMatrix != nil { throw AcceleratorError.unsupportedOption(option: "--hash-matrix", accelerator: accelerator, file: file) }
        if options.thresholdsPath != nil { throw AcceleratorError.unsupportedOption(option: "--thresholds", accelerator: accelerator, file: file) }
        let root = try ConfigLoader.readDocument(file: file)
        do { return IdealAccelerator(config: try decode(root, overrides: options.overrides)) } catch {
            throw ConfigError.inFile(file: file, error: error)
        }
    }

    /// Decodes a parsed `ideal-config/1` document (plus `--set` overrides).
    public static func decode(_ root: JSONValue, overrides: [(path: String, value: JSONValue)] = []) throws(ConfigError) -> Config {
        guard var tree = root.objectValue else { throw .wrongType(path: "(top level)", found: root.kindDescription, expected: "an object") }
        for (path, value) in overrides {
            guard paths.contains(path) else { throw .unknownField(path: "--set \(path)", suggestion: ConfigLoader.closest(path, among: paths)) }
            tree[path] = value
        }
        if let f = tree["format"], f != .string(format) {
            throw .invalidValue(path: "format", value: f.stringValue ?? f.kindDescription, expected: "\"\(format)\"")
        }
        if let a = tree["accelerator"], a != .string(accelerator) {
            throw .invalidValue(path: "accelerator", value: a.stringValue ?? a.kindDescription, expected: "\"\(accelerator)\"")
        }
        var config = Config()
        try ConfigLoader.walkFields(tree, paths: Set(paths), documentFields: documentFields) { path, value throws(ConfigError) in
            switch path {
            case "name":
                guard let s = value.stringValue, !s.isEmpty else { throw .wrongType(path: path, found: value.kindDescription, expected: "a non-empty string") }
                config.name = s
            case "clock_ghz":
                guard let d = value.doubleValue else { throw .wrongType(path: path, found: value.kindDescription, expected: "a number") }
                guard d > 0 && d <= 100 else { throw .outOfRange(path: path, value: "\(d)", expected: "a number in (0, 100]") }
                config.clockGHz = d
            case "multipliers": config.multipliers = try int(value, path, 1 ... 1 << 24)
            case "accelerators": config.accelerators = try int(value, path, 1 ... 4096)
            default:
                guard case let .bool(b) = value else { throw .wrongType(path: path, found: value.kindDescription, expected: "true or false") }
                config.countOutputDivision = b
            }
        }
        return config
    }

    static func int(_ v: JSONValue, _ path: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value: Int
        switch v {
        case let .int(i) where i >= Int64(Int.min) && i <= Int64(Int.max): value = Int(i)
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: value = Int(d)
        default: throw .wrongType(path: path, found: v.kindDescription, expected: "an integer")
        }
        guard range.contains(value) else { throw .outOfRange(path: path, value: "\(value)", expected: "\(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    public var configName: String { config.name }
    public var clockGHz: Double { config.clockGHz }
    public var moduleNames: [String] { ["multipliers"] }
    public var effectiveConfig: JSONValue {
        .object(["format": .string(Self.format), "accelerator": .string(Self.accelerator), "name": .string(config.name),
                 "clock_ghz": .double(config.clockGHz), "multipliers": .int(Int64(config.multipliers)),
                 "accelerators": .int(Int64(config.accelerators)), "count_output_division": .bool(config.countOutputDivision)])
    }
    public var configHash: String { Self.contentHash(of: effectiveConfig) }

    // MARK: the cycle rule

    /// Multiplies of one head: `2d` per visible pair (`q·k`, then `exp·v`), plus `d` per real query for
    /// the output division when `countOutputDivision`.
    public static func multiplies(pairs: Int, queries: Int, headDim d: Int, countOutputDivision: Bool) -> Int64 {
        Int64(2 * d) * Int64(pairs) + (countOutputDivision ? Int64(d) * Int64(queries) : 0)
    }

    /// `⌈multiplies / multipliers⌉`.
    public static func cycles(multiplies: Int64, multipliers: Int) -> Cycle {
        (multiplies + Int64(multipliers) - 1) / Int64(multipliers)
    }

    public func simulate(trace: AttentionTrace, traceName: String, options: SimulationOptions,
                         progress: (@Sendable (Int, Int) -> Void)?) throws -> AcceleratorRun {
        let queries = trace.tokens  // padded rows are skipped
        let pairs = (0 ..< queries).reduce(0) { $0 + trace.visibleKeys(query: $1) }
        let work = Self.multiplies(pairs: pairs, queries: queries, headDim: trace.headDim, countOutputDivision: config.countOutputDivision)
        let cycles = Self.cycles(multiplies: work, multipliers: config.multipliers)
        let heads = trace.queryHeads
        let items = trace.layers.count * heads
        // Quality of exact attention (every visible key), measured like every model's; heads in parallel, stored by index.
        let quality = QualitySlots(count: items)
        if options.quality {
            let visible = ContiguousArray((0 ..< queries).map { trace.visibleKeys(query: $0) })
            let all = SelectionMatrix.all(keys: queries, visible: visible)
            let workers = max(1, min(options.threads, items))
            let counter = Counter(total: items, progress: progress)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var item = worker
                while item < items {
                    quality.store(ApproximationQuality.measure(trace: trace, layer: item / heads, queryHead: item % heads, selection: all), at: item)
                    counter.finishOne()
                    item += workers
                }
            }
        } else {
            progress?(items, items)
        }
        let capacity = cycles * Cycle(config.multipliers)
        let layers = trace.layers.enumerated().map { l, layer in
            AcceleratorLayer(name: layer.name, heads: (0 ..< heads).map { h in
                AcceleratorHead(layer: l, head: h, accelerator: h % config.accelerators, cycles: cycles, preprocessingCycles: 0,
                                selectedPairs: pairs, totalPairs: pairs,
                                modules: [ModuleActivity(name: "multipliers", instances: config.multipliers,
                                                         activity: UnitActivity(busy: work, idle: capacity - work))],
                                quality: quality.value(at: l * heads + h), extras: [("multiplies", .int(work))])
            }, accelerators: config.accelerators)
        }
        return AcceleratorRun(accelerator: Self.accelerator, configName: config.name, traceName: traceName, clockGHz: config.clockGHz,
                              moduleNames: moduleNames, layers: layers)
    }

    public func common(_ result: AcceleratorRun) -> AcceleratorRun { result }

    /// No pipeline, so no timeline.
    public func checkTimeline(_ request: TimelineRequest, trace: AttentionTrace) throws {
        throw TimelineError.unsupported(accelerator: Self.accelerator, what: request.svg ? "--timeline-svg" : "--timeline")
    }

    public func timeline(_ request: TimelineRequest, trace: AttentionTrace, traceName: String, result: AcceleratorRun) throws -> TimelineOutput {
        try checkTimeline(request, trace: trace)
        throw TimelineError.unsupported(accelerator: Self.accelerator, what: "--timeline")
    }
}

/// Per-item quality written by worker threads, each slot once.
final class QualitySlots: @unchecked Sendable {
    private var slots: [QualityStatistics?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: QualityStatistics, at index: Int) { lock.withLock { slots[index] = value } }
    func value(at index: Int) -> QualityStatistics? { lock.withLock { slots[index] } }
}
