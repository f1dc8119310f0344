import Foundation
import ElsaModel
import Workload

/// What produced a report, so a figure can be reproduced from the report alone: the simulator version,
/// content hashes of the effective config and of the trace, and the engine (`docs/reports.md`).
public struct Provenance: Sendable, Equatable {
    public var simulatorVersion: String
    /// `ConfigIdentity.hash(of:)` of the effective config (`config_hash`).
    public var configHash: String
    /// `TraceIdentity.hash(of:)` of the trace (`trace_hash`).
    public var traceHash: String
    public var engine: String

    public init(simulatorVersion: String, config: ElsaConfig, trace: AttentionTrace, engine: String) {
        self.init(simulatorVersion: simulatorVersion, config: config, traceHash: TraceIdentity.hash(of: trace), engine: engine)
    }

    /// With the trace's `TraceIdentity.hash(of:)` computed by the caller (the run command computes it
    /// while the heads are simulated).
    public init(simulatorVersion: String, config: ElsaConfig, traceHash: String, engine: String) {
        self.simulatorVersion = simulatorVersion
        configHash = ConfigIdentity.hash(of: config)
        self.traceHash = traceHash
        self.engine = engine
    }

    public func json() -> JSONValue {
        .object(["simulator": .string("elsa-sim " + simulatorVersion), "config_hash": .string(configHash),
                 "trace_hash": .string(traceHash), "engine": .string(engine)])
    }
}

/// How the simulator itself performed (wall time and rates). Reported apart from the results, since it
/// differs between runs: the determinism check ignores it.
public struct HostStatistics: Sendable, Equatable {
    public var wallSeconds: Double
    public var threads: Int
    public var simulatedCycles: Int64
    public var queryKeyPairs: Int

    public init(wallSeconds: Double, threads: Int, simulatedCycles: Int64, queryKeyPairs: Int) {
        self.wallSeconds = wallSeconds
        self.threads = threads
        self.simulatedCycles = simulatedCycles
        self.queryKeyPairs = queryKeyPairs
    }

    public var cyclesPerSecond: Double { wallSeconds > 0 ? Double(simulatedCycles) / wallSeconds : 0 }
    public var pairsPerSecond: Double { wallSeconds > 0 ? Double(queryKeyPairs) / wallSeconds : 0 }

    public func json() -> JSONValue {
        .object(["wall_seconds": .double(wallSeconds), "threads": .int(Int64(threads)),
                 "simulated_cycles_per_second": .double(cyclesPerSecond), "query_key_pairs_per_second": .double(pairsPerSecond)])
    }

    public var summary: String {
        String(format: "host: %.3f s wall on %d thread(s); %.3g simulated cycles/s; %.3g query-key pairs/s",
               wallSeconds, threads, cyclesPerSecond, pairsPerSecond)
    }
}
