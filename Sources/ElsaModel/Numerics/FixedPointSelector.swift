#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ELSA's norm computation and candidate selection modules in fixed point (ELSA III-D, IV-C, IV-E):
/// 8-bit key norms, `‖K_max‖`, the threshold `t` as the hardware holds it, the cosine table, and each
/// selector's multiply and compare, all on integer codes (`docs/numerics.md` §6):
///
///     N_y  = norm code of key y            (fixed: sqrt(Σ K²) · 2^Fn; relative: ‖K_y‖/‖K_max‖ · 2^(Bn−1))
///     N_max = max_y N_y
///     C_h  = round(cos(max(0, π/k·h − θ_bias)) · 2^Fc)        T = t in 1 sign + 1 integer + Ft bits
///     select (x, y)  iff  N_y · C_h · 2^Ft  >  T · N_max · 2^Fc      (h = Hamming distance; exact integers)
///
/// The comparison is exact (the multiplier keeps every bit, "minimal integer bits"). As in the float
/// model, the left side does not grow with `h` (`C_h` non-increasing, `N_y ≥ 0`), so a key's selected
/// distances are a prefix `h < L_y` and the float model's selection kernel applies.
public struct FixedPointSelector: Sendable {
    public let normFormat: FixedPointFormat
    public let relative: Bool
    public let cosine: ContiguousArray<Int64>
    public let cosineFractionBits: Int
    public let thresholdFormat: FixedPointFormat

    public init(config: ElsaConfig) {
        let n = config.numerics
        relative = n.normFormat == .relative
        normFormat = relative
            ? FixedPointFormat(integerBits: 1, fractionBits: n.normBits - 1, signed: false, rounding: n.rounding, overflow: n.overflow)
            : FixedPointFormat(integerBits: n.normBits - n.normFractionBits, fractionBits: n.normFractionBits, signed: false,
                               rounding: n.rounding, overflow: n.overflow)
        cosineFractionBits = n.cosineFractionBits
        let cosineFormat = FixedPointFormat(integerBits: 1, fractionBits: n.cosineFractionBits, rounding: n.rounding, overflow: n.overflow)
        let k = config.hash.bits
        cosine = ContiguousArray((0 ... k).map { h in
            cosineFormat.quantize(cos(CosineTable.angle(hamming: h, bits: k, thetaBias: config.thetaBias)))
        })
        thresholdFormat = FixedPointFormat(integerBits: 1, fractionBits: n.thresholdFractionBits, rounding: n.rounding,
                                           overflow: n.overflow)
    }

    /// Norm codes of `rows` keys given as Q/K/V codes with `fractionBits` (`stride` codes per key, the
    /// first `length` used). The square root is taken in Double of the exact integer sum of squares and
    /// rounded to the norm format.
    public func norms(codes: ContiguousArray<Int64>, rows: Int, stride: Int, length: Int, fractionBits: Int) -> ContiguousArray<Int64> {
        var roots = ContiguousArray<Double>(repeating: 0, count: rows)
        for y in 0 ..< rows {
            var s: Int64 = 0
            for c in 0 ..< length { s += codes[y * stride + c] * codes[y * stride + c] }
            roots[y] = scalbn(Double(s).squareRoot(), -fractionBits)
        }
        if relative {
            let largest = roots.max() ?? 0
            return ContiguousArray(roots.lazy.map { largest > 0 ? self.normFormat.quantize($0 / largest) : 0 })
        }
        return ContiguousArray(roots.lazy.map(normFormat.quantize))
    }

    /// `L_y` for every key: the number of leading `h = 0, 1, …, k` that pass the comparison.
    public func limits(norms: ContiguousArray<Int64>, thresholdCode: Int64) -> ContiguousArray<Int32> {
        let maxNorm = norms.max() ?? 0
        let right = thresholdCode * maxNorm << Int64(cosineFractionBits)
        let shift = Int64(thresholdFormat.fractionBits)
        return ContiguousArray(norms.lazy.map { norm in
            var h = 0
            while h < self.cosine.count && (norm * self.cosine[h]) << shift > right { h += 1 }
            return Int32(h)
        })
    }
}
