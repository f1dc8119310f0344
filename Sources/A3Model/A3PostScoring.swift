#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Post-scoring selection of approximate A^3 (A^3 §IV-B): after the exact scores of the candidates,
/// keep the keys whose score is within `t` of the largest, where `T = 100 · e^(−t)` %: a kept key's
/// softmax weight is at least T % of the largest weight.
public enum A3PostScoring {
    /// `t = ln(100 / T)` for a threshold of `percent` % (`0 < percent ≤ 100`).
    public static func margin(percent: Double) -> Double {
        precondition(percent > 0 && percent <= 100, "post-scoring threshold \(percent) % is outside (0, 100]")
        return log(100 / percent)
    }

    /// The candidates kept: those with `scores[y] ≥ max − t` (inclusive), in the order given; every
    /// candidate when `percent` is `nil`.
    ///
    /// - Parameters:
    ///   - candidates: key indices.
    ///   - scores: softmax-domain scores (`scale · q · k`), indexed by key.
    public static func select(candidates: [Int], scores: [Double], percent: Double?) -> [Int] {
        guard let percent, !candidates.isEmpty else { return candidates }
        var top = -Double.infinity
        for y in candidates where scores[y] > top { top = scores[y] }
        let floor = top - margin(percent: percent)
        return candidates.filter { scores[$0] >= floor }
    }
}
