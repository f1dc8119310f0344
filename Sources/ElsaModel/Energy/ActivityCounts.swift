import SimCore

/// The events one head invocation charges energy for: busy cycles of each logic module (summed over its
/// instances) and accesses of each memory, derived from the simulated `HeadTiming` (`docs/energy.md` §2).
///
/// The pipeline counts busy cycles; memory accesses follow from them (one key hash and one key norm read
/// per selector busy cycle, one K and one V row read per attention busy cycle, ELSA IV-C) plus the
/// per-key and per-query traffic of preprocessing and of each query.
public struct ActivityCounts: Sendable, Equatable {
    /// `T`: cycles of the invocation (static energy is charged over them).
    public var cycles: Cycle
    /// Queries processed (output rows written).
    public var queries: Int
    /// Whether the approximation modules work. In exact mode (ELSA-base) they are bypassed and power-gated
    /// (assumed; ELSA Fig. 13(b) shows no approximation energy for ELSA-base): no events and no static energy.
    public var approximate: Bool
    /// Events per `EnergyComponent`, indexed by `EnergyComponent.index`.
    public var events: [Cycle]

    /// Counts given directly (a test, or a hypothetical activity).
    public init(cycles: Cycle, queries: Int, approximate: Bool, events: [EnergyComponent: Cycle]) {
        self.cycles = cycles
        self.queries = queries
        self.approximate = approximate
        self.events = EnergyComponent.allCases.map { events[$0] ?? 0 }
    }

    /// The counts of a simulated invocation with `queries` real tokens (queries = keys = `n`).
    ///
    /// - Logic: hash, norm and output division busy cycles; Σ selector and Σ attention busy cycles.
    /// - Key hash and key norm memories: one read per selector busy cycle, plus `n` writes in
    ///   preprocessing (approximate modes only).
    /// - K memory: one read per attention busy cycle, plus `2n` reads in preprocessing (the hash unit and
    ///   the norm unit each read every key row once; assumed, their rates differ).
    /// - V memory: one read per attention busy cycle.
    /// - Q memory: `n` reads (each query row loaded into the attention modules' query register), plus `n`
    ///   in approximate modes (the hash unit reads each query; assumed).
    /// - Output memory: `n` writes (one row per query).
    public init(timing: HeadTiming, queries n: Int, approximate: Bool) {
        let selectorBusy = timing.selectors.reduce(Cycle(0)) { $0 + $1.busy }
        let attentionBusy = timing.attention.reduce(Cycle(0)) { $0 + $1.busy }
        let keys = Cycle(n)
        let a: Cycle = approximate ? 1 : 0
        self.init(cycles: timing.totalCycles, queries: n, approximate: approximate, events: [
            .hash: a * timing.hash.busy,
            .norm: a * timing.norm.busy,
            .candidateSelection: a * selectorBusy,
            .attention: attentionBusy,
            .outputDivision: timing.outputDivision.busy,
            .keyHashMemory: a * (selectorBusy + keys),
            .keyNormMemory: a * (selectorBusy + keys),
            .keyMemory: attentionBusy + a * 2 * keys,
            .valueMemory: attentionBusy,
            .queryMemory: keys + a * keys,
            .outputMemory: keys,
        ])
    }

    public subscript(_ component: EnergyComponent) -> Cycle { events[component.index] }
}
