import Workload

/// The functional rule of ELSA's candidate selection modules (ELSA III-D, IV-C): key `y` is a candidate
/// for query `x` iff
///
///     Float(‖K_y‖) * cosTable[hamming(h(Q_x), h(K_y))]  >  Float(t) * ‖K_max‖
///
/// with both products evaluated in `Float` (IEEE binary32, round to nearest) and a strict `>` (ELSA IV-C
/// "greater than"); `‖K_y‖`, `‖K_max‖` from `KeyNormMemory`, the table from `CosineTable`.
///
/// Implementation: since the table is non-increasing in `h` and norms are ≥ 0, the left side is
/// non-increasing in `h` for each key, so the rule is `h < L_y` with the per-key *Hamming limit*
/// `L_y` = the number of leading `h = 0, 1, …` that satisfy it (computed once per head with exactly the
/// Float comparison above). The inner loop is then an XOR, a popcount and an integer compare
/// (`docs/algorithm.md` §5).
public struct CandidateSelection: Sendable {
    public let projection: HashProjection
    public let table: CosineTable

    public init(projection: HashProjection, thetaBias: Double) {
        precondition(projection.bits < Int(Int32.max), "k = \(projection.bits) is too large")
        self.projection = projection
        table = CosineTable(bits: projection.bits, thetaBias: thetaBias)
    }

    /// The comparison's right side, `Float(t) * ‖K_max‖` in Float (the norm unit's `t·‖K_max‖`).
    @inlinable
    public static func cut(threshold: Double, maxNorm: Float) -> Float {
        Float(threshold) * maxNorm
    }

    /// `L`: the number of leading Hamming distances `h = 0, 1, …, k` with `norm * table[h] > cut` in
    /// Float; a key is selected iff its Hamming distance is `< L` (`0 … k + 1`).
    @inlinable
    public static func hammingLimit(norm: Float, cut: Float, table: CosineTable) -> Int {
        var h = 0
        while h <= table.bits && norm * table.values[h] > cut { h += 1 }
        return h
    }

    /// Selects the candidates of query head `queryHead` of `layer` (keys from `layer.kvHead(forQueryHead:)`)
    /// with threshold `threshold` (`t`, per head, ELSA III-E).
    ///
    /// Hashes the real keys and queries (`0 ..< trace.tokens`, zero-padded to the projection's `d`),
    /// computes the key norms and `‖K_max‖`, and marks the selected (query, visible key) pairs.
    ///
    /// - Precondition: `threshold` is finite; the trace's head dim is at most the projection's `d`.
    /// - Complexity: O(n·k·d) hashing plus O(Σ_i v_i · ceil(k/64)) selection.
    public func select(layer: AttentionLayer, queryHead: Int, trace: AttentionTrace,
                       threshold: Double) -> SelectionMatrix {
        precondition(threshold.isFinite, "threshold \(threshold) is not finite")
        let n = trace.tokens
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let keyHashes = KeyHashMemory(projection: projection, k: layer.k, head: kvHead, keys: n)
        let norms = KeyNormMemory(k: layer.k, head: kvHead, keys: n)
        let queryHashes = projection.signatures(of: layer.q, head: queryHead, rows: n)
        let visible = ContiguousArray((0 ..< n).lazy.map { trace.visibleKeys(query: $0) })
        return Self.select(queryHashes: queryHashes, keyHashes: keyHashes,
                           limits: hammingLimits(norms: norms, threshold: threshold), visible: visible)
    }

    /// `L_y` for every key of `norms` (see `hammingLimit`), with `cut = Float(threshold) * ‖K_max‖`.
    public func hammingLimits(norms: KeyNormMemory, threshold: Double) -> ContiguousArray<Int32> {
        let cut = Self.cut(threshold: threshold, maxNorm: norms.maxNorm)
        return ContiguousArray(norms.norms.lazy.map { Int32(Self.hammingLimit(norm: $0, cut: cut, table: self.table)) })
    }

    /// The selection kernel: query `i` (signature `queryHashes[i·W ..< (i+1)·W]`) selects key `y < visible[i]`
    /// iff `popcount(h(Q_i) XOR h(K_y)) < limits[y]`.
    ///
    /// - Complexity: O(Σ_i visible[i] · W), `W = keyHashes.wordsPerKey`.
    public static func select(queryHashes: ContiguousArray<UInt64>, keyHashes: KeyHashMemory,
                              limits: ContiguousArray<Int32>, visible: ContiguousArray<Int>) -> SelectionMatrix {
        let n = keyHashes.keys
        let w = keyHashes.wordsPerKey
        precondition(limits.count == n && visible.count == n && queryHashes.count == n * w,
                     "selection inputs disagree: \(n) keys, \(limits.count) limits, \(visible.count) rows, \(queryHashes.count) query words")
        precondition(visible.allSatisfy { $0 >= 0 && $0 <= n }, "a visible count is outside 0…\(n)")
        var matrix = SelectionMatrix(keys: n, visible: visible)
        let rowWords = matrix.wordsPerRow
        queryHashes.withUnsafeBufferPointer { qp in
            keyHashes.words.withUnsafeBufferPointer { kp in
                limits.withUnsafeBufferPointer { lp in
                    matrix.bits.withUnsafeMutableBufferPointer { out in
                        let q = qp.baseAddress!, k = kp.baseAddress!, lim = lp.baseAddress!, o = out.baseAddress!
                        if w == 1 {
                            for i in 0 ..< n {
                                selectRowSingleWord(query: q[i], keys: k, limits: lim, visible: visible[i],
                                                    out: o + i * rowWords)
                            }
                        } else {
                            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { distances in
                                for i in 0 ..< n {
                                    selectRowMultiWord(query: q + i * w, words: w, keys: k, limits: lim,
                                                       visible: visible[i], out: o + i * rowWords,
                                                       distances: distances.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        return matrix
    }

    /// k ≤ 64: one XOR, one popcount and one compare per pair; 64 decisions packed per output word.
    @inline(__always)
    static func selectRowSingleWord(query: UInt64, keys: UnsafePointer<UInt64>, limits: UnsafePointer<Int32>,
                                    visible: Int, out: UnsafeMutablePointer<UInt64>) {
        var start = 0
        var word = 0
        while start + 64 <= visible {
            var bits: UInt64 = 0
            for b in 0 ..< 64 {
                let h = Int32(truncatingIfNeeded: (query ^ keys[start + b]).nonzeroBitCount)
                bits |= UInt64(h < limits[start + b] ? 1 : 0) << UInt64(b)
            }
            out[word] = bits
            word += 1
            start += 64
        }
        if start < visible {
            var bits: UInt64 = 0
            for b in 0 ..< visible - start {
                let h = Int32(truncatingIfNeeded: (query ^ keys[start + b]).nonzeroBitCount)
                bits |= UInt64(h < limits[start + b] ? 1 : 0) << UInt64(b)
            }
            out[word] = bits
        }
    }

    /// k > 64: the Hamming distance sums the popcounts of `words` XORed words, accumulated word by word
    /// for 64 keys at a time in `distances` (64 `Int32` of scratch).
    @inline(__always)
    static func selectRowMultiWord(query: UnsafePointer<UInt64>, words: Int, keys: UnsafePointer<UInt64>,
                                   limits: UnsafePointer<Int32>, visible: Int, out: UnsafeMutablePointer<UInt64>,
                                   distances: UnsafeMutablePointer<Int32>) {
        var start = 0
        var word = 0
        while start < visible {
            let count = min(64, visible - start)
            let chunk = keys + start * words
            let qx = query[0]
            for b in 0 ..< count { distances[b] = Int32(truncatingIfNeeded: (qx ^ chunk[b * words]).nonzeroBitCount) }
            for x in 1 ..< words {
                let qx = query[x]
                for b in 0 ..< count {
                    distances[b] &+= Int32(truncatingIfNeeded: (qx ^ chunk[b * words + x]).nonzeroBitCount)
                }
            }
            var bits: UInt64 = 0
            for b in 0 ..< count { bits |= UInt64(distances[b] < limits[start + b] ? 1 : 0) << UInt64(b) }
            out[word] = bits
            word += 1
            start += 64
        }
    }
}
