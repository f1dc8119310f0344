#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

/// Measures one head invocation's approximation against exact attention (`docs/quality.md` §1): what
/// the selected keys keep of the exact softmax, and how far the output computed over them alone (ELSA
/// Fig. 8: softmax over the candidates only) lands from the exact output.
///
/// For every real query `i` with visible keys `y < v_i`, in Double:
///
/// - scores `z_y = scale · Σ_c q_i[c] · k_y[c]` (the dot product summed in component order), plus
///   `Double(bias[h, i, y])` when the layer has an additive bias (the hardware's attention modules use the
///   exact biased score under every bias policy, `docs/algorithm.md` §10);
/// - exact probabilities `P_y = e_y / Σ_y e_y`, `e_y = exp(z_y − max_y z_y)`, sums in key order;
/// - mass kept `m_i = Σ_{y selected} e_y / Σ_y e_y`;
/// - approximate output `Ô_i = Σ_{y sel} ê_y v_y / Σ_{y sel} ê_y`, `ê_y = exp(z_y − max_{y sel} z_y)`;
///   all zeros when no key is selected (the hardware's assumed behaviour, `docs/algorithm.md` §7);
/// - exact output `O_i = Σ_y e_y v_y / Σ_y e_y`, recomputed (never taken from the trace); when the layer
///   stores `out`, each stored row is checked against this `O_i`
///   (|out − O| ≤ 1e-3 + 1e-2·|O| per element, NaN and ±∞ never agree) and disagreeing rows are counted
///   in `storedOutMismatches`;
/// - top-1: the key with the largest `z_y` (lowest index on ties); top-K: the `min(K, v_i)` largest,
///   ties to the lower index;
/// - attention sink: `P_0` (key 0's exact probability) and whether key 0 is selected.
///
/// The scores and exact weights `e_y` come from the head's shared `HeadScores` (the rows threshold
/// learning used; the exponential is `FastExp`); `ê_y` is recomputed only when the selected keys miss
/// the row's maximum. The exact outputs of two consecutive queries are accumulated in one pass over `V`,
/// the approximate output over the selected rows of `V`, several independent accumulators at a time
/// (every element still summed in key order, as the plain loops would). A row with every visible key
/// selected takes the exact row as its approximate row: the same sums, so the same bits.
///
/// Memory: the head's score rows (kept whole up to n = 1024, else streamed in blocks of a few rows, so
/// never an `n × n` matrix at long sequences), its keys and values (`n·d` numbers) and a few rows of
/// scratch.
public enum ApproximationQuality {
    /// The quality statistics of query head `queryHead` of layer number `layer` under `selection`.
    ///
    /// - Precondition: `selection` has the trace's real tokens as keys and the trace's visible counts.
    /// - Complexity: O(Σ_i v_i · d) multiply-adds and O(Σ_i v_i) exponentials.
    public static func measure(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int,
                               selection: SelectionMatrix) -> QualityStatistics {
        let layer = trace.layers[layerIndex]
        return measure(trace: trace, layer: layerIndex, queryHead: queryHead, selection: selection,
                       scores: HeadScores(trace: trace, layer: layer, queryHead: queryHead))
    }

    /// `measure` on the head's shared scores (`HeadScores` of the same layer and query head).
    public static func measure(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int,
                               selection: SelectionMatrix, scores head: HeadScores) -> QualityStatistics {
        let layer = trace.layers[layerIndex]
        let n = trace.tokens
        precondition(selection.keys == n, "selection covers \(selection.keys) keys; the trace has \(n) real tokens")
        let dv = layer.v.dim
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let scale = trace.scale
        var values = ContiguousArray<Double>(repeating: 0, count: n * dv)
        for y in 0 ..< n {
            let start = layer.v.offset(head: kvHead, row: y)
            for c in 0 ..< dv { values[y * dv + c] = Double(layer.v.storage[start + c]) }
        }
        var mismatchedRows = 0
        var largestDeviation = 0.0
        var stats = QualityStatistics()
        stats.selectedPairs = selection.selectedPairs
        stats.totalPairs = selection.totalPairs
        let stride = head.stride
        var scaled = ContiguousArray<Double>(repeating: 0, count: stride)
        var selectedWeights = ContiguousArray<Double>(repeating: 0, count: stride)
        var chosen = ContiguousArray<Int>(repeating: 0, count: max(n, 1))
        var approximate = ContiguousArray<Double>(repeating: 0, count: dv)
        var exactPair = ContiguousArray<Double>(repeating: 0, count: 2 * dv)
        var top = [Int]()
        top.reserveCapacity(QualityStatistics.topK + 1)
        let rowWords = selection.wordsPerRow
        head.forEachBlock { rows in
        rows.scores.withUnsafeBufferPointer { scoreRows in
        rows.weights.withUnsafeBufferPointer { weightRows in
        values.withUnsafeBufferPointer { vp in
        selection.bits.withUnsafeBufferPointer { bits in
        scaled.withUnsafeMutableBufferPointer { z in
        selectedWeights.withUnsafeMutableBufferPointer { hat in
        chosen.withUnsafeMutableBufferPointer { sel in
        exactPair.withUnsafeMutableBufferPointer { exactRows in
        approximate.withUnsafeMutableBufferPointer { approximateRow in
            var pairStart = 0
            while pairStart < rows.rowCount {
                // The exact rows of two queries in one pass over V (each row of V loaded once for both).
                let pairEnd = min(pairStart + 2, rows.rowCount)
                let w0 = weightRows.baseAddress! + pairStart * rows.stride
                let v0 = head.visibleKeys(query: rows.firstRow + pairStart)
                let v1 = pairEnd - pairStart == 2 ? head.visibleKeys(query: rows.firstRow + pairStart + 1) : 0
                Self.exactOutputs(weights0: w0, visible0: v0, weights1: w0 + rows.stride, visible1: v1,
                                  values: vp.baseAddress!, dim: dv,
                                  exact0: exactRows.baseAddress!, exact1: exactRows.baseAddress! + dv)
                for r in pairStart ..< pairEnd {
                    let i = rows.firstRow + r
                    let v = head.visibleKeys(query: i)
                    guard v > 0 else { continue }
                    let s = scoreRows.baseAddress! + r * rows.stride
                    let w = weightRows.baseAddress! + r * rows.stride
                    let exactRow = exactRows.baseAddress! + (r - pairStart) * dv
                    // The selected keys of row i, in key order.
                    var selectedCount = 0
                    for word in 0 ..< rowWords {
                        var bitsLeft = bits[i * rowWords + word]
                        while bitsLeft != 0 {
                            sel[selectedCount] = word << 6 + bitsLeft.trailingZeroBitCount
                            selectedCount += 1
                            bitsLeft &= bitsLeft - 1
                        }
                    }
                    // z_y, the (biased) scaled scores, for the top-K keys and the selected maximum: `factor ·
                    // zRow[y]`, the products themselves without a bias (the same values, with no pass that
                    // writes them out), the biased scores written out times 1 with one.
                    var zRow = s, factor = scale
                    if let bias = layer.bias {
                        let biasRow = bias.offset(head: queryHead, row: i)
                        for y in 0 ..< v { z[y] = scale * s[y] + Double(bias.storage[biasRow + y]) }
                        zRow = UnsafePointer(z.baseAddress!)
                        factor = 1
                    }
                    let maxAll = rows.maxima[r]
                    let sumAll = rows.sums[r]
                    var maxSelected = -Double.infinity
                    for x in 0 ..< selectedCount where factor * zRow[sel[x]] > maxSelected { maxSelected = factor * zRow[sel[x]] }
                    var sumSelected = 0.0
                    for x in 0 ..< selectedCount { sumSelected += w[sel[x]] }
                    let mass = sumSelected / sumAll
                    // The attention sink: key 0's exact probability, and whether the selection keeps it.
                    stats.sinkMassSum += w[0] / sumAll
                    if bits[i * rowWords] & 1 == 1 { stats.sinkSelected += 1 }
                    stats.queries += 1
                    stats.massKeptSum += mass
                    stats.massKeptMinimum = min(stats.massKeptMinimum, mass)
                    if selectedCount == 0 { stats.emptyQueries += 1 }

                    let everySelected = selectedCount == v
                    if everySelected {
                        // Every visible key selected (exact mode, short causal rows): the selected keys are the
                        // row's keys in order and hold its maximum, so ê_y = e_y and the approximate row is the
                        // exact row bit for bit (the same products summed in the same order, divided by the
                        // same sum): taken as it is instead of a second pass over V.
                        for c in 0 ..< dv {
                            exactRow[c] /= sumAll
                            approximateRow[c] = exactRow[c]
                        }
                    } else {
                        // ê_y of the selected keys: e_y itself when they hold the row's maximum.
                        var sumApproximate = 0.0
                        if maxSelected == maxAll {
                            for x in 0 ..< selectedCount { hat[x] = w[sel[x]] }
                        } else {
                            for x in 0 ..< selectedCount { hat[x] = FastExp.exp(factor * zRow[sel[x]] - maxSelected) }
                        }
                        for x in 0 ..< selectedCount { sumApproximate += hat[x] }
                        // Exact row Σ_y e_y v_y / Σ_y e_y and approximate row Σ_sel ê_y v_y / Σ_sel ê_y (zero
                        // when nothing is selected).
                        Self.approximateOutput(selected: UnsafePointer(sel.baseAddress!),
                                               selectedWeights: UnsafePointer(hat.baseAddress!), selectedCount: selectedCount,
                                               values: vp.baseAddress!, dim: dv, approximate: approximateRow.baseAddress!)
                        for c in 0 ..< dv { exactRow[c] /= sumAll }
                        if selectedCount > 0 { for c in 0 ..< dv { approximateRow[c] /= sumApproximate } }
                    }
                    // The stored `out` row is only checked, against the exact row just computed.
                    if let stored = layer.out {
                        let base = stored.offset(head: queryHead, row: i)
                        var agrees = true
                        for c in 0 ..< dv {
                            let expected = exactRow[c]
                            let deviation = abs(Double(stored.storage[base + c]) - expected)
                            if !(deviation <= StoredOutMismatch.absoluteTolerance + StoredOutMismatch.relativeTolerance * abs(expected)) {
                                agrees = false
                                largestDeviation = deviation.isNaN ? .infinity : max(largestDeviation, deviation)
                            }
                        }
                        if !agrees { mismatchedRows += 1 }
                    }
                    var errorSquared = 0.0, referenceSquared = 0.0
                    for c in 0 ..< dv {
                        let delta = approximateRow[c] - exactRow[c]
                        errorSquared += delta * delta
                        referenceSquared += exactRow[c] * exactRow[c]
                    }
                    stats.errorSquaredSum += errorSquared
                    stats.referenceSquaredSum += referenceSquared

                    // Recall of the highest-scoring exact keys: all of the min(K, v) when every key is selected.
                    if everySelected {
                        stats.top1Hits += 1
                        stats.topKSlots += min(QualityStatistics.topK, v)
                        stats.topKHits += min(QualityStatistics.topK, v)
                        continue
                    }
                    topKeys(scores: UnsafeBufferPointer(start: zRow, count: v), scale: factor, count: QualityStatistics.topK, into: &top)
                    func isSelected(_ y: Int) -> Bool { (bits[i * rowWords + y >> 6] >> UInt64(y & 63)) & 1 == 1 }
                    if isSelected(top[0]) { stats.top1Hits += 1 }
                    stats.topKSlots += top.count
                    for y in top where isSelected(y) { stats.topKHits += 1 }
                }
                pairStart = pairEnd
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        if mismatchedRows > 0 {
            stats.storedOutMismatches = [StoredOutMismatch(layer: layerIndex, head: queryHead, rows: mismatchedRows,
                                                           largestDeviation: largestDeviation)]
        }
        return stats
    }

    /// `exact0[c] = Σ_{y<visible0} weights0[y] · values[y][c]` and the same for row 1, each element summed
    /// in key order from +0 (the plain loop's value). Both rows share each load of `values`: sixteen
    /// columns of two rows are eight independent accumulator chains, which keeps the adders busy instead
    /// of waiting on one chain's latency, and halves the traffic over `V` per query. A row with
    /// `visible = 0` is left as zeros.
    @inline(__always)
    static func exactOutputs(weights0 w0: UnsafePointer<Double>, visible0 v0: Int,
                             weights1 w1: UnsafePointer<Double>, visible1 v1: Int,
                             values: UnsafePointer<Double>, dim dv: Int,
                             exact0: UnsafeMutablePointer<Double>, exact1: UnsafeMutablePointer<Double>) {
        typealias V4 = SIMD4<Double>
        let both = min(v0, v1)
        let rowBytes = dv &* 8
        var c = 0
        while c + 16 <= dv {
            var a0 = V4(repeating: 0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
            let column = UnsafeRawPointer(values + c)
            var row = column
            for y in 0 ..< both {
                let x0 = row.loadUnaligned(as: V4.self), x1 = row.loadUnaligned(fromByteOffset: 32, as: V4.self)
                let x2 = row.loadUnaligned(fromByteOffset: 64, as: V4.self), x3 = row.loadUnaligned(fromByteOffset: 96, as: V4.self)
                let p = V4(repeating: w0[y]), q = V4(repeating: w1[y])
                a0 += p * x0; a1 += p * x1; a2 += p * x2; a3 += p * x3
                b0 += q * x0; b1 += q * x1; b2 += q * x2; b3 += q * x3
                row += rowBytes
            }
            // The longer row's remaining keys (causal rows differ by one), continuing its own sums.
            continueSixteen(weights: w0, keys: both ..< v0, rows: row, rowBytes: rowBytes, &a0, &a1, &a2, &a3)
            continueSixteen(weights: w1, keys: both ..< v1, rows: row, rowBytes: rowBytes, &b0, &b1, &b2, &b3)
            let e = UnsafeMutableRawPointer(exact0 + c), f = UnsafeMutableRawPointer(exact1 + c)
            e.storeSixteen(a0, a1, a2, a3)
            f.storeSixteen(b0, b1, b2, b3)
            c += 16
        }
        while c < dv {
            var e = 0.0, f = 0.0
            for y in 0 ..< v0 { e += w0[y] * values[y &* dv &+ c] }
            for y in 0 ..< v1 { f += w1[y] * values[y &* dv &+ c] }
            exact0[c] = e
            exact1[c] = f
            c += 1
        }
    }

    /// Adds `weights[y] · values[y][c ..< c + 16]` to the four accumulators for `y` in `keys`, in key
    /// order; `rows` points at row `keys.lowerBound`, column `c`.
    @inline(__always)
    private static func continueSixteen(weights w: UnsafePointer<Double>, keys: Range<Int>, rows: UnsafeRawPointer,
                                        rowBytes: Int, _ a0: inout SIMD4<Double>, _ a1: inout SIMD4<Double>,
                                        _ a2: inout SIMD4<Double>, _ a3: inout SIMD4<Double>) {
        var row = rows
        for y in keys {
            let p = SIMD4<Double>(repeating: w[y])
            a0 += p * row.loadUnaligned(as: SIMD4<Double>.self)
            a1 += p * row.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
            a2 += p * row.loadUnaligned(fromByteOffset: 64, as: SIMD4<Double>.self)
            a3 += p * row.loadUnaligned(fromByteOffset: 96, as: SIMD4<Double>.self)
            row += rowBytes
        }
    }

    /// `approximate[c] = Σ_x selectedWeights[x] · values[selected[x]][c]`, each element summed in key
    /// order from +0; thirty-two columns at a time (eight independent accumulator chains).
    @inline(__always)
    static func approximateOutput(selected: UnsafePointer<Int>, selectedWeights hat: UnsafePointer<Double>,
                                  selectedCount: Int, values: UnsafePointer<Double>, dim dv: Int,
                                  approximate: UnsafeMutablePointer<Double>) {
        typealias V4 = SIMD4<Double>
        var c = 0
        while c + 32 <= dv {
            var a0 = V4(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
            let column = UnsafeRawPointer(values + c)
            for x in 0 ..< selectedCount {
                let p = V4(repeating: hat[x])
                let row = column + selected[x] &* dv &* 8
                a0 += p * row.loadUnaligned(as: V4.self)
                a1 += p * row.loadUnaligned(fromByteOffset: 32, as: V4.self)
                a2 += p * row.loadUnaligned(fromByteOffset: 64, as: V4.self)
                a3 += p * row.loadUnaligned(fromByteOffset: 96, as: V4.self)
                a4 += p * row.loadUnaligned(fromByteOffset: 128, as: V4.self)
                a5 += p * row.loadUnaligned(fromByteOffset: 160, as: V4.self)
                a6 += p * row.loadUnaligned(fromByteOffset: 192, as: V4.self)
                a7 += p * row.loadUnaligned(fromByteOffset: 224, as: V4.self)
            }
            let a = UnsafeMutableRawPointer(approximate + c)
            a.storeSixteen(a0, a1, a2, a3)
            (a + 128).storeSixteen(a4, a5, a6, a7)
            c += 32
        }
        while c + 4 <= dv {
            var a0 = V4(repeating: 0)
            let column = UnsafeRawPointer(values + c)
            for x in 0 ..< selectedCount {
                a0 += V4(repeating: hat[x]) * (column + selected[x] &* dv &* 8).loadUnaligned(as: V4.self)
            }
            UnsafeMutableRawPointer(approximate + c).storeBytes(of: a0, as: V4.self)
            c += 4
        }
        while c < dv {
            var a = 0.0
            for x in 0 ..< selectedCount { a += hat[x] * values[selected[x] &* dv &+ c] }
            approximate[c] = a
            c += 1
        }
    }

    /// Indices of the `min(count, scores.count)` largest of `scale · scores[y]`, largest first; equal
    /// values keep the lower index first (so the first entry is the lowest-index maximum). Every product
    /// is rounded as `scale * scores[y]` is, so the keys are those of the row of products written out.
    static func topKeys(scores: UnsafeBufferPointer<Double>, scale: Double = 1, count: Int, into top: inout [Int]) {
        top.removeAll(keepingCapacity: true)
        let n = scores.count, k = min(count, n)
        guard k > 0 else { return }
        if k == 5 && n >= 32 && topFiveByLanes(scores, scale: scale, into: &top) { return }
        withUnsafeTemporaryAllocation(of: (index: Int, score: Double).self, capacity: k) { held in
            for y in 0 ..< k { hold(y, scale * scores[y], at: y, in: held) }
            // Once `k` keys are held a key enters only above the smallest of them: four keys per
            // comparison for the great majority, which never enter.
            var smallest = held[k - 1].score
            var y = k
            while y < n {
                if y + 4 <= n {
                    let four = scale * UnsafeRawPointer(scores.baseAddress! + y).loadUnaligned(as: SIMD4<Double>.self)
                    if !any(four .> SIMD4(repeating: smallest)) { y += 4; continue }
                }
                let z = scale * scores[y]
                if z > smallest {
                    hold(y, z, at: k - 1, in: held)
                    smallest = held[k - 1].score
                }
                y += 1
            }
            for x in 0 ..< k { top.append(held[x].index) }
        }
    }

    /// Puts key `y` with value `z` into `held[0 ... end]`, whose first `end` entries are held largest
    /// first: after the held keys it does not exceed (so equal values keep index order), the entry at
    /// `end` dropped.
    @inline(__always)
    private static func hold(_ y: Int, _ z: Double, at end: Int, in held: UnsafeMutableBufferPointer<(index: Int, score: Double)>) {
        var position = end
        while position > 0 && z > held[position - 1].score {
            held[position] = held[position - 1]
            position -= 1
        }
        held[position] = (y, z)
    }

    /// `topKeys` for five keys in two passes with few branches. The answer is the first five of one
    /// total order (value descending, then index ascending), so it is the first five, by that order, of
    /// the keys whose value reaches `T`, the fifth largest value of the row counted with repeats. Pass 1
    /// finds `T` with no branch per key: each of four lanes keeps the five largest values of its keys
    /// (key `y` in lane `y mod 4`) by a compare-exchange down a sorted list, and `T` is the fifth largest
    /// of those twenty. Pass 2 scans the row four keys per comparison against `T` and holds the few keys
    /// reaching it as the scalar scan does. False (the caller scans the row) when a score is NaN, which
    /// no trace has and which would not order.
    private static func topFiveByLanes(_ scores: UnsafeBufferPointer<Double>, scale: Double, into top: inout [Int]) -> Bool {
        typealias V = SIMD4<Double>
        let n = scores.count
        let none = V(repeating: -.infinity), factor = V(repeating: scale)
        var v0 = none, v1 = none, v2 = none, v3 = none, v4 = none
        var unordered = SIMDMask<SIMD4<Int64>>(repeating: false)
        let base = UnsafeRawPointer(scores.baseAddress!)
        // The larger of two values stays, the smaller moves down the list.
        @inline(__always) func exchange(_ held: inout V, _ carry: inout V) {
            let larger = carry .> held
            let low = carry.replacing(with: held, where: larger)
            held = held.replacing(with: carry, where: larger)
            carry = low
        }
        var y = 0
        while y + 4 <= n {
            var x = factor * base.loadUnaligned(fromByteOffset: y &* 8, as: V.self)
            unordered = unordered .| (x .!= x)
            exchange(&v0, &x); exchange(&v1, &x); exchange(&v2, &x); exchange(&v3, &x); exchange(&v4, &x)
            y &+= 4
        }
        if any(unordered) { return false }
        // T: the fifth largest of the twenty held values and the last keys' (n mod 4), by the same
        // exchange down five scalars.
        var h0 = -Double.infinity, h1 = h0, h2 = h0, h3 = h0, h4 = h0
        @inline(__always) func keep(_ value: Double) {
            var c = value
            var t = max(h0, c); c = min(h0, c); h0 = t
            t = max(h1, c); c = min(h1, c); h1 = t
            t = max(h2, c); c = min(h2, c); h2 = t
            t = max(h3, c); c = min(h3, c); h3 = t
            h4 = max(h4, c)
        }
        for lane in 0 ..< 4 { keep(v0[lane]); keep(v1[lane]); keep(v2[lane]); keep(v3[lane]); keep(v4[lane]) }
        for tail in y ..< n {
            let z = scale * scores[tail]
            if z.isNaN { return false }
            keep(z)
        }
        let bound = h4
        return withUnsafeTemporaryAllocation(of: (index: Int, score: Double).self, capacity: 5) { held in
            var size = 0
            let reach = V(repeating: bound)
            var y = 0
            while y < n {
                if y + 4 <= n {
                    let four = factor * base.loadUnaligned(fromByteOffset: y &* 8, as: V.self)
                    if !any(four .>= reach) { y &+= 4; continue }
                }
                let z = scale * scores[y]
                if z >= bound && (size < 5 || z > held[4].score) {
                    hold(y, z, at: min(size, 4), in: held)
                    size = min(size + 1, 5)
                }
                y &+= 1
            }
            for x in 0 ..< size { top.append(held[x].index) }
            return true
        }
    }
}
