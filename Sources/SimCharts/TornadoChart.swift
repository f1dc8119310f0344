import Foundation

/// A tornado chart (`elsa-sim sensitivity --plot`, `docs/validation.md`, "Which unknowns matter"): one row
/// per assumption, largest effect at the top; each alternative value is a horizontal bar from 0 to its
/// change of the plotted metric (percent of the baseline), labelled with the value at its end.
public struct TornadoChart: Sendable {
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var delta: Double
        public init(label: String, delta: Double) {
            self.label = label
            self.delta = delta
        }
    }
    public struct Row: Sendable, Equatable {
        public var name: String
        public var bars: [Bar]
        public init(name: String, bars: [Bar]) {
            self.name = name
            self.bars = bars
        }
        /// The row's effect: its largest |Δ|.
        public var effect: Double { bars.map { abs($0.delta) }.max() ?? 0 }
    }

    public var title: String
    public var xLabel: String
    /// Rows in drawing order (top first).
    public var rows: [Row]

    public init(title: String, xLabel: String, rows: [Row]) {
        self.title = title
        self.xLabel = xLabel
        self.rows = rows
    }

    public func render() -> String {
        let rowHeight = 26.0
        let labelWidth = (rows.map { SVGDocument.textWidth($0.name, size: 11) }.max() ?? 60) + 14
        let width = 860.0
        let height = 40 + rowHeight * Double(max(rows.count, 1)) + 56
        let frame = ChartFrame(width: width, height: height, left: labelWidth + 8, right: width - 24, top: 40, bottom: height - 52)
        var svg = SVGDocument(width: width, height: height)
        frame.title(title, in: &svg)
        let deltas: [Double] = rows.flatMap { $0.bars.map(\.delta) } + [0.0]
        let low: Double = deltas.min() ?? 0, high: Double = deltas.max() ?? 0
        let span: Double = Swift.max(Swift.max(abs(low), abs(high)), 0.1)
        // Room for the value labels at both ends.
        let ticks: [Double] = AxisScale.linear.ticks(in: (-span * 1.4) ... (span * 1.4), target: 8)
        let lower: Double = Swift.min(ticks.first ?? -span, -span * 1.4)
        let upper: Double = Swift.max(ticks.last ?? span, span * 1.4)
        let x = PlotScale(lower: lower, upper: upper, from: frame.left, to: frame.right)
        frame.xAxis(x, ticks: ticks, labels: ticks.map { PlotScale.label($0) + "%" }, label: xLabel, in: &svg)
        for (r, row) in rows.enumerated() {
            let yMid = frame.top + rowHeight * (Double(r) + 0.5)
            if r % 2 == 1 { svg.rect(x: frame.left, y: yMid - rowHeight / 2, width: frame.right - frame.left, height: rowHeight, fill: "#f7f7f7") }
            svg.text(row.name, x: frame.left - 8, y: yMid + 4, size: 11, anchor: .end)
            // Largest first, so a smaller bar of the same sign stays visible on top of it.
            let order = row.bars.indices.sorted { abs(row.bars[$0].delta) > abs(row.bars[$1].delta) }
            var labelled: [Double: Int] = [:]
            for (k, i) in order.enumerated() {
                let bar = row.bars[i]
                let x0 = x.map(0), x1 = x.map(bar.delta)
                let h: Double = rowHeight * (0.62 - 0.12 * Double(Swift.min(k, 3)))
                svg.rect(x: min(x0, x1), y: yMid - h / 2, width: max(abs(x1 - x0), 1), height: h,
                         fill: bar.delta < 0 ? PlotPalette.color(0) : PlotPalette.color(1), stroke: "#ffffff")
                let side = bar.delta < 0 ? -1.0 : 1.0
                let slot = labelled[side, default: 0]
                labelled[side] = slot + 1
                let text = bar.label + " (" + (bar.delta >= 0 ? "+" : "") + String(format: "%.1f", bar.delta) + "%)"
                let yText: Double = yMid + 4 + Double(slot) * 10 - (slot > 0 ? 3.0 : 0.0)
                svg.text(text, x: x1 + side * 4, y: yText, size: slot > 0 ? 9 : 10,
                         anchor: side < 0 ? .end : .start)
            }
        }
        svg.line(x1: x.map(0), y1: frame.top, x2: x.map(0), y2: frame.bottom, stroke: "#444444")
        frame.axes(in: &svg)
        return svg.render()
    }
}

extension ChartFrame {
    /// A frame with explicit plot bounds (the tornado chart's left margin holds the row names).
    init(width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double) {
        self.width = width
        self.height = height
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }
}
