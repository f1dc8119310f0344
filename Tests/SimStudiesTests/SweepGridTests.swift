import Testing
import Foundation
@testable import SimIO
@testable import SimReports
@testable import SimStudies
@testable import SimCharts

/// The sweep building blocks: list splitting, grid order, shards, spec files, content hashes, the
/// Pareto front and SVG number formatting.
@Suite struct SweepGridTests {
    @Test func splitListKeepsBracketsAndQuotes() {
        #expect(SweepAxis.splitList("1,2,4") == ["1", "2", "4"])
        #expect(SweepAxis.splitList("[4,4,4],[8,8]") == ["[4,4,4]", "[8,8]"])
        #expect(SweepAxis.splitList(#""a,b",round-robin"#) == [#""a,b""#, "round-robin"])
        #expect(SweepAxis.splitList(" 0.5 , 1") == ["0.5", "1"])
    }

    static let traces = [TraceIdentity(name: "t0", id: "0"), TraceIdentity(name: "t1", id: "1")]

    /// Trace outermost, then axes in order, the last fastest; linked fields move together.
    @Test func pointOrderIsTraceThenAxesLastFastest() throws {
        let grid = try SweepGrid(traces: Self.traces,
                                 axes: [SweepAxis(field: "a", values: [.int(1), .int(2)]),
                                        SweepAxis(fields: ["b", "c"], values: [[.int(10), .string("x")], [.int(20), .string("y")], [.int(30), .string("z")]])],
                                 fixed: [("f", .int(7))])
        #expect(grid.count == 12 && grid.pointsPerTrace == 6 && grid.fields == ["a", "b", "c"])
        var expected: [(Int, Int, Int)] = []
        for t in 0 ..< 2 { for a in [1, 2] { for b in [10, 20, 30] { expected.append((t, a, b)) } } }
        for i in 0 ..< 12 {
            let values = grid.values(at: i)
            #expect(grid.coordinates(i).trace == expected[i].0)
            #expect(values[0].value == .int(Int64(expected[i].1)) && values[1].value == .int(Int64(expected[i].2)), "point \(i)")
            #expect(values[2].value == .string(["x", "y", "z"][expected[i].2 / 10 - 1]))
            #expect(grid.overrides(at: i).first?.path == "f")
        }
        #expect(grid.label(at: 7) == "trace=t1, a=1, b=20, c=y")
    }

    @Test func duplicateFieldIsRefused() {
        #expect(throws: SweepError.duplicateField(field: "a")) {
            try SweepGrid(traces: Self.traces, axes: [SweepAxis(field: "a", values: [.int(1), .int(2)])], fixed: [("a", .int(3))])
        }
    }

    /// The fingerprint changes with any axis value, the fixed overrides, a trace id or the configs.
    @Test func fingerprintTracksEveryInput() throws {
        func grid(_ values: [Int64], fixed: Int64 = 1, id: String = "0") throws -> SweepGrid {
            try SweepGrid(traces: [TraceIdentity(name: "t", id: id)], axes: [SweepAxis(field: "a", values: values.map(JSONValue.int))],
                          fixed: [("f", .int(fixed))])
        }
        let base = try grid([1, 2]).fingerprint(configsHash: "h")
        #expect(try grid([1, 2]).fingerprint(configsHash: "h") == base)
        #expect(try grid([1, 3]).fingerprint(configsHash: "h") != base)
        #expect(try grid([1, 2], fixed: 2).fingerprint(configsHash: "h") != base)
        #expect(try grid([1, 2], id: "1").fingerprint(configsHash: "h") != base)
        #expect(try grid([1, 2]).fingerprint(configsHash: "g") != base)
    }

    @Test func shardsInterleave() throws {
        let shard = try #require(SweepShard.parse("1/3"))
        #expect((0 ..< 10).filter(shard.contains) == [1, 4, 7])
        #expect(SweepShard.parse("3/3") == nil && SweepShard.parse("-1/3") == nil && SweepShard.parse("1") == nil)
        #expect(SweepShard.parse("0/1")?.isAll == true && SweepShard.parse("0/1")?.description == "all")
    }

    @Test func specDecodesAxesAndResolvesPaths() throws {
        let json = #"""
        {"format": "elsa-sweep-spec/1", "config": "c.json", "traces": ["t", "/abs/t2"],
         "set": {"selector.queue_depth": 8},
         "axes": [{"field": "approximation.p", "values": [1, 2]},
                  {"fields": ["attention_modules", "hash.multipliers"], "values": [[2, 128], [4, 256]]}]}
        """#
        let spec = try SweepSpec.decode(try JSONValue.parse(Data(json.utf8)), file: "s.json", directory: URL(fileURLWithPath: "/d"))
        #expect(spec.config == "/d/c.json" && spec.traces == ["/d/t", "/abs/t2"])
        #expect(spec.fixed.map(\.path) == ["selector.queue_depth"])
        #expect(spec.axes == [SweepAxis(field: "approximation.p", values: [.int(1), .int(2)]),
                              SweepAxis(fields: ["attention_modules", "hash.multipliers"], values: [[.int(2), .int(128)], [.int(4), .int(256)]])])
    }

    @Test(arguments: [
        (#"{"format": "elsa-sweep-spec/1", "axis": []}"#, "axis: unknown field; did you mean 'axes'?"),
        (#"{"format": "elsa-sweep/1", "axes": []}"#, "format: found a string \"elsa-sweep/1\"; expected \"elsa-sweep-spec/1\""),
        (#"{"format": "elsa-sweep-spec/1", "axes": [{"fields": ["a", "b"], "values": [[1]]}]}"#, "axes[0].values[0]: found an array"),
        (#"{"format": "elsa-sweep-spec/1", "axes": [{"field": "a", "values": []}]}"#, "axes[0].values: expected a non-empty array"),
    ])
    func specErrorsNameTheField(_ json: String, _ message: String) {
        do {
            _ = try SweepSpec.decode(try JSONValue.parse(Data(json.utf8)), file: "s.json", directory: URL(fileURLWithPath: "/"))
            Issue.record("no error for \(json)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    /// FNV-1a 64 reference values (the algorithm's published test vectors).
    @Test func contentHashIsFNV1a64() {
        #expect(FNV1a64.of("") == "cbf29ce484222325")
        #expect(FNV1a64.of("a") == "af63dc4c8601ec8c")
        #expect(FNV1a64.of("foobar") == "85944171f73967e8")
    }

    /// The front keeps points no other point beats on both axes, by increasing x.
    @Test func paretoFront() {
        let pts = [(4.0, 10.0), (1.0, 50.0), (2.0, 30.0), (3.0, 30.0), (2.0, 40.0), (5.0, 12.0), (6.0, 5.0)]
            .map { ParetoChart.Point(x: $0.0, y: $0.1, series: 0, label: "") }
        #expect(ParetoChart.front(pts) == [1, 2, 0, 6])
    }

    @Test func svgNumbers() {
        #expect(SVGDocument.num(3) == "3" && SVGDocument.num(2.5) == "2.5" && SVGDocument.num(1.006) == "1.01")
        #expect(SVGDocument.num(-0.001) == "0" && SVGDocument.num(12.345678) == "12.35")
        #expect(SVGDocument.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
        #expect(PlotScale.niceTicks(min: 0, max: 186474) == [0, 50000, 100000, 150000, 200000])
        #expect(PlotScale.label(150000) == "150k" && PlotScale.label(0.25) == "0.25")
    }
}
