import SimIO
import SimCharts
import SimReports
/// A sweep's header file `OUT.header.json`, beside its JSON Lines rows: which grid and inputs the rows belong to
/// (`docs/sweeps.md`, "Output files"). Resuming and `sweep merge` compare headers; two outputs of the
/// same sweep differ only in `shard`.
public struct SweepHeader: Sendable, Equatable {
    public static let format = "elsa-sweep/1"
    /// `SweepGrid.fingerprint`.
    public var fingerprint: String
    /// Points in the whole grid (all shards).
    public var points: Int
    public var shard: SweepShard
    public var axes: [SweepAxis]
    public var traces: [TraceIdentity]
    /// Fixed overrides as `[[path, value], ...]`.
    public var fixed: JSONValue
    /// The base config's `name` (that of point 0).
    public var configName: String
    /// `FNV1a64` of every point's config hash in point order: equal when every point's effective
    /// config is equal.
    public var configsHash: String
    /// The CSV columns after the swept fields (`SweepTable.metricColumnNames`) the rows were written
    /// with; an output of an older layout (no `columns` in its header) decodes with `[]`, so resuming
    /// or merging it is refused with a message instead of mixing rows of two layouts.
    public var columns: [String]

    public init(grid: SweepGrid, shard: SweepShard, configName: String, configsHash: String,
                columns: [String] = SweepTable.metricColumnNames) {
        fingerprint = Self.fingerprint(grid: grid.fingerprint(configsHash: configsHash), columns: columns)
        self.columns = columns
        points = grid.count
        self.shard = shard
        axes = grid.axes
        traces = grid.traces
        fixed = .array(grid.fixed.map { .array([.string($0.path), $0.value]) })
        self.configName = configName
        self.configsHash = configsHash
    }

    /// `FNV1a64` of the grid's fingerprint and the column list.
    static func fingerprint(grid: String, columns: [String]) -> String {
        FNV1a64.of(grid + "\n" + columns.joined(separator: ","))
    }

    /// The swept fields in column order.
    public var fields: [String] { axes.flatMap(\.fields) }

    /// The same header for another shard.
    public func with(shard: SweepShard) -> SweepHeader {
        var copy = self
        copy.shard = shard
        return copy
    }

    public var json: JSONValue {
        .object([
            "format": .string(Self.format),
            "fingerprint": .string(fingerprint),
            "points": .int(Int64(points)),
            "shard": .string(shard.description),
            "axes": .array(axes.map(\.json)),
            "traces": .array(traces.map { .object(["name": .string($0.name), "trace_hash": .string($0.id)]) }),
            "fixed": fixed,
            "configs": .object(["name": .string(configName), "hash": .string(configsHash)]),
            "columns": .array(columns.map { .string($0) }),
        ])
    }

    /// Decodes a header line; `file` and `line` name it in messages.
    public static func decode(_ value: JSONValue, file: String, line: Int) throws(SweepError) -> SweepHeader {
        func fail(_ message: String) -> SweepError { .malformedOutput(file: file, line: line, message: message) }
        guard let o = value.objectValue, o["format"] == .string(format) else {
            throw fail("not an \(format) header (a sweep's OUT.header.json)")
        }
        guard let fingerprint = o["fingerprint"]?.stringValue, let points = o["points"]?.integerValue,
              let shardText = o["shard"]?.stringValue, let shard = SweepShard.parse(shardText),
              case let .array(axesJSON)? = o["axes"], case let .array(tracesJSON)? = o["traces"],
              let fixed = o["fixed"], let base = o["configs"]?.objectValue,
              let baseName = base["name"]?.stringValue, let baseHash = base["hash"]?.stringValue else {
            throw fail("header lacks fingerprint, points, shard, axes, traces, fixed or configs")
        }
        var axes: [SweepAxis] = []
        for axis in axesJSON {
            guard let a = axis.objectValue, case let .array(names)? = a["fields"], case let .array(values)? = a["values"] else {
                throw fail("malformed axis \(axis.serialized())")
            }
            let fields = names.compactMap(\.stringValue)
            var rows: [[JSONValue]] = []
            for v in values {
                guard case let .array(items) = v, items.count == fields.count else { throw fail("malformed axis \(axis.serialized())") }
                rows.append(items)
            }
            axes.append(SweepAxis(fields: fields, values: rows))
        }
        var traces: [TraceIdentity] = []
        for t in tracesJSON {
            guard let name = t.objectValue?["name"]?.stringValue, let id = t.objectValue?["trace_hash"]?.stringValue else {
                throw fail("malformed trace \(t.serialized())")
            }
            traces.append(TraceIdentity(name: name, id: id))
        }
        var columns: [String] = []
        if case let .array(names)? = o["columns"] { columns = names.compactMap(\.stringValue) }
        return SweepHeader(fingerprint: fingerprint, points: points, shard: shard, axes: axes, traces: traces,
                           fixed: fixed, configName: baseName, configsHash: baseHash, columns: columns)
    }

    init(fingerprint: String, points: Int, shard: SweepShard, axes: [SweepAxis], traces: [TraceIdentity], fixed: JSONValue,
         configName: String, configsHash: String, columns: [String]) {
        self.fingerprint = fingerprint
        self.columns = columns
        self.points = points
        self.shard = shard
        self.axes = axes
        self.traces = traces
        self.fixed = fixed
        self.configName = configName
        self.configsHash = configsHash
    }
}
