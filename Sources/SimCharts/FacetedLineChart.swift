import Foundation

/// Line charts as small multiples (`docs/sweeps.md`, "Plots"): one panel per value of a facet field,
/// each with the same series names drawn in the same `SeriesStyle` (colour × marker × dash), a shared
/// (linked) y axis and the same x ticks in every panel, one legend for the whole figure. With a single
/// untitled panel it is the plain line chart of `SweepLineChart`.
///
/// Layout: up to 3 panels side by side (4 as 2 × 2), 300 px of plot width per panel at least, so a
/// faceted figure may be wider than the 720 px of a single chart. The legend sits right of a single
/// panel with at most 18 entries, otherwise under the panels in as many columns as fit.
public struct FacetedLineChart: Sendable {
    public struct Panel: Sendable {
        /// The panel's strip label (the facet field's value, `p=0.5`); empty for a single unlabelled panel.
        public var title: String
        public var series: [SweepLineChart.Series]

        public init(title: String, series: [SweepLineChart.Series]) {
            self.title = title
            self.series = series
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var panels: [Panel]
    /// Every series name in legend order; the series named `seriesNames[i]` is drawn with
    /// `SeriesStyle.of(i)` in every panel.
    public var seriesNames: [String]
    /// The x values to mark (the swept values), ascending.
    public var xTicks: [Double]
    /// A second, smaller label line under an x tick (the values of fields linked to the x field).
    public var xTickNotes: [Double: String]
    /// Said after the x axis label (what the tick notes are).
    public var xNote: String?
    /// Base-2 log x axis (chosen when every x is positive and they span a factor ≥ 4).
    public var logX: Bool
    /// Log y axis (chosen when every y is positive and they span a factor ≥ 8).
    public var logY: Bool
    /// The fields the panels split by (for messages; empty for one panel).
    public var facetFields: [String]

    public init(title: String, xLabel: String, yLabel: String, panels: [Panel], xTicks: [Double],
                xTickNotes: [Double: String] = [:], facetFields: [String] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.panels = panels
        var names: [String] = []
        for panel in panels { for s in panel.series where !names.contains(s.name) { names.append(s.name) } }
        seriesNames = names
        let ticks = Array(Set(xTicks)).sorted()
        self.xTicks = ticks
        self.xTickNotes = xTickNotes
        xNote = nil
        self.facetFields = facetFields
        logX = ticks.allSatisfy { $0 > 0 } && (ticks.last ?? 1) / (ticks.first ?? 1) >= 4
        let ys = panels.flatMap { $0.series.flatMap { $0.points.map(\.y) } }
        logY = !ys.isEmpty && ys.allSatisfy { $0 > 0 } && (ys.max() ?? 1) / (ys.min() ?? 1) >= 8
    }

    /// The style of the series named `name`.
    public func style(of name: String) -> SeriesStyle { SeriesStyle.of(seriesNames.firstIndex(of: name) ?? 0) }

    public func render(width requested: Double? = nil) -> String {
        let count = max(1, panels.count)
        let columns = count <= 3 ? count : (count == 4 ? 2 : 3)
        let rows = (count + columns - 1) / columns
        let strips = panels.contains { !$0.title.isEmpty }
        let entries = seriesNames.count > 1 ? seriesNames : []
        let naturalLegend = ChartFrame.legendWidth(entries, title: nil, cap: .infinity)
        let legendRight = panels.count <= 1 && !entries.isEmpty && entries.count <= 18 && naturalLegend <= 230
        let legendRightWidth = legendRight ? naturalLegend : 0
        let marginL = 74.0, marginR = 16.0, gap = 22.0
        let width = requested ?? (count == 1 ? 720 : max(720, marginL + Double(columns) * 300 + Double(columns - 1) * gap + marginR))
        let gridWidth = width - marginL - marginR - (legendRight ? legendRightWidth + 16 : 0)
        let plotW = (gridWidth - Double(columns - 1) * gap) / Double(columns)
        let plotH = count == 1 ? 290.0 : 200.0
        let strip = strips ? 20.0 : 0
        let tickArea = 22.0 + (xTickNotes.isEmpty ? 0 : 13)
        let rowH = strip + plotH + tickArea + 10
        // A long title wraps (14 px bold, about 0.62 em per character).
        let titleLines = SVGFigure.wrap(title, columns: max(20, Int((width - 24) / (14 * 0.62))))
        let top = titleLines.isEmpty ? 16.0 : 40 + 17 * Double(titleLines.count - 1)
        let gridBottom = top + Double(rows) * rowH
        let xLabelY = gridBottom + 8

        // The legend under the panels: columns of equal width; a name too long for its column wraps.
        let legendSpan = width - marginL - marginR
        let entryWidth = min(legendSpan, (entries.map { SVGDocument.textWidth($0, size: 11) }.max() ?? 0) + 48)
        let legendColumns = max(1, Int(legendSpan / max(1, entryWidth)))
        let columnWidth = legendSpan / Double(legendColumns)
        let wrapped = entries.map { SVGFigure.wrap($0, columns: max(10, Int((columnWidth - 40) / 6.6))) }
        var rowTops: [Double] = []
        var legendBottom = xLabelY + 18
        if !legendRight {
            for start in stride(from: 0, to: entries.count, by: legendColumns) {
                rowTops.append(legendBottom)
                let lines = wrapped[start ..< min(entries.count, start + legendColumns)].map(\.count).max() ?? 1
                legendBottom += 17 + 13 * Double(lines - 1)
            }
        }
        let height = rowTops.isEmpty ? xLabelY + 18 : legendBottom + 6

        var svg = SVGDocument(width: width, height: height)
        for (i, line) in titleLines.enumerated() {
            svg.text(line, x: width / 2, y: 22 + 17 * Double(i), size: 14, anchor: .middle, weight: "bold")
        }

        // Shared scales.
        let ys = panels.flatMap { $0.series.flatMap { $0.points.map(\.y) } }
        let yTicks = logY ? PlotScale.logTicks(min: ys.min() ?? 1, max: ys.max() ?? 10)
                          : PlotScale.niceTicks(min: min(0, ys.min() ?? 0), max: ys.max() ?? 1)
        let lo = xTicks.first ?? 0, hi = xTicks.last ?? 1
        let pad = logX ? 0 : (hi - lo) * 0.04
        let xLower = logX ? lo / Foundation.pow(2, 0.15) : lo - pad, xUpper = logX ? hi * Foundation.pow(2, 0.15) : hi + pad

        for (k, panel) in panels.enumerated() {
            let col = k % columns, row = k / columns
            let left = marginL + Double(col) * (plotW + gap)
            let plotTop = top + Double(row) * rowH + strip
            let bottom = plotTop + plotH
            let yScale = PlotScale(lower: yTicks.first ?? 0, upper: yTicks.last ?? 1, from: bottom, to: plotTop, log: logY)
            let xScale = PlotScale(lower: xLower, upper: xUpper, from: left, to: left + plotW, log: logX)
            svg.beginGroup(class: "panel", title: panel.title.isEmpty ? nil : panel.title)
            if !panel.title.isEmpty {
                svg.rect(x: left, y: plotTop - strip, width: plotW, height: strip - 2, fill: "#ececec")
                svg.text(panel.title, x: left + plotW / 2, y: plotTop - 6, size: 11.5, anchor: .middle, weight: "bold")
            }
            for t in yTicks {
                let y = yScale.map(t)
                svg.line(x1: left, y1: y, x2: left + plotW, y2: y, stroke: "#e3e3e3")
                svg.line(x1: left - 4, y1: y, x2: left, y2: y, stroke: "#444444")
                if col == 0 { svg.text(PlotScale.label(t), x: left - 7, y: y + 4, size: 11, anchor: .end) }
            }
            for t in xTicks {
                let x = xScale.map(t)
                svg.line(x1: x, y1: plotTop, x2: x, y2: bottom, stroke: "#eeeeee")
                svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: "#444444")
                svg.text(PlotScale.label(t), x: x, y: bottom + 16, size: 11, anchor: .middle)
                if let note = xTickNotes[t] { svg.text(note, x: x, y: bottom + 29, size: 9.5, anchor: .middle, fill: "#666666") }
            }
            svg.line(x1: left, y1: plotTop, x2: left, y2: bottom, stroke: "#444444")
            svg.line(x1: left, y1: bottom, x2: left + plotW, y2: bottom, stroke: "#444444")
            svg.beginClip(id: "panel\(k)", x: left - 6, y: plotTop - 6, width: plotW + 12, height: plotH + 12)
            for s in panel.series {
                let index = seriesNames.firstIndex(of: s.name) ?? 0
                let style = SeriesStyle.of(index)
                let sorted = s.points.sorted { $0.x < $1.x }
                let points = sorted.map { (x: xScale.map($0.x), y: yScale.map($0.y)) }
                svg.beginGroup(class: "series", title: s.name)
                svg.polyline(points, stroke: style.color, width: 1.8, dash: style.dash)
                // Later series get smaller markers, so coinciding points stay visible as nested shapes.
                let r = max(2.6, 4.8 - 0.45 * Double(index))
                for (p, raw) in zip(points, sorted) {
                    let where_ = panel.title.isEmpty ? "" : panel.title + ", "
                    svg.marker(style.marker, x: p.x, y: p.y, r: r, fill: style.color,
                               title: "\(where_)\(s.name): \(PlotScale.label(raw.x)) → \(PlotScale.label(raw.y))")
                }
                svg.endGroup()
            }
            svg.endClip()
            svg.endGroup()
        }
        svg.text(yLabel + (logY ? " (log scale)" : ""), x: 16, y: (top + gridBottom) / 2, size: 12, anchor: .middle, rotate: -90)
        svg.text(xLabel + (logX ? " (log scale)" : "") + (xNote.map { "; " + $0 } ?? ""), x: marginL + gridWidth / 2, y: xLabelY,
                 size: 12, anchor: .middle)

        // Legend.
        func swatch(_ i: Int, x: Double, y: Double) {
            let style = SeriesStyle.of(i)
            svg.line(x1: x, y1: y, x2: x + 26, y2: y, stroke: style.color, width: 1.8, dash: style.dash)
            svg.marker(style.marker, x: x + 13, y: y, r: 3.6, fill: style.color)
        }
        if legendRight {
            let x = width - marginR - legendRightWidth + 4
            let step = entries.count > 14 ? 15.0 : 17.0
            for (i, name) in entries.enumerated() {
                let y = top + 8 + Double(i) * step
                swatch(i, x: x, y: y)
                svg.text(name, x: x + 32, y: y + 4, size: entries.count > 14 ? 10.5 : 11)
            }
        } else {
            for (i, lines) in wrapped.enumerated() {
                let x = marginL + Double(i % legendColumns) * columnWidth
                let y = rowTops[i / legendColumns]
                swatch(i, x: x, y: y)
                for (k, line) in lines.enumerated() { svg.text(line, x: x + 32, y: y + 4 + 13 * Double(k), size: 11) }
            }
        }
        return svg.render()
    }
}
