/// One key tile of a sequence longer than the key memory (`docs/model.md` §9): keys
/// `[firstKey, firstKey + keys)` against the queries `[firstQuery, firstQuery + selection.queries)` that
/// see at least one of them, as an ordinary head invocation with `queries ≠ keys`.
public struct KeyTile: Sendable, Equatable {
    /// Index `j` of the tile.
    public let index: Int
    /// `j·C`.
    public let firstKey: Int
    /// Keys of the tile, `min(C, n − j·C)`.
    public let keys: Int
    /// The first query that sees a key of the tile: `j·C` when causal, else 0.
    public let firstQuery: Int
    /// The tile's invocation: local query `i' = i − firstQuery` against local key `y' = y − firstKey`,
    /// visible counts `min(v_i − j·C, keys)`.
    public let selection: SelectionMatrix
}

/// The decomposition of one head's selection into key tiles (`docs/model.md` §9).
public enum KeyTiling {
    /// Number of tiles for `n` keys and a key memory of `capacity` keys: `⌈n / C⌉`.
    public static func tileCount(keys n: Int, capacity: Int) -> Int { (n + capacity - 1) / capacity }

    /// The tiles of `selection` (`queries = keys = n`, visible counts `v_i` non-decreasing prefixes) for
    /// a key memory of `capacity` keys. Tile `j` holds keys `[j·C, min((j+1)·C, n))`; query `i` runs
    /// against it iff `v_i > j·C` (causal: tiles wholly above the diagonal are skipped) and sees
    /// `min(v_i − j·C, |tile|)` of its keys. The selected bits are copied from `selection`.
    public static func tiles(of selection: SelectionMatrix, capacity: Int) -> [KeyTile] {
        precondition(capacity >= 1, "key memory capacity \(capacity) < 1")
        let n = selection.keys
        return (0 ..< tileCount(keys: n, capacity: capacity)).map { j in
            tile(j, of: selection, capacity: capacity)
        }
    }

    /// Tile `j` of `selection` (see `tiles(of:capacity:)`).
    public static func tile(_ j: Int, of selection: SelectionMatrix, capacity: Int) -> KeyTile {
        let n = selection.keys
        let first = j * capacity
        let size = min(capacity, n - first)
        precondition(size >= 1, "tile \(j) of \(n) keys with capacity \(capacity) is empty")
        // Queries that see a key of the tile: v_i > first. Visible counts are prefixes, so with causal
        // masking these are the queries i ≥ first; the first one is found by a scan.
        var firstQuery = 0
        while firstQuery < selection.queries && selection.visible[firstQuery] <= first { firstQuery += 1 }
        var lastQuery = firstQuery
        while lastQuery < selection.queries && selection.visible[lastQuery] > first { lastQuery += 1 }
        let queries = lastQuery - firstQuery
        let visible = ContiguousArray((firstQuery ..< lastQuery).lazy.map { min(selection.visible[$0] - first, size) })
        var sub = SelectionMatrix(queries: queries, keys: size, visible: visible)
        let inWords = selection.wordsPerRow, outWords = sub.wordsPerRow
        let shift = UInt64(first & 63), wordOffset = first >> 6
        selection.bits.withUnsafeBufferPointer { src in
            sub.bits.withUnsafeMutableBufferPointer { dst in
                for q in 0 ..< queries {
                    let row = (firstQuery + q) * inWords + wordOffset
                    let rowEnd = (firstQuery + q + 1) * inWords
                    let v = visible[q]
                    var w = 0
                    while w * 64 < v {
                        var word = src[row + w] >> shift
                        if shift != 0 && row + w + 1 < rowEnd { word |= src[row + w + 1] << (64 - shift) }
                        let remaining = v - w * 64
                        if remaining < 64 { word &= (UInt64(1) << UInt64(remaining)) - 1 }
                        dst[q * outWords + w] = word
                        w += 1
                    }
                }
            }
        }
        return KeyTile(index: j, firstKey: first, keys: size, firstQuery: firstQuery, selection: sub)
    }
}
