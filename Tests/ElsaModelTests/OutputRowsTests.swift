import Testing
@testable import ElsaModel

/// `OutputRows` (`docs/quality.md` §1, "Output rows in float32"): the blocked float32 kernels against the
/// rule written as a plain loop (bit for bit), and against Double arithmetic within the rule's bound.
@Suite struct OutputRowsTests {
    /// The rule as a plain loop: per element, per block of `blockKeys` terms, a float32 sum in term order
    /// from +0; the blocks' sums added in Double in order from +0.
    static func plainRule(weights: [Float], rows: [Int], values: [Float], dim: Int) -> [Double] {
        (0 ..< dim).map { c in
            var total = 0.0
            var start = 0
            while start < rows.count {
                var block: Float = 0
                for x in start ..< min(start + OutputRows.blockKeys, rows.count) {
                    let product = weights[x] * values[rows[x] * dim + c]
                    block = block + product
                }
                total += Double(block)
                start += OutputRows.blockKeys
            }
            return total
        }
    }

    /// Uniform in [−1, 1), rounded to float32, from a fixed linear congruential stream.
    struct Stream {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53) * 2 - 1)
        }
    }

    static func randomValues(keys: Int, dim: Int, seed: UInt64) -> [Float] {
        var stream = Stream(state: seed)
        return (0 ..< keys * dim).map { _ in stream.next() * 4 }
    }

    static func randomWeights(_ count: Int, seed: UInt64) -> [Float] {
        var stream = Stream(state: seed)
        return (0 ..< count).map { _ in abs(stream.next()) }
    }

    static func exactPair(_ w0: [Float], _ v0: Int, _ w1: [Float], _ v1: Int, values: [Float], dim: Int) -> ([Double], [Double]) {
        var e0 = [Double](repeating: .nan, count: dim), e1 = [Double](repeating: .nan, count: dim)
        OutputRows.exactPair(weights0: w0, visible0: v0, weights1: w1, visible1: v1, values: values, dim: dim,
                             exact0: &e0, exact1: &e1)
        return (e0, e1)
    }

    /// Widths on both sides of the kernels' column steps (8, 32, 64) and visible counts on both sides of
    /// the block size, including rows that end blocks apart and empty rows.
    @Test(arguments: [1, 7, 8, 37, 64, 72, 100])
    func exactPairIsThePlainRuleBitForBit(dim: Int) {
        let pairs = [(0, 0), (1, 0), (0, 5), (127, 128), (128, 129), (129, 128), (300, 299), (50, 300), (300, 50), (257, 257)]
        let keys = 300
        let values = Self.randomValues(keys: keys, dim: dim, seed: UInt64(dim))
        let w0 = Self.randomWeights(keys, seed: 11), w1 = Self.randomWeights(keys, seed: 12)
        for (v0, v1) in pairs {
            let (e0, e1) = Self.exactPair(w0, v0, w1, v1, values: values, dim: dim)
            #expect(e0 == Self.plainRule(weights: w0, rows: Array(0 ..< v0), values: values, dim: dim), "dim \(dim), row 0 of (\(v0), \(v1))")
            #expect(e1 == Self.plainRule(weights: w1, rows: Array(0 ..< v1), values: values, dim: dim), "dim \(dim), row 1 of (\(v0), \(v1))")
        }
    }

    @Test(arguments: [1, 9, 64, 65, 128, 136])
    func selectedRowIsThePlainRuleBitForBit(dim: Int) {
        let keys = 400
        let values = Self.randomValues(keys: keys, dim: dim, seed: UInt64(100 + dim))
        for count in [0, 1, 127, 128, 129, 300] {
            // Every fourth key, then from the end backwards: keys in any order, gathered.
            let rows = (0 ..< count).map { $0 < 100 ? $0 * 4 : keys - 1 - ($0 - 100) }
            let weights = Self.randomWeights(count, seed: UInt64(count))
            var got = [Double](repeating: .nan, count: dim)
            OutputRows.selectedRow(selected: rows, weights: weights, count: count, values: values, dim: dim, approximate: &got)
            #expect(got == Self.plainRule(weights: weights, rows: rows, values: values, dim: dim), "dim \(dim), \(count) keys")
        }
    }

    /// A sum that float32 cannot hold in one piece: 2²⁴ then 255 ones. One float32 sum loses every one
    /// (2²⁴ + 1 rounds to 2²⁴), an error of 255; blocks of 128 lose the 127 ones of the first block only
    /// (the second block sums its 128 ones exactly), 127, within the bound `errorFactor · Σ|w·v|` ≈ 129.
    @Test func blocksBoundTheFloat32Rounding() {
        let keys = 256
        var values = [Float](repeating: 1, count: keys)
        values[0] = 0x1p24
        let weights = [Float](repeating: 1, count: keys)
        let (row, _) = Self.exactPair(weights, keys, weights, 0, values: values, dim: 1)
        let exact = 0x1p24 + 255.0
        #expect(row[0] == 0x1p24 + 128)
        #expect(exact - row[0] <= OutputRows.errorFactor * exact)
        #expect(255 > OutputRows.errorFactor * exact, "one float32 sum would break the bound")
    }

    /// On random rows every element is within `errorFactor · Σ_y |w_y · v_y[c]|` of the Double sum of the
    /// exact products of the (float32) weights and values.
    @Test func elementsAreWithinTheBoundOfDoubleSums() {
        let dim = 72, keys = 512
        let values = Self.randomValues(keys: keys, dim: dim, seed: 7)
        let w0 = Self.randomWeights(keys, seed: 8), w1 = Self.randomWeights(keys, seed: 9)
        let (e0, e1) = Self.exactPair(w0, keys, w1, keys - 1, values: values, dim: dim)
        for (weights, visible, row) in [(w0, keys, e0), (w1, keys - 1, e1)] {
            for c in 0 ..< dim {
                var sum = 0.0, magnitude = 0.0
                for y in 0 ..< visible {
                    let product = Double(weights[y]) * Double(values[y * dim + c])
                    sum += product
                    magnitude += abs(product)
                }
                #expect(abs(row[c] - sum) <= OutputRows.errorFactor * magnitude, "column \(c)")
            }
        }
    }
}
