import Foundation
import Testing
@testable import ElsaModel

@Suite struct AlgorithmCosineTableTests {
    @Test func paperTableByHand() {
        let t = CosineTable(bits: 64, thetaBias: 0.127)
        #expect(t.values.count == 65)
        // π/64 = 0.0490874: h = 0, 1, 2 give angles ≤ 0.127 − … → clamped to 0 → cos 0 = 1.
        #expect(t[0] == 1 && t[1] == 1 && t[2] == 1)
        // h = 3: 3·0.0490874 − 0.127 = 0.0202622 → cos = 0.99979473.
        #expect(abs(Double(t[3]) - 0.99979473) < 1e-7)
        // h = 32: π/2 − 0.127 = 1.4437963 → cos = sin(0.127) = 0.12665888.
        #expect(abs(Double(t[32]) - 0.12665888) < 1e-7)
        // h = 64: π − 0.127 → cos = −cos(0.127) = −0.99194633.
        #expect(abs(Double(t[64]) + 0.99194633) < 1e-7)
        for h in 0 ..< 64 { #expect(t[h + 1] <= t[h]) }
    }

    @Test func withoutBiasTheTableIsCosOfTheHammingAngle() {
        let t = CosineTable(bits: 4, thetaBias: 0)
        // Angles 0, π/4, π/2, 3π/4, π.
        let expected: [Float] = [1, Float(0.5.squareRoot()), Float(cos(Double.pi / 2)), -Float(0.5.squareRoot()), -1]
        #expect(Array(t.values) == expected)
    }

    @Test func tableMatchesTheFormulaInFloat() {
        for (k, bias) in [(64, 0.127), (100, 0.3), (16, 0.0), (1, 1.0)] {
            let t = CosineTable(bits: k, thetaBias: bias)
            for h in 0 ... k {
                #expect(t[h] == Float(cos(max(0, Double.pi / Double(k) * Double(h) - bias))))
            }
        }
    }
}
