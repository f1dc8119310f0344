#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ELSA's exponent unit (ELSA IV-C, IV-E): `e^x = 2^frac(y) · 2^floor(y)` with `y = (log2 e) · x`,
/// `2^frac(y)` from a table of `entries` fractional powers of two (ELSA: 32), the result a custom float.
///
/// `y` is taken to `log2(entries)` fraction bits with the format's rounding (`truncate` = floor): its
/// code `Y`; `floor(y) = Y >> log2(entries)` and the table index is `j = Y mod entries`. The table holds
/// `2^(j / entries)` rounded to nearest (ties to even) to the custom float's fraction bits; the result is
/// the entry with `floor(y)` added to its exponent, saturated or flushed to zero outside the exponent
/// range (`docs/numerics.md` §3). The result is never NaN or infinite; it is 0 for very negative `x`.
public struct ExponentUnit: Sendable, Equatable {
    public let format: CustomFloatFormat
    /// `log2(entries)`.
    public let indexBits: Int
    /// `2^(j / entries)` for `j = 0 ..< entries`.
    public let table: ContiguousArray<CustomFloat>

    public init(format: CustomFloatFormat, entries: Int) {
        self.format = format
        indexBits = entries.trailingZeroBitCount
        table = format.lookupTable(entries: entries, of: "exponent") { exp2($0) }
    }

    public var entries: Int { table.count }

    /// The fixed-point code `Y` of `y` with `log2(entries)` fraction bits (rounded with the format's
    /// rounding; clamped far outside the exponent range, where the result saturates or is 0 anyway).
    @inlinable
    public func code(log2Input y: Double) -> Int64 {
        let limit = Double(format.maxExponent + format.bias + 4)
        let clamped = y.isNaN ? 0 : min(max(y, -limit), limit)
        let scaled = scalbn(clamped, indexBits)
        switch format.rounding {
        case .nearestEven: return Int64(scaled.rounded(.toNearestOrEven))
        case .nearestAway: return Int64(scaled.rounded(.toNearestOrAwayFromZero))
        case .truncate: return Int64(scaled.rounded(.down))
        }
    }

    /// `2^(Y / entries)` for the code `Y` of `code(log2Input:)`.
    @inlinable
    public func power(code: Int64) -> CustomFloat {
        let whole = Int(code >> Int64(indexBits))
        let entry = table[Int(code & Int64(entries - 1))]
        let exponent = entry.exponent + whole
        if exponent > format.maxExponent { return format.largest }
        if exponent < format.minExponent { return .zero }
        return CustomFloat(significand: entry.significand, exponent: exponent)
    }

    /// `e^x` for `x = log2Input / log2(e)`: the unit's input `y = (log2 e)·x` is passed directly.
    @inlinable
    public func exp(log2Input y: Double) -> CustomFloat { power(code: code(log2Input: y)) }
}
