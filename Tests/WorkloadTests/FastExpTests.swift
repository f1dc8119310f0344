import Foundation
import Testing
@testable import Workload

/// `FastExp` against Foundation's `exp` (`docs/algorithm.md` §4, "The exponential"): the documented bound
/// of 3 units in the last place (6.7e-16 relative) where the result is normal, and the edges.
@Suite struct FastExpTests {
    static let bound = 6.7e-16

    static func relativeError(_ x: Double) -> Double {
        let expected = exp(x), found = FastExp.exp(x)
        return expected == found ? 0 : abs(found - expected) / expected
    }

    /// A dense sweep of the max-subtracted range [−745, 0] (where the softmaxes evaluate it: 1 M points,
    /// denser near 0), and the positive range up to overflow.
    @Test func denseSweepStaysWithinTheBound() {
        var worst = 0.0, worstAt = 0.0
        func check(_ x: Double) {
            let e = Self.relativeError(x)
            if e > worst { worst = e; worstAt = x }
        }
        for i in 0 ... 400_000 { check(-Double(i) * 708.39 / 400_000) }
        for i in 0 ... 400_000 { check(-Double(i) * 40.0 / 400_000 - 1e-9 * Double(i % 7)) }
        for i in 0 ... 100_000 { check(-Double(i) * 1e-6) }
        for i in 0 ... 100_000 { check(Double(i) * 709.78 / 100_000) }
        // Around the range-reduction seams k·ln2 ± ln2/2, where |r| is largest.
        for k in -1021 ... 1023 {
            let seam = (Double(k) + 0.5) * M_LN2
            for x in [seam.nextDown, seam, seam.nextUp] where x < 709.78 && x > -708.39 { check(x) }
        }
        #expect(worst <= Self.bound, "worst relative error \(worst) at x = \(worstAt)")
    }

    @Test func edges() {
        #expect(FastExp.exp(0) == 1)
        #expect(FastExp.exp(-0.0) == 1)
        #expect(FastExp.exp(-.infinity) == 0)
        #expect(FastExp.exp(-746) == 0 && FastExp.exp(-1e6) == 0 && FastExp.exp(-.greatestFiniteMagnitude) == 0)
        #expect(FastExp.exp(.infinity) == .infinity && FastExp.exp(710) == .infinity)
        #expect(FastExp.exp(.nan).isNaN)
        #expect(FastExp.exp(-Double.leastNonzeroMagnitude) == 1)
        // Subnormal results: within one subnormal step and 3 ulp of the unrounded value.
        let subnormalMisses = (0 ... 10_000).filter { i in
            let x = -708.39 - Double(i) * 36.74 / 10_000
            let expected = exp(x)
            return !(abs(FastExp.exp(x) - expected) <= Double.leastNonzeroMagnitude + Self.bound * expected)
        }
        #expect(subnormalMisses.isEmpty)
        // Never negative, and non-increasing as x decreases (the softmaxes compare these values).
        var previous = 1.0, monotone = true
        for i in 1 ... 200_000 {
            let value = FastExp.exp(-Double(i) * 1e-4)
            if !(value >= 0 && value <= previous) { monotone = false }
            previous = value
        }
        #expect(monotone)
    }

    @Test func lanesAndScalarAreTheSameBits() {
        var g = SeededGenerator(seed: 3)
        var differing = 0
        for _ in 0 ..< 20_000 {
            let x = SIMD4<Double>(-800 * g.nextUnit(), -10 * g.nextUnit(), 20 * g.nextGaussian(), -g.nextUnit())
            let lanes = FastExp.exp(x)
            for i in 0 ..< 4 where lanes[i].bitPattern != FastExp.exp(x[i]).bitPattern { differing += 1 }
        }
        #expect(differing == 0)
        let special = SIMD4<Double>(-.infinity, .nan, .infinity, 0)
        let out = FastExp.exp(special)
        #expect(out[0] == 0 && out[1].isNaN && out[2] == .infinity && out[3] == 1)
    }

    /// The sum is four lane sums (keys `y ≡ j mod 4` of the four-lane part, each in index order from +0),
    /// added as `(l0 + l1) + (l2 + l3)`, then the tail in index order. The inputs make that order differ
    /// from one running sum in index order: eight values of 1 and 2⁻⁵³ · 1.5 lose each small value to
    /// rounding one at a time, but not added in pairs first.
    @Test func exponentialsSumFourLanesThenTheTail() {
        let small = log(0x1p-53 * 1.5)
        let x: [Double] = [0, small, small, small, small, small, small, small, -0.5, -700, -2.5]
        var out = [Double](repeating: -1, count: x.count)
        let sum = x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { FastExp.exponentials(of: xs.baseAddress!, minus: 0, count: x.count, into: $0.baseAddress!) }
        }
        let e = x.map { FastExp.exp($0) }
        #expect(out == e)
        let lanes = (0 ..< 4).map { j in (0.0 + e[j]) + e[j + 4] }
        var expected = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        for y in 8 ..< x.count { expected += e[y] }
        #expect(sum == expected)
        var running = 0.0
        for value in e { running += value }
        #expect(sum != running, "the inputs do not tell the two orders apart")
    }
}
