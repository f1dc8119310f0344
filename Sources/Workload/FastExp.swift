/// A branch-free `exp` for the softmaxes of threshold learning and of the quality metrics
/// (`docs/algorithm.md` §4, "The exponential"), four lanes at a time.
///
/// `exp(x) = 2^k · exp(r)`: `k = round(x · log₂e)` (the 1.5·2⁵² shift, no integer conversion, so no
/// trap on any input), `r = (x − k·ln2_hi) − k·ln2_lo` (Cody–Waite: `k·ln2_hi` is exact for |k| < 2²¹, so
/// `|r| ≤ ln2/2` with one rounding), `exp(r)` by its Taylor polynomial of degree 13, evaluated as
/// `E(r²) + r · O(r²)` with the even and the odd coefficients each in Horner form (truncation below
/// 4.3e-18 relative on `|r| ≤ 0.3466`), and `2^k` applied as two exact power-of-two
/// factors `2^⌊k/2⌋ · 2^(k − ⌊k/2⌋)`, so results in the subnormal range are rounded once, like libm's.
///
/// Domain and edges: every Double. `x < −1410` is treated as −1410 (the result is +0, as libm's for
/// `x < −745.14`), `x > 1410` as 1410 (+∞, as libm's for `x > 709.79`), −∞ gives +0, +∞ gives +∞, NaN
/// gives NaN. Relative error against the correctly rounded value: at most 3 units in the last place
/// (6.7e-16) wherever the result is normal (`x ≥ −708.39`), held by a dense sweep in `FastExpTests`
/// (measured against glibc's `exp` on [−708.39, 0]: within 1 ulp, 2.2e-16). Subnormal results carry the one rounding to the subnormal grid (an absolute error
/// below 2⁻¹⁰⁷⁴ + 3 ulp of the unrounded value).
///
/// The one-value `exp(_:)` is one lane of the four-lane function (no fused multiply-add anywhere), so a
/// value is the same bits whichever entry point computed it.
public enum FastExp {
    @usableFromInline static let log2e = 1.4426950408889634
    /// ln 2 split as in fdlibm: the high part has 21 trailing zero bits.
    @usableFromInline static let ln2Hi = 6.93147180369123816490e-01
    @usableFromInline static let ln2Lo = 1.90821492927058770002e-10
    /// 1.5 · 2⁵²: adding it rounds to an integer held in the low bits.
    @usableFromInline static let shifter = 6755399441055744.0
    @usableFromInline static let clamp = 1410.0

    /// `exp(x)` of four lanes.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD4<Double>) -> SIMD4<Double> {
        var a = x.replacing(with: -clamp, where: x .< -clamp)
        a.replace(with: clamp, where: a .> clamp)
        let t = a * log2e + shifter
        let kd = t - shifter
        let r = (a - kd * ln2Hi) - kd * ln2Lo
        // The even and the odd coefficients in r² (two Horner chains of six steps instead of one of
        // thirteen: the chains' latency, not their arithmetic, bounds a row of exponentials).
        let u = r * r
        var even = SIMD4<Double>(repeating: 1.0 / 479001600.0)    // 1/12!
        even = even * u + 1.0 / 3628800.0                         // 1/10!
        even = even * u + 1.0 / 40320.0
        even = even * u + 1.0 / 720.0
        even = even * u + 1.0 / 24.0
        even = even * u + 0.5
        even = even * u + 1.0
        var odd = SIMD4<Double>(repeating: 1.0 / 6227020800.0)    // 1/13!
        odd = odd * u + 1.0 / 39916800.0                          // 1/11!
        odd = odd * u + 1.0 / 362880.0
        odd = odd * u + 1.0 / 5040.0
        odd = odd * u + 1.0 / 120.0
        odd = odd * u + 1.0 / 6.0
        odd = odd * u + 1.0
        let p = even + r * odd
        // k from the shifted sum's low bits; biased by 2048 so the halving is a logical shift.
        let k = unsafeBitCast(t, to: SIMD4<Int64>.self) &- SIMD4<Int64>(repeating: Int64(bitPattern: shifter.bitPattern))
        let k1 = ((k &+ 2048) &>> 1) &- 1024
        let k2 = k &- k1
        let s1 = unsafeBitCast((k1 &+ 1023) &<< 52, to: SIMD4<Double>.self)
        let s2 = unsafeBitCast((k2 &+ 1023) &<< 52, to: SIMD4<Double>.self)
        return p * s1 * s2
    }

    /// `exp(x)` of one value: one lane of `exp(_: SIMD4<Double>)` (the same operations by construction).
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double {
        exp(SIMD4<Double>(repeating: x))[0]
    }

    /// `out[y] = exp(x[y] − shift)` for `y < count`, four lanes at a time (the tail lane by lane, same
    /// values); returns `Σ out[y]`: the four lanes' sums of the four-lane part (lane `j` holds the `y ≡ j
    /// mod 4`, each summed in index order from +0), added as `(l0 + l1) + (l2 + l3)`, then the tail in
    /// index order. Four chains of dependent adds instead of one: the sum no longer waits on each value.
    @inlinable
    public static func exponentials(of x: UnsafePointer<Double>, minus shift: Double, count: Int,
                                    into out: UnsafeMutablePointer<Double>) -> Double {
        var y = 0
        var lanes = SIMD4<Double>()
        let m = SIMD4<Double>(repeating: shift)
        while y + 4 <= count {
            let v = UnsafeRawPointer(x + y).loadUnaligned(as: SIMD4<Double>.self)
            let e = exp(v - m)
            UnsafeMutableRawPointer(out + y).storeBytes(of: e, as: SIMD4<Double>.self)
            lanes += e
            y += 4
        }
        var sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        while y < count {
            let e = exp(x[y] - shift)
            out[y] = e
            sum += e
            y += 1
        }
        return sum
    }
}
