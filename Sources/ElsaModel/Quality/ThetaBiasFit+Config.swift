import Foundation

extension ThetaBiasFit {
    /// Gaussian pairs of the config fit (`theta_bias: "fit"`), the default of `quality --theta-bias-fit`.
    public static let configFitPairs = 20_000
    /// Seed of the config fit's Gaussian draws (the default of `quality --theta-bias-fit`).
    public static let configFitSeed: UInt64 = 2021

    private struct Key: Hashable {
        let bits: Int
        let dim: Int
        let matrix: ContiguousArray<Double>
    }
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var values: [Key: Double] = [:]
    }
    private static let cache = Cache()

    /// θ_bias by ELSA III-D's rule at the config's d and k (`theta_bias: "fit"`, `docs/config.md`): the 80th
    /// percentile of the angle estimator's error on `configFitPairs` Gaussian pairs of dimension `dim`
    /// (the config's `head_dim`) drawn with `configFitSeed`, hashed with `projection` — the config's own
    /// projection, so the value depends on d, k, the projection's form and seed only. Deterministic;
    /// computed once per projection and cached for the process (a few ms for d = k = 64).
    public static func configFit(projection: HashProjection, dim: Int) -> Double {
        let key = Key(bits: projection.bits, dim: dim, matrix: projection.matrix)
        cache.lock.lock()
        if let value = cache.values[key] { cache.lock.unlock(); return value }
        cache.lock.unlock()
        let value = max(0, gaussian(projection: projection, dim: dim, pairs: configFitPairs, seed: configFitSeed).percentile(percentile))
        cache.lock.lock()
        cache.values[key] = value
        cache.lock.unlock()
        return value
    }
}
