import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SimIO
import SimCharts
import SimReports
import SimStudies
import Workload
@testable import SimCLI

/// Sweep rows carry their trace's shape (`n` = real tokens, `head_dim`, `layers`, `heads`, `kv_heads`;
/// `docs/sweeps.md`, "Row fields"), and `--x n` puts the traces of a sweep on the x axis (`docs/sweeps.md`,
/// "Plots"). Two synthetic traces, written here, differ only in length: 3 layers, 4 query heads sharing
/// 2 key/value heads, d = 16; trace `short` has 24 rows of which 20 are real tokens (4 padding), trace
/// `long` 40 rows, all real. The expectations are these chosen shapes: `n` is the real tokens (20, not
/// the 24 rows), `head_dim` the trace's 16 (not the config's 64), `heads` 4 and `kv_heads` 2.
@Suite struct SweepTraceShapeTests {
    static let traces: (short: String, long: String) = {
        let directory = SweepTestSupport.temporaryDirectory("shape")
        func write(_ name: String, n: Int, tokens: Int, seed: UInt64) -> String {
            let trace = SyntheticTraceGenerator(layers: 3, heads: 4, kvHeads: 2, n: n, headDim: 16, seed: seed, tokens: tokens).generate()
            let path = directory + "/" + name
            try! TraceWriter.write(trace, to: URL(fileURLWithPath: path))
            return path
        }
        return (write("short", n: 24, tokens: 20, seed: 3), write("long", n: 40, tokens: 40, seed: 4))
    }()

    /// Expected shape of each trace, by trace name: (n, head_dim, layers, heads, kv_heads).
    static let expected: [String: [String]] = ["short": ["20", "16", "3", "4", "2"], "long": ["40", "16", "3", "4", "2"]]
    static let shapeColumns = ["n", "head_dim", "layers", "heads", "kv_heads"]

    static func sweep(config: String, out: String, sets: [String]) -> (code: Int32, out: String, err: String) {
        SweepTestSupport.run(["sweep", "--config", config, "--trace", traces.short, "--trace", traces.long,
                              "--out", out, "--quiet", "--threads", "2"] + sets)
    }

    /// Checks the shape columns of every CSV line and JSON row of `out`; returns the CSV as cells.
    static func checkShapes(out: String, rows count: Int) throws -> (header: [String], rows: [[String]]) {
        let lines = SweepTestSupport.read(out + ".csv").split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        try #require(lines.count == 1 + count)
        let header = lines[0]
        // The five columns close the CSV, in this order.
        #expect(Array(header.suffix(5)) == shapeColumns)
        for row in lines.dropFirst() {
            let trace = row[1]
            #expect(Array(row.suffix(5)) == expected[trace], "\(trace)")
        }
        let jsonRows = SweepTestSupport.read(out + ".jsonl").split(separator: "\n")
            .map { try! SweepRow(line: String($0), file: "s.jsonl", lineNumber: 0) }
        #expect(jsonRows.count == count)
        for row in jsonRows {
            let trace = SweepTable.cell(SweepRow.lookup(row.value, "trace"))
            #expect(shapeColumns.map { SweepTable.cell(SweepRow.lookup(row.value, $0)) } == expected[trace], "\(trace)")
        }
        // The header's column list names them too (so outputs without them are not resumed).
        let header0 = SweepTestSupport.read(out + ".header.json")
        #expect(header0.contains(#""kv_heads"]"#))
        return (header, Array(lines.dropFirst()))
    }

    /// ELSA rows: trace outermost, so rows 0–1 are `short` and 2–3 `long`, each with its own shape.
    @Test func elsaRowsCarryTheTraceShape() throws {
        let d = SweepTestSupport.temporaryDirectory("shape-elsa")
        let r = Self.sweep(config: SweepTestSupport.paperConfig, out: d + "/s", sets: ["--set", "approximation.p=1,2"])
        #expect(r.code == 0, "\(r.err)")
        let csv = try Self.checkShapes(out: d + "/s", rows: 4)
        #expect(csv.rows.map { $0[1] } == ["short", "short", "long", "long"])
    }

    /// A^3 rows carry the same columns.
    @Test func a3RowsCarryTheTraceShape() throws {
        let d = SweepTestSupport.temporaryDirectory("shape-a3")
        let config = SweepTestSupport.root.appendingPathComponent("Configs/a3-conservative.json").path
        let r = Self.sweep(config: config, out: d + "/s", sets: ["--set", "approximation.threshold_percent=5"])
        #expect(r.code == 0, "\(r.err)")
        _ = try Self.checkShapes(out: d + "/s", rows: 2)
    }

    /// `--x n`: the points of one p on the two traces form one line, at x = 20 and 40 (real tokens), with
    /// the rows' cycles; with both p values, two lines of two points. `--x trace` is refused (exit 64)
    /// with a message suggesting `--x n`.
    @Test func plotAgainstN() throws {
        let d = SweepTestSupport.temporaryDirectory("shape-plot")
        let out = d + "/s"
        let r = Self.sweep(config: SweepTestSupport.paperConfig, out: out, sets: ["--set", "approximation.p=1,2"])
        #expect(r.code == 0, "\(r.err)")
        let output = try #require(try SweepOutputFile.read(out + ".jsonl"))
        func cycles(_ index: Int) -> Double { output.rows.first { $0.index == index }!.number("cycles")! }

        let p1 = SweepTestSupport.run(["sweep", "plot", out, "--plot", d + "/p1.svg", "--x", "n", "--where", "approximation.p=1"])
        #expect(p1.code == 0, "\(p1.err)")
        let svg = SweepTestSupport.read(d + "/p1.svg")
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 1)
        // One marker per point; its tooltip is "series: x → y".
        let titles = svg.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
            .filter { $0.contains(" → ") }
        #expect(titles.count == 2, "\(titles)")
        #expect(titles.contains { $0.hasPrefix("cycles: 20 → ") } && titles.contains { $0.hasPrefix("cycles: 40 → ") }, "\(titles)")
        #expect(svg.contains("n (real tokens of the trace)"))

        // The same chart as data: one series, (20, cycles of row 0) and (40, cycles of row 2).
        let filtered = SweepCharts.filter(output.rows, where: [("approximation.p", .int(1))])
        let chart = try SweepCharts.line(rows: filtered, header: output.header, x: "n", y: "cycles", title: "")
        try #require(chart.series.count == 1)
        #expect(chart.series[0].points.map(\.x) == [20, 40])
        #expect(chart.series[0].points.map(\.y) == [cycles(0), cycles(2)])

        // Both p: two lines (p = 1, p = 2), each over both traces; --where on a shape column filters traces.
        let both = try SweepCharts.line(rows: output.rows, header: output.header, x: "n", y: "cycles", title: "")
        #expect(both.series.map(\.name) == ["p=1", "p=2"])
        #expect(both.series.map { $0.points.map(\.x) } == [[20, 40], [20, 40]])
        #expect(SweepCharts.filter(output.rows, where: [("n", .int(40))]).map(\.index) == [2, 3])

        let trace = SweepTestSupport.run(["sweep", "plot", out, "--plot", d + "/t.svg", "--x", "trace"])
        #expect(trace.code == 64 && trace.err.contains("use --x n"), "\(trace.err)")
        let unknown = SweepTestSupport.run(["sweep", "plot", out, "--plot", d + "/u.svg", "--x", "tokens"])
        #expect(unknown.code == 64 && unknown.err.contains("expected one of: approximation.p, n, head_dim, layers, heads, kv_heads, area"),
                "\(unknown.err)")
    }
}
