import Foundation
import Testing
import Workload
@testable import ElsaModel

/// Reference rounding of a Double to `m` fraction bits of a binary float, written with Double operations
/// only (independent of `CustomFloatFormat.round`). Range limits are not applied.
func referenceFloatRound(_ x: Double, fractionBits m: Int, _ mode: RoundingMode) -> Double {
    if x == 0 { return 0 }
    let e = Int(x.exponent)
    let scaled = scalbn(abs(x), m - e)
    let r: Double
    switch mode {
    case .nearestEven: r = scaled.rounded(.toNearestOrEven)
    case .nearestAway: r = scaled.rounded(.toNearestOrAwayFromZero)
    case .truncate: r = scaled.rounded(.towardZero)
    }
    return (x < 0 ? -1 : 1) * scalbn(r, e - m)
}

@Suite struct NumericsFixedPointTests {
    let q = FixedPointFormat(integerBits: 5, fractionBits: 3)

    @Test func paperFormatRangeAndValues() {
        #expect(q.maxCode == 255 && q.minCode == -256 && q.width == 9)
        #expect(q.value(255) == 31.875 && q.value(-256) == -32)
        #expect(q.quantize(1.25) == 10 && q.quantize(-0.375) == -3 && q.quantize(0) == 0)
    }

    @Test func roundingTiesAndNegatives() {
        // 1.0625 = 8.5 / 8: ties go to the even code 8; 1.1875 = 9.5 / 8 → 10.
        #expect(q.quantize(1.0625) == 8 && q.quantize(1.1875) == 10 && q.quantize(-1.0625) == -8)
        let away = FixedPointFormat(integerBits: 5, fractionBits: 3, rounding: .nearestAway)
        #expect(away.quantize(1.0625) == 9 && away.quantize(-1.0625) == -9 && away.quantize(1.05) == 8)
        let floor = FixedPointFormat(integerBits: 5, fractionBits: 3, rounding: .truncate)
        // Two's-complement truncation is the floor: −1.0625 → −9 (−1.125), −0.01 → −1 (−0.125).
        #expect(floor.quantize(1.0625) == 8 && floor.quantize(1.12) == 8 && floor.quantize(-1.0625) == -9 && floor.quantize(-0.01) == -1)
    }

    @Test func saturationAndWrapAtTheExtremes() {
        #expect(q.quantize(40) == 255 && q.quantize(-40) == -256 && q.quantize(-32) == -256 && q.quantize(31.875) == 255)
        // 31.9375 = 255.5 / 8 rounds to 256, one past the top: saturates to 255, wraps to −256.
        #expect(q.quantize(31.9375) == 255)
        let wrap = FixedPointFormat(integerBits: 5, fractionBits: 3, overflow: .wrap)
        #expect(wrap.quantize(31.9375) == -256)
        #expect(wrap.quantize(40) == 320 - 512 && wrap.quantize(-33) == -264 + 512)
        #expect(wrap.quantize(1e300) == wrap.limit(0) || wrap.quantize(1e300) >= wrap.minCode)
        #expect(q.quantize(.nan) == 0 && q.quantize(.infinity) == 255 && q.quantize(-.infinity) == -256)
        let unsigned = FixedPointFormat(integerBits: 5, fractionBits: 3, signed: false)
        #expect(unsigned.minCode == 0 && unsigned.maxCode == 255 && unsigned.quantize(-1) == 0 && unsigned.quantize(40) == 255)
    }

    @Test func convertingBetweenFractionBits() {
        // 13/4 = 3.25 → 3; 14/4 = 3.5 → 4 (even); 10/4 = 2.5 → 2 (even); −10/4 = −2.5 → −2 (even).
        let two = FixedPointFormat(integerBits: 5, fractionBits: 0)
        #expect(two.convert(13, fromFractionBits: 2) == 3 && two.convert(14, fromFractionBits: 2) == 4)
        #expect(two.convert(10, fromFractionBits: 2) == 2 && two.convert(-10, fromFractionBits: 2) == -2)
        #expect(FixedPointFormat.shiftRight(-10, by: 2, rounding: .truncate) == -3)
        #expect(FixedPointFormat.shiftRight(-10, by: 2, rounding: .nearestAway) == -3)
        #expect(FixedPointFormat.shiftRight(10, by: 2, rounding: .nearestAway) == 3)
        // More fraction bits: exact; beyond the range: saturated.
        #expect(q.convert(3, fromFractionBits: 0) == 24 && q.convert(100, fromFractionBits: 0) == 255)
    }
}

@Suite struct NumericsCustomFloatTests {
    let f = CustomFloatFormat(exponentBits: 10, fractionBits: 5)

    @Test func formatExtremes() {
        #expect(f.bias == 511 && f.minExponent == -510 && f.maxExponent == 512)
        #expect(f.value(f.largest) == 63 * pow(2.0, 507))
        #expect(f.value(f.fromDouble(1e300)) == f.value(f.largest))
        #expect(f.value(f.fromDouble(-1e300)) == -f.value(f.largest))
        #expect(f.value(f.fromDouble(pow(2.0, -510))) == pow(2.0, -510))
        #expect(f.fromDouble(pow(2.0, -511)).isZero)
        #expect(f.fromDouble(.nan).isZero && f.value(f.fromDouble(.infinity)) == f.value(f.largest))
    }

    @Test func handRoundedValues() {
        #expect(f.fromDouble(1) == CustomFloat(significand: 32, exponent: 0))
        #expect(f.fromDouble(-3) == CustomFloat(significand: -48, exponent: 1))
        // 1 + 1/64 is a tie between 32/32 and 33/32: even → 1; 1 + 3/64 = 33.5/32: even → 34/32.
        #expect(f.value(f.fromDouble(1 + 1.0 / 64)) == 1 && f.value(f.fromDouble(1 + 3.0 / 64)) == 34.0 / 32)
        let away = CustomFloatFormat(exponentBits: 10, fractionBits: 5, rounding: .nearestAway)
        let cut = CustomFloatFormat(exponentBits: 10, fractionBits: 5, rounding: .truncate)
        #expect(away.value(away.fromDouble(1 + 1.0 / 64)) == 33.0 / 32 && cut.value(cut.fromDouble(1 + 3.0 / 64)) == 33.0 / 32)
        #expect(cut.value(cut.fromDouble(-(1 + 3.0 / 64))) == -33.0 / 32)
    }

    @Test func additionKeepsTheLostBits() {
        let one = f.fromDouble(1)
        // 1 + 2^-6 is an exact tie: even → 1.
        #expect(f.value(f.add(one, f.fromDouble(1.0 / 64))) == 1)
        // 1 + 33·2^-11 = 32.515625 / 32 lies above the tie: rounds up (a sum without sticky bit would tie to 1).
        let small = CustomFloat(significand: 33, exponent: -6)
        #expect(f.value(small) == 33.0 / 2048)
        #expect(f.value(f.add(one, small)) == 33.0 / 32)
        // 1 − 33·2^-11 = 0.98389 = 62.97 / 64: nearest 63/64, truncated 62/64.
        let negative = CustomFloat(significand: -33, exponent: -6)
        #expect(f.value(f.add(one, negative)) == 63.0 / 64)
        let cut = CustomFloatFormat(exponentBits: 10, fractionBits: 5, rounding: .truncate)
        #expect(cut.value(cut.add(one, negative)) == 62.0 / 64)
        // x + (−x) = 0; overflow saturates.
        #expect(f.add(one, f.fromDouble(-1)).isZero)
        #expect(f.add(f.largest, f.largest) == f.largest)
        #expect(f.multiply(f.largest, f.fromDouble(4)) == f.largest)
        #expect(f.multiply(f.fromDouble(pow(2.0, -300)), f.fromDouble(pow(2.0, -300))).isZero)
    }

    /// Sums of products `e · v` (the attention module's accumulation) against a plain Double
    /// re-implementation rounding after each operation, in every rounding mode.
    @Test(arguments: RoundingMode.allCases)
    func accumulationMatchesAPlainReimplementation(mode: RoundingMode) {
        let g = CustomFloatFormat(exponentBits: 10, fractionBits: 5, rounding: mode)
        var rng = SeededGenerator(seed: 17)
        for _ in 0 ..< 200 {
            var sum = CustomFloat.zero, out = CustomFloat.zero
            var refSum = 0.0, refOut = 0.0
            for _ in 0 ..< 40 {
                let e = CustomFloat(significand: Int64(32 + rng.next() % 32), exponent: Int(rng.next() % 24) - 12)
                let v = Int64(rng.next() % 512) - 256
                sum = g.add(sum, e)
                out = g.add(out, g.multiply(e, fixed: v, codeFractionBits: 3))
                let ev = g.value(e)
                refSum = referenceFloatRound(refSum + ev, fractionBits: 5, mode)
                refOut = referenceFloatRound(refOut + referenceFloatRound(ev * Double(v) / 8, fractionBits: 5, mode), fractionBits: 5, mode)
                #expect(g.value(sum) == refSum)
                #expect(g.value(out) == refOut)
            }
        }
    }
}

@Suite struct NumericsUnitTests {
    let f = CustomFloatFormat(exponentBits: 10, fractionBits: 5)

    /// Every input code of the exponent unit (the whole exponent range and past both ends) against the
    /// table's definition: 2^(j/32) rounded to 5 fraction bits, times 2^floor(Y/32), saturated or 0.
    @Test func exponentUnitOverItsWholeInputRange() {
        let unit = ExponentUnit(format: f, entries: 32)
        for j in 0 ..< 32 {
            let entry = (pow(2.0, Double(j) / 32) * 32).rounded(.toNearestOrEven) / 32
            #expect(f.value(unit.table[j]) == entry)
        }
        for y in Int64(-515 * 32) ... Int64(515 * 32) {
            let whole = Int((Double(y) / 32).rounded(.down))
            let j = Int(y) - whole * 32
            let entry = (pow(2.0, Double(j) / 32) * 32).rounded(.toNearestOrEven) / 32
            let expected: Double = whole > 512 ? f.value(f.largest) : whole < -510 ? 0 : entry * pow(2.0, Double(whole))
            #expect(f.value(unit.power(code: y)) == expected, "code \(y)")
        }
        // e^x itself: within the index step (nearest: half of 2^(1/32)) and the entry rounding (2^-6).
        for i in -400 ... 400 {
            let x = Double(i) / 17
            let got = f.value(unit.exp(log2Input: x / M_LN2))
            #expect(abs(got / Foundation.exp(x) - 1) <= (pow(2.0, 1.0 / 64) - 1) + 1.0 / 64)
        }
        // Far outside the range: saturated or 0, never infinite or NaN.
        #expect(unit.exp(log2Input: 1e9) == f.largest && unit.exp(log2Input: -1e9).isZero && unit.exp(log2Input: .nan).significand == 32)
    }

    /// Every significand and every exponent of the format against the table definition 1/(1 + j/32).
    @Test func reciprocalUnitOverItsWholeInputRange() {
        let unit = ReciprocalUnit(format: f, entries: 32)
        for m in 0 ..< 32 {
            let r = 1 / (1 + Double(m) / 32)
            let entry = r == 1 ? 1 : (r * 64).rounded(.toNearestOrEven) / 64
            #expect(f.value(unit.table[m]) == entry)
            for e in f.minExponent ... f.maxExponent {
                for sign in [Int64(1), -1] {
                    let x = CustomFloat(significand: sign * Int64(32 + m), exponent: e)
                    let shifted = entry * pow(2.0, Double(-e))
                    let entryExponent = entry == 1 ? 0 : -1
                    let expected = -e + entryExponent > 512 ? f.value(f.largest) : -e + entryExponent < -510 ? 0 : shifted
                    #expect(f.value(unit.reciprocal(x)) == Double(sign) * expected, "m \(m) e \(e)")
                    if expected == shifted { #expect(abs(abs(f.value(x)) * shifted - 1) <= 1.0 / 64) }
                }
            }
        }
        #expect(unit.reciprocal(.zero).isZero)
        // A table smaller than the fraction: the top bits index it.
        let small = ReciprocalUnit(format: f, entries: 8)
        #expect(small.index(CustomFloat(significand: 32 + 0b10111, exponent: 3)) == 0b101)
    }
}
