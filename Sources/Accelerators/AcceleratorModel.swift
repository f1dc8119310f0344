import SimIO
import SimCore
import SimReports
import ElsaModel
import Workload

/// How a config is loaded: `--set` overrides, and the ELSA-only inputs (a hash matrix, a thresholds
/// file); a model that takes no such input refuses them (`AcceleratorError.unsupportedOption`).
public struct LoadOptions: Sendable {
    public var overrides: [(path: String, value: JSONValue)]
    public var hashMatrix: String?
    public var thresholdsPath: String?

    public init(overrides: [(path: String, value: JSONValue)] = [], hashMatrix: String? = nil, thresholdsPath: String? = nil) {
        self.overrides = overrides
        self.hashMatrix = hashMatrix
        self.thresholdsPath = thresholdsPath
    }
}

/// How a trace is simulated: worker threads (results never depend on them), whether the
/// approximation quality is measured (O(n²·d) per head), the timing engine (`event`, or ELSA's
/// cycle-stepped `reference`).
public struct SimulationOptions: Sendable {
    public var threads: Int
    public var quality: Bool
    public var engine: String

    public init(threads: Int = 1, quality: Bool = true, engine: String = "event") {
        self.threads = threads
        self.quality = quality
        self.engine = engine
    }
}

/// A finished run as `elsa-sim run` writes it: the human table, the JSON document and the CSV rows.
public protocol RunOutput {
    func json() -> JSONValue
    func csv() -> String
    func table() -> String
}

extension RunReport: RunOutput {}
extension AcceleratorRunReport: RunOutput {}

/// Which head `--timeline` records, and over which cycles.
public struct TimelineRequest: Sendable {
    public var layer: Int
    public var head: Int
    public var window: TimelineWindow?
    public var maxEvents: Int
    /// Chrome trace events (JSON) and/or the SVG Gantt chart.
    public var chrome: Bool
    public var svg: Bool

    public init(layer: Int, head: Int, window: TimelineWindow?, maxEvents: Int, chrome: Bool, svg: Bool) {
        self.layer = layer
        self.head = head
        self.window = window
        self.maxEvents = maxEvents
        self.chrome = chrome
        self.svg = svg
    }
}

/// The rendered timeline of one head.
public struct TimelineOutput: Sendable {
    public var chromeJSON: String?
    public var svg: String?
    /// Chrome trace events written (0 without `chromeJSON`).
    public var events: Int
    /// `layer0 head 3`.
    public var name: String
    public var window: TimelineWindow

    public init(chromeJSON: String?, svg: String?, events: Int, name: String, window: TimelineWindow) {
        self.chromeJSON = chromeJSON
        self.svg = svg
        self.events = events
        self.name = name
        self.window = window
    }
}

/// Errors of the model layer that are not a config field's.
public enum AcceleratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `option` (e.g. `--thresholds`) does not apply to `accelerator`'s configs.
    case unsupportedOption(option: String, accelerator: String, file: String)

    public var description: String {
        switch self {
        case let .unsupportedOption(option, accelerator, file):
            return "\(file): \(option) does not apply to an \"\(accelerator)\" config (it is an ELSA input); drop it or use an ELSA config"
        }
    }
}

/// An accelerator the simulator can run: ELSA, A^3, the ELSA paper's ideal accelerator (V-C), or a new
/// one (`docs/architecture.md`, "Adding an accelerator"). A model is a loaded, checked config that can
/// simulate a trace head by head. Its result converts to the common schema (`AcceleratorRun`: cycles
/// split into preprocessing and execution, selected pairs, per-module activity under stable names,
/// quality) and to the model's own report. The commands (`run`, `compare`, `sweep`, `--timeline`) are
/// written once against this protocol; `AcceleratorRegistry` picks the model by the config's
/// `"accelerator"` field.
public protocol AcceleratorModel: Sendable {
    /// What `simulate` returns (the model's own, richer result).
    associatedtype Result: Sendable

    /// The config's `"accelerator"` value, the JSON namespace of the model's own fields.
    static var accelerator: String { get }
    /// The config's `"format"` value (e.g. `a3-config/1`).
    static var format: String { get }
    /// A one-line description for `--help` and docs.
    static var summary: String { get }

    /// Loads `file` with `options`; every error is a `ConfigError` naming the file and field.
    static func load(file: String, options: LoadOptions) throws -> Self

    var configName: String { get }
    var clockGHz: Double { get }
    /// Module names in report order (stable JSON keys / CSV columns).
    var moduleNames: [String] { get }
    /// The effective config (defaults filled in, overrides applied), as `--print-config` prints it.
    var effectiveConfig: JSONValue { get }
    /// The effective config's `config_hash` (`ConfigIdentity`, `docs/reports.md` "Identities").
    var configHash: String { get }

    /// Checks that `trace` fits the config (a typed error naming the field), before any simulation.
    func validate(trace: AttentionTrace) throws
    /// Simulates every head of `trace` (heads in parallel, merged in (layer, head) order).
    /// `progress(done, total)` is called from worker threads after each head.
    func simulate(trace: AttentionTrace, traceName: String, options: SimulationOptions,
                  progress: (@Sendable (Int, Int) -> Void)?) throws -> Result
    /// The result in the common schema.
    func common(_ result: Result) -> AcceleratorRun
    /// The model's own whole-run fields (written under its namespace in run JSON and sweep rows).
    func runExtras(_ result: Result) -> [(key: String, value: JSONValue)]
    /// The run report (table, JSON, CSV) in the common schema of `docs/reports.md`.
    /// `traceHash` is `TraceIdentity.hash(of: trace)`, passed in so a caller can compute it beside the simulation.
    func report(_ result: Result, trace: AttentionTrace, traceName: String, traceHash: String, simulator: String, engine: String,
                host: HostStatistics?, evaluatedTraces: [String]) -> any RunOutput
    /// What `run` reports for the whole trace in compact form (energy, area, …), if the model has it.
    func summary(_ result: Result, simulator: String) -> RunSummary?
    /// The modelling assumptions stated in report headers, if the model has any.
    func assumptions(evaluatedTraces: [String]) -> AssumptionSummary?
    /// Whether a `--set` field has no effect on this config (compare merges variants that differ only
    /// there; e.g. ELSA's `approximation.*` in exact mode).
    func ignoresOverride(_ path: String) -> Bool
    /// Refuses a timeline request this model cannot honour, before any simulation (fail fast).
    func checkTimeline(_ request: TimelineRequest, trace: AttentionTrace) throws
    /// One head's cycle timeline.
    func timeline(_ request: TimelineRequest, trace: AttentionTrace, traceName: String, result: Result) throws -> TimelineOutput
}

extension AcceleratorModel {
    public func summary(_ result: Result, simulator: String) -> RunSummary? { nil }
    public func assumptions(evaluatedTraces: [String]) -> AssumptionSummary? { nil }
    public func ignoresOverride(_ path: String) -> Bool { false }
    public func validate(trace: AttentionTrace) throws {}
    public func checkTimeline(_ request: TimelineRequest, trace: AttentionTrace) throws {}
    public func runExtras(_ result: Result) -> [(key: String, value: JSONValue)] { [] }

    /// The default report: the common schema alone.
    public func report(_ result: Result, trace: AttentionTrace, traceName: String, traceHash: String, simulator: String, engine: String,
                       host: HostStatistics?, evaluatedTraces: [String]) -> any RunOutput {
        AcceleratorRunReport(run: common(result), extras: runExtras(result),
                             provenance: ReportProvenance(simulatorVersion: simulator, configHash: configHash,
                                                          traceHash: traceHash, engine: engine),
                             host: host)
    }

    /// The `config_hash` of a model whose effective config names no input file: `ConfigIdentity` of its JSON.
    public static func contentHash(of effective: JSONValue) -> String { ConfigIdentity.hash(ofEffective: effective) }
}
