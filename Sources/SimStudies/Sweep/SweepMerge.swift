import SimIO
import SimCharts
import SimReports
/// `elsa-sim sweep merge`: combines the outputs of the `N` shards of one sweep into the output the
/// unsharded sweep writes, byte for byte, and refuses shards that do not belong together
/// (`docs/sweeps.md`, "Sharding").
public enum SweepMerge {
    public struct Input: Sendable {
        public var path: String
        public var header: SweepHeader
        public var rows: [SweepRow]

        public init(path: String, header: SweepHeader, rows: [SweepRow]) {
            self.path = path
            self.header = header
            self.rows = rows
        }
    }

    /// - Throws: `SweepError.mergeRefused` when the headers differ in anything but the shard (grid,
    ///   traces, configs), the shards are not exactly `0/N … N−1/N`, or a shard lacks points or holds
    ///   points of another shard.
    public static func merge(_ inputs: [Input]) throws(SweepError) -> (header: SweepHeader, rows: [SweepRow]) {
        guard let first = inputs.first else { throw .mergeRefused(message: "no shard outputs given") }
        let reference = first.header.with(shard: .all)
        for input in inputs.dropFirst() {
            let h = input.header.with(shard: .all)
            guard h != reference else { continue }
            let what: String
            if h.axes != reference.axes || h.fixed != reference.fixed { what = "different grids (axes or fixed overrides)" }
            else if h.traces != reference.traces { what = "different traces (\(names(h.traces)) vs \(names(reference.traces)))" }
            else if h.columns != reference.columns { what = "different column layouts (\(h.columns.count) vs \(reference.columns.count) columns after the swept fields; outputs of different elsa-sim versions)" }
            else if h.configsHash != reference.configsHash { what = "different configs (config hash \(h.configsHash) vs \(reference.configsHash))" }
            else { what = "different sweeps (fingerprint \(h.fingerprint) vs \(reference.fingerprint))" }
            throw .mergeRefused(message: "\(input.path) and \(first.path) come from \(what); merge only the shards of one sweep")
        }
        let n = first.header.shard.count
        var byShard: [Int: String] = [:]
        for input in inputs {
            let shard = input.header.shard
            guard shard.count == n else {
                throw .mergeRefused(message: "\(input.path) is shard \(shard) but \(first.path) is shard \(first.header.shard); all shards must split the grid the same way (N = \(n))")
            }
            if let other = byShard[shard.index] {
                throw .mergeRefused(message: "\(input.path) and \(other) are both shard \(shard)")
            }
            byShard[shard.index] = input.path
        }
        let missing = (0 ..< n).filter { byShard[$0] == nil }
        guard missing.isEmpty else {
            throw .mergeRefused(message: "missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) of \(n)")
        }
        var rows: [SweepRow] = []
        for input in inputs {
            let shard = input.header.shard
            var seen: Set<Int> = []
            for row in input.rows {
                guard row.index >= 0 && row.index < reference.points && shard.contains(row.index) else {
                    throw .mergeRefused(message: "\(input.path): point \(row.index) does not belong to shard \(shard) of \(reference.points) points")
                }
                guard seen.insert(row.index).inserted else {
                    throw .mergeRefused(message: "\(input.path): point \(row.index) appears twice")
                }
            }
            let expected = (0 ..< reference.points).filter(shard.contains).count
            guard seen.count == expected else {
                throw .mergeRefused(message: "\(input.path) (shard \(shard)) has \(seen.count) of its \(expected) points; rerun its sweep command to finish it")
            }
            rows += input.rows
        }
        rows.sort { $0.index < $1.index }
        return (reference, rows)
    }

    static func names(_ traces: [TraceIdentity]) -> String {
        traces.map { "\($0.name) \($0.id)" }.joined(separator: ", ")
    }
}
