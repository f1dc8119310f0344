import Foundation

/// An SVG document holding one or more `LineChart`s stacked top to bottom (each keeps its own size),
/// with an optional caption line under them. Charts without an explicit `legendWidth` share the widest
/// legend, so stacked charts of equal width have aligned plot areas.
public struct SVGFigure: Sendable, Equatable {
    public var charts: [LineChart]
    /// A small note printed under the charts (e.g. where the data came from); `nil` for none.
    public var caption: String?

    public init(charts: [LineChart], caption: String? = nil) {
        self.charts = charts
        self.caption = caption
    }

    /// The whole document, white background, font family sans-serif.
    public func svg() -> String {
        let width = charts.map(\.width).max() ?? 0
        let captionLines = caption.map { Self.wrap($0, columns: max(20, Int(width / 5.8))) } ?? []
        let captionHeight = captionLines.isEmpty ? 0.0 : 8 + 14 * Double(captionLines.count)
        let height = charts.reduce(0) { $0 + $1.height } + captionHeight
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width.rounded(.up)))\" height=\"\(Int(height.rounded(.up)))\" viewBox=\"0 0 \(Int(width.rounded(.up))) \(Int(height.rounded(.up)))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        let sharedLegend = charts.map(\.naturalLegendWidth).max() ?? 0
        var y = 0.0
        for (index, var chart) in charts.enumerated() {
            chart.legendWidth = chart.legendWidth ?? sharedLegend
            s += "<g>\n" + chart.fragment(x0: 0, y0: y, id: "plot\(index)") + "</g>\n"
            y += chart.height
        }
        for (i, line) in captionLines.enumerated() {
            s += "<text x=\"8\" y=\"\(String(format: "%.2f", y + 15 + 14 * Double(i)))\" font-size=\"10\" fill=\"#555555\">\(Self.escape(line))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// `text` broken at spaces into lines of at most `columns` characters (a longer word stays whole).
    public static func wrap(_ text: String, columns: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && line.count + 1 + word.count > columns {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// `text` with the XML special characters escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
