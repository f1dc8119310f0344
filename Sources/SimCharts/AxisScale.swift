import Foundation

/// How a chart axis maps values to positions, and where its ticks go.
public enum AxisScale: String, Sendable, Equatable, CaseIterable {
    case linear
    /// Base-10 logarithmic; only values > 0 can be drawn.
    case log

    /// Whether `value` can be drawn on this scale.
    public func accepts(_ value: Double) -> Bool {
        value.isFinite && (self == .linear || value > 0)
    }

    /// `value` in the scale's own coordinates (the value itself, or its log10).
    public func transform(_ value: Double) -> Double {
        self == .log ? log10(value) : value
    }

    /// About `target` readable tick values inside `range` (both ends included when they fall on a tick).
    ///
    /// Linear: multiples of a step `1, 2 or 5 × 10^e` chosen so about `target` ticks fit. Log: the powers of
    /// 10 inside the range, refined with 2× and 5× multiples when fewer than 3 powers fit; a range inside
    /// one decade falls back to the linear ticks.
    public func ticks(in range: ClosedRange<Double>, target: Int = 5) -> [Double] {
        switch self {
        case .linear:
            return Self.linearTicks(range, target: target)
        case .log:
            guard range.lowerBound > 0 else { return Self.linearTicks(range, target: target) }
            let low = Int(log10(range.lowerBound).rounded(.down)), high = Int(log10(range.upperBound).rounded(.up))
            let tolerance = 1e-9
            func inside(_ v: Double) -> Bool {
                v >= range.lowerBound * (1 - tolerance) && v <= range.upperBound * (1 + tolerance)
            }
            var ticks = (low ... high).map { pow(10, Double($0)) }.filter(inside)
            if ticks.count < 3 {
                ticks = (low ... high).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }.filter(inside)
            }
            return ticks.count >= 2 ? ticks : Self.linearTicks(range, target: target)
        }
    }

    /// The `1, 2, 5 × 10^e` step giving about `target` intervals over `range`.
    public static func niceStep(_ range: ClosedRange<Double>, target: Int) -> Double {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, target))
        let magnitude = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }

    static func linearTicks(_ range: ClosedRange<Double>, target: Int) -> [Double] {
        let step = niceStep(range, target: target)
        let first = (range.lowerBound / step - 1e-9).rounded(.up)
        var ticks: [Double] = []
        var i = first
        while i * step <= range.upperBound + step * 1e-9 && ticks.count < 1000 {
            let v = i * step
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            i += 1
        }
        return ticks
    }
}
