import Foundation
import Testing
import Workload
@testable import ElsaModel

@Suite struct AlgorithmHashProjectionTests {
    @Test(arguments: [[4, 4, 4], [8, 8], [2, 3, 5], [1, 7]])
    func kroneckerFactorsAreOrthogonal(sizes: [Int]) {
        let factors = HashProjection.kroneckerFactors(sizes, seed: 42)
        for (a, f) in zip(sizes, factors) {
            // Square and orthonormal rows ⇒ orthogonal: AᵀA = AAᵀ = I.
            #expect(AlgorithmFixtures.maxDeviationFromIdentity(AlgorithmFixtures.gram(f, rows: a, columns: a)) < 1e-5)
            var t = ContiguousArray<Double>(repeating: 0, count: a * a)
            for r in 0 ..< a { for c in 0 ..< a { t[c * a + r] = f[r * a + c] } }
            #expect(AlgorithmFixtures.maxDeviationFromIdentity(AlgorithmFixtures.gram(t, rows: a, columns: a)) < 1e-5)
        }
    }

    @Test func kroneckerMatrixHasOrthonormalRowsAndIsTheProduct() {
        let p = HashProjection.kronecker(factors: [4, 4, 4], seed: 7)
        #expect(p.bits == 64 && p.dim == 64 && p.words == 1)
        #expect(AlgorithmFixtures.maxDeviationFromIdentity(AlgorithmFixtures.gram(p.matrix, rows: 64, columns: 64)) < 1e-5)
        let f = HashProjection.kroneckerFactors([4, 4, 4], seed: 7)
        for (r, c) in [(0, 0), (5, 9), (63, 1), (17, 42), (33, 63)] {
            let expected = f[0][(r / 16) * 4 + c / 16] * f[1][(r / 4 % 4) * 4 + c / 4 % 4] * f[2][(r % 4) * 4 + c % 4]
            #expect(abs(p.matrix[r * 64 + c] - expected) < 1e-15)
        }
        // A · x equals the hardware's reshape form (A1 ⊗ A2) x = vec(A1 · X · A2ᵀ) for two factors.
        let q = HashProjection.kronecker(factors: [3, 5], seed: 3)
        let g = HashProjection.kroneckerFactors([3, 5], seed: 3)
        let x = (0 ..< 15).map { Double($0) - 6.5 }
        for r1 in 0 ..< 3 {
            for r2 in 0 ..< 5 {
                var viaReshape = 0.0
                for c1 in 0 ..< 3 { for c2 in 0 ..< 5 { viaReshape += g[0][r1 * 3 + c1] * x[c1 * 5 + c2] * g[1][r2 * 5 + c2] } }
                var direct = 0.0
                for c in 0 ..< 15 { direct += q.matrix[(r1 * 5 + r2) * 15 + c] * x[c] }
                #expect(abs(viaReshape - direct) < 1e-12)
            }
        }
    }

    @Test func projectionsAreDeterministicPerSeed() {
        #expect(HashProjection.kronecker(factors: [4, 4, 4], seed: 1) == HashProjection.kronecker(factors: [4, 4, 4], seed: 1))
        #expect(HashProjection.kronecker(factors: [4, 4, 4], seed: 1) != HashProjection.kronecker(factors: [4, 4, 4], seed: 2))
        #expect(HashProjection.dense(bits: 40, dim: 32, seed: 9) == HashProjection.dense(bits: 40, dim: 32, seed: 9))
        #expect(HashProjection.dense(bits: 40, dim: 32, seed: 9) != HashProjection.dense(bits: 40, dim: 32, seed: 10))
        // The draw order is part of the contract: factor 1 of [4, 4] continues the stream of factor 0.
        var g = SeededGenerator(seed: 5)
        let first = GramSchmidt.orthonormalRows(rows: 4, columns: 4, generator: &g)
        let second = GramSchmidt.orthonormalRows(rows: 4, columns: 4, generator: &g)
        #expect(HashProjection.kroneckerFactors([4, 4], seed: 5) == [first, second])
    }

    @Test(arguments: [(16, 32), (32, 32), (80, 32), (130, 64)])
    func denseRowsAreOrthonormalWithinBatches(k: Int, d: Int) {
        let p = HashProjection.dense(bits: k, dim: d, seed: 11)
        #expect(p.bits == k && p.dim == d && p.words == (k + 63) / 64)
        var start = 0
        while start < k {
            let rows = min(d, k - start)
            let block = ContiguousArray(p.matrix[start * d ..< (start + rows) * d])
            #expect(AlgorithmFixtures.maxDeviationFromIdentity(AlgorithmFixtures.gram(block, rows: rows, columns: d)) < 1e-5)
            start += rows
        }
        if k > d {
            // Batches come from fresh draws: rows of different batches are not orthogonal.
            let g = AlgorithmFixtures.gram(p.matrix, rows: k, columns: d)
            #expect(AlgorithmFixtures.maxDeviationFromIdentity(g) > 1e-3)
        }
    }

    @Test(arguments: [(64, 64), (64, 40), (100, 64), (128, 32), (7, 5)])
    func signatureMatchesPlainLoops(k: Int, d: Int) {
        let p = HashProjection.dense(bits: k, dim: d, seed: UInt64(k * 1000 + d))
        var g = SeededGenerator(seed: 99)
        for trial in 0 ..< 40 {
            let length = trial % 3 == 0 ? max(1, d - 7) : d   // some vectors shorter than d: zero-padded
            let x = (0 ..< length).map { _ in Float(g.nextGaussian()) }
            let words = p.signature(of: x)
            let expected = AlgorithmFixtures.referenceBits(projection: p, vector: x)
            #expect(words.count == (k + 63) / 64)
            for j in 0 ..< k { #expect((words[j >> 6] >> UInt64(j & 63)) & 1 == (expected[j] ? 1 : 0)) }
            // Bits past k are zero.
            if k % 64 != 0 { #expect(words[words.count - 1] >> UInt64(k % 64) == 0) }
            // Zero padding is the same as passing the padded vector.
            #expect(p.signature(of: x + [Float](repeating: 0, count: d - length)) == words)
        }
    }

    /// The signature's float32 pass decides only the signs its error bound makes certain
    /// (`HashProjection.errorBound`); the rest are the Double sums'. Vectors made almost orthogonal to a
    /// row (the row's component removed in Double, then rounded to float32) put that row's sum inside the
    /// bound, where float32 and Double often disagree on the sign: every signature still equals the plain
    /// Double loop's, and the float32 sign is wrong on some of them (so a pass without the fallback would
    /// fail here). Overflowing and subnormal components and a file matrix of huge entries too.
    @Test func signsNearZeroAndAtTheExtremesAreThoseOfTheDoubleSums() throws {
        let p = HashProjection.kronecker(factors: [4, 4, 4], seed: 3)
        var g = SeededGenerator(seed: 17)
        var uncertain = 0, wrongInFloat32 = 0
        var scratch = [Double](repeating: 0, count: p.scratchCount)
        for trial in 0 ..< 600 {
            let j = trial % 64
            let y = (0 ..< 64).map { _ in g.nextGaussian() }
            var along = 0.0
            for c in 0 ..< 64 { along += p.matrix[j * 64 + c] * y[c] }
            let x = (0 ..< 64).map { Float(y[$0] - along * p.matrix[j * 64 + $0]) }
            let expected = AlgorithmFixtures.referenceBits(projection: p, vector: x)
            let words = p.signature(of: x)
            for r in 0 ..< 64 { #expect((words[0] >> UInt64(r)) & 1 == (expected[r] ? 1 : 0), "trial \(trial) row \(r)") }
            // The fast pass alone, for the row made almost orthogonal.
            x.withUnsafeBufferPointer { xp in p.float32Sums(of: xp.baseAddress!, count: 64, into: &scratch) }
            var squares = 0.0
            for c in 0 ..< 64 { squares += Double(x[c]) * Double(x[c]) }
            let (factor, floor) = p.errorBound(norm: squares.squareRoot(), count: 64)
            if abs(scratch[j]) <= factor * p.rowNorms[j] + floor {
                uncertain += 1
                if (scratch[j] >= 0) != expected[j] { wrongInFloat32 += 1 }
            }
        }
        #expect(uncertain > 500 && wrongInFloat32 > 0, "\(uncertain) rows inside the bound, \(wrongInFloat32) with the wrong float32 sign")
        // Sums that overflow float32 (to ±∞ or NaN), and subnormal components.
        for scale: Float in [3e38, -3e38, 1e-40, 1.4e-45] {
            let x = (0 ..< 64).map { _ in scale * Float(g.nextGaussian()) }
            let expected = AlgorithmFixtures.referenceBits(projection: p, vector: x)
            let words = p.signature(of: x)
            for r in 0 ..< 64 { #expect((words[0] >> UInt64(r)) & 1 == (expected[r] ? 1 : 0), "scale \(scale) row \(r)") }
        }
        let huge = try HashProjection(matrix: ContiguousArray((0 ..< 24).map { (Float($0 % 5) - 2) * 1e38 }), rows: 3, columns: 8)
        for _ in 0 ..< 20 {
            let x = (0 ..< 8).map { _ in Float(g.nextGaussian()) * 1e10 }
            let expected = AlgorithmFixtures.referenceBits(projection: huge, vector: x)
            let words = huge.signature(of: x)
            for r in 0 ..< 3 { #expect((words[0] >> UInt64(r)) & 1 == (expected[r] ? 1 : 0)) }
        }
    }

    /// The Kronecker fast pass (`KroneckerSums`, 4×4 factors only): on random vectors of several scales
    /// and lengths (zero-padded below `d`), every row's float32 sum is within the bound of the Double sum
    /// over the dense matrix, computed here row by row — a stage applied to the wrong digit or with a
    /// transposed factor is off by the size of the sums, far outside it.
    @Test func kroneckerSumsAreWithinTheirBoundOfTheDenseDoubleSums() {
        #expect(HashProjection.kronecker(factors: [4, 4, 4], seed: 1).kroneckerSums != nil)
        #expect(HashProjection.kronecker(factors: [4, 4], seed: 1).kroneckerSums != nil)
        #expect(HashProjection.kronecker(factors: [2, 4, 8], seed: 1).kroneckerSums == nil)
        #expect(HashProjection.dense(bits: 64, dim: 64, seed: 1).kroneckerSums == nil)
        var g = SeededGenerator(seed: 29)
        for factors in [[4, 4, 4], [4, 4], [4]] {
            let p = HashProjection.kronecker(factors: factors, seed: 5)
            let d = p.dim
            var sums = [Double](repeating: 0, count: p.scratchCount)
            for (length, scale) in [(d, 1.0), (d, 1e-30), (d, 1e30), (d - 1, 3.0), ((d + 1) / 2, 0.5)] {
                let x = (0 ..< length).map { _ in Float(scale * g.nextGaussian()) }
                x.withUnsafeBufferPointer { xp in p.float32Sums(of: xp.baseAddress!, count: length, into: &sums) }
                var squares = 0.0
                for c in 0 ..< length { squares += Double(x[c]) * Double(x[c]) }
                let (factor, floor) = p.errorBound(norm: squares.squareRoot(), count: length)
                #expect(factor == Double(factors.count * 5 + 3) * 0x1p-24 * squares.squareRoot())
                for j in 0 ..< d {
                    var exact = 0.0
                    for c in 0 ..< length { exact += p.matrix[j * d + c] * Double(x[c]) }
                    #expect(abs(sums[j] - exact) <= factor * p.rowNorms[j] + floor, "factors \(factors), length \(length), scale \(scale), row \(j)")
                }
            }
        }
    }

    @Test func signOfZeroCountsAsOne() throws {
        // Zero vector: every A_j · x = 0 ⇒ all k bits are 1, and only those.
        let p = HashProjection.dense(bits: 70, dim: 8, seed: 1)
        #expect(p.signature(of: [Float](repeating: 0, count: 8)) == [UInt64.max, 0b11_1111])
        // An exact zero dot product next to a negative and a positive one.
        let m = try HashProjection(matrix: [1, -1, 1, 1, -1, -2, 0.5, 0], rows: 4, columns: 2)
        // rows · (1, 1) = 0, 2, -3, 0.5 → bits 1, 1, 0, 1.
        #expect(m.signature(of: [Float(1), 1]) == [0b1011])
        // Zero-padding: a 1-component vector uses column 0 only: 1, 1, -1, 0.5 → 1, 1, 0, 1.
        #expect(m.signature(of: [Float(1)]) == [0b1011])
        // The bulk path agrees with the single-vector path.
        let t = Tensor3(heads: 2, rows: 2, dim: 2, storage: [0, 0, 1, 1, 3, -1, -1, 3])
        #expect(m.signatures(of: t, head: 1, rows: 2) == [m.signature(of: [Float(3), -1])[0], m.signature(of: [Float(-1), 3])[0]])
        #expect(m.signatures(of: t, head: 0, rows: 1) == [0b1111])
    }

    @Test func matrixFromFileIsValidated() throws {
        #expect(throws: ConfigError.invalidValue(path: "hash.matrix_file", value: "nan at [1, 0]", expected: "finite numbers")) {
            try HashProjection(matrix: [1, 0, .nan, 1], rows: 2, columns: 2)
        }
        #expect(throws: ConfigError.self) { try HashProjection(matrix: [1, 0, .infinity, 1], rows: 2, columns: 2) }
        #expect(throws: ConfigError.self) { try HashProjection(matrix: [1, 0, 1], rows: 2, columns: 2) }
        #expect(throws: ConfigError.self) { try HashProjection(matrix: [], rows: 0, columns: 2) }
        let p = try HashProjection(matrix: [1, 2, 3, 4, 5, 6], rows: 2, columns: 3)
        #expect(p.matrix == [1, 2, 3, 4, 5, 6] && p.bits == 2 && p.dim == 3)
    }
}
