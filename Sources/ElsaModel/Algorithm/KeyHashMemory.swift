import Workload

/// The key hash memory of one head invocation (ELSA IV-C): the packed signatures of the `n` real keys,
/// written during preprocessing and read by the candidate selectors.
public struct KeyHashMemory: Sendable, Equatable {
    /// Real keys stored (`n`, padding excluded).
    public let keys: Int
    /// `UInt64` words per signature, `ceil(k / 64)`.
    public let wordsPerKey: Int
    /// Key `y`'s signature is `words[y * wordsPerKey ..< (y + 1) * wordsPerKey]`, little-endian bits.
    public let words: ContiguousArray<UInt64>

    /// Hashes keys `0 ..< keys` of key head `head` of `k` (zero-padded when `k.dim < projection.dim`).
    public init(projection: HashProjection, k: Tensor3, head: Int, keys: Int) {
        self.keys = keys
        wordsPerKey = projection.words
        words = projection.signatures(of: k, head: head, rows: keys)
    }

    /// Key `key`'s packed signature.
    public func signature(key: Int) -> ArraySlice<UInt64> {
        ArraySlice(words[key * wordsPerKey ..< (key + 1) * wordsPerKey])
    }
}
