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
/// the row's maximum. The exact and the approximate outputs are accumulated in one pass over `V` per
/// query, eight columns at a time (every element summed in key order, as the plain loops would).
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
        var exact = ContiguousArray<Double>(repeating: 0, count: dv)
        var approximate = ContiguousArray<Double>(repeating: 0, count: dv)
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
        exact.withUnsafeMutableBufferPointer { exactRow in
        approximate.withUnsafeMutableBufferPointer { approximateRow in
            for r in 0 ..< rows.rowCount {
                let i = rows.firstRow + r
                let v = head.visibleKeys(query: i)
                guard v > 0 else { continue }
                let s = scoreRows.baseAddress! + r * rows.stride
                let w = weightRows.baseAddress! + r * rows.stride
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
                // z_y, the (biased) scaled scores, for the top-K keys and the selected maximum.
                if let bias = layer.bias {
                    let biasRow = bias.offset(head: queryHead, row: i)
                    for y in 0 ..< v { z[y] = scale * s[y] + Double(bias.storage[biasRow + y]) }
                } else {
                    for y in 0 ..< v { z[y] = scale * s[y] }
                }
                let maxAll = rows.maxima[r]
                let sumAll = rows.sums[r]
                var maxSelected = -Double.infinity
                for x in 0 ..< selectedCount where z[sel[x]] > maxSelected { maxSelected = z[sel[x]] }
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

                // ê_y of the selected keys: e_y itself when they hold the row's maximum.
                var sumApproximate = 0.0
                if maxSelected == maxAll {
                    for x in 0 ..< selectedCount { hat[x] = w[sel[x]] }
                } else {
                    for x in 0 ..< selectedCount { hat[x] = FastExp.exp(z[sel[x]] - maxSelected) }
                }
                for x in 0 ..< selectedCount { sumApproximate += hat[x] }
                // Exact row Σ_y e_y v_y / Σ_y e_y and approximate row Σ_sel ê_y v_y / Σ_sel ê_y (zero when
                // nothing is selected), in one pass over V.
                Self.outputs(weights: w, visible: v, selected: UnsafePointer(sel.baseAddress!),
                             selectedWeights: UnsafePointer(hat.baseAddress!), selectedCount: selectedCount,
                             values: vp.baseAddress!, dim: dv, exact: exactRow.baseAddress!,
                             approximate: approximateRow.baseAddress!)
                for c in 0 ..< dv { exactRow[c] /= sumAll }
                if selectedCount > 0 { for c in 0 ..< dv { approximateRow[c] /= sumApproximate } }
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

                // Recall of the highest-scoring exact keys.
                topKeys(scores: UnsafeBufferPointer(rebasing: z[0 ..< v]), count: QualityStatistics.topK, into: &top)
                func isSelected(_ y: Int) -> Bool { (bits[i * rowWords + y >> 6] >> UInt64(y & 63)) & 1 == 1 }
                if isSelected(top[0]) { stats.top1Hits += 1 }
                stats.topKSlots += top.count
                for y in top where isSelected(y) { stats.topKHits += 1 }
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

    /// `exact[c] = Σ_{y<visible} weights[y] · values[y][c]` and `approximate[c] = Σ_x selectedWeights[x] ·
    /// values[selected[x]][c]`, each element summed in key order from +0; eight columns at a time so the
    /// sixteen partial sums stay in registers while the rows of `values` stream past.
    @inline(__always)
    static func outputs(weights w: UnsafePointer<Double>, visible: Int, selected: UnsafePointer<Int>,
                        selectedWeights hat: UnsafePointer<Double>, selectedCount: Int,
                        values: UnsafePointer<Double>, dim dv: Int,
                        exact: UnsafeMutablePointer<Double>, approximate: UnsafeMutablePointer<Double>) {
        var c = 0
        while c + 8 <= dv {
            var e0 = SIMD4<Double>(repeating: 0), e1 = e0, a0 = e0, a1 = e0
            var row = UnsafeRawPointer(values + c)
            for y in 0 ..< visible {
                let weight = SIMD4<Double>(repeating: w[y])
                e0 += weight * row.loadUnaligned(as: SIMD4<Double>.self)
                e1 += weight * row.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
                row += dv &* 8
            }
            let column = UnsafeRawPointer(values + c)
            for x in 0 ..< selectedCount {
                let weight = SIMD4<Double>(repeating: hat[x])
                let selectedRow = column + selected[x] &* dv &* 8
                a0 += weight * selectedRow.loadUnaligned(as: SIMD4<Double>.self)
                a1 += weight * selectedRow.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
            }
            let e = UnsafeMutableRawPointer(exact + c), a = UnsafeMutableRawPointer(approximate + c)
            e.storeBytes(of: e0, as: SIMD4<Double>.self)
            e.storeBytes(of: e1, toByteOffset: 32, as: SIMD4<Double>.self)
            a.storeBytes(of: a0, as: SIMD4<Double>.self)
            a.storeBytes(of: a1, toByteOffset: 32, as: SIMD4<Double>.self)
            c += 8
        }
        while c < dv {
            var e = 0.0, a = 0.0
            for y in 0 ..< visible { e += w[y] * values[y * dv + c] }
            for x in 0 ..< selectedCount { a += hat[x] * values[selected[x] * dv + c] }
            exact[c] = e
            approximate[c] = a
            c += 1
        }
    }

    /// Indices of the `min(count, scores.count)` largest scores, largest first; equal scores keep the
    /// lower index first (so the first entry is the lowest-index maximum).
    static func topKeys(scores: UnsafeBufferPointer<Double>, count: Int, into top: inout [Int]) {
        top.removeAll(keepingCapacity: true)
        for y in 0 ..< scores.count {
            let z = scores[y]
            if top.count == count {
                guard z > scores[top[count - 1]] else { continue }
                top.removeLast()
            }
            var position = top.count
            while position > 0 && z > scores[top[position - 1]] { position -= 1 }
            top.insert(y, at: position)
        }
    }
}
