/// Grouped, stacked bars: per group (a layer, or the total) one bar per series (a config), each bar
/// split into a solid bottom segment (execution) and a hatched top segment (preprocessing), as in
/// ELSA Fig. 11(b); values are normalized by the caller (`elsa-sim compare --plot`, `docs/sweeps.md`).
public struct StackedBarChart: Sendable {
    public struct Bar: Sendable {
        public var bottom: Double
        public var top: Double

        public init(bottom: Double, top: Double) {
            self.bottom = bottom
            self.top = top
        }
    }

    public struct Group: Sendable {
        public var label: String
        /// One bar per series, in series order.
        public var bars: [Bar]

        public init(label: String, bars: [Bar]) {
            self.label = label
            self.bars = bars
        }
    }

    public var title: String
    public var yLabel: String
    public var xLabel: String
    public var seriesNames: [String]
    public var bottomName: String
    public var topName: String
    public var groups: [Group]
    /// A dashed reference line (1.0 for the baseline), or `nil`.
    public var reference: Double?

    public init(title: String, yLabel: String, xLabel: String, seriesNames: [String], bottomName: String, topName: String,
                groups: [Group], reference: Double?) {
        self.title = title
        self.yLabel = yLabel
        self.xLabel = xLabel
        self.seriesNames = seriesNames
        self.bottomName = bottomName
        self.topName = topName
        self.groups = groups
        self.reference = reference
    }

    public func render(width: Double = 720, height: Double = 400) -> String {
        let legendNames = seriesNames + [bottomName + " (solid)", topName + " (hatched)"]
        let frame = ChartFrame(width: width, height: height, legendWidth: ChartFrame.legendWidth(legendNames, title: nil),
                               hasTitle: !title.isEmpty)
        var svg = SVGDocument(width: width, height: height)
        if !title.isEmpty { frame.title(title, in: &svg) }
        let highest = groups.flatMap { $0.bars.map { $0.bottom + $0.top } }.max() ?? 1
        let yTicks = PlotScale.niceTicks(min: 0, max: max(highest, reference ?? 0) * 1.08)
        let yScale = PlotScale(lower: 0, upper: yTicks.last ?? 1, from: frame.bottom, to: frame.top)
        frame.yAxis(yScale, ticks: yTicks, label: yLabel, in: &svg, format: { PlotScale.trim($0) })
        let slot = (frame.right - frame.left) / Double(max(1, groups.count))
        let barWidth = min(28, slot * 0.8 / Double(max(1, seriesNames.count)))
        let hatches = seriesNames.indices.map { svg.hatch(id: "hatch\($0)", color: PlotPalette.color($0)) }
        for (g, group) in groups.enumerated() {
            let center = frame.left + slot * (Double(g) + 0.5)
            let start = center - barWidth * Double(group.bars.count) / 2
            for (s, bar) in group.bars.enumerated() {
                let x = start + barWidth * Double(s)
                let y0 = yScale.map(0), y1 = yScale.map(bar.bottom), y2 = yScale.map(bar.bottom + bar.top)
                let tip = "\(seriesNames[s]), \(group.label): \(bottomName) \(PlotScale.trim(bar.bottom)), \(topName) \(PlotScale.trim(bar.top))"
                svg.rect(x: x + 1, y: y1, width: barWidth - 2, height: y0 - y1, fill: PlotPalette.color(s), stroke: "#333333",
                         strokeWidth: 0.6, title: tip)
                if bar.top > 0 {
                    svg.rect(x: x + 1, y: y2, width: barWidth - 2, height: y1 - y2, fill: hatches[s], stroke: "#333333",
                             strokeWidth: 0.6, title: tip)
                }
                if barWidth >= 17 {
                    svg.text(String(format: "%.2f", bar.bottom + bar.top), x: x + barWidth / 2, y: y2 - 3, size: 8.5, anchor: .middle,
                             fill: "#333333")
                }
            }
            svg.text(group.label, x: center, y: frame.bottom + 17, size: 11, anchor: .middle)
        }
        if let reference {
            let y = yScale.map(reference)
            svg.line(x1: frame.left, y1: y, x2: frame.right, y2: y, stroke: "#555555", dash: "5 3")
        }
        frame.xLabel(xLabel, in: &svg)
        frame.axes(in: &svg)
        frame.legend(legendNames, title: nil, in: &svg) { i, x, y, svg in
            if i < seriesNames.count {
                svg.rect(x: x - 8, y: y - 6, width: 16, height: 12, fill: PlotPalette.color(i), stroke: "#333333", strokeWidth: 0.6)
            } else if i == seriesNames.count {
                svg.rect(x: x - 8, y: y - 6, width: 16, height: 12, fill: "#999999", stroke: "#333333", strokeWidth: 0.6)
            } else {
                let gray = svg.hatch(id: "hatchLegend", color: "#777777")
                svg.rect(x: x - 8, y: y - 6, width: 16, height: 12, fill: gray, stroke: "#333333", strokeWidth: 0.6)
            }
        }
        return svg.render()
    }
}

import Foundation
