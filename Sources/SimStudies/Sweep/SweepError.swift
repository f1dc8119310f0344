import SimIO
import SimCharts
import SimReports
/// A sweep, compare or merge the CLI cannot carry out, with the file, field or point at fault and what
/// was expected (`docs/sweeps.md`). The CLI maps `specUnreadable` to exit code 66, `unwritable` to 73, `writeFailed` to 74,
/// `outputBusy` to 75, `unknownPlotField`, `traceOnXAxis` and the other plot errors to 64 and the rest to 65.
public enum SweepError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sweep spec file cannot be read or is not JSON.
    case specUnreadable(file: String, reason: String)
    /// A field of the sweep spec is missing or malformed.
    case invalidSpec(file: String, path: String, message: String)
    /// The same config field is swept (or fixed) twice.
    case duplicateField(field: String)
    /// One grid point's config is invalid; found before any point runs.
    case invalidPoint(index: Int, count: Int, values: String, message: String)
    /// The output already holds rows of a different sweep (grid, inputs or shard).
    case existingOutput(file: String, message: String)
    /// A sweep output file that cannot be parsed.
    case malformedOutput(file: String, line: Int, message: String)
    /// `sweep merge` found shards that do not belong together or do not cover the grid.
    case mergeRefused(message: String)
    /// An output file cannot be created (exit 73).
    case unwritable(file: String, reason: String)
    /// Writing an output failed part-way: full disk, file-size limit (exit 74).
    case writeFailed(file: String, reason: String)
    /// Another sweep holds the output's lock (exit 75).
    case outputBusy(file: String)
    /// A plot asked for a field the rows do not have.
    case unknownPlotField(field: String, available: [String])
    /// `--x trace`: trace names are not numbers; the trace shape columns (`n`, ...) are.
    case traceOnXAxis
    /// A plot field given two roles (`--x`, `--series`, `--facet`; fields of one linked axis are one).
    case plotFieldReused(field: String, option: String)
    /// `--series` leaves out a field that varies among the plotted points.
    case plotFieldUnassigned(field: String)
    /// A line chart would draw more lines than `SeriesStyle` tells apart.
    case tooManySeries(count: Int, limit: Int, fields: [String])
    /// A faceted chart would draw more panels than `SweepCharts.maxPanels`.
    case tooManyPanels(count: Int, limit: Int, fields: [String])

    public var description: String {
        switch self {
        case let .specUnreadable(file, reason):
            return "\(file): \(reason)"
        case let .invalidSpec(file, path, message):
            return "\(file): \(path): \(message)"
        case let .duplicateField(field):
            return "\(field): swept or set more than once; give each config field one --set (or one spec entry)"
        case let .invalidPoint(index, count, values, message):
            return "sweep point \(index) of \(count) (\(values)): \(message); no point was run"
        case let .existingOutput(file, message):
            return "\(file): \(message)"
        case let .malformedOutput(file, line, message):
            return "\(file):\(line): \(message)"
        case let .mergeRefused(message):
            return "sweep merge: \(message)"
        case let .unwritable(file, reason), let .writeFailed(file, reason):
            return "\(file): cannot write (\(reason))"
        case let .outputBusy(file):
            return "\(file): another elsa-sim is writing this output (its lock is held); wait for it to finish or choose another --out"
        case let .unknownPlotField(field, available):
            return "plot: '\(field)' is not a field this chart can use here; expected one of: "
                + (available.isEmpty ? "(none)" : available.joined(separator: ", "))
        case .traceOnXAxis:
            return "plot: --x trace: trace names are not numbers; use --x n (each trace's real tokens; points of one config "
                + "on different traces then form one line), or head_dim, layers, heads, kv_heads"
        case let .plotFieldReused(field, option):
            return "plot: \(option) \(field): this field (or one linked with it) is already the x axis, a --series or a --facet field; "
                + "give each field one role"
        case let .plotFieldUnassigned(field):
            return "plot: '\(field)' varies among the plotted points but is not --x, --series or --facet; add it to --series "
                + "or --facet, or keep one value with --where \(field)=VALUE"
        case let .tooManySeries(count, limit, fields):
            return "plot: \(count) lines (one per \(fields.joined(separator: " × "))) are more than the \(limit) a chart tells apart; "
                + "split them into panels with --facet FIELD, choose fewer with --series FIELD, or keep some with --where FIELD=VALUE"
        case let .tooManyPanels(count, limit, fields):
            return "plot: \(count) panels (one per \(fields.joined(separator: " × "))) are more than \(limit); "
                + "facet by a field with fewer values (--facet FIELD) or keep some with --where FIELD=VALUE"
        }
    }
}
