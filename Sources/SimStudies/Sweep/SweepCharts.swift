import SimIO
import SimCharts
import SimReports
/// Turns sweep rows into charts (`docs/sweeps.md`, "Plots"): cycles against a swept field (one line
/// per combination of the other swept fields), or the Pareto chart of cycles against the area (mm²) or
/// the area proxy.
public enum SweepCharts {
    /// The y quantities a sweep chart can show: column name, row path, axis label.
    public static let yChoices: [(name: String, path: String, label: String)] = [
        ("cycles", "cycles", "total cycles (all layers)"),
        ("execution_cycles", "execution_cycles", "execution cycles (all layers)"),
        ("preprocessing_cycles", "preprocessing_cycles", "preprocessing cycles (all layers)"),
        ("time_us", "time_us", "time (µs at the config's clock)"),
    ] + numericsYChoices

    /// Short names of common fields for legends and labels (the paper's symbols).
    public static func short(_ field: String) -> String {
        switch field {
        case "attention_modules": return "Pa"
        case "selectors_per_module": return "Pc"
        case "approximation.p": return "p"
        case "approximation.mode": return "mode"
        case "hash.multipliers": return "m_h"
        case "output_division.multipliers": return "m_o"
        case "selector.queue_depth": return "Q"
        case "selector.pipeline_depth": return "D"
        case "accelerators": return "A"
        default: return numericsShort(field) ?? field
        }
    }

    /// Rows whose swept values (or trace name, or trace shape columns, `SweepTraceShape`) match every `where` pair.
    public static func filter(_ rows: [SweepRow], where conditions: [(field: String, value: JSONValue)]) -> [SweepRow] {
        rows.filter { row in conditions.allSatisfy { sameValue(SweepRow.lookup(row.value, path(of: $0.field)), $0.value) } }
    }

    /// The trace shape column named `name` (`n`, `head_dim`, `layers`, `heads`, `kv_heads`), if it is one.
    public static func shapeColumn(_ name: String) -> (name: String, path: String, label: String)? {
        SweepTraceShape.columns.first { $0.name == name }
    }

    /// A row path for a plot field: `trace` (its name), a trace shape column's key, else the swept field under `values.`.
    static func path(of field: String) -> String {
        field == "trace" ? "trace" : shapeColumn(field)?.path ?? "values." + field
    }

    static func sameValue(_ a: JSONValue?, _ b: JSONValue) -> Bool {
        guard let a else { return false }
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    /// Whether swept field `field` takes more than one value among `rows` (constant ones stay out of
    /// legends and labels; the title names the filter).
    static func varies(_ field: String, in rows: [SweepRow]) -> Bool {
        varies(path: "values." + field, in: rows)
    }

    static func varies(path: String, in rows: [SweepRow]) -> Bool {
        Set(rows.map { SweepTable.cell(SweepRow.lookup($0.value, path)) }).count > 1
    }

    static func yChoice(_ y: String) throws(SweepError) -> (name: String, path: String, label: String) {
        guard let choice = yChoices.first(where: { $0.name == y }) else {
            throw .unknownPlotField(field: y, available: yChoices.map(\.name))
        }
        return choice
    }

    /// `y` against swept field `x`, one line per combination of the other swept fields (and the trace
    /// when there are several; a linked axis counts as one field). `y` may list several comma-separated
    /// columns (one line each). With `x` a trace shape column (`n`, `head_dim`, `layers`, `heads`,
    /// `kv_heads`), the traces lie along the x axis: points of one combination of swept fields on
    /// different traces form one line (split further by the other shape columns that vary among the
    /// rows). One panel: `lines` is the faceted form.
    public static func line(rows: [SweepRow], header: SweepHeader, x: String, y: String, title: String) throws(SweepError) -> SweepLineChart {
        let faceted = try lines(rows: rows, header: header, x: x, y: y, title: title, autoFacet: false)
        var chart = SweepLineChart(title: title, xLabel: faceted.xLabel, yLabel: faceted.yLabel, legendTitle: nil,
                                   series: faceted.panels.first?.series ?? [], xTicks: faceted.xTicks)
        chart.logX = faceted.logX
        return chart
    }

    /// The x quantities of the Pareto chart: `--x` name, row path, axis label. `area` is the mm² of
    /// `AreaModel` (every accelerator's core and external memories, `area_mm2`); `area_proxy` the count.
    public static let areaChoices: [(name: String, path: String, label: String)] = [
        ("area", "area.total_mm2", "area (mm², ELSA Table I scaled, docs/energy.md)"),
        ("area_proxy", "area_proxy.units", "area proxy: multipliers + candidate selectors (count, not mm²)"),
    ]

    /// Whether `--x` names a Pareto chart's area rather than a swept field.
    public static func isArea(_ x: String) -> Bool { areaChoices.contains { $0.name == x } }

    /// `y` against the area (`x`: `area` or `area_proxy`, see `areaChoices`) for every row, coloured by
    /// swept field `color` (if any). Rows without that area (an output of an older layout) are skipped.
    public static func pareto(rows: [SweepRow], header: SweepHeader, x: String = "area", y: String, color: String?,
                              title: String) throws(SweepError) -> ParetoChart {
        guard let area = areaChoices.first(where: { $0.name == x }) else {
            throw .unknownPlotField(field: x, available: areaChoices.map(\.name))
        }
        let choice = try yChoice(y)
        if let color, !header.fields.contains(color) { throw .unknownPlotField(field: color, available: header.fields) }
        var names: [String] = []
        var chartPoints: [ParetoChart.Point] = []
        let labelFields = header.fields.filter { $0 != color && varies($0, in: rows) }
        for row in rows {
            guard let xv = row.number(area.path), let yv = row.number(choice.path) else { continue }
            var series = 0
            if let color {
                let name = "\(short(color)) = \(SweepTable.cell(SweepRow.lookup(row.value, "values." + color)))"
                if let i = names.firstIndex(of: name) { series = i } else { names.append(name); series = names.count - 1 }
            }
            let label = labelFields.map { "\(short($0))=\(SweepTable.cell(SweepRow.lookup(row.value, "values." + $0)))" }
                .joined(separator: " ")
            chartPoints.append(ParetoChart.Point(x: xv, y: yv, series: series, label: label))
        }
        return ParetoChart(title: title, xLabel: area.label,
                           yLabel: choice.label, legendTitle: nil, seriesNames: names, points: chartPoints)
    }
}
