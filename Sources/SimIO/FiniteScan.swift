/// Finding the first NaN or infinity in a float32 array, sixteen elements at a time (the trace reader's
/// finiteness check runs over every value of q, k and v).
enum FiniteScan {
    /// The index of the first element that is NaN or ±infinity (exponent bits all ones), or `nil`.
    static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        guard let base = values.baseAddress else { return nil }
        let count = values.count
        let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
        var i = 0
        while i + 16 <= count {
            let bits = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt32>.self)
            // A block with a non-finite value is searched element by element below.
            if any((bits & exponent) .== exponent) { break }
            i += 16
        }
        while i < count {
            if !base[i].isFinite { return i }
            i += 1
        }
        return nil
    }
}
