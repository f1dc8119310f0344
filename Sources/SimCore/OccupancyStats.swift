/// Time-weighted occupancy of a bounded buffer: the maximum and the sum over cycles of the occupancy
/// at the end of each cycle (divide by the number of cycles for the mean).
public struct OccupancyStats: Sendable, Equatable, Hashable {
    public var maximum: Int = 0
    /// Σ over sampled cycles of the occupancy at the end of the cycle.
    public var cycleSum: Int64 = 0

    public init(maximum: Int = 0, cycleSum: Int64 = 0) {
        self.maximum = maximum
        self.cycleSum = cycleSum
    }

    /// Records that the occupancy was `level` at the end of each of `cycles` consecutive cycles.
    @inlinable
    public mutating func record(level: Int, cycles: Int64) {
        guard cycles > 0 else { return }
        if level > maximum { maximum = level }
        cycleSum += Int64(level) * cycles
    }

    public func mean(over cycles: Int64) -> Double { cycles == 0 ? 0 : Double(cycleSum) / Double(cycles) }
}
