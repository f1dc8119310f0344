import SimCharts
import Foundation
import SimCore
import ElsaModel

/// A Gantt chart of one head invocation's recording (`run --timeline-svg`, `docs/sweeps.md`, "Cycle
/// timeline"): one row per module instance, busy spans coloured by query (colour = query mod 8,
/// numbered when wide enough), blocked spans hatched red, query starts `S_i` marked on top. Meant for
/// a window of a few queries, where the overlaps ELSA IV-C describes are visible.
public struct TimelineGanttChart {
    public let recording: PipelineRecording
    public let parameters: TimingParameters
    public let window: TimelineWindow
    public let title: String

    public init(recording: PipelineRecording, parameters: TimingParameters, window: TimelineWindow, title: String) {
        self.recording = recording
        self.parameters = parameters
        self.window = window
        self.title = title
    }

    public func render(width: Double = 1000) -> String {
        let tracks = ChromeTraceTimeline.tracks(parameters)
        let rowHeight = tracks.count > 24 ? 11.0 : 16.0
        let left = 118.0, right = width - 16, top = 62.0
        let height = top + rowHeight * Double(tracks.count) + 70
        let bottom = top + rowHeight * Double(tracks.count)
        var svg = SVGDocument(width: width, height: height)
        svg.text(title, x: width / 2, y: 20, size: 14, anchor: .middle, weight: "bold")
        let x = PlotScale(lower: Double(window.start), upper: Double(window.end), from: left, to: right)
        let blocked = svg.hatch(id: "blocked", color: "#D55E00", background: "#fbe3d6")
        let keys = svg.hatch(id: "keys", color: "#9a9a9a", background: "#e6e6e6")
        var row: [PipelineUnit: Int] = [:]
        for (r, t) in tracks.enumerated() {
            row[t.unit] = r
            let y = top + rowHeight * Double(r)
            if r % 2 == 0 { svg.rect(x: left, y: y, width: right - left, height: rowHeight, fill: "#f6f6f6") }
            svg.text(t.name, x: left - 6, y: y + rowHeight * 0.78, size: rowHeight > 12 ? 11 : 9, anchor: .end)
        }
        // Cycle ticks.
        let ticks = PlotScale.niceTicks(min: Double(window.start), max: Double(window.end), count: 10)
            .filter { $0 >= Double(window.start) && $0 <= Double(window.end) }
        for t in ticks {
            svg.line(x1: x.map(t), y1: top, x2: x.map(t), y2: bottom, stroke: "#dddddd")
            svg.text(PlotScale.label(t), x: x.map(t), y: bottom + 14, size: 10, anchor: .middle)
        }
        svg.text("cycle", x: (left + right) / 2, y: bottom + 30, size: 12, anchor: .middle)
        // Query starts S_i.
        for (i, s) in recording.queryStarts.enumerated() where s >= window.start && s < window.end {
            let px = x.map(Double(s))
            svg.line(x1: px, y1: top - 6, x2: px, y2: bottom, stroke: "#555555", width: 0.6, dash: "2 2")
            if x.map(Double(s + 1)) - px >= 1 || recording.queryStarts.count < 40 {
                svg.text("S\(i)", x: px, y: top - 9, size: 9, anchor: .middle, fill: "#333333")
            }
        }
        svg.beginClip(id: "plot", x: left, y: top, width: right - left, height: bottom - top)
        for i in recording.intervals where i.end > window.start && i.start < window.end {
            guard let r = row[i.unit] else { continue }
            let x0 = x.map(Double(max(i.start, window.start))), x1 = x.map(Double(min(i.end, window.end)))
            let y = top + rowHeight * Double(r) + 1.5
            let fill: String
            switch (i.state, i.query) {
            case (.blocked, _): fill = blocked
            case (_, -1): fill = keys
            default: fill = PlotPalette.colors[i.query % 8]
            }
            svg.rect(x: x0, y: y, width: max(0.6, x1 - x0), height: rowHeight - 3, fill: fill,
                     title: "\(i.unit) \(i.state.rawValue) q\(i.query) [\(i.start), \(i.end))")
            if i.query >= 0 && x1 - x0 >= 15 && i.state == .busy {
                svg.text("\(i.query)", x: (x0 + x1) / 2, y: y + rowHeight * 0.66, size: rowHeight > 12 ? 9.5 : 8, anchor: .middle,
                         fill: [5, 6].contains(i.query % 8) ? "#222222" : "#ffffff")
            }
        }
        svg.endClip()
        svg.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#444444")
        // Legend.
        let ly = bottom + 46
        var lx = left
        for q in 0 ..< 8 {
            svg.rect(x: lx, y: ly - 9, width: 12, height: 10, fill: PlotPalette.colors[q])
            lx += 14
        }
        svg.text("busy, colour = query mod 8 (number = query)", x: lx + 4, y: ly, size: 11)
        lx += 4 + SVGDocument.textWidth("busy, colour = query mod 8 (number = query)", size: 11) + 18
        svg.rect(x: lx, y: ly - 9, width: 22, height: 10, fill: blocked)
        svg.text("blocked", x: lx + 28, y: ly, size: 11)
        lx += 28 + SVGDocument.textWidth("blocked", size: 11) + 18
        svg.rect(x: lx, y: ly - 9, width: 22, height: 10, fill: keys)
        svg.text("preprocessing (keys)", x: lx + 28, y: ly, size: 11)
        svg.text("S_i: query i starts (all selectors switch to it)", x: right, y: 40, size: 10, anchor: .end, fill: "#555555")
        return svg.render()
    }
}
