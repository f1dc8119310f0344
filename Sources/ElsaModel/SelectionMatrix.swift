/// Which (query, key) pairs the candidate selectors choose in one head invocation: the functional
/// model's output and the timing model's input (`docs/model.md` §2, `sel(i, j)`).
///
/// Row `i` holds `visible[i]` meaningful bits (keys `0 ..< visible[i]`), packed little-endian into
/// `UInt64` words; bits at or past `visible[i]` are always zero.
///
/// An untiled invocation has as many queries as keys (`n`). A tile of a long sequence
/// (`docs/model.md` §9) is an invocation with `queries ≠ keys`: the queries that see a key of the tile
/// against the tile's keys, each with its own visible count.
public struct SelectionMatrix: Sendable, Equatable {
    /// Keys of the invocation: `0 ..< keys`.
    public let keys: Int
    /// Queries of the invocation: `0 ..< queries` (= `keys` unless tiled).
    public let queries: Int
    /// `v_i`: keys query `i` may attend.
    public let visible: ContiguousArray<Int>
    public let wordsPerRow: Int
    public var bits: ContiguousArray<UInt64>

    /// `n` queries against `n` keys (`keys` = n).
    public init(keys: Int, visible: ContiguousArray<Int>) {
        self.init(queries: keys, keys: keys, visible: visible)
    }

    /// `queries` queries against `keys` keys; `visible` has one count per query.
    public init(queries: Int, keys: Int, visible: ContiguousArray<Int>) {
        precondition(visible.count == queries, "visible has \(visible.count) rows for \(queries) queries")
        self.keys = keys
        self.queries = queries
        self.visible = visible
        wordsPerRow = max(1, (keys + 63) / 64)
        bits = ContiguousArray(repeating: 0, count: wordsPerRow * queries)
    }

    /// All visible pairs selected (exact mode).
    public static func all(keys: Int, visible: ContiguousArray<Int>) -> SelectionMatrix {
        all(queries: keys, keys: keys, visible: visible)
    }

    /// All visible pairs selected, `queries` queries against `keys` keys.
    public static func all(queries: Int, keys: Int, visible: ContiguousArray<Int>) -> SelectionMatrix {
        var m = SelectionMatrix(queries: queries, keys: keys, visible: visible)
        // Row i's bits 0 ..< v_i: whole words of ones, then the low v_i mod 64 bits of one more word.
        let words = m.wordsPerRow
        m.bits.withUnsafeMutableBufferPointer { bits in
            for i in 0 ..< queries {
                let v = visible[i]
                precondition(v >= 0 && v <= keys, "query \(i) sees \(v) keys of \(keys)")
                let row = i * words
                for w in 0 ..< v >> 6 { bits[row + w] = UInt64.max }
                if v & 63 != 0 { bits[row + v >> 6] = (1 << UInt64(v & 63)) - 1 }
            }
        }
        return m
    }

    @inlinable
    public func isSelected(query: Int, key: Int) -> Bool {
        (bits[query * wordsPerRow + key >> 6] >> UInt64(key & 63)) & 1 == 1
    }

    @inlinable
    public mutating func set(query: Int, key: Int) {
        precondition(key < visible[query], "key \(key) is not visible to query \(query) (v = \(visible[query]))")
        bits[query * wordsPerRow + key >> 6] |= 1 << UInt64(key & 63)
    }

    /// Selected keys of query `query`.
    public func selectedCount(query: Int) -> Int {
        var c = 0
        for w in 0 ..< wordsPerRow { c += bits[query * wordsPerRow + w].nonzeroBitCount }
        return c
    }

    /// Σ over queries of selected keys.
    public var selectedPairs: Int { bits.reduce(0) { $0 + $1.nonzeroBitCount } }
    /// Σ over queries of visible keys.
    public var totalPairs: Int { visible.reduce(0, +) }
}
