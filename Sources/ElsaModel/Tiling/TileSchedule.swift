import SimCore

/// How the key tiles of one head follow each other in time (`docs/model.md` §9.3): the one composition
/// rule that the reports, the closed forms, the lower bound and both engines' comparison use.
///
/// Tile `j` is an invocation with preprocessing `P_j` and length `T_j` (execution `X_j = T_j − P_j`).
/// Its execution starts at `E_j`:
///
/// - `E_0 = P_0`;
/// - `serial`: `E_{j+1} = E_j + X_j + P_{j+1}` (tile j+1 is preprocessed after tile j's last row);
/// - `overlapped`: `E_{j+1} = E_j + max(X_j, P_{j+1})` (tile j+1 is preprocessed on the second
///   preprocessing hardware from `E_j`, while tile j executes).
///
/// Tile `j`'s local cycle `t` is the head's cycle `O_j + t`, `O_j = E_j − P_j`. The head takes
/// `T = E_last + X_last` cycles; its reported preprocessing is the part no tile executes in,
/// `P = T − Σ X_j`.
public struct TileSchedule: Sendable, Equatable {
    /// `O_j`: the head's cycle of tile `j`'s local cycle 0.
    public let offsets: [Cycle]
    /// `E_j`.
    public let executionStarts: [Cycle]
    /// `T`.
    public let total: Cycle
    /// `P = T − Σ X_j`.
    public let preprocessing: Cycle

    /// The schedule of tiles with preprocessing `P_j = tiles[j].preprocessing` and length `T_j = tiles[j].total`.
    public init(tiles: [(preprocessing: Cycle, total: Cycle)], mode: TilePreprocessing) {
        precondition(!tiles.isEmpty, "a tiled head has at least one tile")
        var starts: [Cycle] = []
        var offsets: [Cycle] = []
        var e = tiles[0].preprocessing
        var executing: Cycle = 0
        for (j, tile) in tiles.enumerated() {
            precondition(tile.total >= tile.preprocessing, "tile \(j): T \(tile.total) < P \(tile.preprocessing)")
            if j > 0 {
                let previous = tiles[j - 1].total - tiles[j - 1].preprocessing
                switch mode {
                case .serial: e += previous + tile.preprocessing
                case .overlapped: e += max(previous, tile.preprocessing)
                }
            }
            starts.append(e)
            offsets.append(e - tile.preprocessing)
            executing += tile.total - tile.preprocessing
        }
        executionStarts = starts
        self.offsets = offsets
        total = e + tiles[tiles.count - 1].total - tiles[tiles.count - 1].preprocessing
        preprocessing = total - executing
    }
}
