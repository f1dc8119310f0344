import SimCore

/// What a tiled head invocation adds to its `HeadResult` (`docs/model.md` §9): the tiles it ran, the
/// query passes (a query runs once per tile it sees), and the work the reports and the energy model
/// charge beyond the composed `HeadTiming`.
public struct TiledHeadInfo: Sendable, Equatable {
    /// Number of key tiles `J = ⌈n / C⌉`.
    public var tiles: Int
    /// Keys of each tile.
    public var keysPerTile: [Int]
    /// Queries of each tile's invocation (causal: tile j's are `n − j·C`; else `n`).
    public var queriesPerTile: [Int]
    public var mode: TilePreprocessing
    /// Busy cycles of the second (prefetch) hash and norm units (`overlapped` mode; else 0).
    public var prefetchHashBusy: Cycle
    public var prefetchNormBusy: Cycle
    /// The reported hash unit's preprocessing busy cycles (the head's hash busy minus its query hashing
    /// after each tile's first query).
    public var hashPreprocessingBusy: Cycle

    /// `Σ_j q_j`: query rows loaded (and output rows written) over all tiles.
    public var queryPasses: Int { queriesPerTile.reduce(0, +) }

    public init(tiles: Int, keysPerTile: [Int], queriesPerTile: [Int], mode: TilePreprocessing, prefetchHashBusy: Cycle,
                prefetchNormBusy: Cycle, hashPreprocessingBusy: Cycle) {
        self.tiles = tiles
        self.keysPerTile = keysPerTile
        self.queriesPerTile = queriesPerTile
        self.mode = mode
        self.prefetchHashBusy = prefetchHashBusy
        self.prefetchNormBusy = prefetchNormBusy
        self.hashPreprocessingBusy = hashPreprocessingBusy
    }
}
