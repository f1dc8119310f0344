#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

/// Fits θ_bias (ELSA III-D) for a projection and a vector dimension: the 80th percentile of the angle
/// estimator's error, measured on Gaussian vectors (the paper's method: 0.127 rad for d = k = 64) or on
/// the real (query, key) pairs of a trace (`docs/quality.md` §4).
///
/// Both use the model's own projection: a vector with `d_t < d` components is zero-padded to the
/// projection's `d`, as the hardware does.
public enum ThetaBiasFit {
    /// The percentile ELSA uses.
    public static let percentile = 0.8
    /// Trace pairs kept at most by `trace(_:projection:maxPairs:)` unless told otherwise.
    public static let defaultMaxTracePairs = 4_000_000

    /// The estimator's error on `pairs` independent pairs `x, y ~ N(0, I_dim)`.
    ///
    /// Draws from one `SeededGenerator(seed:)`: for each pair, the `dim` components of `x`, then those of
    /// `y`, each one `nextGaussian()` rounded to Float. The true angle is `acos(x·y / (‖x‖ ‖y‖))` in Double
    /// (the cosine clamped to [−1, 1]); a pair with a zero vector (probability 0) is skipped.
    ///
    /// - Precondition: `1 ≤ dim ≤ projection.dim`, `pairs ≥ 1`.
    public static func gaussian(projection: HashProjection, dim: Int, pairs: Int, seed: UInt64) -> AngleErrorSample {
        precondition(dim >= 1 && dim <= projection.dim, "dim \(dim) not in 1…\(projection.dim)")
        precondition(pairs >= 1, "pairs \(pairs) < 1")
        var g = SeededGenerator(seed: seed)
        var errors = [Double]()
        errors.reserveCapacity(pairs)
        let w = projection.words
        var x = [Float](repeating: 0, count: dim), y = x
        var hx = [UInt64](repeating: 0, count: w), hy = hx
        withUnsafeTemporaryAllocation(of: Double.self, capacity: projection.scratchCount) { scratch in
            for _ in 0 ..< pairs {
                for c in 0 ..< dim { x[c] = Float(g.nextGaussian()) }
                for c in 0 ..< dim { y[c] = Float(g.nextGaussian()) }
                guard let angle = angle(x, y) else { continue }
                x.withUnsafeBufferPointer { xp in
                    hx.withUnsafeMutableBufferPointer { projection.signature(of: xp, into: $0, scratch: scratch) }
                }
                y.withUnsafeBufferPointer { yp in
                    hy.withUnsafeMutableBufferPointer { projection.signature(of: yp, into: $0, scratch: scratch) }
                }
                var ham = 0
                for i in 0 ..< w { ham += (hx[i] ^ hy[i]).nonzeroBitCount }
                errors.append(Double.pi / Double(projection.bits) * Double(ham) - angle)
            }
        }
        return AngleErrorSample(errors: errors)
    }

    /// The estimator's error on the real (query, key) pairs of `trace`: every layer, query head (with its
    /// key/value head), real query `i` and visible key `j < v_i`, in that order. Pairs where `q` or `k` is
    /// zero are skipped. When there are more than `maxPairs` pairs, every `s`-th pair of that order is
    /// kept, `s = ceil(pairs / maxPairs)` (the first kept is pair 0).
    ///
    /// - Precondition: the trace's head dim is at most `projection.dim`; `maxPairs ≥ 1`.
    /// - Complexity: O(kept pairs · d) plus hashing every real query and key once per head.
    public static func trace(_ trace: AttentionTrace, projection: HashProjection,
                             maxPairs: Int = defaultMaxTracePairs) -> AngleErrorSample {
        precondition(trace.headDim <= projection.dim, "head dim \(trace.headDim) > projection d \(projection.dim)")
        precondition(maxPairs >= 1, "maxPairs \(maxPairs) < 1")
        let n = trace.tokens
        let perHead = (0 ..< n).reduce(0) { $0 + trace.visibleKeys(query: $1) }
        let population = perHead * trace.queryHeads * trace.layers.count
        let stride = max(1, (population + maxPairs - 1) / maxPairs)
        let w = projection.words
        let d = trace.headDim
        var errors = [Double]()
        errors.reserveCapacity(min(population, maxPairs))
        var index = 0
        for layer in trace.layers {
            for h in 0 ..< layer.q.heads {
                let kv = layer.kvHead(forQueryHead: h)
                let qh = projection.signatures(of: layer.q, head: h, rows: n)
                let kh = projection.signatures(of: layer.k, head: kv, rows: n)
                for i in 0 ..< n {
                    let v = trace.visibleKeys(query: i)
                    // Next kept pair index ≥ index; skip the row when it lies past this row.
                    let first = (index + stride - 1) / stride * stride
                    if first >= index + v { index += v; continue }
                    let qBase = layer.q.offset(head: h, row: i)
                    var j = first - index
                    while j < v {
                        let kBase = layer.k.offset(head: kv, row: j)
                        var dot = 0.0, qq = 0.0, kk = 0.0
                        for c in 0 ..< d {
                            let a = Double(layer.q.storage[qBase + c]), b = Double(layer.k.storage[kBase + c])
                            dot += a * b
                            qq += a * a
                            kk += b * b
                        }
                        if qq > 0 && kk > 0 {
                            let angle = acos(max(-1, min(1, dot / (qq * kk).squareRoot())))
                            var ham = 0
                            for x in 0 ..< w { ham += (qh[i * w + x] ^ kh[j * w + x]).nonzeroBitCount }
                            errors.append(Double.pi / Double(projection.bits) * Double(ham) - angle)
                        }
                        j += stride
                    }
                    index += v
                }
            }
        }
        return AngleErrorSample(errors: errors, population: population)
    }

    /// `acos(x·y / (‖x‖ ‖y‖))` in Double, or `nil` when either vector is zero.
    static func angle(_ x: [Float], _ y: [Float]) -> Double? {
        var dot = 0.0, xx = 0.0, yy = 0.0
        for c in x.indices {
            let a = Double(x[c]), b = Double(y[c])
            dot += a * b
            xx += a * a
            yy += b * b
        }
        guard xx > 0 && yy > 0 else { return nil }
        return acos(max(-1, min(1, dot / (xx * yy).squareRoot())))
    }
}
