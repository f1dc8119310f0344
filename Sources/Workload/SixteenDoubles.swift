extension UnsafeMutableRawPointer {
    /// Stores sixteen consecutive Doubles held as four four-lane vectors (`a` first), unaligned: how the
    /// blocked kernels (scores, hashing, the passes over V) write their accumulators back.
    @inlinable
    public func storeSixteen(_ a: SIMD4<Double>, _ b: SIMD4<Double>, _ c: SIMD4<Double>, _ d: SIMD4<Double>) {
        storeBytes(of: a, as: SIMD4<Double>.self)
        storeBytes(of: b, toByteOffset: 32, as: SIMD4<Double>.self)
        storeBytes(of: c, toByteOffset: 64, as: SIMD4<Double>.self)
        storeBytes(of: d, toByteOffset: 96, as: SIMD4<Double>.self)
    }
}
