import SimCore

extension MemoryTraffic {
    /// The traffic of a tiled head (`docs/model.md` §9.5): besides the untiled counts of its `n` keys,
    /// each query is loaded once per tile it runs in (Q reads, and the hash unit's Q reads in approximate
    /// modes: `Σ_j q_j` instead of `n`), and every tile but a query's last writes a partial row that the
    /// next tile's output division reads back: output writes `Σ_j q_j`, output reads `Σ_j q_j − n`.
    /// Unchanged when `tiling` is `nil`.
    public func addingTiles(_ tiling: TiledHeadInfo?, keys n: Int, approximate: Bool) -> MemoryTraffic {
        guard let tiling else { return self }
        let extra = Cycle(tiling.queryPasses - n)
        let a: Cycle = approximate ? 1 : 0
        var t = self
        t.reads[.query, default: 0] += extra * (1 + a)
        t.reads[.output, default: 0] += extra
        t.writes[.output, default: 0] += extra
        return t
    }
}

extension ActivityCounts {
    /// The activity of a tiled head (`docs/model.md` §9.5, `docs/energy.md`): the untiled rules of
    /// `init(timing:queries:approximate:)` with `n` keys, plus the prefetch units' busy cycles
    /// (`overlapped`), one Q read (two in approximate modes) per query pass, and the partial rows
    /// (`Σ_j q_j` output writes, `Σ_j q_j − n` output reads). `queries` is `n`.
    public init(tiledTiming timing: HeadTiming, keys n: Int, tiling: TiledHeadInfo, approximate: Bool) {
        let selectorBusy = timing.selectors.reduce(Cycle(0)) { $0 + $1.busy }
        let attentionBusy = timing.attention.reduce(Cycle(0)) { $0 + $1.busy }
        let keys = Cycle(n)
        let passes = Cycle(tiling.queryPasses)
        let a: Cycle = approximate ? 1 : 0
        self.init(cycles: timing.totalCycles, queries: n, approximate: approximate, events: [
            .hash: a * (timing.hash.busy + tiling.prefetchHashBusy),
            .norm: a * (timing.norm.busy + tiling.prefetchNormBusy),
            .candidateSelection: a * selectorBusy,
            .attention: attentionBusy,
            .outputDivision: timing.outputDivision.busy,
            .keyHashMemory: a * (selectorBusy + keys),
            .keyNormMemory: a * (selectorBusy + keys),
            .keyMemory: attentionBusy + a * 2 * keys,
            .valueMemory: attentionBusy,
            .queryMemory: passes + a * passes,
            .outputMemory: passes + (passes - keys),
        ])
    }
}
