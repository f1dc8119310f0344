/// The float32 fast pass of a Kronecker projection's hash (ELSA III-C): `A · x` for `A = A_1 ⊗ … ⊗ A_m`
/// with 4×4 factors (the hardware's form; `d = k = 4^m`) computed the way the hardware does, one factor
/// at a time on `x` reshaped to `4 × … × 4`, instead of as a dense `k × d` product: `4·m·d` products
/// instead of `d²` (768 against 4 096 at `d = 64`).
///
/// Stage `i` (`i = 1 … m`) replaces digit `i` of the mixed-radix index, `c_i`, by `r_i`:
/// `out[…, r_i, …] = Σ_{c_i} F_i[r_i, c_i] · in[…, c_i, …]`, in float32, each product a multiply then an
/// add from +0 in the order `c_i = 0 … 3` (never fused). Every term of a row's result then carries at most
/// `m·(4 + 1)` roundings (the factor entry's, the product's and three additions per stage), so the sums
/// are within `(m·5 + 3)·2⁻²⁴·‖A_j‖₂·‖x‖₂` of the Double sums (`HashProjection.errorBound`;
/// `docs/algorithm.md` §1). Only the signs are used, and only where that bound decides them.
public struct KroneckerSums: Sendable, Equatable {
    /// `m`: the factors.
    @usableFromInline let stages: Int
    /// `d = 4^m`.
    @usableFromInline let dim: Int
    /// Factor `i`'s entries in float32, row-major (`F_i[r, c]` at `16·i + 4·r + c`).
    @usableFromInline let entries: ContiguousArray<Float>
    /// Factor `i`'s columns as vectors (`(F_i[0, c], …, F_i[3, c])` at `4·i + c`): the last stage's form.
    @usableFromInline let columns: ContiguousArray<SIMD4<Float>>

    /// The fast pass for `factors` (row-major Double `4 × 4` each), or `nil` unless every factor is 4×4.
    init?(factors: [ContiguousArray<Double>]) {
        guard !factors.isEmpty, factors.allSatisfy({ $0.count == 16 }) else { return nil }
        stages = factors.count
        dim = factors.reduce(1) { d, _ in d * 4 }
        entries = ContiguousArray(factors.joined().lazy.map { Float($0) })
        var columns = ContiguousArray<SIMD4<Float>>()
        for f in factors {
            for c in 0 ..< 4 { columns.append(SIMD4(Float(f[c]), Float(f[4 + c]), Float(f[8 + c]), Float(f[12 + c]))) }
        }
        self.columns = columns
    }

    /// Rounding steps per term, for the bound: `m·(4 + 1)`.
    @inlinable var roundings: Int { stages &* 5 }

    /// `out[j] = (A · x)_j` for every row `j` as above; `x` has `length ≤ d` components (zero-padded).
    @inlinable
    func sums(of x: UnsafePointer<Float>, count length: Int, into out: UnsafeMutablePointer<Double>) {
        let d = dim
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 &* d) { buffer in
            var source = buffer.baseAddress!
            var target = source + d
            source.update(from: x, count: length)
            (source + length).update(repeating: 0, count: d &- length)
            entries.withUnsafeBufferPointer { f in
                columns.withUnsafeBufferPointer { columns in
                    var inner = d >> 2
                    for stage in 0 ..< stages {
                        let factor = f.baseAddress! + stage &* 16
                        if inner >= 4 {
                            KroneckerSums.stage(factor, inner: inner, blocks: d / (4 &* inner), from: source, to: target)
                        } else {
                            KroneckerSums.lastStage(columns.baseAddress! + stage &* 4, blocks: d >> 2, from: source, to: target)
                        }
                        swap(&source, &target)
                        inner >>= 2
                    }
                }
            }
            for j in 0 ..< d { out[j] = Double(source[j]) }
        }
    }

    /// A stage whose digit has stride `inner ≥ 4`: four rows of `inner` values per block, four at a time.
    @inlinable @inline(__always)
    static func stage(_ f: UnsafePointer<Float>, inner: Int, blocks: Int, from source: UnsafePointer<Float>,
                      to target: UnsafeMutablePointer<Float>) {
        typealias F4 = SIMD4<Float>
        for block in 0 ..< blocks {
            let input = UnsafeRawPointer(source + block &* 4 &* inner)
            let output = UnsafeMutableRawPointer(target + block &* 4 &* inner)
            let rowBytes = inner &* 4
            var offset = 0
            while offset < rowBytes {
                let w0 = input.loadUnaligned(fromByteOffset: offset, as: F4.self)
                let w1 = input.loadUnaligned(fromByteOffset: offset &+ rowBytes, as: F4.self)
                let w2 = input.loadUnaligned(fromByteOffset: offset &+ 2 &* rowBytes, as: F4.self)
                let w3 = input.loadUnaligned(fromByteOffset: offset &+ 3 &* rowBytes, as: F4.self)
                for r in 0 ..< 4 {
                    let e = f + r &* 4
                    var s = F4() + F4(repeating: e[0]) * w0
                    s += F4(repeating: e[1]) * w1
                    s += F4(repeating: e[2]) * w2
                    s += F4(repeating: e[3]) * w3
                    output.storeBytes(of: s, toByteOffset: offset &+ r &* rowBytes, as: F4.self)
                }
                offset &+= 16
            }
        }
    }

    /// The last stage (stride 1): each block of four values times the factor, by its columns.
    @inlinable @inline(__always)
    static func lastStage(_ columns: UnsafePointer<SIMD4<Float>>, blocks: Int, from source: UnsafePointer<Float>,
                          to target: UnsafeMutablePointer<Float>) {
        typealias F4 = SIMD4<Float>
        for block in 0 ..< blocks {
            let w = UnsafeRawPointer(source + block &* 4).loadUnaligned(as: F4.self)
            var s = F4() + columns[0] * F4(repeating: w[0])
            s += columns[1] * F4(repeating: w[1])
            s += columns[2] * F4(repeating: w[2])
            s += columns[3] * F4(repeating: w[3])
            UnsafeMutableRawPointer(target + block &* 4).storeBytes(of: s, as: F4.self)
        }
    }
}
