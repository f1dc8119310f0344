/// IEEE 754 binary16 ↔ binary32 conversion by bit manipulation, used for `'<f2'` arrays.
///
/// Done by hand rather than through `Float16` so the code is the same on every platform (`Float16` is
/// unavailable on macOS/x86_64). Conversion to `Float` is exact; conversion from `Float` rounds to
/// nearest, ties to even, as NumPy's `astype(np.float16)` does.
enum HalfFloat {
    /// The `Float` value of a binary16 bit pattern.
    static func float(fromBits bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24 (exact in Float).
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }

    /// Converts little-endian binary16 values to `Float`, eight at a time: the same values and bit
    /// patterns (signed zeros, subnormals, infinities, NaN payloads) as `float(fromBits:)`, without a
    /// branch per element. A finite half with magnitude bits `m` is the `Float` with bits `m << 13`
    /// times 2^112 (the exponent bias moves from 15 to 127; a subnormal half becomes a subnormal `Float`
    /// whose product is exact); all-ones exponents (infinity, NaN) keep their payload.
    static func convert(_ source: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<Float>) {
        let count = buffer.count
        precondition(source.count >= count * 2, "\(source.count) bytes cannot hold \(count) binary16 values")
        guard count > 0, let out = buffer.baseAddress, let input = source.baseAddress else { return }
        var i = 0
        #if _endian(little)
        while i + 8 <= count {
            let halves = input.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            let floats = convert8(SIMD8<UInt32>(truncatingIfNeeded: halves))
            UnsafeMutableRawPointer(out + i).storeBytes(of: floats, as: SIMD8<Float>.self)
            i += 8
        }
        #endif
        while i < count {
            out[i] = float(fromBits: UInt16(littleEndian: input.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            i += 1
        }
    }

    @inline(__always)
    static func convert8(_ h: SIMD8<UInt32>) -> SIMD8<Float> {
        let sign = (h & 0x8000) &<< 16
        let magnitude = h & 0x7FFF
        let scaled = unsafeBitCast(magnitude &<< 13, to: SIMD8<Float>.self) * 0x1p112
        let special = SIMD8<UInt32>(repeating: 0x7F80_0000) | ((h & 0x3FF) &<< 13)
        // All ones where the exponent is all ones (magnitude ≥ 0x7C00 ⇔ magnitude + 0x400 reaches bit 15).
        let isSpecial = 0 &- ((magnitude &+ 0x400) &>> 15)
        let bits = (unsafeBitCast(scaled, to: SIMD8<UInt32>.self) & ~isSpecial) | (special & isSpecial)
        return unsafeBitCast(bits | sign, to: SIMD8<Float>.self)
    }

    /// The binary16 bit pattern nearest to `value` (ties to even; overflow gives ±infinity).
    static func bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        let mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity, or NaN with its top payload bits kept and the quiet bit set.
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal half (or zero): significand × 2^(exponent - 126) in units of 2^-24.
            let shift = 14 - halfExponent
            if shift > 24 { return sign }
            let significand = exponent == 0 ? mantissa : mantissa | 0x80_0000
            var result = significand >> UInt32(shift)
            let remainder = significand & ((1 << UInt32(shift)) - 1)
            let halfway: UInt32 = 1 << UInt32(shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(truncatingIfNeeded: result)
        }
        var result = UInt32(halfExponent) << 10 | mantissa >> 13
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 } // may carry into infinity
        return sign | UInt16(truncatingIfNeeded: result)
    }
}
