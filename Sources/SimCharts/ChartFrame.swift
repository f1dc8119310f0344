/// The common frame of the project's x/y charts: title, plot area, axes with ticks and grid lines,
/// axis labels, and a legend column on the right (`docs/sweeps.md`, "Plots"). Sized for a paper's
/// full text width (720 px ≈ 7.5 in at 96 dpi, 11–13 px text).
struct ChartFrame {
    let width: Double
    let height: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double

    /// - Parameter legendWidth: space kept right of the plot for the legend (0 for none).
    init(width: Double, height: Double, legendWidth: Double, hasTitle: Bool) {
        self.width = width
        self.height = height
        left = 74
        right = width - 16 - legendWidth
        top = hasTitle ? 40 : 16
        bottom = height - 52
    }

    func title(_ text: String, in svg: inout SVGDocument) {
        svg.text(text, x: width / 2, y: 22, size: 14, anchor: .middle, weight: "bold")
    }

    /// Y ticks, grid lines and labels; the y axis label rotated on the left.
    func yAxis(_ scale: PlotScale, ticks: [Double], label: String, in svg: inout SVGDocument, format: (Double) -> String = PlotScale.label) {
        for t in ticks {
            let y = scale.map(t)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: "#e3e3e3")
            svg.line(x1: left - 4, y1: y, x2: left, y2: y, stroke: "#444444")
            svg.text(format(t), x: left - 7, y: y + 4, size: 11, anchor: .end)
        }
        svg.text(label, x: 16, y: (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
    }

    /// X ticks at `ticks` with `labels`, grid lines, and the axis label under them.
    func xAxis(_ scale: PlotScale, ticks: [Double], labels: [String], label: String, grid: Bool = true, in svg: inout SVGDocument) {
        for (t, text) in zip(ticks, labels) {
            let x = scale.map(t)
            if grid { svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#eeeeee") }
            svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: "#444444")
            svg.text(text, x: x, y: bottom + 17, size: 11, anchor: .middle)
        }
        xLabel(label, in: &svg)
    }

    func xLabel(_ label: String, in svg: inout SVGDocument) {
        svg.text(label, x: (left + right) / 2, y: height - 14, size: 12, anchor: .middle)
    }

    /// The plot area's left and bottom axis lines.
    func axes(in svg: inout SVGDocument) {
        svg.line(x1: left, y1: top, x2: left, y2: bottom, stroke: "#444444")
        svg.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
    }

    /// Legend entries top-down right of the plot; `draw` paints the swatch for entry `i` at (x, y).
    func legend(_ names: [String], title: String?, in svg: inout SVGDocument, swatch: (Int, Double, Double, inout SVGDocument) -> Void) {
        var y = top + 4
        let x = right + 16
        if let title {
            svg.text(title, x: x, y: y + 8, size: 11, weight: "bold")
            y += 18
        }
        let step = names.count > 16 ? 14.0 : 17.0
        let size = names.count > 16 ? 10.0 : 11.0
        for (i, name) in names.enumerated() {
            swatch(i, x + 9, y + 4, &svg)
            svg.text(name, x: x + 24, y: y + 8, size: size)
            y += step
        }
    }

    /// Legend width that fits `names` (and a title) in 11 px text, at most `cap`.
    static func legendWidth(_ names: [String], title: String?, cap: Double = 230) -> Double {
        let longest = (names + [title ?? ""]).map { SVGDocument.textWidth($0, size: 11) }.max() ?? 0
        return min(cap, longest + 36)
    }
}
