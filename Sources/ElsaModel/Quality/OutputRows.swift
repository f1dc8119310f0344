/// The passes over `V` of the quality metrics (`docs/quality.md` §1, "Output rows in float32"): the exact
/// output rows `Σ_y e_y v_y` and the approximate rows `Σ_{y∈S} ê_y v_y`, before their division by the
/// weights' sum.
///
/// One rule for every element `c` of a row, whatever the kernel: the weights are rounded to float32 (the
/// values are the trace's float32 numbers), the keys (the selected keys, for an approximate row) are cut
/// into blocks of `blockKeys` in order, each block's products are summed in float32 in key order from +0,
/// a multiply and an add per key (never fused, so every build gives the same bits), and the blocks' sums
/// are added in Double in block order from +0. Eight lanes of float32 do twice the multiply-adds of four of
/// Double per instruction and read half the bytes; the blocks bound the float32 rounding: each element is
/// within `errorFactor · Σ_y |w_y · v_y[c]|` of its exact value (`docs/quality.md`).
enum OutputRows {
    typealias F8 = SIMD8<Float>

    /// Keys per float32 block.
    static let blockKeys = 128

    /// `(blockKeys + 1) · 2⁻²⁴`: the bound on an element's error relative to `Σ_y |w_y · v_y[c]|` (the
    /// weight's rounding, the product's and at most `blockKeys − 1` additions in float32, each relative
    /// error at most `2⁻²⁴`, first order; the Double additions of the blocks add far less).
    static let errorFactor = Double(blockKeys + 1) * 0x1p-24

    /// `into[y] = Float(from[y])` for `y < count`.
    @inline(__always)
    static func narrow(_ from: UnsafePointer<Double>, count: Int, into: UnsafeMutablePointer<Float>) {
        for y in 0 ..< count { into[y] = Float(from[y]) }
    }

    /// The exact rows of two queries in one pass over `V`: `exact0[c] = Σ_{y<visible0} weights0[y] ·
    /// values[y][c]` by the type's rule, and the same for row 1; each row of `values` is loaded once for
    /// both. `values` holds `dim` floats per key. A row with `visible = 0` is zeros.
    static func exactPair(weights0 w0: UnsafePointer<Float>, visible0 v0: Int,
                          weights1 w1: UnsafePointer<Float>, visible1 v1: Int,
                          values: UnsafePointer<Float>, dim dv: Int,
                          exact0: UnsafeMutablePointer<Double>, exact1: UnsafeMutablePointer<Double>) {
        exact0.update(repeating: 0, count: dv)
        exact1.update(repeating: 0, count: dv)
        let rowBytes = dv &* 4
        var block = 0
        while block < max(v0, v1) {
            // Each row's keys in the block, [block, end); empty for a row that ended before it.
            let end0 = max(block, min(block &+ blockKeys, v0)), end1 = max(block, min(block &+ blockKeys, v1))
            let both = min(end0, end1)
            let rows = UnsafeRawPointer(values + block &* dv)
            var c = 0
            // Thirty-two columns of both rows: eight accumulator chains, four loads per key for two rows.
            while c &+ 32 <= dv {
                var a0 = F8(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
                var row = rows + c &* 4
                for y in block ..< both {
                    let x0 = row.loadUnaligned(as: F8.self), x1 = row.loadUnaligned(fromByteOffset: 32, as: F8.self)
                    let x2 = row.loadUnaligned(fromByteOffset: 64, as: F8.self), x3 = row.loadUnaligned(fromByteOffset: 96, as: F8.self)
                    let p = F8(repeating: w0[y]), q = F8(repeating: w1[y])
                    a0 += p * x0; a1 += p * x1; a2 += p * x2; a3 += p * x3
                    b0 += q * x0; b1 += q * x1; b2 += q * x2; b3 += q * x3
                    row += rowBytes
                }
                // The longer row's keys of the block (causal rows differ by one), continuing its own sums.
                continueThirtyTwo(w0, keys: both ..< end0, row: row, rowBytes: rowBytes, &a0, &a1, &a2, &a3)
                continueThirtyTwo(w1, keys: both ..< end1, row: row, rowBytes: rowBytes, &b0, &b1, &b2, &b3)
                if block < v0 { fold(a0, a1, a2, a3, into: exact0 + c) }
                if block < v1 { fold(b0, b1, b2, b3, into: exact1 + c) }
                c &+= 32
            }
            while c &+ 8 <= dv {
                var a = F8(), b = F8()
                for y in block ..< end0 { a += F8(repeating: w0[y]) * (rows + (y &- block) &* rowBytes + c &* 4).loadUnaligned(as: F8.self) }
                for y in block ..< end1 { b += F8(repeating: w1[y]) * (rows + (y &- block) &* rowBytes + c &* 4).loadUnaligned(as: F8.self) }
                if block < v0 { fold(a, into: exact0 + c) }
                if block < v1 { fold(b, into: exact1 + c) }
                c &+= 8
            }
            while c < dv {
                var a: Float = 0, b: Float = 0
                for y in block ..< end0 { a += w0[y] * values[y &* dv &+ c] }
                for y in block ..< end1 { b += w1[y] * values[y &* dv &+ c] }
                if block < v0 { exact0[c] += Double(a) }
                if block < v1 { exact1[c] += Double(b) }
                c &+= 1
            }
            block &+= blockKeys
        }
    }

    /// One approximate row: `approximate[c] = Σ_x weights[x] · values[selected[x]][c]` for `x < count`, by
    /// the type's rule (blocks of `blockKeys` selected keys); zeros when `count = 0`.
    static func selectedRow(selected: UnsafePointer<Int>, weights w: UnsafePointer<Float>, count: Int,
                            values: UnsafePointer<Float>, dim dv: Int, approximate: UnsafeMutablePointer<Double>) {
        approximate.update(repeating: 0, count: dv)
        let rowBytes = dv &* 4
        let base = UnsafeRawPointer(values)
        var block = 0
        while block < count {
            let end = min(block &+ blockKeys, count)
            var c = 0
            // Sixty-four columns: eight accumulator chains over the gathered rows.
            while c &+ 64 <= dv {
                var a0 = F8(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                let column = base + c &* 4
                for x in block ..< end {
                    let p = F8(repeating: w[x])
                    let row = column + selected[x] &* rowBytes
                    a0 += p * row.loadUnaligned(as: F8.self)
                    a1 += p * row.loadUnaligned(fromByteOffset: 32, as: F8.self)
                    a2 += p * row.loadUnaligned(fromByteOffset: 64, as: F8.self)
                    a3 += p * row.loadUnaligned(fromByteOffset: 96, as: F8.self)
                    a4 += p * row.loadUnaligned(fromByteOffset: 128, as: F8.self)
                    a5 += p * row.loadUnaligned(fromByteOffset: 160, as: F8.self)
                    a6 += p * row.loadUnaligned(fromByteOffset: 192, as: F8.self)
                    a7 += p * row.loadUnaligned(fromByteOffset: 224, as: F8.self)
                }
                fold(a0, a1, a2, a3, into: approximate + c)
                fold(a4, a5, a6, a7, into: approximate + (c &+ 32))
                c &+= 64
            }
            while c &+ 8 <= dv {
                var a = F8()
                let column = base + c &* 4
                for x in block ..< end { a += F8(repeating: w[x]) * (column + selected[x] &* rowBytes).loadUnaligned(as: F8.self) }
                fold(a, into: approximate + c)
                c &+= 8
            }
            while c < dv {
                var a: Float = 0
                for x in block ..< end { a += w[x] * values[selected[x] &* dv &+ c] }
                approximate[c] += Double(a)
                c &+= 1
            }
            block &+= blockKeys
        }
    }

    /// Adds `weights[y] · row y` (thirty-two columns) to the accumulators for `y` in `keys`; `row` points
    /// at key `keys.lowerBound`.
    @inline(__always)
    private static func continueThirtyTwo(_ w: UnsafePointer<Float>, keys: Range<Int>, row start: UnsafeRawPointer, rowBytes: Int,
                                          _ a0: inout F8, _ a1: inout F8, _ a2: inout F8, _ a3: inout F8) {
        var row = start
        for y in keys {
            let p = F8(repeating: w[y])
            a0 += p * row.loadUnaligned(as: F8.self)
            a1 += p * row.loadUnaligned(fromByteOffset: 32, as: F8.self)
            a2 += p * row.loadUnaligned(fromByteOffset: 64, as: F8.self)
            a3 += p * row.loadUnaligned(fromByteOffset: 96, as: F8.self)
            row += rowBytes
        }
    }

    /// Adds a block's eight float32 sums to eight Double elements.
    @inline(__always)
    private static func fold(_ a: F8, into out: UnsafeMutablePointer<Double>) {
        typealias D4 = SIMD4<Double>
        let p = UnsafeMutableRawPointer(out)
        let low = D4(Double(a[0]), Double(a[1]), Double(a[2]), Double(a[3]))
        let high = D4(Double(a[4]), Double(a[5]), Double(a[6]), Double(a[7]))
        p.storeBytes(of: p.loadUnaligned(as: D4.self) + low, as: D4.self)
        p.storeBytes(of: p.loadUnaligned(fromByteOffset: 32, as: D4.self) + high, toByteOffset: 32, as: D4.self)
    }

    @inline(__always)
    private static func fold(_ a0: F8, _ a1: F8, _ a2: F8, _ a3: F8, into out: UnsafeMutablePointer<Double>) {
        fold(a0, into: out)
        fold(a1, into: out + 8)
        fold(a2, into: out + 16)
        fold(a3, into: out + 24)
    }
}
