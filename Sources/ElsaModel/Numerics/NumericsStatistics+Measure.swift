#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

extension NumericsStatistics {
    /// The statistics of one head: the hardware's selection against the float model's, and the
    /// hardware's output rows against exact float attention `O_i` (`docs/quality.md` §1: the trace's
    /// `out` row, else the Double softmax over every visible key).
    ///
    /// - Parameters:
    ///   - hardwareQuality: `ApproximationQuality.measure` of the hardware's selection (its error sums
    ///     are replaced by the hardware rows' here).
    ///   - floatQuality: `ApproximationQuality.measure` of the float model's selection.
    public static func measure(trace: AttentionTrace, layer layerIndex: Int, queryHead: Int,
                               output: HardwareDatapath.HeadOutput, floatSelection: SelectionMatrix,
                               hardwareQuality: QualityStatistics, floatQuality: QualityStatistics) -> NumericsStatistics {
        var s = NumericsStatistics()
        s.floatModel = floatQuality
        s.heldThreshold = output.heldThreshold
        let hw = output.selection
        precondition(hw.bits.count == floatSelection.bits.count, "selections of different shapes")
        for x in 0 ..< hw.bits.count {
            s.selectionGained += (hw.bits[x] & ~floatSelection.bits[x]).nonzeroBitCount
            s.selectionLost += (floatSelection.bits[x] & ~hw.bits[x]).nonzeroBitCount
        }
        s.selectionChanges = s.selectionGained + s.selectionLost

        let layer = trace.layers[layerIndex]
        let n = trace.tokens
        let kvHead = layer.kvHead(forQueryHead: queryHead)
        let d = layer.q.dim, dv = layer.v.dim
        var exact = ContiguousArray<Double>(repeating: 0, count: dv)
        var weights = ContiguousArray<Double>(repeating: 0, count: n)
        var errorSquared = 0.0, referenceSquared = 0.0
        for i in 0 ..< n {
            let v = trace.visibleKeys(query: i)
            guard v > 0 else { continue }
            if let out = layer.out {
                let base = out.offset(head: queryHead, row: i)
                for c in 0 ..< dv { exact[c] = Double(out.storage[base + c]) }
            } else {
                let qb = layer.q.offset(head: queryHead, row: i)
                var maxScore = -Double.infinity
                for y in 0 ..< v {
                    let kb = layer.k.offset(head: kvHead, row: y)
                    var dot = 0.0
                    for c in 0 ..< d { dot += Double(layer.q.storage[qb + c]) * Double(layer.k.storage[kb + c]) }
                    weights[y] = trace.scale * dot
                    maxScore = max(maxScore, weights[y])
                }
                var sum = 0.0
                for c in 0 ..< dv { exact[c] = 0 }
                for y in 0 ..< v {
                    let e = exp(weights[y] - maxScore)
                    sum += e
                    let vb = layer.v.offset(head: kvHead, row: y)
                    for c in 0 ..< dv { exact[c] += e * Double(layer.v.storage[vb + c]) }
                }
                for c in 0 ..< dv { exact[c] /= sum }
            }
            for c in 0 ..< dv {
                let h = output.rows[i * dv + c]
                if !h.isFinite { s.nonFiniteOutputs += 1 }
                let delta = h - exact[c]
                errorSquared += delta * delta
                referenceSquared += exact[c] * exact[c]
            }
        }
        s.hardware = hardwareQuality
        s.hardware.errorSquaredSum = errorSquared
        s.hardware.referenceSquaredSum = referenceSquared
        return s
    }
}

