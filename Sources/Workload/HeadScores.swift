/// A block of consecutive query rows of one head's scores and softmax weights (`HeadScores`).
///
/// Row `r` (query `firstRow + r`, `v` visible keys) holds, at `r · stride + y` for `y < v`:
/// - `scores`: the unscaled `s_y = Σ_c Double(q[c]) · Double(k_y[c])`, summed in order `c = 0, 1, …` from +0;
/// - `weights`: `e_y = FastExp.exp(z_y − m)`, `z_y = scale · s_y` (`+ Double(bias[h, x, y])` when the
///   layer has a bias), `m = max_{y<v} z_y`;
/// and `maxima[r] = m`, `sums[r] = Σ_{y<v} e_y` in key order from +0. Entries at `y ≥ v` are unspecified.
public struct HeadScoreRows: Sendable {
    public private(set) var firstRow: Int
    public private(set) var rowCount: Int
    /// Doubles between consecutive rows: the real tokens rounded up to a multiple of 8.
    public let stride: Int
    public internal(set) var scores: ContiguousArray<Double>
    public internal(set) var weights: ContiguousArray<Double>
    public internal(set) var maxima: ContiguousArray<Double>
    public internal(set) var sums: ContiguousArray<Double>

    init(capacity rows: Int, stride: Int) {
        firstRow = 0
        rowCount = 0
        self.stride = stride
        // Not cleared: every entry a reader uses (`y < v`) is written first, and clearing 2 × 8 bytes per
        // pair of every head was a pass over memory as long as the score pass's stores.
        scores = Self.uncleared(count: rows * stride)
        weights = Self.uncleared(count: rows * stride)
        maxima = ContiguousArray(repeating: 0, count: rows)
        sums = ContiguousArray(repeating: 0, count: rows)
    }

    /// `count` Doubles whose values are whatever the allocation held.
    static func uncleared(count: Int) -> ContiguousArray<Double> {
        ContiguousArray(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    mutating func setRange(_ rows: Range<Int>) {
        firstRow = rows.lowerBound
        rowCount = rows.count
    }
}

/// The scores `q · kᵀ` of one (layer, query head) of a trace and their softmax weights, computed once
/// by one blocked kernel and shared by threshold learning (ELSA III-E), the footnote-1 fallback and the
/// quality metrics (`docs/algorithm.md` §4, `docs/quality.md` §1), so no O(n²·d) pass runs twice.
///
/// Precision: every product `Double(q[c]) · Double(k[c])` of two float32 values is exact in Double
/// (48 significant bits), and each score is summed in Double in component order from +0 — the value of
/// a plain sequential dot product, so thresholds are those of the straightforward loop bit for bit.
/// (Float32 products would round each product at 6e-8 relative, far above the 1e-9 the thresholds are
/// held to.) The kernel computes two queries × sixteen keys per step (eight four-lane accumulators, keys
/// in panels of eight), which changes speed, not a bit; so does `mulAdd`'s fused multiply-add in release
/// builds with FMA (the products are exact).
///
/// Memory: when the head's rows fit `wholeHeadLimitBytes` (n ≤ 1024) they are computed once at `init`
/// and kept (`whole`); otherwise `forEachBlock` computes them in blocks of `blockRows` rows into one
/// reused buffer, each time it is called (so learning and the metrics each pay one score pass, and
/// memory stays O(blockRows · n) — never `n²` at long sequences).
public struct HeadScores: Sendable {
    /// The largest `2 · 8 · rows · stride` bytes (scores and weights) kept for a whole head: 16 MiB.
    public static let wholeHeadLimitBytes = 16 << 20
    /// The bytes of one streamed block: 1 MiB (at least two rows).
    public static let blockLimitBytes = 1 << 20

    /// Real tokens (queries and keys).
    public let tokens: Int
    public let scale: Double
    public let causal: Bool
    public let dim: Int
    public let stride: Int
    /// `sqrt(Σ_c Double(q_x[c])²)` per query (squares summed in component order).
    public let queryNorms: ContiguousArray<Double>
    /// The largest `sqrt(Σ_c Double(k_y[c])²)` over the head's real keys.
    public let maxKeyNorm: Double
    /// Rows per streamed block (even, ≥ 2).
    public let blockRows: Int
    /// All rows, when they fit `wholeHeadLimitBytes`.
    public private(set) var whole: HeadScoreRows?
    /// Queries as Double rows, `tokens × dim`.
    let queries: ContiguousArray<Double>
    /// Keys in Double, in panels of 8 keys: element (y, c) at `((y / 8) · dim + c) · 8 + y mod 8`.
    let panels: ContiguousArray<Double>
    let bias: Tensor3?
    let queryHead: Int

    /// Scores of query head `queryHead` of `layer` under the trace's `tokens`, `scale` and `causal`.
    public init(trace: AttentionTrace, layer: AttentionLayer, queryHead: Int,
                wholeHeadLimitBytes: Int = HeadScores.wholeHeadLimitBytes) {
        let n = trace.tokens
        let d = layer.q.dim
        precondition(layer.k.dim == d, "q dim \(d) != k dim \(layer.k.dim)")
        tokens = n
        scale = trace.scale
        causal = trace.causal
        dim = d
        stride = (n + 7) / 8 * 8
        bias = layer.bias
        self.queryHead = queryHead
        let (panels, maxKeyNorm) = Self.keyPanels(layer: layer, queryHead: queryHead, tokens: n)
        var queries = ContiguousArray<Double>(repeating: 0, count: n * d)
        var norms = ContiguousArray<Double>(repeating: 0, count: n)
        for x in 0 ..< n {
            let start = layer.q.offset(head: queryHead, row: x)
            var squares = 0.0
            for c in 0 ..< d {
                let v = Double(layer.q.storage[start + c])
                queries[x * d + c] = v
                squares += v * v
            }
            norms[x] = squares.squareRoot()
        }
        self.panels = panels
        self.queries = queries
        self.maxKeyNorm = maxKeyNorm
        queryNorms = norms
        let rowBytes = 16 * max(stride, 8)
        blockRows = max(2, Self.blockLimitBytes / rowBytes / 2 * 2)
        whole = nil
        if n > 0 && n * rowBytes <= wholeHeadLimitBytes {
            var rows = HeadScoreRows(capacity: n, stride: stride)
            compute(0 ..< n, into: &rows)
            whole = rows
        }
    }

    /// The head's first `tokens` keys in Double panels of 8 (element (y, c) at `((y / 8) · dim + c) · 8 +
    /// y mod 8`, zero beyond the last key) and the largest key norm (squares summed in component order).
    static func keyPanels(layer: AttentionLayer, queryHead: Int, tokens n: Int) -> (ContiguousArray<Double>, Double) {
        let d = layer.k.dim
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        var panels = ContiguousArray<Double>(repeating: 0, count: (n + 7) / 8 * 8 * d)
        var maxKeyNorm = 0.0
        for y in 0 ..< n {
            let start = layer.k.offset(head: kvHead, row: y)
            var squares = 0.0
            for c in 0 ..< d {
                let x = Double(layer.k.storage[start + c])
                panels[((y >> 3) * d + c) * 8 + y & 7] = x
                squares += x * x
            }
            maxKeyNorm = max(maxKeyNorm, squares.squareRoot())
        }
        return (panels, maxKeyNorm)
    }

    /// Keys query `x` sees.
    @inline(__always)
    public func visibleKeys(query x: Int) -> Int { causal ? min(x + 1, tokens) : tokens }

    /// Calls `body` on the head's rows in order: once with `whole`, or block by block (the same values).
    public func forEachBlock(_ body: (HeadScoreRows) -> Void) {
        if let whole {
            body(whole)
            return
        }
        guard tokens > 0 else { return }
        var rows = HeadScoreRows(capacity: min(blockRows, tokens), stride: stride)
        var first = 0
        while first < tokens {
            let end = min(first + blockRows, tokens)
            compute(first ..< end, into: &rows)
            body(rows)
            first = end
        }
    }

    /// Fills `rows` with the scores and weights of queries `range`.
    func compute(_ range: Range<Int>, into rows: inout HeadScoreRows) {
        rows.setRange(range)
        compute(range, scores: &rows.scores, weights: &rows.weights, maxima: &rows.maxima, sums: &rows.sums)
    }

    private func compute(_ range: Range<Int>, scores: inout ContiguousArray<Double>, weights: inout ContiguousArray<Double>,
                         maxima: inout ContiguousArray<Double>, sums: inout ContiguousArray<Double>) {
        let d = dim, stride = stride, scale = scale
        let biasTensor = bias
        queries.withUnsafeBufferPointer { qs in
        panels.withUnsafeBufferPointer { kp in
        scores.withUnsafeMutableBufferPointer { s in
        weights.withUnsafeMutableBufferPointer { w in
            let q = qs.baseAddress!, k = kp.baseAddress!
            var x = range.lowerBound
            while x < range.upperBound {
                let r = x - range.lowerBound
                let pair = x + 1 < range.upperBound
                let keys = visibleKeys(query: pair ? x + 1 : x)
                Self.scorePair(q0: q + x * d, q1: q + (pair ? x + 1 : x) * d, dim: d, panels: k, keys: keys,
                               out0: s.baseAddress! + r * stride,
                               out1: s.baseAddress! + (pair ? r + 1 : r) * stride)
                x += pair ? 2 : 1
            }
            for x in range {
                let r = x - range.lowerBound
                let v = visibleKeys(query: x)
                let srow = s.baseAddress! + r * stride, wrow = w.baseAddress! + r * stride
                var maximum = -Double.infinity
                if let biasTensor {
                    let base = biasTensor.offset(head: queryHead, row: x)
                    biasTensor.storage.withUnsafeBufferPointer { b in
                        for y in 0 ..< v {
                            let z = scale * srow[y] + Double(b[base + y])
                            wrow[y] = z
                            if z > maximum { maximum = z }
                        }
                    }
                } else {
                    // Four running maxima, then the largest of them: the row's maximum value (the scores are
                    // finite, so it is unique up to the sign of a zero, which no later use can see: z − 0 and
                    // z + 0 are the same for every z, exp(±0) = 1, and the quality metrics compare it with ==).
                    var y = 0
                    var lanes = SIMD4<Double>(repeating: -.infinity)
                    while y + 4 <= v {
                        let z = scale * UnsafeRawPointer(srow + y).loadUnaligned(as: SIMD4<Double>.self)
                        UnsafeMutableRawPointer(wrow + y).storeBytes(of: z, as: SIMD4<Double>.self)
                        lanes = lanes.replacing(with: z, where: z .> lanes)
                        y += 4
                    }
                    maximum = max(max(lanes[0], lanes[1]), max(lanes[2], lanes[3]))
                    while y < v {
                        let z = scale * srow[y]
                        wrow[y] = z
                        if z > maximum { maximum = z }
                        y += 1
                    }
                }
                maxima[r] = maximum
                sums[r] = FastExp.exponentials(of: wrow, minus: maximum, count: v, into: wrow)
            }
        }
        }
        }
        }
    }

    /// `acc + a · b` lane by lane, where every `a[i]` and `b[i]` is a float32 value held in a Double.
    ///
    /// Such a product is exact in Double (24 + 24 = 48 significant bits, and its exponent stays far inside
    /// Double's range for any finite float32 values), so rounding `acc + a · b` once — a fused multiply-add
    /// — gives the bits of the separate multiply (which does not round) and add. Release builds on a
    /// machine with FMA define `ELSA_FMA` and pass `-mfma` (Makefile), and this is one `vfmadd` per four
    /// lanes; elsewhere it is the multiply and the add (`addingProduct` without `-mfma` would be a libm
    /// call per lane). Only for products of two float32 values: a Double weight times a value is not exact.
    @inline(__always)
    static func mulAdd(_ acc: SIMD4<Double>, _ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
        #if ELSA_FMA
        acc.addingProduct(a, b)
        #else
        acc + a * b
        #endif
    }

    /// `out0[y] = q0 · k_y`, `out1[y] = q1 · k_y` for `y < keys` rounded up to a multiple of 8, each sum in
    /// component order from +0 (the value of a plain sequential dot product). `q1 == q0` with
    /// `out1 == out0` computes one row.
    @inline(__always)
    static func scorePair(q0: UnsafePointer<Double>, q1: UnsafePointer<Double>, dim d: Int,
                          panels: UnsafePointer<Double>, keys: Int,
                          out0: UnsafeMutablePointer<Double>, out1: UnsafeMutablePointer<Double>) {
        typealias V4 = SIMD4<Double>
        let blocks = (keys + 7) / 8
        var block = 0
        // Two panels (sixteen keys) per step: eight independent accumulator chains.
        while block + 2 <= blocks {
            var panel = UnsafeRawPointer(panels + block &* d &* 8)
            let panelBytes = d &* 64
            var a0 = V4(repeating: 0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
            for c in 0 ..< d {
                let k0 = panel.loadUnaligned(as: V4.self)
                let k1 = panel.loadUnaligned(fromByteOffset: 32, as: V4.self)
                let k2 = panel.loadUnaligned(fromByteOffset: panelBytes, as: V4.self)
                let k3 = panel.loadUnaligned(fromByteOffset: panelBytes &+ 32, as: V4.self)
                panel += 64
                let x0 = V4(repeating: q0[c])
                let x1 = V4(repeating: q1[c])
                a0 = mulAdd(a0, x0, k0); a1 = mulAdd(a1, x0, k1); a2 = mulAdd(a2, x0, k2); a3 = mulAdd(a3, x0, k3)
                b0 = mulAdd(b0, x1, k0); b1 = mulAdd(b1, x1, k1); b2 = mulAdd(b2, x1, k2); b3 = mulAdd(b3, x1, k3)
            }
            let o0 = UnsafeMutableRawPointer(out0 + block * 8)
            let o1 = UnsafeMutableRawPointer(out1 + block * 8)
            o0.storeSixteen(a0, a1, a2, a3)
            o1.storeSixteen(b0, b1, b2, b3)
            block += 2
        }
        while block < blocks {
            var panel = UnsafeRawPointer(panels + block &* d &* 8)
            var a0 = V4(repeating: 0), a1 = a0, b0 = a0, b1 = a0
            for c in 0 ..< d {
                let k0 = panel.loadUnaligned(as: V4.self)
                let k1 = panel.loadUnaligned(fromByteOffset: 32, as: V4.self)
                panel += 64
                let x0 = V4(repeating: q0[c])
                let x1 = V4(repeating: q1[c])
                a0 = mulAdd(a0, x0, k0)
                a1 = mulAdd(a1, x0, k1)
                b0 = mulAdd(b0, x1, k0)
                b1 = mulAdd(b1, x1, k1)
            }
            let o0 = UnsafeMutableRawPointer(out0 + block * 8)
            let o1 = UnsafeMutableRawPointer(out1 + block * 8)
            o0.storeBytes(of: a0, as: V4.self)
            o0.storeBytes(of: a1, toByteOffset: 32, as: V4.self)
            o1.storeBytes(of: b0, as: V4.self)
            o1.storeBytes(of: b1, toByteOffset: 32, as: V4.self)
            block += 1
        }
    }
}
