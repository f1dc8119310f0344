import Foundation

/// A numeric axis of a chart: maps data values in `domain` to pixels in `range`, linearly or on a
/// log scale, and picks readable tick values (1-2-5 steps, or powers of two on a log axis).
public struct PlotScale: Sendable {
    public var lower: Double
    public var upper: Double
    public var from: Double
    public var to: Double
    public var log: Bool

    public init(lower: Double, upper: Double, from: Double, to: Double, log: Bool = false) {
        self.lower = lower
        self.upper = upper == lower ? lower + 1 : upper
        self.from = from
        self.to = to
        self.log = log
    }

    public func map(_ v: Double) -> Double {
        let t = log ? (Foundation.log2(v) - Foundation.log2(lower)) / (Foundation.log2(upper) - Foundation.log2(lower))
                     : (v - lower) / (upper - lower)
        return from + t * (to - from)
    }

    /// 1-2-5 ticks covering `[min, max]` with about `count` steps; returns the ticks and the padded
    /// bounds (first and last tick).
    public static func niceTicks(min: Double, max: Double, count: Int = 5) -> [Double] {
        let span = Swift.max(max - min, Swift.max(abs(max), 1) * 1e-9)
        let raw = span / Double(Swift.max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(min / step) * step
        let last = ceil(max / step) * step
        var ticks: [Double] = []
        var v = first
        while v <= last + step / 2 {
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return ticks
    }

    /// Ticks for a log axis over `[min, max]` (both > 0): the 1-2-5 values of each decade inside the
    /// range, plus one on each side so the data sit inside the axis.
    public static func logTicks(min: Double, max: Double) -> [Double] {
        var candidates: [Double] = []
        var decade = pow(10, floor(log10(min)))
        while decade <= max * 10 {
            candidates += [1, 2, 5].map { $0 * decade }
            decade *= 10
        }
        let below = candidates.last { $0 <= min } ?? min
        let above = candidates.first { $0 >= max } ?? max
        return candidates.filter { $0 >= below && $0 <= above }
    }

    /// A tick label: thousands as `k`, millions as `M`, otherwise at most three significant decimals.
    public static func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_000_000 { return trim(v / 1_000_000) + "M" }
        if a >= 10_000 { return trim(v / 1000) + "k" }
        return trim(v)
    }

    static func trim(_ v: Double) -> String {
        if v == v.rounded() { return String(Int64(v)) }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
