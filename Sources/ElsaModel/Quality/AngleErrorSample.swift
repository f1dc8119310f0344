/// A sample of the hash angle estimator's error `e = (π/k) · hamming(h(x), h(y)) − ∠(x, y)` (ELSA III-D),
/// sorted ascending. ELSA sets θ_bias to its 80th percentile on Gaussian vectors, so that the corrected
/// angle `(π/k)·ham − θ_bias` under-estimates the true angle for 80 % of pairs.
public struct AngleErrorSample: Sendable, Equatable {
    /// The errors in radians, ascending.
    public let errors: [Double]
    /// Pairs the sample was drawn from before any thinning (equal to `errors.count` unless thinned).
    public let population: Int

    /// - Parameter errors: any order; sorted here.
    public init(errors: [Double], population: Int? = nil) {
        self.errors = errors.sorted()
        self.population = population ?? errors.count
    }

    public var count: Int { errors.count }

    /// The nearest-rank percentile: the smallest error `e` with at least `q · count` errors `≤ e`, i.e.
    /// `errors[ceil(q · count) − 1]` (`errors[0]` for `q = 0`).
    ///
    /// - Precondition: the sample is not empty; `0 ≤ q ≤ 1`.
    public func percentile(_ q: Double) -> Double {
        precondition(!errors.isEmpty, "percentile of an empty sample")
        precondition(q >= 0 && q <= 1, "percentile \(q) not in 0…1")
        let rank = Int((q * Double(errors.count)).rounded(.up))
        return errors[max(0, min(errors.count, rank) - 1)]
    }

    /// Arithmetic mean of the errors (0 for an empty sample).
    public var mean: Double { errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count) }

    /// Share of the errors that are `≤ value`.
    public func fraction(atMost value: Double) -> Double {
        guard !errors.isEmpty else { return 0 }
        var low = 0, high = errors.count
        while low < high {
            let mid = (low + high) / 2
            if errors[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return Double(low) / Double(errors.count)
    }
}
