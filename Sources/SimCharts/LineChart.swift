import Foundation

/// One point of a chart series.
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A named line of a `LineChart`.
public struct ChartSeries: Sendable, Equatable {
    /// How the line is drawn.
    public enum Stroke: String, Sendable, Equatable { case solid, dashed, dotted }

    public var name: String
    /// Drawn in order; a point the axis cannot show (not finite, or ≤ 0 on a log axis) breaks the line.
    public var points: [ChartPoint]
    public var stroke: Stroke
    /// Draw a marker at each point.
    public var markers: Bool
    /// An SVG colour; `nil` takes the next colour of `LineChart.palette` by series position.
    public var color: String?

    public init(name: String, points: [ChartPoint], stroke: Stroke = .solid, markers: Bool = true, color: String? = nil) {
        self.name = name
        self.points = points
        self.stroke = stroke
        self.markers = markers
        self.color = color
    }
}

/// A line chart rendered as SVG text (no dependencies): series of (x, y) points, axis labels (state the
/// units in them), a legend, linear or log axes. `svg()` gives a standalone document; `SVGFigure` stacks
/// several charts in one document.
///
/// Output is deterministic: coordinates are printed with two decimals, so equal inputs give equal bytes.
public struct LineChart: Sendable, Equatable {
    /// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var xScale: AxisScale = .linear
    public var yScale: AxisScale = .linear
    /// Axis extents; `nil` uses the data's extent (y rounded out to tick steps on a linear axis).
    public var xRange: ClosedRange<Double>? = nil
    public var yRange: ClosedRange<Double>? = nil
    /// Tick positions; `nil` chooses them (`AxisScale.ticks`).
    public var xTicks: [Double]? = nil
    public var yTicks: [Double]? = nil
    /// Width reserved right of the plot for the legend; `nil` fits the longest series name
    /// (`naturalLegendWidth`). `SVGFigure` sets it so stacked charts share one plot width.
    public var legendWidth: Double? = nil
    /// Overall size in SVG user units (pixels), legend included.
    public var width: Double = 720
    public var height: Double = 340

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// A standalone SVG document.
    public func svg() -> String { SVGFigure(charts: [self]).svg() }

    /// The chart's SVG elements, drawn in a `width × height` box whose top-left corner is `(x0, y0)`.
    /// Lines are clipped to the plot area by a clip path named `id` (unique within the document).
    public func fragment(x0: Double, y0: Double, id: String = "plot") -> String {
        let legendWidth = self.legendWidth ?? naturalLegendWidth
        let left = 72.0, right = legendWidth + 16, top = 34.0, bottom = 50.0
        let plotX = x0 + left, plotY = y0 + top
        let plotW = max(10, width - left - right), plotH = max(10, height - top - bottom)

        let xr = xRange ?? dataRange(\.x, scale: xScale)
        var yr = yRange ?? dataRange(\.y, scale: yScale)
        if yRange == nil && yScale == .linear {
            let step = AxisScale.niceStep(yr, target: 5)
            yr = (yr.lowerBound / step).rounded(.down) * step ... (yr.upperBound / step).rounded(.up) * step
        }
        let tx = (xScale.transform(xr.lowerBound), xScale.transform(xr.upperBound))
        let ty = (yScale.transform(yr.lowerBound), yScale.transform(yr.upperBound))
        func px(_ x: Double) -> Double {
            tx.1 == tx.0 ? plotX + plotW / 2 : plotX + (xScale.transform(x) - tx.0) / (tx.1 - tx.0) * plotW
        }
        func py(_ y: Double) -> Double {
            ty.1 == ty.0 ? plotY + plotH / 2 : plotY + plotH - (yScale.transform(y) - ty.0) / (ty.1 - ty.0) * plotH
        }

        var s = ""
        s += "<text x=\"\(f(x0 + width / 2))\" y=\"\(f(y0 + 20))\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(SVGFigure.escape(title))</text>\n"
        // Grid and ticks.
        let xt = (xTicks ?? xScale.ticks(in: xr)).filter { xScale.accepts($0) && $0 >= xr.lowerBound - 1e-12 && $0 <= xr.upperBound + 1e-12 }
        let yt = (yTicks ?? yScale.ticks(in: yr)).filter { yScale.accepts($0) && $0 >= yr.lowerBound - 1e-12 && $0 <= yr.upperBound + 1e-12 }
        for t in xt {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(plotY))\" x2=\"\(f(px(t)))\" y2=\"\(f(plotY + plotH))\" stroke=\"#e0e0e0\"/>\n"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(plotY + plotH + 16))\" text-anchor=\"middle\" font-size=\"11\">\(Self.label(t))</text>\n"
        }
        for t in yt {
            s += "<line x1=\"\(f(plotX))\" y1=\"\(f(py(t)))\" x2=\"\(f(plotX + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e0e0e0\"/>\n"
            s += "<text x=\"\(f(plotX - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"11\">\(Self.label(t))</text>\n"
        }
        s += "<rect x=\"\(f(plotX))\" y=\"\(f(plotY))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333333\"/>\n"
        s += "<text x=\"\(f(plotX + plotW / 2))\" y=\"\(f(plotY + plotH + 38))\" text-anchor=\"middle\" font-size=\"12\">\(SVGFigure.escape(xLabel))</text>\n"
        let yLabelX = x0 + 16, yLabelY = plotY + plotH / 2
        s += "<text x=\"\(f(yLabelX))\" y=\"\(f(yLabelY))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 \(f(yLabelX)) \(f(yLabelY)))\">\(SVGFigure.escape(yLabel))</text>\n"

        // Series, clipped to the plot area; legend entries after them, unclipped.
        s += "<clipPath id=\"\(SVGFigure.escape(id))\"><rect x=\"\(f(plotX))\" y=\"\(f(plotY))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath>\n"
        var legend = ""
        s += "<g clip-path=\"url(#\(SVGFigure.escape(id)))\">\n"
        for (i, series) in series.enumerated() {
            let color = series.color ?? Self.palette[i % Self.palette.count]
            let dash: String
            switch series.stroke {
            case .solid: dash = ""
            case .dashed: dash = " stroke-dasharray=\"7 4\""
            case .dotted: dash = " stroke-dasharray=\"2 3\""
            }
            var runs: [[ChartPoint]] = [[]]
            for point in series.points {
                if xScale.accepts(point.x) && yScale.accepts(point.y) { runs[runs.count - 1].append(point) }
                else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where run.count >= 2 {
                let coordinates = run.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            if series.markers {
                for run in runs { for point in run {
                    s += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(color)\"/>\n"
                } }
            }
            // Legend entry.
            let ly = plotY + 10 + Double(i) * 18
            let lx = plotX + plotW + 14
            legend += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 24))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            if series.markers { legend += "<circle cx=\"\(f(lx + 12))\" cy=\"\(f(ly))\" r=\"3\" fill=\"\(color)\"/>\n" }
            legend += "<text x=\"\(f(lx + 30))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(SVGFigure.escape(series.name))</text>\n"
        }
        return s + "</g>\n" + legend
    }

    /// The legend width that fits the longest series name (at most 45 % of `width`).
    public var naturalLegendWidth: Double {
        min(width * 0.45, 36 + 6.6 * Double(series.map(\.name.count).max() ?? 0))
    }

    /// The extent of the drawable values of one coordinate (`0 … 1` when there are none).
    func dataRange(_ coordinate: KeyPath<ChartPoint, Double>, scale: AxisScale) -> ClosedRange<Double> {
        let values = series.flatMap(\.points).filter { xScale.accepts($0.x) && yScale.accepts($0.y) }.map { $0[keyPath: coordinate] }
        guard let low = values.min(), let high = values.max() else { return scale == .log ? 1 ... 10 : 0 ... 1 }
        if low == high { return scale == .log ? low / 2 ... high * 2 : low - 0.5 ... high + 0.5 }
        return low ... high
    }

    /// A tick label: up to 4 significant digits, no trailing zeros.
    static func label(_ v: Double) -> String {
        var text = String(format: "%.4g", v)
        if text.contains(".") && !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    func f(_ v: Double) -> String { String(format: "%.2f", v) }
}
