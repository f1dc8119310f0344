import SimCore

/// The timing result of one head invocation: every counter `docs/model.md` §5 defines. Both engines
/// produce this type and must agree on every field.
public struct HeadTiming: Sendable, Equatable {
    /// `T`: cycles from the start of preprocessing to the last output row written.
    public var totalCycles: Cycle
    /// `P`.
    public var preprocessingCycles: Cycle
    /// `X = T − P`.
    public var executionCycles: Cycle { totalCycles - preprocessingCycles }
    public var hash: UnitActivity
    public var norm: UnitActivity
    /// Index `b·Pc + s`.
    public var selectors: [UnitActivity]
    /// One per attention module (bank).
    public var attention: [UnitActivity]
    public var outputDivision: UnitActivity
    /// Reserved-slot statistics of each selector output queue, sampled at the end of each cycle of `[P, T)`.
    public var queues: [OccupancyStats]
    /// The hash unit's busy cycles in preprocessing (`H·(n+1)` or the pipelined pass, `docs/model.md` §3);
    /// `nil` in a hand-built timing, where `HeadResult` falls back to `H·(n+1)`.
    public var hashPreprocessingBusy: Cycle?

    public init(totalCycles: Cycle, preprocessingCycles: Cycle, hash: UnitActivity, norm: UnitActivity,
                selectors: [UnitActivity], attention: [UnitActivity], outputDivision: UnitActivity,
                queues: [OccupancyStats], hashPreprocessingBusy: Cycle? = nil) {
        self.hashPreprocessingBusy = hashPreprocessingBusy
        self.totalCycles = totalCycles
        self.preprocessingCycles = preprocessingCycles
        self.hash = hash
        self.norm = norm
        self.selectors = selectors
        self.attention = attention
        self.outputDivision = outputDivision
        self.queues = queues
    }

    /// Sum of the selectors' blocked cycles.
    public var selectorStallCycles: Cycle { selectors.reduce(0) { $0 + $1.blocked } }

    /// Every instance's four states add up to `T` (cycle conservation).
    public var isConserved: Bool {
        ([hash, norm, outputDivision] + selectors + attention).allSatisfy { $0.total == totalCycles }
    }
}
