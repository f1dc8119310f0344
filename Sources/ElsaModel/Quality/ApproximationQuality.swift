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
/// For every real query `i` with visible keys `y < v_i`, in Double except the sums over `V` (below):
///
/// - scores `z_y = scale · Σ_c q_i[c] · k_y[c]` (the dot product summed in component order), plus
///   `Double(bias[h, i, y])` when the layer has an additive bias (the hardware's attention modules use the
///   exact biased score under every bias policy, `docs/algorithm.md` §10);
/// - exact probabilities `P_y = e_y / Σ_y e_y`, `e_y = exp(z_y − max_y z_y)`, sums of weights by
///   `FastExp.exponentials`' four-lane rule;
/// - mass kept `m_i = Σ_{y selected} e_y / Σ_y e_y` (1 when every visible key is selected);
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
/// the row's maximum. The sums over `V` are `OutputRows`' float32 blocks: the exact outputs of two
/// consecutive queries in one pass over `V`, the approximate output over the selected rows of `V`. A row
/// with every visible key selected takes the exact row as its approximate row: the same sums, so the
/// same bits.
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
        // The head's values are rows 0 ..< n of its slice of V, contiguous.
        let valuesStart = layer.v.offset(head: kvHead, row: 0)
        var mismatchedRows = 0
        var largestDeviation = 0.0
        var stats = QualityStatistics()
        stats.selectedPairs = selection.selectedPairs
        stats.totalPairs = selection.totalPairs
        let stride = head.stride
        var scaled = ContiguousArray<Double>(repeating: 0, count: stride)
        // Two rows of float32 weights: the exact pair's, then an approximate row's (`OutputRows`).
        var narrowWeights = ContiguousArray<Float>(repeating: 0, count: 2 * stride)
        // A row's selected z_y, then their ê_y, when ê_y must be recomputed.
        var hatScratch = ContiguousArray<Double>(repeating: 0, count: 2 * stride)
        var chosen = ContiguousArray<Int>(repeating: 0, count: max(n, 1))
        var approximate = ContiguousArray<Double>(repeating: 0, count: dv)
        var exactPair = ContiguousArray<Double>(repeating: 0, count: 2 * dv)
        var top = [Int]()
        top.reserveCapacity(QualityStatistics.topK + 1)
        let rowWords = selection.wordsPerRow
        head.forEachBlock { rows in
        rows.scores.withUnsafeBufferPointer { scoreRows in
        rows.weights.withUnsafeBufferPointer { weightRows in
        layer.v.storage.withUnsafeBufferPointer { storage in
        selection.bits.withUnsafeBufferPointer { bits in
        scaled.withUnsafeMutableBufferPointer { z in
        narrowWeights.withUnsafeMutableBufferPointer { narrow in
        hatScratch.withUnsafeMutableBufferPointer { hat in
        chosen.withUnsafeMutableBufferPointer { sel in
        exactPair.withUnsafeMutableBufferPointer { exactRows in
        approximate.withUnsafeMutableBufferPointer { approximateRow in
            let values = storage.baseAddress! + valuesStart
            let narrow0 = narrow.baseAddress!, narrow1 = narrow0 + stride
            var pairStart = 0
            while pairStart < rows.rowCount {
                // The exact rows of two queries in one pass over V (each row of V loaded once for both).
                let pairEnd = min(pairStart + 2, rows.rowCount)
                let w0 = weightRows.baseAddress! + pairStart * rows.stride
                let v0 = head.visibleKeys(query: rows.firstRow + pairStart)
                let v1 = pairEnd - pairStart == 2 ? head.visibleKeys(query: rows.firstRow + pairStart + 1) : 0
                OutputRows.narrow(w0, count: v0, into: narrow0)
                OutputRows.narrow(w0 + rows.stride, count: v1, into: narrow1)
                OutputRows.exactPair(weights0: narrow0, visible0: v0, weights1: narrow1, visible1: v1,
                                     values: values, dim: dv,
                                     exact0: exactRows.baseAddress!, exact1: exactRows.baseAddress! + dv)
                for r in pairStart ..< pairEnd {
                    let i = rows.firstRow + r
                    let v = head.visibleKeys(query: i)
                    guard v > 0 else { continue }
                    let s = scoreRows.baseAddress! + r * rows.stride
                    let w = weightRows.baseAddress! + r * rows.stride
                    let exactRow = exactRows.baseAddress! + (r - pairStart) * dv
                    // The selected keys of row i, in key order (listed only when some key is not selected).
                    var selectedCount = 0
                    for word in 0 ..< rowWords { selectedCount += bits[i * rowWords + word].nonzeroBitCount }
                    let everySelected = selectedCount == v
                    if !everySelected {
                        var x = 0
                        for word in 0 ..< rowWords {
                            var bitsLeft = bits[i * rowWords + word]
                            while bitsLeft != 0 {
                                sel[x] = word << 6 + bitsLeft.trailingZeroBitCount
                                x += 1
                                bitsLeft &= bitsLeft - 1
                            }
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
                    let (maxSelected, sumSelected) = everySelected ? (maxAll, sumAll)
                        : Self.selectedMaximumAndSum(keys: sel.baseAddress!, count: selectedCount, z: zRow, factor: factor, weights: w)
                    // A selection of every visible key keeps the whole mass: 1 exactly.
                    let mass = everySelected ? 1 : sumSelected / sumAll
                    // The attention sink: key 0's exact probability, and whether the selection keeps it.
                    stats.sinkMassSum += w[0] / sumAll
                    if bits[i * rowWords] & 1 == 1 { stats.sinkSelected += 1 }
                    stats.queries += 1
                    stats.massKeptSum += mass
                    stats.massKeptMinimum = min(stats.massKeptMinimum, mass)
                    if selectedCount == 0 { stats.emptyQueries += 1 }

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
                        // ê_y of the selected keys: e_y itself when they hold the row's maximum, and then their
                        // sum is `sumSelected` (the same values summed by the same rule).
                        var sumApproximate = sumSelected
                        if maxSelected == maxAll {
                            for x in 0 ..< selectedCount { narrow1[x] = Float(w[sel[x]]) }
                        } else {
                            let selectedZ = hat.baseAddress!, selectedHat = selectedZ + stride
                            for x in 0 ..< selectedCount { selectedZ[x] = factor * zRow[sel[x]] }
                            sumApproximate = FastExp.exponentials(of: selectedZ, minus: maxSelected, count: selectedCount, into: selectedHat)
                            OutputRows.narrow(selectedHat, count: selectedCount, into: narrow1)
                        }
                        // Exact row Σ_y e_y v_y / Σ_y e_y and approximate row Σ_sel ê_y v_y / Σ_sel ê_y (zero
                        // when nothing is selected).
                        OutputRows.selectedRow(selected: UnsafePointer(sel.baseAddress!), weights: narrow1, count: selectedCount,
                                               values: values, dim: dv, approximate: approximateRow.baseAddress!)
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
        }
        if mismatchedRows > 0 {
            stats.storedOutMismatches = [StoredOutMismatch(layer: layerIndex, head: queryHead, rows: mismatchedRows,
                                                           largestDeviation: largestDeviation)]
        }
        return stats
    }

    /// The largest `factor · z[keys[x]]` and `Σ weights[keys[x]]` over `x < count` (`docs/quality.md` §1):
    /// the sum by `FastExp.exponentials`' rule (four lanes by `x mod 4` in list order, added as
    /// `(l0 + l1) + (l2 + l3)`, then the last `count mod 4` in order), so that it is the sum of the same
    /// `ê_y` when they are recomputed. The maximum is the plain scan's value (of the finite scores, the
    /// order of the comparisons only matters for +0 against −0, which act alike wherever it is used);
    /// four lanes take each other's latency instead of one chain of dependent comparisons and adds.
    @inline(__always)
    static func selectedMaximumAndSum(keys: UnsafePointer<Int>, count: Int, z: UnsafePointer<Double>, factor: Double,
                                      weights w: UnsafePointer<Double>) -> (maximum: Double, sum: Double) {
        typealias V4 = SIMD4<Double>
        var maxima = V4(repeating: -.infinity), lanes = V4()
        let f = V4(repeating: factor)
        var x = 0
        while x &+ 4 <= count {
            let k0 = keys[x], k1 = keys[x &+ 1], k2 = keys[x &+ 2], k3 = keys[x &+ 3]
            let scaled = V4(z[k0], z[k1], z[k2], z[k3]) * f
            maxima.replace(with: scaled, where: scaled .> maxima)
            lanes += V4(w[k0], w[k1], w[k2], w[k3])
            x &+= 4
        }
        var maximum = maxima[0], sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        for j in 1 ..< 4 where maxima[j] > maximum { maximum = maxima[j] }
        while x < count {
            let scaled = factor * z[keys[x]]
            if scaled > maximum { maximum = scaled }
            sum += w[keys[x]]
            x &+= 1
        }
        return (maximum, sum)
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
