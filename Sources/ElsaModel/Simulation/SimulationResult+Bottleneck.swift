/// The bottleneck of a whole simulation (`docs/model.md` §5, "bottleneck"; `docs/reports.md`).
extension SimulationResult {
    /// `Bottleneck(heads:)` over every head of every layer: each kind's execution-phase busy cycles
    /// summed over all heads ÷ its execution-phase capacity summed over all heads, so longer heads
    /// weigh more (cycle-weighted, the same rule as a layer's bottleneck).
    public var bottleneck: Bottleneck {
        Bottleneck(heads: layers.flatMap { $0.heads.map { ($0.timing, $0.hashPreprocessingBusy) } })
    }
}
