/// The keys approximate A^3 keeps for every query of one head invocation, and the per-query counts the
/// timing model needs (`A3QueryWork`).
///
/// Row `i` holds `visible[i]` meaningful bits (keys `0 ..< visible[i]`), packed little-endian into
/// `UInt64` words — the same layout as ELSA's `SelectionMatrix`, so the quality metrics can read it.
public struct A3HeadSelection: Sendable, Equatable {
    /// Real tokens: queries and keys are `0 ..< keys`.
    public let keys: Int
    public let visible: [Int]
    public let wordsPerRow: Int
    /// The kept keys (`K` per row).
    public var bits: [UInt64]
    /// Per query: v, M performed, C, K.
    public var work: [A3QueryWork]

    public init(keys: Int, visible: [Int]) {
        precondition(visible.count == keys, "visible has \(visible.count) rows for \(keys) queries")
        self.keys = keys
        self.visible = visible
        wordsPerRow = max(1, (keys + 63) / 64)
        bits = Array(repeating: 0, count: wordsPerRow * keys)
        work = visible.map { A3QueryWork.exact(visible: $0) }
    }

    public func isSelected(query: Int, key: Int) -> Bool {
        (bits[query * wordsPerRow + key >> 6] >> UInt64(key & 63)) & 1 == 1
    }

    public mutating func set(query: Int, key: Int) {
        precondition(key < visible[query], "key \(key) is not visible to query \(query) (v = \(visible[query]))")
        bits[query * wordsPerRow + key >> 6] |= 1 << UInt64(key & 63)
    }

    /// Σ over queries of kept keys.
    public var selectedPairs: Int { work.reduce(0) { $0 + $1.kept } }
    /// Σ over queries of candidates.
    public var candidatePairs: Int { work.reduce(0) { $0 + $1.candidates } }
    /// Σ over queries of visible keys.
    public var totalPairs: Int { visible.reduce(0, +) }
    /// Σ over queries of greedy-search iterations.
    public var iterations: Int { work.reduce(0) { $0 + $1.iterations } }
}
