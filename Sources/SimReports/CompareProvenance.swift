import SimIO
import SimCharts
import Foundation

/// What produced a compare report (`docs/reports.md`, "Header and provenance"; `docs/sweeps.md`,
/// "compare"): the simulator version, each variant's `config_hash` (`ConfigIdentity`) and each trace's
/// `trace_hash` (`TraceIdentity`), the identities every report gives (`docs/reports.md`, "Identities").
public struct CompareProvenance: Sendable, Equatable {
    /// `BuildInfo.version`, without the `elsa-sim ` prefix.
    public var simulatorVersion: String
    /// `ConfigIdentity.hash(of:)` per variant, in variant order.
    public var configHashes: [String]
    /// `TraceIdentity.hash(of:)` per trace, in trace order.
    public var traceHashes: [String]

    public init(simulatorVersion: String, configHashes: [String], traceHashes: [String]) {
        self.simulatorVersion = simulatorVersion
        self.configHashes = configHashes
        self.traceHashes = traceHashes
    }

    public func json(variants: [CompareReport.Variant], traces: [TraceIdentity]) -> JSONValue {
        .object([
            "simulator": .string("elsa-sim " + simulatorVersion),
            "configs": .array(zip(variants, configHashes).map { .object(["variant": .string($0.label), "config_hash": .string($1)]) }),
            "traces": .array(zip(traces, traceHashes).map { .object(["name": .string($0.name), "trace_hash": .string($1)]) }),
        ])
    }
}
