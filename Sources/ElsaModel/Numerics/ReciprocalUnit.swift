/// ELSA's reciprocal unit (ELSA IV-C): the reciprocal of a custom float from a table of `entries`
/// (ELSA: 32) reciprocals indexed by the top `log2(entries)` bits of the input's fraction.
///
/// For `x = ±(1 + f) · 2^e` with `f` the `M`-bit fraction: index `j` = the top `log2(entries)` bits of
/// `f` (`f`'s bits shifted left when `M` is smaller); entry `j` = `1 / (1 + j / entries)` rounded to
/// nearest (ties to even) to the custom float; `1/x = ±entry_j · 2^−e`, saturated or flushed outside
/// the exponent range. The reciprocal of 0 is 0 (a query with no selected key; its row is then all
/// zeros, `docs/numerics.md` §4). Never NaN or infinite.
public struct ReciprocalUnit: Sendable, Equatable {
    public let format: CustomFloatFormat
    public let indexBits: Int
    /// `1 / (1 + j / entries)` for `j = 0 ..< entries`.
    public let table: ContiguousArray<CustomFloat>

    public init(format: CustomFloatFormat, entries: Int) {
        self.format = format
        indexBits = entries.trailingZeroBitCount
        table = format.lookupTable(entries: entries, of: "reciprocal") { 1 / (1 + $0) }
    }

    public var entries: Int { table.count }

    /// The table index of a nonzero `x`.
    @inlinable
    public func index(_ x: CustomFloat) -> Int {
        let m = format.fractionBits
        let fraction = Int(x.significand.magnitude) - (1 << m)
        return indexBits <= m ? fraction >> (m - indexBits) : fraction << (indexBits - m)
    }

    /// `1 / x` as the unit computes it (0 for 0).
    @inlinable
    public func reciprocal(_ x: CustomFloat) -> CustomFloat {
        if x.isZero { return .zero }
        let entry = table[index(x)]
        let exponent = entry.exponent - x.exponent
        let significand = x.significand < 0 ? -entry.significand : entry.significand
        if exponent > format.maxExponent { return x.significand < 0 ? CustomFloat(significand: -format.largest.significand, exponent: format.maxExponent) : format.largest }
        if exponent < format.minExponent { return .zero }
        return CustomFloat(significand: significand, exponent: exponent)
    }
}
