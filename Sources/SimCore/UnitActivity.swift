/// What a hardware unit did with each cycle of a simulation: the four states of `docs/model.md` §5.
///
/// Every cycle of the simulated interval is in exactly one state, so
/// `busy + blocked + starved + idle` equals the interval's length (cycle conservation).
public struct UnitActivity: Sendable, Equatable, Hashable {
    /// Cycles doing its work.
    public var busy: Cycle = 0
    /// Cycles with work to do but no room downstream (back-pressure).
    public var blocked: Cycle = 0
    /// Cycles inside its active window waiting for input.
    public var starved: Cycle = 0
    /// Cycles outside its active window.
    public var idle: Cycle = 0

    public init(busy: Cycle = 0, blocked: Cycle = 0, starved: Cycle = 0, idle: Cycle = 0) {
        self.busy = busy
        self.blocked = blocked
        self.starved = starved
        self.idle = idle
    }

    /// Builds the four counts from the online counters (busy, blocked) and the unit's active window.
    ///
    /// - Parameters:
    ///   - busy: cycles the unit worked.
    ///   - blocked: cycles the unit was stalled by back-pressure.
    ///   - windowStart: first cycle of the unit's phase.
    ///   - lastBusy: the unit's last busy cycle, or `nil` if it never worked.
    ///   - total: length of the simulated interval `[0, total)`.
    public static func fromWindow(busy: Cycle, blocked: Cycle, windowStart: Cycle, lastBusy: Cycle?,
                                  total: Cycle) -> UnitActivity {
        guard let last = lastBusy else {
            precondition(busy == 0 && blocked == 0, "unit with busy \(busy) / blocked \(blocked) but no last busy cycle")
            return UnitActivity(idle: total)
        }
        let window = last - windowStart + 1
        let starved = window - busy - blocked
        precondition(starved >= 0, "busy \(busy) + blocked \(blocked) exceed the active window \(window)")
        return UnitActivity(busy: busy, blocked: blocked, starved: starved, idle: total - window)
    }

    /// Total cycles accounted for.
    public var total: Cycle { busy + blocked + starved + idle }

    /// Busy share of the accounted cycles (0 when there are none).
    public var utilization: Double { total == 0 ? 0 : Double(busy) / Double(total) }

    public static func + (a: UnitActivity, b: UnitActivity) -> UnitActivity {
        UnitActivity(busy: a.busy + b.busy, blocked: a.blocked + b.blocked,
                     starved: a.starved + b.starved, idle: a.idle + b.idle)
    }
}
