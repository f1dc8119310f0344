#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A two's-complement fixed-point format (ELSA IV-E): 1 sign bit, `integerBits`, `fractionBits`. A value
/// is held as its integer code `c`, meaning `c · 2^−fractionBits`; codes run from `−2^(I+F)` to
/// `2^(I+F) − 1`. `unsigned` formats (key norms) drop the sign: codes `0 … 2^(I+F) − 1`.
///
/// Conversions round with `rounding` (`truncate` is the floor of two's complement) and then apply
/// `overflow` (saturate, or wrap to the low `1 + I + F` bits). Definitions: `docs/numerics.md` §1.
public struct FixedPointFormat: Sendable, Equatable {
    public let integerBits: Int
    public let fractionBits: Int
    public let signed: Bool
    public let rounding: RoundingMode
    public let overflow: OverflowMode

    public init(integerBits: Int, fractionBits: Int, signed: Bool = true, rounding: RoundingMode = .nearestEven,
                overflow: OverflowMode = .saturate) {
        precondition(integerBits >= 0 && fractionBits >= 0 && integerBits + fractionBits <= 48,
                     "fixed point needs 0 ≤ I, F and I + F ≤ 48, got I = \(integerBits), F = \(fractionBits)")
        self.integerBits = integerBits
        self.fractionBits = fractionBits
        self.signed = signed
        self.rounding = rounding
        self.overflow = overflow
    }

    /// The largest code, `2^(I+F) − 1`.
    @inlinable public var maxCode: Int64 { (Int64(1) << Int64(integerBits + fractionBits)) - 1 }
    /// The smallest code, `−2^(I+F)` (0 when unsigned).
    @inlinable public var minCode: Int64 { signed ? -(Int64(1) << Int64(integerBits + fractionBits)) : 0 }
    /// Bits of a code: `1 + I + F` signed, `I + F` unsigned.
    @inlinable public var width: Int { integerBits + fractionBits + (signed ? 1 : 0) }

    /// The value of `code`: `code · 2^−F`.
    @inlinable public func value(_ code: Int64) -> Double { scalbn(Double(code), -fractionBits) }

    /// The code of `x`: `x · 2^F` rounded, then saturated or wrapped. NaN becomes 0; ±∞ saturate
    /// (and wrap to the extreme codes, their low bits being zero).
    public func quantize(_ x: Double) -> Int64 {
        if x.isNaN { return 0 }
        if x.isInfinite { return x > 0 ? maxCode : minCode }
        let scaled = scalbn(x, fractionBits)
        let r: Double
        switch rounding {
        case .nearestEven: r = scaled.rounded(.toNearestOrEven)
        case .nearestAway: r = scaled.rounded(.toNearestOrAwayFromZero)
        case .truncate: r = scaled.rounded(.down)
        }
        if r >= Double(minCode) && r <= Double(maxCode) { return Int64(r) }
        switch overflow {
        case .saturate:
            return r > 0 ? maxCode : minCode
        case .wrap:
            // fmod is exact; the remainder of an integer-valued Double by 2^width is an integer below 2^width.
            return limit(Int64(fmod(r, scalbn(1.0, width))))
        }
    }

    /// `code` (already an integer with `F` fraction bits) brought into range by `overflow`.
    @inlinable
    public func limit(_ code: Int64) -> Int64 {
        if code >= minCode && code <= maxCode { return code }
        switch overflow {
        case .saturate:
            return code > maxCode ? maxCode : minCode
        case .wrap:
            let mask = (Int64(1) << Int64(width)) - 1
            return ((code &- minCode) & mask) &+ minCode
        }
    }

    /// An exact value `code · 2^−fromFractionBits` converted to this format: rounded (when it has more
    /// fraction bits) with `rounding`, then limited with `overflow`.
    @inlinable
    public func convert(_ code: Int64, fromFractionBits: Int) -> Int64 {
        let shift = fromFractionBits - fractionBits
        if shift > 0 { return limit(Self.shiftRight(code, by: shift, rounding: rounding)) }
        if shift == 0 { return limit(code) }
        // More fraction bits here: exact, unless the value leaves the range.
        let up = -shift
        if up >= 62 || code.magnitude > (UInt64(1) << UInt64(62 - up)) {
            return code == 0 ? 0 : limit(code > 0 ? Int64.max >> 1 : Int64.min >> 1)
        }
        return limit(code << Int64(up))
    }

    /// `v · 2^−s` rounded to an integer with `rounding` (`truncate` = floor; ties to even or away from
    /// zero). `s ≥ 0`.
    @inlinable
    public static func shiftRight(_ v: Int64, by s: Int, rounding: RoundingMode) -> Int64 {
        precondition(s >= 0, "shift must be ≥ 0")
        if s == 0 { return v }
        if s >= 62 {
            // |v| < 2^62 in every caller: below half an LSB except for the floor of a negative value.
            if rounding == .truncate && v < 0 { return -1 }
            return 0
        }
        let q = v >> Int64(s)
        let rem = v - (q << Int64(s))
        let half = Int64(1) << Int64(s - 1)
        switch rounding {
        case .truncate: return q
        case .nearestEven: return rem > half ? q + 1 : rem < half ? q : q + (q & 1)
        case .nearestAway: return rem > half ? q + 1 : rem < half ? q : (v >= 0 ? q + 1 : q)
        }
    }
}
