import SimCore

/// The `HeadTiming` of a tiled head (`docs/model.md` §9.4): the tiles' invocations laid on the head's
/// timeline by `TileSchedule`, each module's states re-derived by the rules of §5 on that timeline.
public enum TiledTiming {
    /// Composes the per-tile timings `tiles` (in tile order) of tiles with `keys[j]` keys and
    /// `queries[j]` queries.
    ///
    /// - Selectors, attention modules, output division: busy and blocked are the tiles' sums; the
    ///   active window runs from `E_0` to the last busy cycle of the last tile that has one; the rest of
    ///   the window (drain of tile j, preprocessing of tile j+1) is starved.
    /// - Hash and norm units, `serial`: the same, with the window from cycle 0.
    /// - Hash and norm units, `overlapped`: the reported units are the primary ones: they preprocess
    ///   tile 0 and hash every tile's queries after its first; the second (prefetch) units that
    ///   preprocess tiles 1… are not reported as instances (their busy cycles are in `prefetchBusy`).
    /// - Queue statistics: maximum of the maxima, sum of the occupancy sums (queues are empty between tiles).
    public static func compose(_ tiles: [HeadTiming], keys: [Int], queries: [Int], mode: TilePreprocessing,
                               parameters p: TimingParameters) -> HeadTiming {
        precondition(tiles.count == keys.count && tiles.count == queries.count && !tiles.isEmpty)
        if tiles.count == 1 { return tiles[0] }
        let schedule = TileSchedule(tiles: tiles.map { ($0.preprocessingCycles, $0.totalCycles) }, mode: mode)
        let total = schedule.total

        /// The local last busy cycle of a unit whose window started at `windowStart`, or nil.
        func lastBusy(_ u: UnitActivity, windowStart: Cycle, tileTotal: Cycle) -> Cycle? {
            u.busy == 0 ? nil : windowStart + tileTotal - 1 - u.idle
        }
        /// Composes instance `pick` of every tile: `primary(j)` gives tile j's (busy, blocked, local last busy)
        /// as the composed unit counts them.
        func compose(windowStart: Cycle, _ part: (Int) -> (busy: Cycle, blocked: Cycle, last: Cycle?)) -> UnitActivity {
            var busy: Cycle = 0, blocked: Cycle = 0
            var last: Cycle? = nil
            for j in tiles.indices {
                let x = part(j)
                busy += x.busy
                blocked += x.blocked
                if let l = x.last { last = schedule.offsets[j] + l }
            }
            return .fromWindow(busy: busy, blocked: blocked, windowStart: windowStart, lastBusy: last, total: total)
        }
        func executionUnit(_ unit: (HeadTiming) -> UnitActivity) -> UnitActivity {
            compose(windowStart: schedule.executionStarts[0]) { j in
                let u = unit(tiles[j])
                return (u.busy, u.blocked, lastBusy(u, windowStart: tiles[j].preprocessingCycles, tileTotal: tiles[j].totalCycles))
            }
        }
        let overlapped = mode == .overlapped
        let hash = compose(windowStart: 0) { j in
            let u = tiles[j].hash
            let last = lastBusy(u, windowStart: 0, tileTotal: tiles[j].totalCycles)
            guard overlapped && j > 0, let l = last else { return (u.busy, u.blocked, last) }
            // The primary hash unit only hashes the queries after the tile's first (rule 5).
            let preprocessingBusy = p.preprocessingHashCycles(keys: keys[j])
            return (u.busy - preprocessingBusy, u.blocked, l >= tiles[j].preprocessingCycles ? l : nil)
        }
        let norm = compose(windowStart: 0) { j in
            let u = tiles[j].norm
            if overlapped && j > 0 { return (0, 0, nil) }
            return (u.busy, u.blocked, lastBusy(u, windowStart: 0, tileTotal: tiles[j].totalCycles))
        }
        let selectors = tiles[0].selectors.indices.map { s in executionUnit { $0.selectors[s] } }
        let attention = tiles[0].attention.indices.map { b in executionUnit { $0.attention[b] } }
        let outputDivision = executionUnit { $0.outputDivision }
        let queues = tiles[0].queues.indices.map { s in
            OccupancyStats(maximum: tiles.map { $0.queues[s].maximum }.max() ?? 0,
                           cycleSum: tiles.reduce(Int64(0)) { $0 + $1.queues[s].cycleSum })
        }
        return HeadTiming(totalCycles: total, preprocessingCycles: schedule.preprocessing, hash: hash, norm: norm,
                          selectors: selectors, attention: attention, outputDivision: outputDivision, queues: queues)
    }

    /// Busy cycles of the second (prefetch) hash and norm units in `overlapped` mode: tiles 1… are
    /// preprocessed there, the preprocessing hash pass of `k_j` keys (`H·(k_j + 1)` whole cycles, §3) and `⌈k_j / R_norm⌉` cycles each (0 in serial or exact mode).
    public static func prefetchBusy(keys: [Int], mode: TilePreprocessing, parameters p: TimingParameters) -> (hash: Cycle, norm: Cycle) {
        guard mode == .overlapped, !p.exact else { return (0, 0) }
        var hash: Cycle = 0, norm: Cycle = 0
        for k in keys.dropFirst() {
            hash += p.preprocessingHashCycles(keys: k)
            norm += Cycle((k + p.normKeysPerCycle - 1) / p.normKeysPerCycle)
        }
        return (hash, norm)
    }
}
