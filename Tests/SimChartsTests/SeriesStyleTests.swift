import Testing
@testable import SimCharts

/// `SeriesStyle` (`docs/sweeps.md`, "Plots"): colour `i mod 12`, marker `i mod 5`, dash `i mod 4`.
@Suite struct SeriesStyleTests {
    /// 12, 5 and 4 have least common multiple 60, so the first 60 styles differ pairwise, and style 60
    /// repeats style 0. The first 12 colours differ; series 1–3 apart differ in marker and dash too.
    @Test func stylesAreDistinct() {
        let styles = (0 ..< 61).map(SeriesStyle.of)
        #expect(Set(styles.prefix(60)).count == 60)
        #expect(styles[60] == styles[0])
        #expect(Set(styles.prefix(12).map(\.color)).count == 12)
        for i in 0 ..< 12 { for gap in 1 ... 3 where i + gap < 12 {
            #expect(styles[i].marker != styles[i + gap].marker && styles[i].dash != styles[i + gap].dash, "\(i) vs \(i + gap)")
        } }
        #expect(SeriesStyle.distinguishable == 12)
    }

    /// A faceted chart draws each series name with one style in every panel, and one `panel` group per panel.
    @Test func facetedChartKeepsStylesAcrossPanels() {
        let a = SweepLineChart.Series(name: "a", points: [(1, 10), (2, 20)])
        let b = SweepLineChart.Series(name: "b", points: [(1, 5), (2, 8)])
        let chart = FacetedLineChart(title: "t", xLabel: "x", yLabel: "y",
                                     panels: [.init(title: "p=1", series: [a, b]), .init(title: "p=2", series: [b])], xTicks: [1, 2])
        #expect(chart.seriesNames == ["a", "b"])
        let svg = chart.render()
        #expect(svg.components(separatedBy: "<g class=\"panel\">").count - 1 == 2)
        // b is the second name: style 1 (orange, dashed) in both panels.
        let b1 = SeriesStyle.of(1)
        #expect(svg.components(separatedBy: "stroke=\"\(b1.color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-dasharray=\"\(b1.dash!)\"").count - 1 == 2)
    }
}
