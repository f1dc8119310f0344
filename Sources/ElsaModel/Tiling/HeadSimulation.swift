import SimCore

/// One head invocation through a timing engine, tiled when its keys exceed the key memory
/// (`docs/model.md` §9): the single path the run, the closed-form tests and the engine comparison use.
public enum HeadSimulation {
    /// The timing, the analytic views and (when tiled) the tiling of one head.
    public struct Outcome: Sendable, Equatable {
        public var timing: HeadTiming
        public var analytic: AnalyticModel
        /// `nil` when the head fits the key memory (one ordinary invocation).
        public var tiling: TiledHeadInfo?
    }

    /// Simulates `selection` (`queries = keys = n`) on `engine`. With `n ≤ capacity` this is exactly
    /// the engine's `simulate`; above it every key tile (`KeyTiling`) runs as its own invocation on the
    /// same engine and `TiledTiming` composes them by `mode`.
    public static func simulate(parameters: TimingParameters, selection: SelectionMatrix, engine: TimingEngine,
                                capacity: Int, mode: TilePreprocessing) -> Outcome {
        func run(_ s: SelectionMatrix) -> HeadTiming {
            switch engine {
            case .event: return ElsaPipeline.simulate(parameters: parameters, selection: s)
            case .reference: return ReferencePipeline.simulate(parameters: parameters, selection: s)
            }
        }
        guard selection.keys > capacity else {
            return Outcome(timing: run(selection), analytic: AnalyticModel(parameters: parameters, selection: selection), tiling: nil)
        }
        let count = KeyTiling.tileCount(keys: selection.keys, capacity: capacity)
        var timings: [HeadTiming] = [], keys: [Int] = [], queries: [Int] = [], analytic: [AnalyticModel] = []
        timings.reserveCapacity(count)
        for j in 0 ..< count {
            // One tile's sub-matrix at a time: memory stays O(n·C/64) words per head.
            let tile = KeyTiling.tile(j, of: selection, capacity: capacity)
            timings.append(run(tile.selection))
            analytic.append(AnalyticModel(parameters: parameters, selection: tile.selection))
            keys.append(tile.keys)
            queries.append(tile.selection.queries)
        }
        let timing = TiledTiming.compose(timings, keys: keys, queries: queries, mode: mode, parameters: parameters)
        let H: Cycle = parameters.exact ? 0 : parameters.hashCycles
        let paperPreprocessing = keys.map { parameters.preprocessingHashCycles(keys: $0) }
        let paper = TileSchedule(tiles: zip(paperPreprocessing, analytic).map { ($0, $1.paperClosedForm) }, mode: mode).total
        let bound = TileSchedule(tiles: zip(timings, analytic).map { ($0.preprocessingCycles, $1.lowerBound) }, mode: mode).total
        let prefetch = TiledTiming.prefetchBusy(keys: keys, mode: mode, parameters: parameters)
        // The reported hash unit's query hashing: H per query after each tile's first.
        let queryHashing = H * Cycle(queries.reduce(0) { $0 + $1 - 1 })
        let info = TiledHeadInfo(tiles: count, keysPerTile: keys, queriesPerTile: queries, mode: mode,
                                 prefetchHashBusy: prefetch.hash, prefetchNormBusy: prefetch.norm,
                                 hashPreprocessingBusy: timing.hash.busy - queryHashing)
        return Outcome(timing: timing, analytic: AnalyticModel(paperClosedForm: paper, lowerBound: bound), tiling: info)
    }
}
