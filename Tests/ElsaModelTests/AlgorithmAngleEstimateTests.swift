import Foundation
import Testing
import Workload
@testable import ElsaModel

@Suite struct AlgorithmAngleEstimateTests {
    /// ELSA III-D: θ_bias is the 80th percentile of (π/k)·hamming − true angle for standard normal
    /// vectors; the paper reports 0.127 for d = k = 64.
    @Test func eightiethPercentileErrorIsNearThePapersThetaBias() {
        let p = HashProjection.kronecker(factors: [4, 4, 4], seed: 1)
        var g = SeededGenerator(seed: 2021)
        let pairs = 20_000
        var errors = [Double]()
        errors.reserveCapacity(pairs)
        for _ in 0 ..< pairs {
            let x = (0 ..< 64).map { _ in Float(g.nextGaussian()) }
            let y = (0 ..< 64).map { _ in Float(g.nextGaussian()) }
            let ham = (p.signature(of: x)[0] ^ p.signature(of: y)[0]).nonzeroBitCount
            var dot = 0.0, xx = 0.0, yy = 0.0
            for c in 0 ..< 64 {
                dot += Double(x[c]) * Double(y[c])
                xx += Double(x[c]) * Double(x[c])
                yy += Double(y[c]) * Double(y[c])
            }
            let angle = acos(max(-1, min(1, dot / (xx * yy).squareRoot())))
            errors.append(Double.pi / 64 * Double(ham) - angle)
        }
        errors.sort()
        let p80 = errors[Int(0.8 * Double(pairs))]
        print("80th percentile of the angle-estimate error (d = k = 64, Kronecker [4,4,4], seed 1): \(p80)")
        #expect(p80 >= 0.09 && p80 <= 0.17)
    }
}
