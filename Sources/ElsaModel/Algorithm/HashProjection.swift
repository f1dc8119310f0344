import Workload

/// The `k × d` projection of ELSA's sign-random-projection hash (ELSA III-B, III-C): hash bit `j` of a
/// vector `x` is 1 iff `A_j · x ≥ 0` (sign(0) counts as 1).
///
/// The matrix is kept dense in `Double`, even when it is a Kronecker product: the bits are the signs of
/// the dense Double sums. A Kronecker product of 4×4 factors takes its float32 fast pass factor by factor
/// as the hardware does (`KroneckerSums`); the hardware's cost is modelled by the timing model
/// (`ElsaConfig.hashMultipliesPerVector`), not here. Precision of the product: `docs/algorithm.md` §1.
public struct HashProjection: Sendable, Equatable {
    /// `k`: hash bits, the rows of `A`.
    public let bits: Int
    /// `d`: the vector length `A` is built for, its columns.
    public let dim: Int
    /// `A`, row-major: element `(j, c)` at `j * dim + c`.
    public let matrix: ContiguousArray<Double>
    /// `A` in panels of 8 rows (zero rows pad `k` to a multiple of 8): element `(j, c)` at
    /// `((j / 8) · d + c) · 8 + j mod 8`, the layout the hash loop streams.
    @usableFromInline let panels: ContiguousArray<Double>
    /// `panels` rounded to float32, the same layout: the fast pass of `signature`.
    @usableFromInline let panels32: ContiguousArray<Float>
    /// `‖A_j‖₂` of each row (Double; 0 for the padding rows up to a multiple of 8): the fast pass's bound.
    @usableFromInline let rowNorms: ContiguousArray<Double>
    /// The factor-by-factor fast pass of a Kronecker projection with 4×4 factors (`nil` otherwise): the
    /// float32 sums `signature` starts from, in place of `panels32`.
    @usableFromInline let kroneckerSums: KroneckerSums?

    /// `UInt64` words of one packed signature: `ceil(k / 64)`.
    @inlinable public var words: Int { (bits + 63) >> 6 }

    @usableFromInline
    init(unchecked matrix: ContiguousArray<Double>, bits: Int, dim: Int, kroneckerSums: KroneckerSums? = nil) {
        precondition(bits >= 1 && dim >= 1 && matrix.count == bits * dim,
                     "a projection needs k, d ≥ 1 and k·d elements, got k = \(bits), d = \(dim), \(matrix.count) elements")
        self.bits = bits
        self.dim = dim
        self.matrix = matrix
        var panels = ContiguousArray<Double>(repeating: 0, count: (bits + 7) / 8 * 8 * dim)
        for j in 0 ..< bits { for c in 0 ..< dim { panels[((j >> 3) * dim + c) * 8 + j & 7] = matrix[j * dim + c] } }
        self.panels = panels
        panels32 = ContiguousArray(panels.lazy.map { Float($0) })
        var norms = ContiguousArray<Double>(repeating: 0, count: (bits + 7) / 8 * 8)
        for j in 0 ..< bits {
            var squares = 0.0
            for c in 0 ..< dim { squares += matrix[j * dim + c] * matrix[j * dim + c] }
            norms[j] = squares.squareRoot()
        }
        rowNorms = norms
        self.kroneckerSums = kroneckerSums
    }

    /// A matrix read from a file by the caller (`hash.projection: matrix-file`), `k × d` row-major.
    ///
    /// - Throws: `ConfigError.inconsistent` when the element count is not `rows · columns` or a size is
    ///   below 1; `ConfigError.invalidValue` naming the first NaN or infinite element. The path is
    ///   `hash.matrix_file`; the caller wraps the error with `.inFile` when it knows the file.
    public init(matrix: ContiguousArray<Float>, rows k: Int, columns d: Int) throws(ConfigError) {
        guard k >= 1, d >= 1 else {
            throw .inconsistent(path: "hash.matrix_file",
                                message: "the projection matrix has shape [\(k), \(d)]; expected at least one row and one column")
        }
        guard matrix.count == k * d else {
            throw .inconsistent(path: "hash.matrix_file",
                                message: "\(matrix.count) elements do not fill a [\(k), \(d)] matrix (\(k * d) needed)")
        }
        if let bad = matrix.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(path: "hash.matrix_file", value: "\(matrix[bad]) at [\(bad / d), \(bad % d)]",
                                expected: "finite numbers")
        }
        self.init(unchecked: ContiguousArray(matrix.lazy.map(Double.init)), bits: k, dim: d)
    }

    /// The square orthogonal factors `A_1, …, A_m` of a Kronecker projection, each row-major.
    ///
    /// One `SeededGenerator(seed: seed)` feeds all factors in list order; factor `i` consumes
    /// `a_i · a_i` Gaussian draws, row by row (plus redraws of degenerate rows, see `GramSchmidt`).
    public static func kroneckerFactors(_ sizes: [Int], seed: UInt64) -> [ContiguousArray<Double>] {
        precondition(!sizes.isEmpty && sizes.allSatisfy { $0 >= 1 }, "Kronecker factor sizes must be ≥ 1, got \(sizes)")
        var generator = SeededGenerator(seed: seed)
        return sizes.map { GramSchmidt.orthonormalRows(rows: $0, columns: $0, generator: &generator) }
    }

    /// `A = A_1 ⊗ A_2 ⊗ … ⊗ A_m` with seeded orthogonal `a_i × a_i` factors (ELSA III-C; the hardware
    /// uses three 4×4 factors for d = 64). `k = d = ∏ a_i`; the rows of `A` are orthonormal.
    ///
    /// Element `(r, c)` with mixed-radix digits `r = (r_1 … r_m)`, `c = (c_1 … c_m)` (most significant
    /// first) is `∏ A_i[r_i, c_i]`, i.e. the usual left-to-right Kronecker product; `A · x` equals the
    /// hardware's reshape-and-multiply form on `x` reshaped row-major to `a_1 × … × a_m`.
    public static func kronecker(factors sizes: [Int], seed: UInt64) -> HashProjection {
        let factors = kroneckerFactors(sizes, seed: seed)
        var product: ContiguousArray<Double> = [1]
        var size = 1
        for (a, f) in zip(sizes, factors) {
            let newSize = size * a
            var next = ContiguousArray<Double>(repeating: 0, count: newSize * newSize)
            for r1 in 0 ..< size {
                for c1 in 0 ..< size {
                    let p = product[r1 * size + c1]
                    for r2 in 0 ..< a {
                        for c2 in 0 ..< a {
                            next[(r1 * a + r2) * newSize + c1 * a + c2] = p * f[r2 * a + c2]
                        }
                    }
                }
            }
            product = next
            size = newSize
        }
        return HashProjection(unchecked: product, bits: size, dim: size, kroneckerSums: KroneckerSums(factors: factors))
    }

    /// A dense `k × d` projection with orthonormal rows by modified Gram–Schmidt (ELSA III-B).
    ///
    /// When `k > d`, the rows come in batches of `d` mutually orthonormal rows (the last batch has
    /// `k mod d` rows when `d` does not divide `k`), each batch from fresh draws of the same generator;
    /// rows of different batches are not orthogonal to each other.
    public static func dense(bits k: Int, dim d: Int, seed: UInt64) -> HashProjection {
        precondition(k >= 1 && d >= 1, "a projection needs k, d ≥ 1, got k = \(k), d = \(d)")
        var generator = SeededGenerator(seed: seed)
        var matrix = ContiguousArray<Double>()
        matrix.reserveCapacity(k * d)
        var remaining = k
        while remaining > 0 {
            let rows = min(d, remaining)
            matrix.append(contentsOf: GramSchmidt.orthonormalRows(rows: rows, columns: d, generator: &generator))
            remaining -= rows
        }
        return HashProjection(unchecked: matrix, bits: k, dim: d)
    }

    /// Packs the signature of `vector` into `words` (`self.words` of them): bit `j` (word `j / 64`, bit
    /// `j mod 64`, little-endian) is 1 iff `A_j · x ≥ 0`; bits at or past `k` are 0.
    ///
    /// `A_j · x` is `Σ_c Double(A[j, c]) · Double(x[c])` summed in Double in column order from +0
    /// (`docs/algorithm.md` §1), and every bit is that sum's sign. Only its sign is needed, so the sums
    /// are first taken in float32, eight rows per vector (`float32Sums`); a row whose float32 sum lies
    /// within `errorBound` of 0, or is not finite, is summed again the Double way, and every other row's
    /// sign is the Double sum's sign by the bound.
    /// A vector shorter than `d` is zero-padded (only the first `vector.count` columns are used).
    ///
    /// - Precondition: `vector.count ≤ d` (callers report a longer head dim as a user error first).
    /// - Parameter scratch: `k` rounded up to a multiple of 8 doubles of working space.
    @inlinable
    public func signature(of vector: UnsafeBufferPointer<Float>, into words: UnsafeMutableBufferPointer<UInt64>,
                          scratch: UnsafeMutableBufferPointer<Double>) {
        precondition(vector.count <= dim, "vector of \(vector.count) components is longer than the projection's d = \(dim)")
        precondition(words.count >= self.words && scratch.count >= scratchCount, "signature buffers too small")
        let k = bits, d = dim, length = vector.count
        let acc = scratch.baseAddress!
        let x = vector.baseAddress!
        float32Sums(of: x, count: length, into: acc)
        typealias D4 = SIMD4<Double>
        // ‖x‖₂ for the bound only (four lanes: its rounding is far inside the bound's slack).
        var lanes = D4()
        var c = 0
        while c &+ 4 <= length {
            let v = D4(Double(x[c]), Double(x[c &+ 1]), Double(x[c &+ 2]), Double(x[c &+ 3]))
            lanes += v * v
            c &+= 4
        }
        var squares = lanes.sum()
        while c < length { squares += Double(x[c]) * Double(x[c]); c &+= 1 }
        let (factor, floor) = errorBound(norm: squares.squareRoot(), count: length)
        rowNorms.withUnsafeBufferPointer { norms in
            matrix.withUnsafeBufferPointer { a in
                // Four rows per test; a row outside the bound (or not finite: `.<` ∞ fails for ∞ and NaN)
                // is summed again in Double. Rows past `k` are padding, never read.
                var j = 0
                while j < k {
                    let sums = UnsafeRawPointer(acc + j).loadUnaligned(as: D4.self)
                    let bounds = D4(repeating: factor) * UnsafeRawPointer(norms.baseAddress! + j).loadUnaligned(as: D4.self) + floor
                    let magnitudes = sums.replacing(with: -sums, where: sums .< 0)
                    let certain = (magnitudes .> bounds) .& (magnitudes .< D4(repeating: .infinity))
                    if !all(certain) {
                        for r in j ..< min(j &+ 4, k) where !certain[r &- j] {
                            var exact = 0.0
                            for c in 0 ..< length { exact += a[r &* d &+ c] * Double(x[c]) }
                            acc[r] = exact
                        }
                    }
                    j &+= 4
                }
            }
        }
        // Sign bits eight at a time without a branch per bit (the signs are coin flips, so a branch
        // would mispredict half the time); the scratch past `k` holds padding rows, masked off.
        let powers = SIMD8<Int64>(1, 2, 4, 8, 16, 32, 64, 128)
        for w in 0 ..< self.words {
            var word: UInt64 = 0
            let base = w << 6
            let count = min(64, k - base)
            var b = 0
            while b < count {
                let v = UnsafeRawPointer(acc + base + b).loadUnaligned(as: SIMD8<Double>.self)
                let set = SIMD8<Int64>(repeating: 0).replacing(with: powers, where: v .>= 0)
                word |= UInt64(truncatingIfNeeded: set.wrappedSum()) << UInt64(b)
                b += 8
            }
            words[w] = count == 64 ? word : word & (1 << UInt64(count) - 1)
        }
    }

    /// The float32 sums of every row (padding rows included) `signature` starts from: a Kronecker
    /// projection's factor by factor (`KroneckerSums`), any other's as `denseFloat32Sums`.
    @inlinable
    func float32Sums(of x: UnsafePointer<Float>, count length: Int, into out: UnsafeMutablePointer<Double>) {
        if let kronecker = kroneckerSums {
            kronecker.sums(of: x, count: length, into: out)
        } else {
            denseFloat32Sums(of: x, count: length, into: out)
        }
    }

    /// `out[j] = Σ_c Float(A[j, c]) · x[c]` for every row `j` (padding rows included), in float32: a
    /// multiply then an add per column, in column order from +0, eight rows per vector, sixty-four rows
    /// (eight vectors) per pass over `x`.
    @inlinable
    func denseFloat32Sums(of x: UnsafePointer<Float>, count length: Int, into out: UnsafeMutablePointer<Double>) {
        typealias F8 = SIMD8<Float>
        let blocks = (bits + 7) >> 3
        panels32.withUnsafeBufferPointer { pp in
            let panelBytes = dim &* 32
            var block = 0
            while block < blocks {
                let group = min(8, blocks &- block)
                let panel = UnsafeRawPointer(pp.baseAddress! + block &* dim &* 8)
                var a = (F8(), F8(), F8(), F8(), F8(), F8(), F8(), F8())
                if group == 8 {
                    for c in 0 ..< length {
                        let xc = F8(repeating: x[c])
                        let row = panel + c &* 32
                        a.0 += row.loadUnaligned(as: F8.self) * xc
                        a.1 += row.loadUnaligned(fromByteOffset: panelBytes, as: F8.self) * xc
                        a.2 += row.loadUnaligned(fromByteOffset: 2 &* panelBytes, as: F8.self) * xc
                        a.3 += row.loadUnaligned(fromByteOffset: 3 &* panelBytes, as: F8.self) * xc
                        a.4 += row.loadUnaligned(fromByteOffset: 4 &* panelBytes, as: F8.self) * xc
                        a.5 += row.loadUnaligned(fromByteOffset: 5 &* panelBytes, as: F8.self) * xc
                        a.6 += row.loadUnaligned(fromByteOffset: 6 &* panelBytes, as: F8.self) * xc
                        a.7 += row.loadUnaligned(fromByteOffset: 7 &* panelBytes, as: F8.self) * xc
                    }
                    let o = out + block &* 8
                    HashProjection.store(a.0, at: o); HashProjection.store(a.1, at: o + 8)
                    HashProjection.store(a.2, at: o + 16); HashProjection.store(a.3, at: o + 24)
                    HashProjection.store(a.4, at: o + 32); HashProjection.store(a.5, at: o + 40)
                    HashProjection.store(a.6, at: o + 48); HashProjection.store(a.7, at: o + 56)
                } else {
                    for g in 0 ..< group {
                        var v = F8()
                        for c in 0 ..< length {
                            v += (panel + g &* panelBytes + c &* 32).loadUnaligned(as: F8.self) * F8(repeating: x[c])
                        }
                        HashProjection.store(v, at: out + (block &+ g) &* 8)
                    }
                }
                block &+= group
            }
        }
    }

    /// Eight float32 sums widened to Double (exactly) at `out`.
    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, at out: UnsafeMutablePointer<Double>) {
        let p = UnsafeMutableRawPointer(out)
        p.storeBytes(of: SIMD4<Double>(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3])), as: SIMD4<Double>.self)
        p.storeBytes(of: SIMD4<Double>(Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7])), toByteOffset: 32, as: SIMD4<Double>.self)
    }

    /// The bound `factor · ‖A_j‖₂ + floor` on `|s32_j − s_j|` for a vector of `count` components and norm
    /// `norm`, where `s32_j` is `float32Sums`' row `j` and `s_j` the Double sum of `docs/algorithm.md` §1:
    /// both are within their rounding errors of the exact `A_j · x` — in float32 the rounding of `A` and of
    /// each product (each `≤ 2⁻²⁴` relative, plus `2⁻¹⁵⁰` absolute where the result is subnormal) and
    /// `count − 1` additions (relative, no underflow), in Double `count` steps of `2⁻⁵³` — so together
    /// within `((count + 2)·2⁻²⁴ + count·2⁻⁵³)·Σ_c |A_jc·x_c| + 2⁻¹⁵⁰·(Σ_c |x_c| + count)` to first order, and
    /// `Σ_c |A_jc·x_c| ≤ ‖A_j‖₂·‖x‖₂`, `Σ_c |x_c| ≤ √count·‖x‖₂`. The factor `(count + 3)·2⁻²⁴` and the doubled
    /// absolute term cover the Double term, the second-order terms and the rounding of the norms. A float32
    /// sum beyond the bound has the Double sum's sign.
    ///
    /// The Kronecker fast pass (`KroneckerSums`) sums the same terms `∏_i F_i[r_i, c_i] · x_c` along other
    /// paths, each term with at most `m·5` relative roundings instead of `count + 2`: its factor is
    /// `(m·5 + 3)·2⁻²⁴`. Its subnormal errors (at most `4·2⁻¹⁵⁰` per output of a stage, carried through
    /// later stages by rows of absolute sum at most 2) stay below `2⁻¹⁴⁹·d` (`28·2⁻¹⁵⁰` at `m = 3`), inside
    /// the same floor with `count = d`.
    @inlinable
    func errorBound(norm: Double, count: Int) -> (factor: Double, floor: Double) {
        let roundings = kroneckerSums?.roundings ?? count
        let n = Double(kroneckerSums == nil ? count : dim)
        return (factor: Double(roundings + 3) * 0x1p-24 * norm, floor: 0x1p-149 * (n.squareRoot() * norm + n))
    }

    /// Doubles of scratch space `signature(of:into:scratch:)` needs: `k` rounded up to a multiple of 8.
    @inlinable public var scratchCount: Int { (bits + 7) & ~7 }

    /// The packed signature of one vector (cold paths and tests).
    public func signature<C: Collection>(of vector: C) -> [UInt64] where C.Element == Float {
        let x = Array(vector)
        var out = [UInt64](repeating: 0, count: words)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchCount) { scratch in
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in signature(of: xp, into: op, scratch: scratch) }
            }
        }
        return out
    }

    /// Signatures of rows `0 ..< rows` of `tensor`'s head `head`, `words` per row, row after row.
    ///
    /// - Precondition: `tensor.dim ≤ d`, `rows ≤ tensor.rows`.
    public func signatures(of tensor: Tensor3, head: Int, rows: Int) -> ContiguousArray<UInt64> {
        precondition(tensor.dim <= dim, "head dim \(tensor.dim) is larger than the projection's d = \(dim)")
        precondition(head >= 0 && head < tensor.heads && rows >= 0 && rows <= tensor.rows,
                     "head \(head) / rows \(rows) outside tensor \(tensor.shape)")
        let w = words
        var out = ContiguousArray<UInt64>(repeating: 0, count: rows * w)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: scratchCount) { scratch in
            tensor.storage.withUnsafeBufferPointer { storage in
                out.withUnsafeMutableBufferPointer { op in
                    for r in 0 ..< rows {
                        let start = tensor.offset(head: head, row: r)
                        signature(of: UnsafeBufferPointer(rebasing: storage[start ..< start + tensor.dim]),
                                  into: UnsafeMutableBufferPointer(rebasing: op[r * w ..< (r + 1) * w]),
                                  scratch: scratch)
                    }
                }
            }
        }
        return out
    }
}
