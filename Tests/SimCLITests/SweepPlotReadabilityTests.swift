import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SimIO
import Workload
@testable import SimCLI

/// What a sweep line chart's SVG shows, read back from the file: panels (`<g class="panel">`, titled by
/// their facet value), series (`<g class="series">`, titled by their legend name) with their line
/// (stroke colour, dash pattern, point count) and marker shapes, and every `<polyline>` of the document
/// wherever it sits (so an output without groups is still measured).
final class PlotSVG: NSObject, XMLParserDelegate {
    struct Series {
        var name = ""
        var panel: String?
        var stroke: String?
        var dash: String?
        var points = 0
        var markers: [String] = []
    }

    var panels: [String] = []
    var series: [Series] = []
    var polylines: [(stroke: String, dash: String?, points: Int)] = []
    private var stack: [String] = []
    private var text: String?

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        precondition(parser.parse(), "not well-formed SVG")
    }

    /// The series' look: (colour, marker shape, dash).
    func style(_ s: Series) -> String { "\(s.stroke ?? "-") \(Set(s.markers).sorted().joined(separator: "+")) \(s.dash ?? "solid")" }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let kind = name == "g" ? "g." + (attributes["class"] ?? "") : name
        let inSeries = stack.last == "g.series"
        switch kind {
        case "g.panel": panels.append("")
        case "g.series": series.append(Series(panel: stack.contains("g.panel") ? panels.last : nil))
        case "title" where stack.last == "g.panel" || inSeries: text = ""
        case "polyline":
            let points = (attributes["points"] ?? "").split(separator: " ").count
            polylines.append((attributes["stroke"] ?? "", attributes["stroke-dasharray"], points))
            if inSeries {
                series[series.count - 1].stroke = attributes["stroke"]
                series[series.count - 1].dash = attributes["stroke-dasharray"]
                series[series.count - 1].points = points
            }
        case "circle" where inSeries: series[series.count - 1].markers.append("circle")
        case "rect" where inSeries: series[series.count - 1].markers.append("square")
        case "polygon" where inSeries:
            // 4 corners: a diamond; 3: a triangle pointing up when its first corner (the apex) is highest.
            let ys = (attributes["points"] ?? "").split(separator: " ").compactMap { Double($0.split(separator: ",").last ?? "") }
            series[series.count - 1].markers.append(ys.count == 4 ? "diamond" : ys.first == ys.min() ? "triangle" : "triangle-down")
        default: break
        }
        stack.append(kind)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
        if name == "title", let t = text {
            if stack.last == "g.panel" { panels[panels.count - 1] = t } else { series[series.count - 1].name = t }
            text = nil
        }
    }
}

/// Readable multi-axis sweep plots (issue 13; `docs/sweeps.md`, "Plots"): small multiples (`--facet`),
/// chosen series (`--series`), lines told apart by colour × marker × dash, linked axes as one field,
/// the trace as a series or facet field. Every expectation follows from the grid's definition: the
/// 80-point grid is Pa ∈ {1,2,4,8} × Pc ∈ {1,2,4,8,16} × p ∈ {0.5,1,2,4}; `Configs/sweeps/scaled-modules.json` is
/// the linked (Pa, m_h, m_o) ∈ {(1,64,4), (2,128,8), (4,256,16), (8,512,32)} × p ∈ {1,2,4}.
@Suite struct SweepPlotReadabilityTests {
    static func plot(_ out: String, _ options: [String]) -> (code: Int32, err: String, svg: PlotSVG?) {
        let file = SweepTestSupport.temporaryDirectory("readable") + "/plot.svg"
        let r = SweepTestSupport.run(["sweep", "plot", out, "--plot", file] + options)
        return (r.code, r.err, r.code == 0 ? PlotSVG(SweepTestSupport.read(file)) : nil)
    }

    static var grid: String { SweepCommandTests.unsharded.directory + "/grid" }

    /// Checks that every series name has one look in every panel and that different names look different
    /// (and have different colours); returns the names.
    static func checkStyles(_ svg: PlotSVG) -> Set<String> {
        var look: [String: String] = [:]
        for s in svg.series {
            if let known = look[s.name] { #expect(known == svg.style(s), "\(s.name) drawn two ways") } else { look[s.name] = svg.style(s) }
        }
        #expect(Set(look.values).count == look.count, "two series look alike: \(look)")
        let colours = Dictionary(grouping: svg.series, by: \.name).mapValues { $0[0].stroke ?? "" }
        #expect(Set(colours.values).count == colours.count, "colours repeat: \(colours)")
        return Set(look.keys)
    }

    /// `--x attention_modules` on the 80-point grid: 20 combinations of (Pc, p) are more than 12 lines,
    /// so the chart facets by the field that leaves ≤ 12 lines with the fewest panels: p (4 panels of the
    /// 5 Pc lines) rather than Pc (5 panels of 4). Every line has the 4 Pa points; no colour repeats.
    @Test func eightyPointGridFacetsAutomatically() throws {
        let r = Self.plot(Self.grid, ["--x", "attention_modules"])
        #expect(r.code == 0, "\(r.err)")
        let svg = try #require(r.svg)
        // Every polyline in the document, grouped or not: no more distinct strokes than needed, none shared.
        #expect(Set(svg.polylines.map(\.stroke)).count == Set(svg.series.map(\.name)).count)
        #expect(svg.panels == ["p=0.5", "p=1", "p=2", "p=4"])
        #expect(svg.series.count == 20)
        for panel in svg.panels {
            let lines = svg.series.filter { $0.panel == panel }
            #expect(lines.map(\.name) == ["Pc=1", "Pc=2", "Pc=4", "Pc=8", "Pc=16"], "\(panel)")
            #expect(lines.allSatisfy { $0.points == 4 && $0.markers.count == 4 })
        }
        #expect(Self.checkStyles(svg).count == 5)
        #expect(r.err.contains("one panel per approximation.p"), "\(r.err)")
    }

    /// `--facet selectors_per_module`: 5 panels (Pc = 1 … 16), each with the 4 p lines of 4 points.
    /// `--series approximation.p --facet selectors_per_module` is the same chart.
    @Test func facetOption() throws {
        for options in [["--facet", "selectors_per_module"], ["--series", "approximation.p", "--facet", "selectors_per_module"]] {
            let r = Self.plot(Self.grid, ["--x", "attention_modules"] + options)
            #expect(r.code == 0, "\(r.err)")
            let svg = try #require(r.svg)
            #expect(svg.panels == ["Pc=1", "Pc=2", "Pc=4", "Pc=8", "Pc=16"])
            #expect(svg.series.count == 20 && svg.series.allSatisfy { $0.points == 4 })
            #expect(Self.checkStyles(svg) == ["p=0.5", "p=1", "p=2", "p=4"])
        }
    }

    /// `--series` alone must account for every varying field: Pc left out is refused (exit 64) with a hint
    /// naming --series, --facet and --where; with `--where selectors_per_module=8` it is one panel of the
    /// 4 p lines. 20 chosen lines are refused, one line of hint.
    @Test func seriesOptionAndRefusals() throws {
        let missing = Self.plot(Self.grid, ["--x", "attention_modules", "--series", "approximation.p"])
        #expect(missing.code == 64 && missing.err.contains("'selectors_per_module' varies") && missing.err.contains("--where selectors_per_module=VALUE"),
                "\(missing.err)")
        let one = Self.plot(Self.grid, ["--x", "attention_modules", "--series", "approximation.p", "--where", "selectors_per_module=8"])
        #expect(one.code == 0, "\(one.err)")
        let svg = try #require(one.svg)
        #expect(svg.panels.count == 1 && svg.series.map(\.name) == ["p=0.5", "p=1", "p=2", "p=4"])
        #expect(Self.checkStyles(svg).count == 4)

        let many = Self.plot(Self.grid, ["--x", "approximation.p", "--series", "attention_modules,selectors_per_module"])
        #expect(many.code == 64, "\(many.err)")
        let message = many.err.trimmingCharacters(in: .newlines)
        #expect(!message.contains("\n") && message.contains("20 lines") && message.contains("--facet")
                && message.contains("--series") && message.contains("--where"), "\(message)")
        let twice = Self.plot(Self.grid, ["--x", "attention_modules", "--facet", "attention_modules"])
        #expect(twice.code == 64 && twice.err.contains("give each field one role"), "\(twice.err)")
    }

    /// Few enough lines stay in one panel (p = 1 kept: the 5 Pc lines); a facet field with one value left
    /// after --where gives one titled panel.
    @Test func filteredGridStaysInOnePanel() throws {
        let r = Self.plot(Self.grid, ["--x", "attention_modules", "--where", "approximation.p=1"])
        #expect(r.code == 0, "\(r.err)")
        let svg = try #require(r.svg)
        #expect(svg.panels.count == 1 && svg.series.count == 5)
        let all = Self.plot(Self.grid, ["--x", "selectors_per_module", "--where", "approximation.p=0.5", "--facet", "approximation.p"])
        let svg2 = try #require(all.svg)
        #expect(svg2.panels == ["p=0.5"] && svg2.series.map(\.name) == ["Pa=1", "Pa=2", "Pa=4", "Pa=8"])
    }

    /// The linked axis of `Configs/sweeps/scaled-modules.json` (run on a small trace): with --x attention_modules
    /// the hash and output-division multipliers move with it, so they split nothing: 3 lines (p = 1, 2, 4)
    /// of 4 points, the linked values printed under the ticks. With --x approximation.p the 4 linked
    /// tuples are the lines (3 points each), named by the tuple.
    @Test func linkedFieldsAreOneAxis() throws {
        let d = SweepTestSupport.temporaryDirectory("linked")
        let spec = SweepTestSupport.root.appendingPathComponent("Configs/sweeps/scaled-modules.json").path
        let r = SweepTestSupport.run(["sweep", "--spec", spec, "--trace", SweepTestSupport.tinyTrace, "--out", d + "/s", "--quiet",
                                      "--plot", d + "/pa.svg", "--x", "attention_modules"])
        #expect(r.code == 0, "\(r.err)")
        let svg = PlotSVG(SweepTestSupport.read(d + "/pa.svg"))
        #expect(svg.polylines.count == 3 && svg.polylines.allSatisfy { $0.points == 4 }, "\(svg.polylines)")
        #expect(svg.series.map(\.name) == ["p=1", "p=2", "p=4"])
        let text = SweepTestSupport.read(d + "/pa.svg")
        for note in ["64/4", "128/8", "256/16", "512/32"] { #expect(text.contains(">\(note)</text>"), "\(note)") }

        let p = Self.plot(d + "/s", ["--x", "approximation.p"])
        let byP = try #require(p.svg)
        #expect(byP.series.map(\.name) == ["Pa/m_h/m_o=1/64/4", "Pa/m_h/m_o=2/128/8", "Pa/m_h/m_o=4/256/16", "Pa/m_h/m_o=8/512/32"])
        #expect(byP.series.allSatisfy { $0.points == 3 })
        _ = Self.checkStyles(byP)
        // Any field of the linked axis names it; it cannot take a second role.
        let named = Self.plot(d + "/s", ["--x", "approximation.p", "--series", "hash.multipliers"])
        #expect(named.svg?.series.count == 4, "\(named.err)")
        let reused = Self.plot(d + "/s", ["--x", "attention_modules", "--facet", "output_division.multipliers"])
        #expect(reused.code == 64, "\(reused.err)")
    }

    /// The trace as a series or facet field, and as a `--where` filter: two synthetic traces (n = 16 and
    /// n = 32) swept over p = 1, 2.
    @Test func traceAsSeriesAndFacet() throws {
        let d = SweepTestSupport.temporaryDirectory("trace-series")
        func write(_ name: String, n: Int, seed: UInt64) -> String {
            let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: n, headDim: 16, seed: seed).generate()
            try! TraceWriter.write(trace, to: URL(fileURLWithPath: d + "/" + name))
            return d + "/" + name
        }
        let a = write("alpha", n: 16, seed: 1), b = write("beta", n: 32, seed: 2)
        let r = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", a, "--trace", b,
                                      "--set", "approximation.p=1,2", "--set", "attention_modules=2,4", "--out", d + "/s", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let series = Self.plot(d + "/s", ["--x", "approximation.p", "--series", "trace", "--where", "attention_modules=2"])
        #expect(series.svg?.series.map(\.name) == ["alpha", "beta"], "\(series.err)")
        #expect(series.svg?.series.allSatisfy { $0.points == 2 } == true)
        let facet = Self.plot(d + "/s", ["--x", "approximation.p", "--facet", "trace"])
        #expect(facet.svg?.panels == ["alpha", "beta"], "\(facet.err)")
        #expect(facet.svg?.series.map(\.name) == ["Pa=2", "Pa=4", "Pa=2", "Pa=4"])
        let one = Self.plot(d + "/s", ["--x", "n", "--series", "approximation.p", "--where", "attention_modules=4"])
        #expect(one.svg?.series.map(\.name) == ["p=1", "p=2"] && one.svg?.series.allSatisfy { $0.points == 2 } == true, "\(one.err)")
        // n as a line field: each trace has its own n, so n stands for the trace.
        let byN = Self.plot(d + "/s", ["--x", "approximation.p", "--series", "n", "--where", "attention_modules=2"])
        #expect(byN.svg?.series.map(\.name) == ["n=16", "n=32"], "\(byN.err)")
        let filtered = Self.plot(d + "/s", ["--x", "approximation.p", "--where", "trace=beta"])
        #expect(filtered.svg?.series.map(\.name) == ["Pa=2", "Pa=4"], "\(filtered.err)")
    }

    /// `--x n` with two traces of one shape (n = 16 both): each p would get two points at x = 16, so the
    /// trace splits the lines (4 lines of 1 point, none with two points at one x); `--series
    /// approximation.p` alone is refused, naming the trace.
    @Test func tracesOfOneShapeAlongNSplitByTrace() throws {
        let d = SweepTestSupport.temporaryDirectory("same-shape")
        for (name, seed) in [("alpha", UInt64(1)), ("gamma", UInt64(3))] {
            let trace = SyntheticTraceGenerator(layers: 1, heads: 2, n: 16, headDim: 16, seed: seed).generate()
            try TraceWriter.write(trace, to: URL(fileURLWithPath: d + "/" + name))
        }
        let r = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", d + "/alpha", "--trace", d + "/gamma",
                                      "--set", "approximation.p=1,2", "--out", d + "/s", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let plot = Self.plot(d + "/s", ["--x", "n"])
        let svg = try #require(plot.svg, "\(plot.err)")
        #expect(svg.series.map(\.name) == ["alpha, p=1", "alpha, p=2", "gamma, p=1", "gamma, p=2"])
        #expect(svg.series.allSatisfy { $0.markers.count == 1 })
        let refused = Self.plot(d + "/s", ["--x", "n", "--series", "approximation.p"])
        #expect(refused.code == 64 && refused.err.contains("'trace' varies"), "\(refused.err)")
    }

    /// Both help texts list the new options (one shared text).
    @Test func helpListsSeriesAndFacet() {
        for args in [["sweep", "--help"], ["sweep", "plot", "--help"]] {
            let r = SweepTestSupport.run(args)
            #expect(r.code == 0 && r.out.contains("--series FIELD") && r.out.contains("--facet FIELD"), "\(args)")
        }
    }
}
