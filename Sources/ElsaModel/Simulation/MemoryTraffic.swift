import SimCore

/// The on-chip memories of ELSA (ELSA IV-C, Table I).
public enum OnChipMemory: String, Sendable, CaseIterable {
    case keyHash = "key_hash"
    case keyNorm = "key_norm"
    case key = "k"
    case value = "v"
    case query = "q"
    case output = "output"
}

/// Reads and writes of each on-chip memory in one invocation, in rows and bytes, derived from the
/// simulated activity (`docs/model.md` §7):
///
/// - key hash and key norm memories: one read per key a selector reads (selector busy cycles), and `n`
///   writes in preprocessing (approximate modes only);
/// - K: one row read per key the attention modules issue, plus `2n` in preprocessing (the hash unit and
///   the norm unit each read every key; assumed);
/// - V: one row read per issued key;
/// - Q: `n` row reads (each query loaded once into the attention modules), plus `n` for the hash unit
///   in approximate modes (assumed);
/// - output: `n` row writes.
///
/// Row sizes: a key hash is `k/8` bytes, a key norm 1 byte (8-bit, ELSA IV-C), a Q/K/V/output row
/// `⌈9·d/8⌉` bytes (9-bit fixed point, ELSA IV-E).
public struct MemoryTraffic: Sendable, Equatable {
    public var reads: [OnChipMemory: Cycle]
    public var writes: [OnChipMemory: Cycle]
    public var rowBytes: [OnChipMemory: Int]

    public init(timing: HeadTiming, keys n: Int, approximate: Bool, headDim d: Int, hashBits k: Int) {
        let scanned = timing.selectors.reduce(Cycle(0)) { $0 + $1.busy }
        let issued = timing.attention.reduce(Cycle(0)) { $0 + $1.busy }
        let keys = Cycle(n)
        let a: Cycle = approximate ? 1 : 0
        reads = [.keyHash: a * scanned, .keyNorm: a * scanned, .key: issued + a * 2 * keys, .value: issued,
                 .query: keys + a * keys, .output: 0]
        writes = [.keyHash: a * keys, .keyNorm: a * keys, .key: 0, .value: 0, .query: 0, .output: keys]
        let row = (9 * d + 7) / 8
        rowBytes = [.keyHash: (k + 7) / 8, .keyNorm: 1, .key: row, .value: row, .query: row, .output: row]
    }

    public init(reads: [OnChipMemory: Cycle], writes: [OnChipMemory: Cycle], rowBytes: [OnChipMemory: Int]) {
        self.reads = reads
        self.writes = writes
        self.rowBytes = rowBytes
    }

    public func readBytes(_ m: OnChipMemory) -> Int64 { (reads[m] ?? 0) * Int64(rowBytes[m] ?? 0) }
    public func writeBytes(_ m: OnChipMemory) -> Int64 { (writes[m] ?? 0) * Int64(rowBytes[m] ?? 0) }

    public static func + (x: MemoryTraffic, y: MemoryTraffic) -> MemoryTraffic {
        MemoryTraffic(reads: x.reads.merging(y.reads, uniquingKeysWith: +),
                      writes: x.writes.merging(y.writes, uniquingKeysWith: +),
                      rowBytes: x.rowBytes.isEmpty ? y.rowBytes : x.rowBytes)
    }

    public static let zero = MemoryTraffic(reads: [:], writes: [:], rowBytes: [:])
}
