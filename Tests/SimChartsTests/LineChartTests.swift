import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SimCharts

/// The SVG line-chart writer (`Sources/SimCharts/`).
@Suite struct LineChartTests {
    static func parses(_ svg: String) -> Bool { XMLParser(data: Data(svg.utf8)).parse() }

    @Test(arguments: [
        (AxisScale.linear, 0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (.linear, 0, 0.73, [0, 0.2, 0.4, 0.6]),
        (.linear, -3, 7, [-2, 0, 2, 4, 6]),
        (.log, 0.01, 1000, [0.01, 0.1, 1, 10, 100, 1000]),
        (.log, 0.25, 4, [0.5, 1, 2]),
    ])
    func ticks(scale: AxisScale, low: Double, high: Double, expected: [Double]) {
        let ticks = scale.ticks(in: low ... high)
        #expect(ticks.count == expected.count)
        for (a, b) in zip(ticks, expected) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(ticks)") }
    }

    /// Plot area by hand: left margin 72, right = legend 100 + 16, top 34, bottom 50, so a 400 × 200 chart
    /// plots in x 72 … 284 and y 34 … 150.
    static func chart(_ points: [ChartPoint], xScale: AxisScale) -> LineChart {
        var chart = LineChart(title: "t", xLabel: "x (s)", yLabel: "y (1)", series: [ChartSeries(name: "a & <b>", points: points)])
        chart.width = 400
        chart.height = 200
        chart.legendWidth = 100
        chart.xScale = xScale
        chart.xRange = 1 ... 10
        chart.yRange = 0 ... 1
        return chart
    }

    @Test func pointsMapToThePlotArea() {
        let log = Self.chart([ChartPoint(x: 1, y: 0), ChartPoint(x: 10, y: 1)], xScale: .log).svg()
        #expect(log.contains("<polyline points=\"72.00,150.00 284.00,34.00\""))
        // On a linear axis x = 5.5 is the middle: 72 + 212/2 = 178; y = 0.25 → 150 − 29 = 121.
        let linear = Self.chart([ChartPoint(x: 1, y: 0), ChartPoint(x: 5.5, y: 0.25)], xScale: .linear).svg()
        #expect(linear.contains("<polyline points=\"72.00,150.00 178.00,121.00\""))
        // sqrt(10) is the middle of the log axis.
        let middle = Self.chart([ChartPoint(x: 10.0.squareRoot(), y: 0.5), ChartPoint(x: 10, y: 0.5)], xScale: .log).svg()
        #expect(middle.contains("<polyline points=\"178.00,92.00 284.00,92.00\""))
        #expect(Self.parses(log) && Self.parses(linear))
        #expect(log.contains("a &amp; &lt;b&gt;"))
    }

    @Test func undrawablePointsBreakTheLine() {
        let svg = Self.chart([ChartPoint(x: 1, y: 0), ChartPoint(x: -1, y: 0.5), ChartPoint(x: 10, y: .nan), ChartPoint(x: 10, y: 1)],
                             xScale: .log).svg()
        #expect(!svg.contains("<polyline"))
        // Two drawable points keep their markers; the legend adds one.
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3)
    }

    @Test func stackedChartsShareThePlotWidthAndClipIds() {
        var a = LineChart(title: "a", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "short", points: [])])
        let b = LineChart(title: "b", xLabel: "x", yLabel: "y",
                          series: [ChartSeries(name: "a much longer series name", points: [ChartPoint(x: 0, y: 0), ChartPoint(x: 1, y: 1)])])
        a.height = 100
        let svg = SVGFigure(charts: [a, b], caption: "c").svg()
        #expect(Self.parses(svg))
        #expect(svg.contains("<clipPath id=\"plot0\"") && svg.contains("<clipPath id=\"plot1\""))
        // Both plot rectangles have the same width (the wider legend is used for both).
        let widths = svg.components(separatedBy: "<rect x=\"72.00\"").dropFirst().map { $0.components(separatedBy: "width=\"")[1].prefix(while: { $0 != "\"" }) }
        #expect(widths.count == 4 && Set(widths).count == 1)
        #expect(svg.contains("height=\"462\""))   // 100 + 340 + 8 + 14 (one caption line)
        #expect(SVGFigure.wrap("aa bb cc dddddd e", columns: 5) == ["aa bb", "cc", "dddddd", "e"])
        #expect(svg == SVGFigure(charts: [a, b], caption: "c").svg())
    }

    @Test func labelsAreShort() {
        #expect(LineChart.label(0.25) == "0.25" && LineChart.label(1) == "1" && LineChart.label(0.2000000001) == "0.2")
        #expect(LineChart.label(123456) == "1.235e+05" && LineChart.label(-0.0) == "0")
    }
}
