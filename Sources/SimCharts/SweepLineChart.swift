/// A line chart of a sweep: a y quantity (cycles) against one swept field, one line per combination
/// of the other swept fields (`elsa-sim sweep --plot FILE --x FIELD`, `docs/sweeps.md`, "Plots").
public struct SweepLineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var legendTitle: String?
    public var series: [Series]
    /// The x values to mark (the swept values).
    public var xTicks: [Double]
    /// Base-2 log x axis (chosen when every x is positive and they span a factor ≥ 4).
    public var logX: Bool

    public init(title: String, xLabel: String, yLabel: String, legendTitle: String?, series: [Series], xTicks: [Double]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legendTitle = legendTitle
        self.series = series
        self.xTicks = xTicks.sorted()
        let positive = xTicks.allSatisfy { $0 > 0 }
        logX = positive && (xTicks.max() ?? 1) / (xTicks.min() ?? 1) >= 4
    }

    public func render(width: Double = 720, height: Double = 400) -> String {
        let names = series.map(\.name)
        let legend = series.count > 1 ? ChartFrame.legendWidth(names, title: legendTitle) : 0
        let frame = ChartFrame(width: width, height: height, legendWidth: legend, hasTitle: !title.isEmpty)
        var svg = SVGDocument(width: width, height: height)
        if !title.isEmpty { frame.title(title, in: &svg) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let yTicks = PlotScale.niceTicks(min: 0, max: ys.max() ?? 1)
        let yScale = PlotScale(lower: yTicks.first ?? 0, upper: yTicks.last ?? 1, from: frame.bottom, to: frame.top)
        let lo = xTicks.first ?? 0, hi = xTicks.last ?? 1
        let pad = logX ? 0 : (hi - lo) * 0.04
        let xScale = logX
            ? PlotScale(lower: lo / pow2(0.15), upper: hi * pow2(0.15), from: frame.left, to: frame.right, log: true)
            : PlotScale(lower: lo - pad, upper: hi + pad, from: frame.left, to: frame.right)
        frame.yAxis(yScale, ticks: yTicks, label: yLabel, in: &svg)
        frame.xAxis(xScale, ticks: xTicks, labels: xTicks.map(PlotScale.label), label: xLabel + (logX ? " (log scale)" : ""), in: &svg)
        frame.axes(in: &svg)
        for (i, s) in series.enumerated() {
            let points = s.points.sorted { $0.x < $1.x }.map { (x: xScale.map($0.x), y: yScale.map($0.y)) }
            svg.polyline(points, stroke: PlotPalette.color(i), width: 1.8)
            for (p, raw) in zip(points, s.points.sorted { $0.x < $1.x }) {
                // Later series get smaller markers, so coinciding points stay visible as nested shapes.
                svg.marker(PlotPalette.marker(i), x: p.x, y: p.y, r: max(2.6, 4.8 - 0.45 * Double(i)), fill: PlotPalette.color(i),
                           title: "\(s.name): \(PlotScale.label(raw.x)) → \(PlotScale.label(raw.y))")
            }
        }
        if series.count > 1 {
            frame.legend(names, title: legendTitle, in: &svg) { i, x, y, svg in
                svg.line(x1: x - 9, y1: y, x2: x + 9, y2: y, stroke: PlotPalette.color(i), width: 1.8)
                svg.marker(PlotPalette.marker(i), x: x, y: y, r: 3.4, fill: PlotPalette.color(i))
            }
        }
        return svg.render()
    }

    private func pow2(_ e: Double) -> Double { Foundation.pow(2, e) }
}

import Foundation
