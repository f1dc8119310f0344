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
///   stores `out`, each stored row is checked against exact attention from `exactAttentionOutput`
///   (|out − O| ≤ 1e-3 + 1e-2·|O| per element, NaN and ±∞ never agree) and disagreeing rows are counted
///   in `storedOutMismatches`;
/// - top-1: the key with the largest `z_y` (lowest index on ties); top-K: the `min(K, v_i)` largest,
///   ties to the lower index;
/// - attention sink: `P_0` (key 0's exact probability) and whether key 0 is selected.
///
/// Memory: one row of scores and weights per query (O(n + n·d) per head, never an n×n matrix), so
/// long traces (n = 8192) are measured query by query.
public enum ApproximationQuality {
    /// The quality statistics of query head `queryHead` of layer number `layer` under `selection`.
    ///
    /// - Precondition: `selection` has the trace's real tokens as keys and the trace's visible counts.
    /// - Complexity: O(Σ_i v_i · d) multiply-adds (twice that when the layer has no `out`) and
    ///   O(Σ_i v_i) exponentials.
    public static func measure(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int,
                               selection: SelectionMatrix) -> QualityStatistics {
        let layer = trace.layers[layerIndex]
        let n = trace.tokens
        precondition(selection.keys == n, "selection covers \(selection.keys) keys; the trace has \(n) real tokens")
        let d = layer.q.dim
        let dv = layer.v.dim
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let scale = trace.scale
        // Keys in the 8-key Double panels of ThresholdLearner (each score summed in component order).
        let blocks = (n + 7) / 8
        var panels = ContiguousArray<Double>(repeating: 0, count: blocks * d * 8)
        for y in 0 ..< n {
            let start = layer.k.offset(head: kvHead, row: y)
            for c in 0 ..< d { panels[((y >> 3) * d + c) * 8 + y & 7] = Double(layer.k.storage[start + c]) }
        }
        var values = ContiguousArray<Double>(repeating: 0, count: n * dv)
        for y in 0 ..< n {
            let start = layer.v.offset(head: kvHead, row: y)
            for c in 0 ..< dv { values[y * dv + c] = Double(layer.v.storage[start + c]) }
        }
        // The exact output this metric measures against: recomputed, so a stale or corrupt stored `out`
        // cannot make the error silently wrong; the stored one is only checked (issue 19).
        let reference = layer.out == nil ? nil
            : exactAttentionOutput(layer: layer, queryHead: queryHead, scale: scale, causal: trace.causal, tokens: n)
        var mismatchedRows = 0
        var largestDeviation = 0.0
        var stats = QualityStatistics()
        stats.selectedPairs = selection.selectedPairs
        stats.totalPairs = selection.totalPairs
        var scores = ContiguousArray<Double>(repeating: 0, count: blocks * 8)
        var weights = ContiguousArray<Double>(repeating: 0, count: blocks * 8)
        var chosen = ContiguousArray<Int>(repeating: 0, count: n)
        var exact = ContiguousArray<Double>(repeating: 0, count: dv)
        var approximate = ContiguousArray<Double>(repeating: 0, count: dv)
        var top = [Int]()
        top.reserveCapacity(QualityStatistics.topK + 1)
        let rowWords = selection.wordsPerRow
        panels.withUnsafeBufferPointer { kp in
        layer.q.storage.withUnsafeBufferPointer { qs in
        values.withUnsafeBufferPointer { vp in
        selection.bits.withUnsafeBufferPointer { bits in
        scores.withUnsafeMutableBufferPointer { s in
        weights.withUnsafeMutableBufferPointer { w in
        chosen.withUnsafeMutableBufferPointer { sel in
            for i in 0 ..< n {
                let v = trace.visibleKeys(query: i)
                guard v > 0 else { continue }
                ThresholdLearner.scores(query: qs.baseAddress! + layer.q.offset(head: queryHead, row: i), dim: d,
                                        panels: kp.baseAddress!, keys: v, into: s.baseAddress!)
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
                var maxAll = -Double.infinity
                if let bias = layer.bias {
                    let biasRow = bias.offset(head: queryHead, row: i)
                    for y in 0 ..< v {
                        let z = scale * s[y] + Double(bias.storage[biasRow + y])
                        s[y] = z
                        if z > maxAll { maxAll = z }
                    }
                } else {
                    for y in 0 ..< v {
                        let z = scale * s[y]
                        s[y] = z
                        if z > maxAll { maxAll = z }
                    }
                }
                var maxSelected = -Double.infinity
                for x in 0 ..< selectedCount where s[sel[x]] > maxSelected { maxSelected = s[sel[x]] }
                var sumAll = 0.0
                for y in 0 ..< v {
                    let e = exp(s[y] - maxAll)
                    w[y] = e
                    sumAll += e
                }
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

                // Exact output row, Σ_y e_y v_y / Σ_y e_y over every visible key (always recomputed).
                for c in 0 ..< dv { exact[c] = 0 }
                var sumExact = 0.0
                for y in 0 ..< v {
                    sumExact += w[y]
                    let row = vp.baseAddress! + y * dv
                    for c in 0 ..< dv { exact[c] += w[y] * row[c] }
                }
                for c in 0 ..< dv { exact[c] /= sumExact }
                // The stored `out` row is only checked, against exact attention's own entry point.
                if let stored = layer.out, let reference {
                    let base = stored.offset(head: queryHead, row: i)
                    var agrees = true
                    for c in 0 ..< dv {
                        let expected = Double(reference[i * dv + c])
                        let deviation = abs(Double(stored.storage[base + c]) - expected)
                        if !(deviation <= StoredOutMismatch.absoluteTolerance + StoredOutMismatch.relativeTolerance * abs(expected)) {
                            agrees = false
                            largestDeviation = deviation.isNaN ? .infinity : max(largestDeviation, deviation)
                        }
                    }
                    if !agrees { mismatchedRows += 1 }
                }
                // Approximate output row: softmax over the selected keys only (zero row when none).
                for c in 0 ..< dv { approximate[c] = 0 }
                if selectedCount > 0 {
                    if maxSelected != maxAll {
                        for x in 0 ..< selectedCount { w[sel[x]] = exp(s[sel[x]] - maxSelected) }
                    }
                    var sum = 0.0
                    for x in 0 ..< selectedCount {
                        let y = sel[x]
                        sum += w[y]
                        let row = vp.baseAddress! + y * dv
                        for c in 0 ..< dv { approximate[c] += w[y] * row[c] }
                    }
                    for c in 0 ..< dv { approximate[c] /= sum }
                }
                var errorSquared = 0.0, referenceSquared = 0.0
                for c in 0 ..< dv {
                    let delta = approximate[c] - exact[c]
                    errorSquared += delta * delta
                    referenceSquared += exact[c] * exact[c]
                }
                stats.errorSquaredSum += errorSquared
                stats.referenceSquaredSum += referenceSquared

                // Recall of the highest-scoring exact keys.
                topKeys(scores: UnsafeBufferPointer(rebasing: s[0 ..< v]), count: QualityStatistics.topK, into: &top)
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
        if mismatchedRows > 0 {
            stats.storedOutMismatches = [StoredOutMismatch(layer: layerIndex, head: queryHead, rows: mismatchedRows,
                                                           largestDeviation: largestDeviation)]
        }
        return stats
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
