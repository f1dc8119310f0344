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

    /// The chart as SVG: one panel of `FacetedLineChart` (series styled by `SeriesStyle`: colour ×
    /// marker × dash).
    public func render(width: Double = 720) -> String {
        var chart = FacetedLineChart(title: title, xLabel: xLabel, yLabel: yLabel,
                                     panels: [FacetedLineChart.Panel(title: "", series: series)], xTicks: xTicks)
        chart.logX = logX
        return chart.render(width: width)
    }

}
