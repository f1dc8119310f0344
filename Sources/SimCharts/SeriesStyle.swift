/// How one series of a line chart is drawn: a colour, a marker shape and a dash pattern
/// (`docs/sweeps.md`, "Plots"). Series `i` takes colour `i mod 12`, marker `i mod 5` and dash `i mod 4`,
/// so the first 60 series have pairwise different (colour, marker, dash) triples, the first 12 have
/// pairwise different colours, and two series 1 to 3 apart also differ in marker and dash: a chart
/// printed in grey, or read with a colour-vision deficiency, still tells its lines apart.
public struct SeriesStyle: Sendable, Hashable {
    public var color: String
    public var marker: MarkerShape
    /// An SVG `stroke-dasharray`; `nil` for a solid line.
    public var dash: String?

    public init(color: String, marker: MarkerShape, dash: String?) {
        self.color = color
        self.marker = marker
        self.dash = dash
    }

    /// The Okabe–Ito colours (yellow, the hardest to see on white, last), then four darker extras.
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
                                "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#F0E442"]
    /// Solid, dashed, dotted, dash-dot.
    public static let dashes: [String?] = [nil, "7 3", "1.5 3", "9 3 2 3"]

    /// The most series one chart draws: beyond this, colours would repeat (a sweep chart facets or
    /// refuses, `SweepCharts.lines`).
    public static let distinguishable = colors.count

    /// The style of series `i` (≥ 0).
    public static func of(_ i: Int) -> SeriesStyle {
        let i = max(0, i)
        return SeriesStyle(color: colors[i % colors.count], marker: MarkerShape.allCases[i % MarkerShape.allCases.count],
                           dash: dashes[i % dashes.count])
    }
}

extension MarkerShape {
    /// A short name (`circle`, `square`, `triangle`, `diamond`, `triangle-down`).
    public var name: String {
        switch self {
        case .circle: return "circle"
        case .square: return "square"
        case .triangle: return "triangle"
        case .diamond: return "diamond"
        case .triangleDown: return "triangle-down"
        }
    }
}
