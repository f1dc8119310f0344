#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A number of ELSA's custom floating-point format (ELSA IV-E: 1 sign, 10 exponent, 5 fraction bits),
/// held unpacked: `significand · 2^(exponent − M)` with `M` the format's fraction bits. Zero has
/// significand 0; any other value has `2^M ≤ |significand| < 2^(M+1)` (the leading 1 is explicit).
public struct CustomFloat: Sendable, Equatable, Hashable {
    /// Signed significand; 0 for zero.
    public var significand: Int64
    /// Unbiased exponent.
    public var exponent: Int

    public init(significand: Int64, exponent: Int) {
        self.significand = significand
        self.exponent = exponent
    }

    public static let zero = CustomFloat(significand: 0, exponent: 0)
    @inlinable public var isZero: Bool { significand == 0 }
}

/// The custom float's format and arithmetic (`docs/numerics.md` §2): `exponentBits` (bias
/// `2^(E−1) − 1`; exponent field 0 is zero, no subnormals, no infinities or NaNs), `fractionBits`
/// (`M`), and the rounding of every result.
///
/// Every operation rounds the *exact* result once: a result above the largest finite value saturates to
/// it (sign kept); one below the smallest normal flushes to zero. So nothing this arithmetic produces is
/// NaN or infinite.
public struct CustomFloatFormat: Sendable, Equatable {
    public let exponentBits: Int
    public let fractionBits: Int
    public let rounding: RoundingMode

    public init(exponentBits: Int, fractionBits: Int, rounding: RoundingMode = .nearestEven) {
        precondition(exponentBits >= 2 && exponentBits <= 10 && fractionBits >= 1 && fractionBits <= 16,
                     "custom float needs 2 ≤ E ≤ 10 and 1 ≤ M ≤ 16, got E = \(exponentBits), M = \(fractionBits)")
        self.exponentBits = exponentBits
        self.fractionBits = fractionBits
        self.rounding = rounding
    }

    @inlinable public var bias: Int { (1 << (exponentBits - 1)) - 1 }
    /// Smallest normal exponent (field 1).
    @inlinable public var minExponent: Int { 1 - bias }
    /// Largest exponent (field `2^E − 1`; no infinity encoding).
    @inlinable public var maxExponent: Int { (1 << exponentBits) - 1 - bias }
    /// The largest finite value, `(2 − 2^−M) · 2^maxExponent`.
    @inlinable public var largest: CustomFloat {
        CustomFloat(significand: (Int64(1) << Int64(fractionBits + 1)) - 1, exponent: maxExponent)
    }

    /// The value as a Double (exact: every value of a format with E ≤ 10, M ≤ 16 is a Double).
    @inlinable
    public func value(_ x: CustomFloat) -> Double {
        x.isZero ? 0 : scalbn(Double(x.significand), x.exponent - fractionBits)
    }

    /// The exact value `±(magnitude + δ) · 2^scale` rounded to this format, where `δ ∈ (0, 1)` when
    /// `sticky` (bits below `magnitude`'s last one were lost but not zero) and `δ = 0` otherwise.
    ///
    /// - Precondition: `magnitude < 2^61`.
    @inlinable
    public func round(negative: Bool, magnitude m0: UInt64, scale s0: Int, sticky s1: Bool) -> CustomFloat {
        var m = m0, scale = s0
        if m == 0 { return .zero }
        if s1 {
            // magnitude + δ with δ ∈ (0, 1) rounds like magnitude + ½ at every rounding point above it.
            m = m << 1 | 1
            scale -= 1
        }
        let msb = 63 - m.leadingZeroBitCount
        var exponent = scale + msb
        var significand: UInt64
        let shift = msb - fractionBits
        if shift > 0 {
            let q = m >> UInt64(shift)
            let rem = m & ((UInt64(1) << UInt64(shift)) - 1)
            let half = UInt64(1) << UInt64(shift - 1)
            switch rounding {
            case .truncate: significand = q
            case .nearestEven: significand = rem > half ? q + 1 : rem < half ? q : q + (q & 1)
            case .nearestAway: significand = rem >= half ? q + 1 : q
            }
            if significand >> UInt64(fractionBits + 1) != 0 {
                significand >>= 1
                exponent += 1
            }
        } else {
            significand = m << UInt64(-shift)
        }
        if exponent > maxExponent { return negative ? CustomFloat(significand: -largest.significand, exponent: maxExponent) : largest }
        if exponent < minExponent { return .zero }
        let s = Int64(significand)
        return CustomFloat(significand: negative ? -s : s, exponent: exponent)
    }

    /// `x` rounded to this format (tables and tests; ±∞ saturate, NaN is 0).
    public func fromDouble(_ x: Double) -> CustomFloat {
        if x == 0 || x.isNaN { return .zero }
        if x.isInfinite { return x > 0 ? largest : CustomFloat(significand: -largest.significand, exponent: maxExponent) }
        let a = abs(x)
        // Subnormal Doubles are far below every format's smallest normal.
        if !a.isNormal { return .zero }
        let significand = a.significandBitPattern | (UInt64(1) << 52)
        return round(negative: x < 0, magnitude: significand, scale: Int(a.exponent) - 52, sticky: false)
    }

    /// `a + b`, rounded once.
    @inlinable
    public func add(_ a: CustomFloat, _ b: CustomFloat) -> CustomFloat {
        if a.isZero { return b }
        if b.isZero { return a }
        let (big, small) = a.exponent >= b.exponent ? (a, b) : (b, a)
        let guardBits = 3
        let bm = UInt64(big.significand.magnitude) << UInt64(guardBits)
        var sm = UInt64(small.significand.magnitude) << UInt64(guardBits)
        let diff = big.exponent - small.exponent
        var sticky = false
        if diff >= 60 {
            sticky = true
            sm = 0
        } else if diff > 0 {
            sticky = sm & ((UInt64(1) << UInt64(diff)) - 1) != 0
            sm >>= UInt64(diff)
        }
        let scale = big.exponent - fractionBits - guardBits
        let bigNegative = big.significand < 0, smallNegative = small.significand < 0
        if bigNegative == smallNegative {
            return round(negative: bigNegative, magnitude: bm + sm, scale: scale, sticky: sticky)
        }
        // Opposite signs: |big| − (sm + δ) = (bm − sm − 1) + (1 − δ) when bits were lost.
        if bm > sm {
            return round(negative: bigNegative, magnitude: sticky ? bm - sm - 1 : bm - sm, scale: scale, sticky: sticky)
        }
        if bm == sm { return .zero }
        // sm > bm happens only without lost bits (diff ≤ 0 is impossible here unless equal exponents).
        return round(negative: smallNegative, magnitude: sm - bm, scale: scale, sticky: false)
    }

    /// `a · b`, rounded once.
    @inlinable
    public func multiply(_ a: CustomFloat, _ b: CustomFloat) -> CustomFloat {
        if a.isZero || b.isZero { return .zero }
        let m = UInt64(a.significand.magnitude) * UInt64(b.significand.magnitude)
        return round(negative: (a.significand < 0) != (b.significand < 0), magnitude: m,
                     scale: a.exponent + b.exponent - 2 * fractionBits, sticky: false)
    }

    /// `a · (code · 2^−codeFractionBits)` (a custom float times a fixed-point value), rounded once.
    ///
    /// - Precondition: `|code| < 2^40`.
    @inlinable
    public func multiply(_ a: CustomFloat, fixed code: Int64, codeFractionBits: Int) -> CustomFloat {
        if a.isZero || code == 0 { return .zero }
        let m = UInt64(a.significand.magnitude) * code.magnitude
        return round(negative: (a.significand < 0) != (code < 0), magnitude: m,
                     scale: a.exponent - fractionBits - codeFractionBits, sticky: false)
    }

    /// `x` as a code of the fixed-point `format` (rounded with the format's rounding, then limited).
    public func toFixed(_ x: CustomFloat, _ format: FixedPointFormat) -> Int64 {
        if x.isZero { return 0 }
        // x = significand · 2^(exponent − M); code = x · 2^F.
        let shift = x.exponent - fractionBits + format.fractionBits
        if shift >= 0 {
            if shift >= 40 {
                // Far outside every fixed-point range (≤ 48 bits): saturates, or wraps to 0 (its low bits are 0).
                if format.overflow == .wrap { return 0 }
                return x.significand > 0 ? format.maxCode : format.minCode
            }
            return format.limit(x.significand << Int64(shift))
        }
        return format.limit(FixedPointFormat.shiftRight(x.significand, by: min(-shift, 62), rounding: format.rounding))
    }
}
