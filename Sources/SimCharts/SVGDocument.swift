import Foundation

/// A small SVG 1.1 writer for the project's charts (`docs/sweeps.md`, "Plots"): shapes and text in
/// user units (px), numbers printed with at most two decimals so the bytes are stable, a white
/// background, DejaVu Sans / sans-serif text. No scripting, no external resources.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var defs: [String] = []
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                              strokeWidth: Double = 1, title: String? = nil) {
        var s = "<rect x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"\(Self.num(max(0, width)))\" height=\"\(Self.num(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(Self.num(strokeWidth))\"" }
        if let title { s += "><title>\(Self.escape(title))</title></rect>" } else { s += "/>" }
        body.append(s)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                              dash: String? = nil) {
        var s = "<line x1=\"\(Self.num(x1))\" y1=\"\(Self.num(y1))\" x2=\"\(Self.num(x2))\" y2=\"\(Self.num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        body.append(s + "/>")
    }

    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 1.5, dash: String? = nil) {
        guard points.count >= 2 else { return }
        let coordinates = points.map { "\(Self.num($0.x)),\(Self.num($0.y))" }.joined(separator: " ")
        var s = "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\" stroke-linejoin=\"round\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        body.append(s + "/>")
    }

    /// A marker of `shape` centred at (x, y) with radius `r` (markers tell series apart without colour).
    public mutating func marker(_ shape: MarkerShape, x: Double, y: Double, r: Double, fill: String, stroke: String = "#ffffff",
                                title: String? = nil) {
        let close = title.map { "><title>\(Self.escape($0))</title></" } ?? "/>"
        func end(_ tag: String) -> String { title == nil ? close : close + tag + ">" }
        switch shape {
        case .circle:
            body.append("<circle cx=\"\(Self.num(x))\" cy=\"\(Self.num(y))\" r=\"\(Self.num(r))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1\"" + end("circle"))
        case .square:
            body.append("<rect x=\"\(Self.num(x - r))\" y=\"\(Self.num(y - r))\" width=\"\(Self.num(2 * r))\" height=\"\(Self.num(2 * r))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1\"" + end("rect"))
        case .triangle, .diamond, .triangleDown:
            let pts: [(Double, Double)]
            switch shape {
            case .triangle: pts = [(x, y - 1.2 * r), (x + 1.1 * r, y + 0.8 * r), (x - 1.1 * r, y + 0.8 * r)]
            case .triangleDown: pts = [(x, y + 1.2 * r), (x + 1.1 * r, y - 0.8 * r), (x - 1.1 * r, y - 0.8 * r)]
            default: pts = [(x, y - 1.3 * r), (x + 1.3 * r, y), (x, y + 1.3 * r), (x - 1.3 * r, y)]
            }
            let p = pts.map { "\(Self.num($0.0)),\(Self.num($0.1))" }.joined(separator: " ")
            body.append("<polygon points=\"\(p)\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1\"" + end("polygon"))
        }
    }

    /// Text at (x, y) (the baseline); `rotate` in degrees about (x, y).
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: TextAnchor = .start,
                              weight: String? = nil, fill: String = "#222222", rotate: Double? = nil) {
        var s = "<text x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" font-size=\"\(Self.num(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if let weight { s += " font-weight=\"\(weight)\"" }
        if let rotate { s += " transform=\"rotate(\(Self.num(rotate)) \(Self.num(x)) \(Self.num(y)))\"" }
        body.append(s + ">\(Self.escape(string))</text>")
    }

    /// Defines a diagonal hatch of `color` on `background`; returns the `fill` value that uses it.
    public mutating func hatch(id: String, color: String, background: String = "#ffffff") -> String {
        defs.append("<pattern id=\"\(id)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
            + "<rect width=\"6\" height=\"6\" fill=\"\(background)\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(color)\" stroke-width=\"2.5\"/></pattern>")
        return "url(#\(id))"
    }

    /// Starts a clipped region (`endClip` ends it): drawing outside the rectangle is cut off.
    public mutating func beginClip(id: String, x: Double, y: Double, width: Double, height: Double) {
        defs.append("<clipPath id=\"\(id)\"><rect x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\"/></clipPath>")
        body.append("<g clip-path=\"url(#\(id))\">")
    }

    public mutating func endClip() { body.append("</g>") }

    /// Starts a group of elements (`endGroup` ends it) with a `class` and an optional `<title>` tooltip.
    public mutating func beginGroup(class name: String, title: String? = nil) {
        body.append("<g class=\"\(Self.escape(name))\">" + (title.map { "<title>\(Self.escape($0))</title>" } ?? ""))
    }

    public mutating func endGroup() { body.append("</g>") }

    /// The SVG text.
    public func render() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" viewBox=\"0 0 \(Self.num(width)) \(Self.num(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        if !defs.isEmpty { out += "<defs>\n" + defs.joined(separator: "\n") + "\n</defs>\n" }
        out += "<rect x=\"0\" y=\"0\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" fill=\"#ffffff\"/>\n"
        out += body.joined(separator: "\n") + "\n</svg>\n"
        return out
    }

    /// At most two decimals, no trailing zeros, `-0` printed as `0`.
    public static func num(_ d: Double) -> String {
        let rounded = (d * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var s = String(format: "%.2f", rounded)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Approximate rendered width of `text` at `size` px in DejaVu Sans (0.6 em per character), for layout.
    public static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }
}

public enum TextAnchor: String, Sendable {
    case start, middle, end
}

public enum MarkerShape: Sendable, CaseIterable {
    case circle, square, triangle, diamond, triangleDown
}

/// Colours of the charts: the Okabe–Ito palette (distinguishable with the common colour-vision
/// deficiencies), then a few darker extras; series `i` uses `color(i)` and `marker(i)`.
public enum PlotPalette {
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
                                "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22"]

    public static func color(_ i: Int) -> String { colors[((i % colors.count) + colors.count) % colors.count] }

    public static func marker(_ i: Int) -> MarkerShape {
        MarkerShape.allCases[((i % MarkerShape.allCases.count) + MarkerShape.allCases.count) % MarkerShape.allCases.count]
    }
}
