import Foundation

/// Cycles against an area proxy for every sweep point, with the Pareto front (points no other point
/// beats on both axes) joined and labelled (`--plot FILE --x area_proxy`, `docs/sweeps.md`, "Plots").
public struct ParetoChart: Sendable {
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// Colour group (index into `seriesNames`).
        public var series: Int
        public var label: String

        public init(x: Double, y: Double, series: Int, label: String) {
            self.x = x
            self.y = y
            self.series = series
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var legendTitle: String?
    public var seriesNames: [String]
    public var points: [Point]

    public init(title: String, xLabel: String, yLabel: String, legendTitle: String?, seriesNames: [String], points: [Point]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legendTitle = legendTitle
        self.seriesNames = seriesNames
        self.points = points
    }

    /// Indices of the points on the Pareto front (minimizing x and y), by increasing x: a point is on
    /// the front when no other point has x and y both ≤ its own with one of them <. Equal points: the
    /// first is kept.
    public static func front(_ points: [Point]) -> [Int] {
        let order = points.indices.sorted { (points[$0].x, points[$0].y, $0) < (points[$1].x, points[$1].y, $1) }
        var front: [Int] = []
        var best = Double.infinity
        for i in order where points[i].y < best {
            front.append(i)
            best = points[i].y
        }
        return front
    }

    public func render(width: Double = 720, height: Double = 440) -> String {
        let legend = seriesNames.count > 1 ? ChartFrame.legendWidth(seriesNames, title: legendTitle) : 0
        let frame = ChartFrame(width: width, height: height, legendWidth: legend, hasTitle: !title.isEmpty)
        var svg = SVGDocument(width: width, height: height)
        if !title.isEmpty { frame.title(title, in: &svg) }
        let xs = points.map(\.x), ys = points.map(\.y)
        let xTicks = PlotScale.niceTicks(min: xs.min() ?? 0, max: xs.max() ?? 1, count: 6)
        // Cycles spanning a factor ≥ 8 go on a log axis, so the fast designs are not squashed.
        let yLow = ys.min() ?? 1, yHigh = ys.max() ?? 1
        let logY = yLow > 0 && yHigh / yLow >= 8
        let yTicks = logY ? PlotScale.logTicks(min: yLow, max: yHigh) : PlotScale.niceTicks(min: 0, max: yHigh)
        let xScale = PlotScale(lower: xTicks.first ?? 0, upper: xTicks.last ?? 1, from: frame.left, to: frame.right)
        let yScale = PlotScale(lower: yTicks.first ?? 0, upper: yTicks.last ?? 1, from: frame.bottom, to: frame.top, log: logY)
        frame.yAxis(yScale, ticks: yTicks, label: yLabel + (logY ? " (log scale)" : ""), in: &svg)
        frame.xAxis(xScale, ticks: xTicks, labels: xTicks.map(PlotScale.label), label: xLabel, in: &svg)
        frame.axes(in: &svg)
        let front = Self.front(points)
        // Step line of the front: from each front point right to the next one's x, then down.
        var steps: [(x: Double, y: Double)] = []
        for (k, i) in front.enumerated() {
            steps.append((xScale.map(points[i].x), yScale.map(points[i].y)))
            if k + 1 < front.count { steps.append((xScale.map(points[front[k + 1]].x), yScale.map(points[i].y))) }
        }
        svg.polyline(steps, stroke: "#555555", width: 1.2, dash: "4 3")
        let onFront = Set(front)
        for (i, p) in points.enumerated() where !onFront.contains(i) {
            svg.marker(PlotPalette.marker(p.series), x: xScale.map(p.x), y: yScale.map(p.y), r: 3.2,
                       fill: PlotPalette.color(p.series), title: "\(p.label): \(PlotScale.label(p.x)), \(PlotScale.label(p.y))")
        }
        // Front labels: the first of four spots around the marker that overlaps no placed label or
        // front marker; a label with no free spot is left out (the SVG <title> still names the point).
        var placed: [(x0: Double, y0: Double, x1: Double, y1: Double)] = front.map {
            let x = xScale.map(points[$0].x), y = yScale.map(points[$0].y)
            return (x - 5, y - 5, x + 5, y + 5)
        }
        for i in front {
            let p = points[i]
            let x = xScale.map(p.x), y = yScale.map(p.y)
            svg.marker(PlotPalette.marker(p.series), x: x, y: y, r: 4.8, fill: PlotPalette.color(p.series), stroke: "#000000",
                       title: "\(p.label): \(PlotScale.label(p.x)), \(PlotScale.label(p.y))")
            let w = SVGDocument.textWidth(p.label, size: 10)
            let spots: [(x: Double, y: Double, anchor: TextAnchor)] = [(x + 7, y - 7, .start), (x + 7, y + 14, .start),
                                                                      (x - 7, y - 7, .end), (x - 7, y + 14, .end)]
            for spot in spots {
                let x0 = spot.anchor == .start ? spot.x : spot.x - w
                let box = (x0: x0, y0: spot.y - 9, x1: x0 + w, y1: spot.y + 2)
                let inside = box.x0 >= frame.left && box.x1 <= frame.right && box.y0 >= frame.top && box.y1 <= frame.bottom
                let free = !placed.contains { $0.x0 < box.x1 && box.x0 < $0.x1 && $0.y0 < box.y1 && box.y0 < $0.y1 }
                if inside && free {
                    svg.text(p.label, x: spot.x, y: spot.y, size: 10, anchor: spot.anchor, fill: "#333333")
                    placed.append(box)
                    break
                }
            }
        }
        if seriesNames.count > 1 {
            frame.legend(seriesNames, title: legendTitle, in: &svg) { i, x, y, svg in
                svg.marker(PlotPalette.marker(i), x: x, y: y, r: 4, fill: PlotPalette.color(i))
            }
        }
        svg.text("larger markers, dashed line: Pareto front", x: frame.right, y: frame.top - 6, size: 10, anchor: .end, fill: "#555555")
        return svg.render()
    }
}
