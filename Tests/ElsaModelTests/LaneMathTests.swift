import Testing
@testable import ElsaModel

/// The key bank's lane arithmetic (`LaneMath`): each relation and selection against the plain scalar
/// comparison, lane by lane, on values that separate the right rule from a near miss — equal values,
/// neighbours, zero, negatives, and the ±2³⁰ edge of the documented range.
@Suite struct LaneMathTests {
    typealias Lanes = SIMD8<Int32>
    static let edge: Int32 = 1 << 30
    static let a = Lanes(0, 1, -1, 5, Self.edge - 1, -Self.edge, 7, 3)
    static let b = Lanes(0, 2, -1, 4, -Self.edge, Self.edge - 1, -7, 3)

    static func lanes(_ f: (Int32, Int32) -> Bool) -> Lanes {
        var out = Lanes()
        for j in 0 ..< 8 { out[j] = f(a[j], b[j]) ? -1 : 0 }
        return out
    }

    @Test func lessIsTheScalarRelation() {
        #expect(LaneMath.less(Self.a, Self.b) == Self.lanes(<))
        #expect(LaneMath.less(Self.b, Self.a) == Self.lanes(>))
    }

    @Test func equalIsTheScalarRelation() {
        #expect(LaneMath.equal(Self.a, Self.b) == Self.lanes(==))
        #expect(LaneMath.equal(Self.a, Self.a) == Lanes(repeating: -1))
    }

    @Test func selectMaximumAndMinimum() {
        let mask = Lanes(-1, 0, -1, 0, 0, -1, 0, -1)
        var picked = Lanes(), high = Lanes(), low = Lanes()
        for j in 0 ..< 8 {
            picked[j] = mask[j] != 0 ? Self.a[j] : Self.b[j]
            high[j] = max(Self.a[j], Self.b[j])
            low[j] = min(Self.a[j], Self.b[j])
        }
        #expect(LaneMath.select(mask, Self.a, Self.b) == picked)
        #expect(LaneMath.maximum(Self.a, Self.b) == high)
        #expect(LaneMath.minimum(Self.a, Self.b) == low)
    }
}
