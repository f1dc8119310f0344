import SimIO
import SimCharts
import SimReports
/// One of `count` interleaved slices of a sweep grid: point `i` belongs to shard `i mod count`
/// (`--shard K/N`, `K` in `0 ..< N`), so every shard gets a similar mix of cheap and expensive points
/// (`docs/sweeps.md`, "Sharding").
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
    /// `K`, 0-based.
    public var index: Int
    /// `N`.
    public var count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// The whole grid (`0/1`).
    public static let all = SweepShard(index: 0, count: 1)

    public var isAll: Bool { count == 1 }

    public func contains(_ point: Int) -> Bool { point % count == index }

    /// `K/N`, or `all` for the whole grid.
    public var description: String { isAll ? "all" : "\(index)/\(count)" }

    /// Parses `K/N` (0 ≤ K < N) or `all`; `nil` when malformed.
    public static func parse(_ text: String) -> SweepShard? {
        if text == "all" { return .all }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else { return nil }
        return SweepShard(index: k, count: n)
    }
}
