/// What the accelerator does with a sequence longer than its key memory (`key_memory_capacity`).
/// The paper's hardware holds n ≤ 512 keys (ELSA IV-E) and does not process longer sequences; tiling
/// is an extension of this simulator (`docs/model.md` §9, assumed).
public enum LongSequences: String, Sendable, Equatable, CaseIterable {
    /// A trace with more real tokens than `key_memory_capacity` is rejected (default).
    case error
    /// The keys are processed in tiles of at most `key_memory_capacity` keys (`docs/model.md` §9).
    case tile
}

/// When the next key tile's preprocessing runs (`docs/model.md` §9; assumed, the paper is silent).
public enum TilePreprocessing: String, Sendable, Equatable, CaseIterable {
    /// Tile j+1's preprocessing starts when tile j's last output row is written (default; one hash
    /// unit, one norm unit, one key memory).
    case serial
    /// Tile j+1's preprocessing runs while tile j executes, on a second hash unit, norm unit and set of
    /// key, key hash and key norm memories (assumed hardware, not charged in area).
    case overlapped
}

/// The tiling of sequences longer than the key memory (`docs/model.md` §9; `docs/config.md`,
/// "Long sequences").
public struct TilingConfig: Sendable, Equatable {
    public var preprocessing: TilePreprocessing = .serial
    public init() {}
}
