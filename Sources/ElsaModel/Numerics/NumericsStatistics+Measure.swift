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
    /// hardware's output rows against exact float attention `O_i` (`docs/quality.md` §1: the Double
    /// softmax of the biased scores over every visible key, recomputed; a stored `out` is not used).
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
        let dv = layer.v.dim
        var exact = ContiguousArray<Double>(repeating: 0, count: dv)
        var errorSquared = 0.0, referenceSquared = 0.0
        for i in 0 ..< n {
            // The exact reference is recomputed in Double, with the layer's bias if it has one; a stored
            // `out` is never trusted (docs/quality.md §1).
            let p = exactAttentionProbabilities(layer: layerIndex, queryHead: queryHead, query: i, trace: trace)
            guard !p.isEmpty else { continue }
            for c in 0 ..< dv { exact[c] = 0 }
            for (y, weight) in p.enumerated() {
                let vb = layer.v.offset(head: kvHead, row: y)
                for c in 0 ..< dv { exact[c] += weight * Double(layer.v.storage[vb + c]) }
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

