import Foundation
import ElsaModel
import Workload

/// What produced a report, so a figure can be reproduced from the report alone: the simulator version,
/// content hashes of the effective config and of the trace, and the engine (`docs/reports.md`).
public struct Provenance: Sendable, Equatable {
    public var simulatorVersion: String
    /// `elsa64:` + 16 hex digits over the effective config's canonical JSON (sorted keys, compact).
    public var configHash: String
    /// `elsa64:` + 16 hex digits over the trace's manifest fields and every array's float32 bit patterns.
    public var traceHash: String
    public var engine: String

    public init(simulatorVersion: String, config: ElsaConfig, trace: AttentionTrace, engine: String) {
        self.simulatorVersion = simulatorVersion
        configHash = ContentHash.of(config: config)
        traceHash = ContentHash.of(trace: trace)
        self.engine = engine
    }

    /// Provenance of a run on an input that is not a trace directory (a workload file): `traceHash` given.
    public init(simulatorVersion: String, config: ElsaConfig, traceHash: String, engine: String) {
        self.simulatorVersion = simulatorVersion
        configHash = ContentHash.of(config: config)
        self.traceHash = traceHash
        self.engine = engine
    }

    public func json() -> JSONValue {
        .object(["simulator": .string("elsa-sim " + simulatorVersion), "config_hash": .string(configHash),
                 "trace_hash": .string(traceHash), "engine": .string(engine)])
    }
}

/// A fast, stable 64-bit content hash (`elsa64`): 64-bit words mixed with SplitMix64's finalizer. Not
/// cryptographic; it identifies inputs in reports and sweep outputs.
public struct ContentHash: Sendable {
    private var state: UInt64 = 0x6A09_E667_F3BC_C908

    public init() {}

    @inline(__always)
    public mutating func mix(_ word: UInt64) {
        var z = state ^ (word &+ 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        state = z ^ (z >> 31)
    }

    public mutating func mix(_ text: String) {
        var bytes = Array(text.utf8)
        mix(UInt64(bytes.count))
        while bytes.count % 8 != 0 { bytes.append(0) }
        for i in stride(from: 0, to: bytes.count, by: 8) {
            var w: UInt64 = 0
            for k in 0 ..< 8 { w |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            mix(w)
        }
    }

    public mutating func mix(_ values: ContiguousArray<Float>) {
        mix(UInt64(values.count))
        values.withUnsafeBufferPointer { buffer in
            var i = 0
            while i + 1 < buffer.count {
                mix(UInt64(buffer[i].bitPattern) | UInt64(buffer[i + 1].bitPattern) << 32)
                i += 2
            }
            if i < buffer.count { mix(UInt64(buffer[i].bitPattern)) }
        }
    }

    public var hex: String { "elsa64:" + String(format: "%016llx", state) }

    public static func of(config: ElsaConfig) -> String {
        var h = ContentHash()
        h.mix(ConfigLoader.effectiveJSON(config).serialized())
        return h.hex
    }

    public static func of(trace: AttentionTrace) -> String {
        var h = ContentHash()
        h.mix("elsa-trace/1 \(trace.model) scale=\(trace.scale) causal=\(trace.causal) tokens=\(trace.tokens)")
        for layer in trace.layers {
            h.mix(layer.name)
            for tensor in [layer.q, layer.k, layer.v] {
                h.mix("\(tensor.shape)")
                h.mix(tensor.storage)
            }
            if let out = layer.out { h.mix("out \(out.shape)"); h.mix(out.storage) }
            if let bias = layer.bias { h.mix("bias \(bias.shape)"); h.mix(bias.storage) }
        }
        return h.hex
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
