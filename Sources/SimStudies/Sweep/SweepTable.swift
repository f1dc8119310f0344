import SimIO
import SimCharts
import SimReports
/// The CSV form of sweep rows: one line per point, the swept fields as columns after `index` and
/// `trace`, then the totals, then what `run` reports (`RunSummary.columns`), then the trace's shape
/// (`SweepTraceShape.columns`; `docs/sweeps.md`, "Row fields"). Built from the parsed JSON rows only, so
/// a fresh, resumed or merged sweep writes the same bytes.
public enum SweepTable {
    /// Column name → dotted path in the row's JSON, after the swept fields.
    public static let metricColumns: [(name: String, path: String)] = [
        ("cycles", "cycles"),
        ("preprocessing_cycles", "preprocessing_cycles"),
        ("execution_cycles", "execution_cycles"),
        ("preprocessing_share", "preprocessing_share"),
        ("time_us", "time_us"),
        ("selected_fraction", "selected_fraction"),
        ("selected_pairs", "selected_pairs"),
        ("total_pairs", "total_pairs"),
        ("util_hash", "utilization.hash"),
        ("util_norm", "utilization.norm"),
        ("util_candidate_selection", "utilization.candidate_selection"),
        ("util_attention", "utilization.attention"),
        ("util_output_division", "utilization.output_division"),
        ("peak_hash", "execution_peak.hash"),
        ("peak_candidate_selection", "execution_peak.candidate_selection"),
        ("peak_attention", "execution_peak.attention"),
        ("peak_output_division", "execution_peak.output_division"),
        ("ivd_execution_cycles", "paper_bound.execution_cycles"),
        ("limiter_hash", "paper_bound.limiter.hash"),
        ("limiter_candidate_selection", "paper_bound.limiter.candidate_selection"),
        ("limiter_attention", "paper_bound.limiter.attention"),
        ("limiter_output_division", "paper_bound.limiter.output_division"),
        ("stall_cycles_candidate_selection", "stall_cycles.candidate_selection"),
        ("blocked_cycles_attention", "stall_cycles.attention"),
        ("area_multipliers", "area_proxy.multipliers"),
        ("area_selectors", "area_proxy.selectors"),
        ("area_proxy", "area_proxy.units"),
        ("config", "config"),
        ("config_hash", "config_hash"),
        ("trace_hash", "trace_hash"),
    ] + RunSummary.columns + SweepTraceShape.columns.map { ($0.name, $0.path) }

    /// Every CSV column after the swept fields, by name: `SweepHeader.columns` records it, so outputs
    /// written with another column layout are refused (resume) or not merged.
    public static var metricColumnNames: [String] { metricColumns.map(\.name) }

    public static func header(fields: [String]) -> String {
        (["index", "trace"] + fields + metricColumns.map(\.name)).map(RunReport.csvField).joined(separator: ",")
    }

    public static func line(_ row: SweepRow, fields: [String]) -> String {
        var cells = [cell(SweepRow.lookup(row.value, "index")), cell(SweepRow.lookup(row.value, "trace"))]
        cells += fields.map { cell(SweepRow.lookup(row.value, "values." + $0)) }
        cells += metricColumns.map { cell(SweepRow.lookup(row.value, $0.path)) }
        return cells.map(RunReport.csvField).joined(separator: ",")
    }

    /// The whole CSV (header and rows, each line ending in a newline).
    public static func csv(_ rows: [SweepRow], fields: [String]) -> String {
        ([header(fields: fields)] + rows.map { line($0, fields: fields) }).joined(separator: "\n") + "\n"
    }

    /// A CSV cell: strings bare, numbers shortest, other JSON serialized, missing empty.
    public static func cell(_ value: JSONValue?) -> String { value?.csvCell ?? "" }
}
