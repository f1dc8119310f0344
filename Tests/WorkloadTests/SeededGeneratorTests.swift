import Testing
@testable import Workload

@Suite struct SeededGeneratorTests {
    /// SplitMix64's published first outputs for seed 0 (Vigna's reference implementation).
    @Test func matchesReferenceSplitMix64() {
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    /// 100 000 Gaussian draws: mean ≈ 0 and variance ≈ 1 within 4 standard errors.
    @Test func gaussianMoments() {
        var g = SeededGenerator(seed: 7)
        let n = 100_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0 ..< n { let x = g.nextGaussian(); sum += x; sumSquares += x * x }
        let mean = sum / Double(n)
        let variance = sumSquares / Double(n) - mean * mean
        #expect(abs(mean) < 4 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 4 * (2.0 / Double(n)).squareRoot())
    }
}
