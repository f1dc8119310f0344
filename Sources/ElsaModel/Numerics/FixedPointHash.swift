import Workload

/// ELSA's hash computation module in fixed point (ELSA III-C, IV-C, IV-E): the projection factors in
/// 1 sign + `hash_fraction_bits`, the vector in the Q/K/V format, and the Kronecker product applied as
/// the hardware does it, one factor at a time along its axis of the vector reshaped row-major to
/// `a_1 × … × a_m` (the last factor first). Each stage's products are summed exactly and the sums
/// rounded back to the Q/K/V fraction bits ("the rest of the pipeline: minimal integer bits, same
/// fraction bits", IV-E), never saturated. Hash bit `j` is 1 iff the final value `j` is > 0, or = 0 with
/// `hash_sign_at_zero: one`. A dense or file projection is one stage over the whole `k × d` matrix.
/// Definitions: `docs/numerics.md` §5.
public struct FixedPointHash: Sendable {
    /// Factor sizes (one entry `[d]` with `rows = k` for a dense matrix).
    public let sizes: [Int]
    /// The quantized factors, row-major; for a dense matrix one `k × d` matrix.
    public let factors: [ContiguousArray<Int64>]
    /// `k`: output bits.
    public let bits: Int
    /// `d`: input length.
    public let dim: Int
    public let factorFractionBits: Int
    public let vectorFractionBits: Int
    public let rounding: RoundingMode
    public let signAtZero: HashSignAtZero
    let dense: Bool

    /// The Kronecker factors are drawn again from `config.hash` (`HashProjection.kroneckerFactors`); any
    /// other projection is quantized element by element from `projection`'s dense matrix.
    public init(config: ElsaConfig, projection: HashProjection) {
        let n = config.numerics
        let factorFormat = FixedPointFormat(integerBits: 0, fractionBits: n.hashFractionBits, rounding: n.rounding,
                                            overflow: n.overflow)
        factorFractionBits = n.hashFractionBits
        vectorFractionBits = n.qkvFractionBits
        rounding = n.rounding
        signAtZero = n.hashSignAtZero
        bits = projection.bits
        dim = projection.dim
        if config.hash.projection == .kronecker {
            sizes = config.hash.kroneckerFactors
            factors = HashProjection.kroneckerFactors(sizes, seed: config.hash.seed)
                .map { ContiguousArray($0.lazy.map(factorFormat.quantize)) }
            dense = false
        } else {
            sizes = [projection.dim]
            factors = [ContiguousArray(projection.matrix.lazy.map(factorFormat.quantize))]
            dense = true
        }
    }

    /// The packed signatures (as `HashProjection`) of `rows` vectors given as Q/K/V codes, `rowStride`
    /// codes per row of which the first `length` are used (zero-padded to `d`).
    public func signatures(codes: ContiguousArray<Int64>, rows: Int, rowStride: Int, length: Int) -> ContiguousArray<UInt64> {
        let words = (bits + 63) >> 6
        var out = ContiguousArray<UInt64>(repeating: 0, count: rows * words)
        var a = ContiguousArray<Int64>(repeating: 0, count: max(dim, bits))
        var b = ContiguousArray<Int64>(repeating: 0, count: max(dim, bits))
        for r in 0 ..< rows {
            for c in 0 ..< dim { a[c] = c < length ? codes[r * rowStride + c] : 0 }
            if dense {
                let m = factors[0]
                for j in 0 ..< bits {
                    var s: Int64 = 0
                    for c in 0 ..< dim { s += m[j * dim + c] * a[c] }
                    b[j] = FixedPointFormat.shiftRight(s, by: factorFractionBits, rounding: rounding)
                }
                swap(&a, &b)
            } else {
                // Apply factor i along axis i, the last axis first: inner = ∏ sizes after i.
                var inner = 1
                for i in stride(from: sizes.count - 1, through: 0, by: -1) {
                    let size = sizes[i], f = factors[i]
                    let outer = dim / (inner * size)
                    for o in 0 ..< outer {
                        for row in 0 ..< size {
                            for x in 0 ..< inner {
                                var s: Int64 = 0
                                for c in 0 ..< size { s += f[row * size + c] * a[(o * size + c) * inner + x] }
                                b[(o * size + row) * inner + x] = FixedPointFormat.shiftRight(s, by: factorFractionBits, rounding: rounding)
                            }
                        }
                    }
                    swap(&a, &b)
                    inner *= size
                }
            }
            for j in 0 ..< bits where a[j] > 0 || (a[j] == 0 && signAtZero == .one) {
                out[r * words + j >> 6] |= 1 << UInt64(j & 63)
            }
        }
        return out
    }
}
