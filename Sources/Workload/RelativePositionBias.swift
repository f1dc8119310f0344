import Foundation

/// A synthetic relative-position attention bias shaped like MPNet's (and T5's): each (query `i`, key `j`)
/// pair falls in one of `buckets` buckets of the relative position `j − i`, and each head adds its own
/// learned value per bucket to the scaled score. Used by `trace synth --bias relative`.
///
/// Buckets (bidirectional, as in MPNet with 32 buckets and maximum distance 128): half the buckets for keys
/// before the query, half for keys at or after it. With `m = buckets / 2`, `e = m / 2` and
/// `r = i − j`: bucket `= (r < 0 ? m : 0) + (|r| < e ? |r| : min(m − 1, e + ⌊log(|r|/e) / log(maxDistance/e) · (m − e)⌋))`
/// (Double arithmetic; exact for small distances, log-spaced up to `maxDistance`, the last bucket beyond).
///
/// Values: head `h`, bucket `b`: `strength · g` with `g ~ N(0, 1)` from a `SeededGenerator` seeded by
/// `seed` alone (heads in order, buckets in order), so every layer of a trace shares the same bias.
public struct RelativePositionBias: Sendable, Equatable {
    public var buckets: Int
    public var maxDistance: Int
    /// Standard deviation of the table values, in softmax (scaled-score) units.
    public var strength: Double
    public var seed: UInt64

    public init(buckets: Int = 32, maxDistance: Int = 128, strength: Double = 1, seed: UInt64) {
        precondition(buckets >= 4 && buckets % 2 == 0, "buckets \(buckets) must be even and >= 4")
        precondition(maxDistance > buckets / 4, "max distance \(maxDistance) must exceed \(buckets / 4)")
        precondition(strength >= 0 && strength.isFinite, "strength \(strength) must be finite and >= 0")
        self.buckets = buckets
        self.maxDistance = maxDistance
        self.strength = strength
        self.seed = seed
    }

    /// The bucket of key `key` for query `query`.
    public func bucket(query: Int, key: Int) -> Int {
        let half = buckets / 2, exact = half / 2
        let r = query - key
        var bucket = r < 0 ? half : 0
        let distance = abs(r)
        if distance < exact {
            bucket += distance
        } else {
            let large = exact + Int(log(Double(distance) / Double(exact)) / log(Double(maxDistance) / Double(exact))
                                    * Double(half - exact))
            bucket += min(half - 1, large)
        }
        return bucket
    }

    /// The per-head table `[heads][buckets]`.
    public func table(heads: Int) -> [[Float]] {
        var g = SeededGenerator(seed: seed ^ 0xB1A5_0000_0000_0003)
        return (0 ..< heads).map { _ in (0 ..< buckets).map { _ in Float(strength * g.nextGaussian()) } }
    }

    /// The bias `[heads, n, n]`: element `(h, i, j)` = `table[h][bucket(i, j)]`.
    public func tensor(heads: Int, n: Int) -> Tensor3 {
        let values = table(heads: heads)
        var t = Tensor3(heads: heads, rows: n, dim: n)
        for i in 0 ..< n {
            for j in 0 ..< n {
                let b = bucket(query: i, key: j)
                for h in 0 ..< heads { t[h, i, j] = values[h][b] }
            }
        }
        return t
    }
}
