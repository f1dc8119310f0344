import SimIO
import SimCharts
import SimReports
/// Which rows of a sweep form which line of which panel (`docs/sweeps.md`, "Plots"): the plot's
/// dimensions are the sweep's axes (a linked axis, fields that change together, is ONE dimension), the
/// trace, and the trace shape columns. `--x` takes one dimension, `--facet` splits the panels, `--series`
/// the lines of a panel; by default every other dimension that varies among the plotted rows splits
/// the lines, and a chart that would need more lines than `SeriesStyle.distinguishable` is faceted by
/// the one dimension that brings it under that number with the fewest panels.
extension SweepCharts {
    /// One way the rows of a sweep chart can differ.
    struct PlotDimension: Equatable {
        /// The names that select it (`--series`, `--facet`): every field of a linked axis, or `trace`, or
        /// a trace shape column.
        var fields: [String]
        /// The row paths of its values.
        var paths: [String]
        /// The label prefix: short names joined by `/` (`Pa/m_h/m_o`); empty for the trace (its name alone).
        var short: String
        var isShape: Bool

        /// `p=0.5`, `Pa/m_h/m_o=1/64/4`, or the trace's name.
        func label(_ row: SweepRow) -> String {
            let values = paths.map { SweepTable.cell(SweepRow.lookup(row.value, $0)) }.joined(separator: "/")
            return short.isEmpty ? values : short + "=" + values
        }

        func varies(in rows: [SweepRow]) -> Bool { Set(rows.map(label)).count > 1 }
    }

    /// The most panels a faceted chart draws.
    public static let maxPanels = 16

    /// The dimensions of `rows`: the trace, one per axis of `header` (linked fields together), and the
    /// trace shape columns every row has (`SweepTraceShape`).
    static func dimensions(header: SweepHeader, rows: [SweepRow]) -> [PlotDimension] {
        var out = [PlotDimension(fields: ["trace"], paths: ["trace"], short: "", isShape: false)]
        out += header.axes.map { axis in
            PlotDimension(fields: axis.fields, paths: axis.fields.map { "values." + $0 },
                          short: axis.fields.map(short).joined(separator: "/"), isShape: false)
        }
        for column in SweepTraceShape.columns where !header.fields.contains(column.name)
            && !rows.isEmpty && rows.allSatisfy({ $0.number(column.path) != nil }) {
            out.append(PlotDimension(fields: [column.name], paths: [column.path], short: column.name, isShape: true))
        }
        return out
    }

    /// `y` against `x` as small multiples: one panel per combination of the `facet` fields' values, in
    /// each one line per combination of the `series` fields' values (`nil`: every other dimension that
    /// varies among `rows`; with `x` a trace shape column, the traces lie along x and the other shape
    /// columns split lines). `y` may list several comma-separated columns (one line each).
    ///
    /// - Parameter autoFacet: with `series == nil` and no `facet`, facet by one dimension when the lines
    ///   would outnumber `SeriesStyle.distinguishable`.
    /// - Throws: `unknownPlotField` for a name that is no dimension; `plotFieldReused` for one dimension
    ///   given two roles; `plotFieldUnassigned` for a varying dimension left out of `--series`;
    ///   `tooManySeries` / `tooManyPanels` past the limits.
    public static func lines(rows: [SweepRow], header: SweepHeader, x: String, y: String, series: [String]? = nil,
                             facet: [String] = [], title: String, autoFacet: Bool = true) throws(SweepError) -> FacetedLineChart {
        if x == "trace" { throw .traceOnXAxis }
        func numeric(_ path: String) -> Bool { !rows.isEmpty && rows.allSatisfy { $0.number(path) != nil } }
        let swept = header.fields.filter { numeric("values." + $0) }
        // Shape columns only when every row has them (rows of an older elsa-sim do not).
        let shapes = SweepTraceShape.columns.map(\.name).filter { !header.fields.contains($0) && numeric($0) }
        guard swept.contains(x) || shapes.contains(x) else {
            throw .unknownPlotField(field: x, available: swept + shapes + areaChoices.map(\.name))
        }
        let shapeX = swept.contains(x) ? nil : shapeColumn(x)
        let xPath = shapeX?.path ?? "values." + x
        var choices: [(name: String, path: String, label: String)] = []
        for name in y.split(separator: ",") { choices.append(try yChoice(String(name))) }
        guard !choices.isEmpty else { throw .unknownPlotField(field: y, available: yChoices.map(\.name)) }

        let all = dimensions(header: header, rows: rows)
        guard let xDimension = all.first(where: { $0.fields.contains(x) && $0.isShape == (shapeX != nil) }) else {
            throw .unknownPlotField(field: x, available: swept + shapes)
        }
        func resolve(_ names: [String], option: String, taken: [PlotDimension]) throws(SweepError) -> [PlotDimension] {
            var out: [PlotDimension] = []
            for name in names {
                guard let d = all.first(where: { $0.fields.contains(name) }) else {
                    throw .unknownPlotField(field: name, available: all.flatMap(\.fields))
                }
                if d == xDimension || taken.contains(d) || out.contains(d) {
                    throw .plotFieldReused(field: name, option: option)
                }
                out.append(d)
            }
            return out
        }
        var facetDimensions = try resolve(facet, option: "--facet", taken: [])
        // The dimensions that split lines by default: the varying axes, and the trace (or, when the
        // traces lie along x, the other shape columns).
        let candidates = all.filter { d in
            d != xDimension && d.varies(in: rows) && (shapeX == nil ? !d.isShape : d.fields != ["trace"])
        }
        func key(_ row: SweepRow, _ dimensions: [PlotDimension]) -> String {
            dimensions.map { $0.label(row) }.joined(separator: ", ")
        }
        var seriesDimensions: [PlotDimension]
        if let series {
            seriesDimensions = try resolve(series, option: "--series", taken: facetDimensions)
            // A field left out must be fixed by the chosen ones (the trace by `--series n` when every trace
            // has its own n), else one line would hold several points at one x.
            let chosen = seriesDimensions + facetDimensions
            let groups = Set(rows.map { key($0, chosen) }).count
            if let left = candidates.first(where: { d in
                !chosen.contains(d) && Set(rows.map { key($0, chosen) + "\u{1}" + d.label($0) }).count > groups
            }) {
                throw .plotFieldUnassigned(field: left.fields[0])
            }
        } else {
            seriesDimensions = candidates.filter { !facetDimensions.contains($0) }
        }
        func seriesCount(_ dimensions: [PlotDimension]) -> Int {
            Set(rows.map { key($0, dimensions) }).count * choices.count
        }
        // Two traces of one shape along --x n would put two points at one x on a line: split by trace.
        if let trace = all.first(where: { $0.fields == ["trace"] }), trace.varies(in: rows),
           !seriesDimensions.contains(trace), !facetDimensions.contains(trace), xDimension.isShape {
            let chosen = seriesDimensions + facetDimensions
            if Set(rows.map { key($0, chosen + [xDimension]) }).count < Set(rows.map { key($0, chosen + [xDimension, trace]) }).count {
                if series != nil { throw .plotFieldUnassigned(field: "trace") }
                seriesDimensions.insert(trace, at: 0)
            }
        }
        let limit = SeriesStyle.distinguishable
        if autoFacet && series == nil && facet.isEmpty && seriesCount(seriesDimensions) > limit {
            // Facet by the one dimension that leaves at most `limit` lines with the fewest panels.
            var best: (dimension: PlotDimension, panels: Int)?
            for d in seriesDimensions {
                let rest = seriesDimensions.filter { $0 != d }
                let panels = Set(rows.map { d.label($0) }).count
                if seriesCount(rest) <= limit && panels <= maxPanels && panels < (best?.panels ?? Int.max) { best = (d, panels) }
            }
            if let best {
                facetDimensions = [best.dimension]
                seriesDimensions.removeAll { $0 == best.dimension }
            }
        }
        let lineCount = seriesCount(seriesDimensions)
        if lineCount > limit {
            throw .tooManySeries(count: lineCount, limit: limit, fields: seriesDimensions.map { $0.fields[0] })
        }
        let panelCount = Set(rows.map { key($0, facetDimensions) }).count
        if panelCount > maxPanels {
            throw .tooManyPanels(count: panelCount, limit: maxPanels, fields: facetDimensions.map { $0.fields[0] })
        }

        var panelOrder: [String] = []
        var lineOrder: [String: [String]] = [:]
        var points: [String: [String: [(x: Double, y: Double)]]] = [:]
        var ticks: Set<Double> = []
        var notes: [Double: String] = [:]
        let linked = shapeX == nil ? xDimension.paths.filter { $0 != xPath } : []
        for choice in choices {
            for row in rows {
                guard let xv = row.number(xPath), let yv = row.number(choice.path) else { continue }
                let panel = key(row, facetDimensions)
                var parts = seriesDimensions.map { $0.label(row) }
                if choices.count > 1 { parts.insert(legendName(choice.name), at: 0) }
                let line = parts.isEmpty ? choice.name : parts.joined(separator: ", ")
                if points[panel] == nil { panelOrder.append(panel) }
                if points[panel, default: [:]][line] == nil { lineOrder[panel, default: []].append(line) }
                points[panel, default: [:]][line, default: []].append((xv, yv))
                ticks.insert(xv)
                if !linked.isEmpty {
                    notes[xv] = linked.map { SweepTable.cell(SweepRow.lookup(row.value, $0)) }.joined(separator: "/")
                }
            }
        }
        let panels = panelOrder.map { panel in
            FacetedLineChart.Panel(title: panel, series: lineOrder[panel, default: []].map {
                SweepLineChart.Series(name: $0, points: points[panel]?[$0] ?? [])
            })
        }
        var chart = FacetedLineChart(title: title, xLabel: shapeX?.label ?? "\(x) (\(short(x)))", yLabel: yLabel(choices.map(\.label)),
                                     panels: panels, xTicks: Array(ticks), xTickNotes: notes, facetFields: facetDimensions.map { $0.fields[0] })
        if !linked.isEmpty {
            chart.xNote = "in grey, the linked " + xDimension.fields.filter { $0 != x }.map(short).joined(separator: "/")
        }
        if x.hasPrefix("numerics.") { chart.logX = false }  // bit widths: a linear axis
        return chart
    }
}
