import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim sweep` end to end: the issue's 80-point grid, resuming, sharding and merging, fail-fast
/// validation, and merge refusals.
///
/// The 80-point grid runs on the shipped trace cut to layer 0, head 0 (`SweepTestSupport.shippedSlice`):
/// the whole shipped trace takes about 3 s per point in a debug build (about 0.1 s in release), so 80
/// points × 3 runs would take minutes. `shippedTraceRowsMatchRun` uses the whole shipped trace.
@Suite struct SweepCommandTests {
    static let pa = [1, 2, 4, 8], pc = [1, 2, 4, 8, 16], p = [0.5, 1, 2, 4]
    static func gridArguments(trace: String, out: String) -> [String] {
        ["sweep", "--config", SweepTestSupport.paperConfig, "--trace", trace,
         "--set", "attention_modules=1,2,4,8", "--set", "selectors_per_module=1,2,4,8,16", "--set", "approximation.p=0.5,1,2,4",
         "--out", out, "--quiet"]
    }

    /// The unsharded 80-point sweep, run once per test process.
    static let unsharded: (directory: String, csv: String, jsonl: String, err: String) = {
        let directory = SweepTestSupport.temporaryDirectory("grid")
        let result = SweepTestSupport.run(gridArguments(trace: SweepTestSupport.shippedSlice, out: directory + "/grid"))
        precondition(result.code == 0, "sweep failed: \(result.err)")
        return (directory, SweepTestSupport.read(directory + "/grid.csv"), SweepTestSupport.read(directory + "/grid.jsonl"), result.err)
    }()

    /// 80 rows, in grid order (Pa outermost, p fastest), with the hand-computed area proxy.
    @Test func eightyPointGridHasEightyRowsInGridOrder() throws {
        let lines = Self.unsharded.csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 81)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(5)) == ["index", "trace", "attention_modules", "selectors_per_module", "approximation.p"])
        let area = try #require(header.firstIndex(of: "area_multipliers"))
        var index = 0
        for a in Self.pa {
            for c in Self.pc {
                for p in Self.p {
                    let cells = lines[index + 1].split(separator: ",").map(String.init)
                    #expect(cells[0] == "\(index)" && cells[1] == "minilm-l6-layer0-head0")
                    #expect(Int(cells[2]) == a && Int(cells[3]) == c && Double(cells[4]) == p, "row \(index)")
                    // m_h + Pa·2·d + m_o = 256 + Pa·128 + 16; selectors Pa·Pc.
                    #expect(Int(cells[area]) == 256 + a * 128 + 16 && Int(cells[area + 1]) == a * c, "row \(index)")
                    index += 1
                }
            }
        }
        #expect(Self.unsharded.err.contains("simulated 80 of 80 points"))
    }

    /// Point 53 (Pa = 4, Pc = 8, p = 1 — the paper's config) equals `elsa-sim run` of that config:
    /// total, preprocessing (one head: P = max(3·129, ⌈128/4⌉ + 2) = 387) and selected pairs.
    @Test func paperPointEqualsRun() throws {
        let directory = SweepTestSupport.temporaryDirectory("run")
        let run = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedSlice,
                                        "--json", directory + "/run.json", "--quiet"])
        #expect(run.code == 0)
        let report = try JSONValue.parse(Data(SweepTestSupport.read(directory + "/run.json").utf8))
        let totals = try #require(report.objectValue?["totals"]?.objectValue)
        let rowLine = try #require(Self.unsharded.jsonl.split(separator: "\n").first { $0.contains("\"index\":53,") })
        let row = try SweepRow(line: String(rowLine), file: "grid.jsonl", lineNumber: 0)
        #expect(row.number("values.attention_modules") == 4 && row.number("values.selectors_per_module") == 8)
        #expect(row.number("cycles") == totals["cycles"]?.doubleValue)
        #expect(row.number("selected_pairs") == totals["selected_pairs"]?.doubleValue)
        #expect(row.number("preprocessing_cycles") == 387.0)
        #expect(totals["preprocessing_cycles"]?.integerValue == 387)
        // One head: the run's bottleneck is that head's, which `run` also reports per layer.
        #expect(SweepRow.lookup(row.value, "bottleneck.module") == SweepRow.lookup(report, "totals.bottleneck.module"))
        #expect(SweepRow.lookup(row.value, "bottleneck.module") != nil)
        if case let .array(layers)? = report.objectValue?["layers"] {
            #expect(layers.count == 1 && SweepRow.lookup(row.value, "bottleneck.module") == SweepRow.lookup(layers[0], "bottleneck.module"))
        } else {
            Issue.record("run --json has no layers array")
        }
        // docs/energy.md: elsa-paper is 1.255 mm² core + 0.892 mm² external memories, one accelerator.
        let area = try #require(row.number("area.total_mm2"))
        #expect(abs(area - (1.255 + 0.892)) < 0.0015, "area \(area)")
        #expect(abs((row.number("area.core_mm2") ?? 0) - 1.255) < 0.001)
    }

    /// A second run with the same output simulates nothing: it says so, the files keep their bytes, and
    /// a row doctored in between survives (a recomputed row would have the true value).
    @Test func secondRunDoesNoWork() throws {
        let directory = SweepTestSupport.temporaryDirectory("resume")
        let jsonl = directory + "/grid.jsonl"
        try Self.unsharded.csv.write(toFile: directory + "/grid.csv", atomically: true, encoding: .utf8)
        try Self.unsharded.jsonl.write(toFile: jsonl, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.unsharded.directory + "/grid.header.json", toPath: directory + "/grid.header.json")
        let again = SweepTestSupport.run(Self.gridArguments(trace: SweepTestSupport.shippedSlice, out: directory + "/grid"))
        #expect(again.code == 0)
        #expect(again.err.contains("simulated 0 of 80 points (80 already in"))
        #expect(SweepTestSupport.read(jsonl) == Self.unsharded.jsonl)
        #expect(SweepTestSupport.read(directory + "/grid.csv") == Self.unsharded.csv)

        // Doctor point 7's cycles; keep its keys. The rerun must keep the doctored number.
        var lines = Self.unsharded.jsonl.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let original = lines[7]
        let doctored = original.replacingOccurrences(of: #""cycles":\d+"#, with: "\"cycles\":1", options: .regularExpression)
        #expect(doctored != original)
        lines[7] = doctored
        try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        let third = SweepTestSupport.run(Self.gridArguments(trace: SweepTestSupport.shippedSlice, out: directory + "/grid"))
        #expect(third.code == 0 && third.err.contains("simulated 0 of 80 points"))
        #expect(SweepTestSupport.read(jsonl).contains(doctored))
    }

    /// A row whose config hash does not match its point (stale) is dropped and only that point reruns;
    /// an interrupted run's cut-off last line is ignored. The result equals the fresh run byte for byte.
    @Test func staleAndTruncatedRowsAreRecomputed() throws {
        let directory = SweepTestSupport.temporaryDirectory("stale")
        let jsonl = directory + "/grid.jsonl"
        try FileManager.default.copyItem(atPath: Self.unsharded.directory + "/grid.header.json", toPath: directory + "/grid.header.json")
        var lines = Self.unsharded.jsonl.split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: #""config_hash":"[0-9a-f]+""#, with: "\"config_hash\":\"0000000000000000\"",
                                                 options: .regularExpression)
        let cut = String(lines.removeLast().prefix(40))   // point 79 cut mid-line, no final newline
        try (lines.joined(separator: "\n") + "\n" + cut).write(toFile: jsonl, atomically: true, encoding: .utf8)
        let rerun = SweepTestSupport.run(Self.gridArguments(trace: SweepTestSupport.shippedSlice, out: directory + "/grid"))
        #expect(rerun.code == 0)
        #expect(rerun.err.contains("simulated 2 of 80 points (78 already in"))
        #expect(SweepTestSupport.read(jsonl) == Self.unsharded.jsonl)
        #expect(SweepTestSupport.read(directory + "/grid.csv") == Self.unsharded.csv)
    }

    /// Shards 0/2 and 1/2 hold the even and odd points; merged (given in either order) they equal the
    /// unsharded output byte for byte, whatever the thread counts.
    @Test func twoShardsMergeToTheUnshardedBytes() throws {
        let directory = SweepTestSupport.temporaryDirectory("shards")
        for k in [1, 0] {
            // Shard 1 on one thread, shard 0 (and the unsharded run) on all cores: the bytes must not care.
            let result = SweepTestSupport.run(Self.gridArguments(trace: SweepTestSupport.shippedSlice, out: directory + "/s\(k)")
                + ["--shard", "\(k)/2"] + (k == 1 ? ["--threads", "1"] : []))
            #expect(result.code == 0 && result.err.contains("simulated 40 of 40 points of shard \(k)/2"))
            let indices = SweepTestSupport.read(directory + "/s\(k).csv").split(separator: "\n").dropFirst()
                .map { Int($0.split(separator: ",")[0])! }
            #expect(indices == Array(stride(from: k, to: 80, by: 2)))
        }
        // Host statistics go to their own file: shard 1 simulated its 40 points; nothing of it is in the rows.
        let host = try JSONValue.parse(Data(SweepTestSupport.read(directory + "/s1.host.json").utf8))
        #expect(SweepRow.lookup(host, "points")?.integerValue == 40 && SweepRow.lookup(host, "threads")?.integerValue == 1)
        #expect((SweepRow.lookup(host, "wall_seconds")?.doubleValue ?? -1) >= 0)
        #expect(!SweepTestSupport.read(directory + "/s1.jsonl").contains("wall_seconds"))
        let merge = SweepTestSupport.run(["sweep", "merge", directory + "/merged", directory + "/s1", directory + "/s0"])
        #expect(merge.code == 0)
        #expect(SweepTestSupport.read(directory + "/merged.csv") == Self.unsharded.csv)
        #expect(SweepTestSupport.read(directory + "/merged.jsonl") == Self.unsharded.jsonl)

        // The documented form `sweep merge OUT OUT.shard*`, the glob expanded by a real shell: it also
        // matches each shard's .host.json (and .lock), which name the same shard output.
        for k in [0, 1] {
            for suffix in [".csv", ".jsonl", ".host.json", ".header.json", ".config.json"] {
                try FileManager.default.copyItem(atPath: directory + "/s\(k)" + suffix, toPath: directory + "/grid.shard\(k)" + suffix)
            }
        }
        FileManager.default.createFile(atPath: directory + "/grid.shard0.lock", contents: nil)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "cd \"$1\" && printf '%s\\n' grid.shard*", "sh", directory]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let expansion = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        let globbed = expansion.split(separator: "\n").map { directory + "/" + $0 }
        #expect(globbed.count == 11 && globbed.contains { $0.hasSuffix(".host.json") } && globbed.contains { $0.hasSuffix(".lock") })
        let globMerge = SweepTestSupport.run(["sweep", "merge", directory + "/grid"] + globbed)
        #expect(globMerge.code == 0, "\(globMerge.err)")
        #expect(SweepTestSupport.read(directory + "/grid.csv") == Self.unsharded.csv)
        #expect(SweepTestSupport.read(directory + "/grid.jsonl") == Self.unsharded.jsonl)
    }

    /// A plot request without --x is a usage error whose hint names a help that exists: the command
    /// the hint quotes exits 0 and lists every plot option (--y, --where, --color, --title).
    @Test func plotUsageErrorsPointToAWorkingHelp() throws {
        let grid = Self.unsharded.directory + "/grid"
        for arguments in [Self.gridArguments(trace: SweepTestSupport.shippedSlice, out: SweepTestSupport.temporaryDirectory("hint") + "/g")
                              + ["--plot", "/tmp/never.svg"],
                          ["sweep", "plot", grid, "--plot", "/tmp/never.svg"]] {
            let result = SweepTestSupport.run(arguments)
            #expect(result.code == 64)
            let hint = try #require(result.err.range(of: "see 'elsa-sim "), "\(result.err)")
            let quoted = result.err[hint.upperBound...].prefix { $0 != "'" }
            let help = SweepTestSupport.run(quoted.split(separator: " ").map(String.init))
            #expect(help.code == 0, "'\(quoted)' exits \(help.code)")
            for option in ["--x", "--y", "--where", "--color", "--title"] { #expect(help.out.contains(option)) }
        }
    }

    /// One bad value anywhere in the grid stops the sweep before any point runs: exit 65, a message
    /// naming the point, field and value, and no output file.
    @Test(arguments: [
        ("attention_modules=1,2,4,0", "attention_modules: 0 is out of range"),
        ("approximation.p=1,-2", "approximation.p: -2.0 is out of range"),
        ("hash.kronecker_factors=[4,4,4],[4,4]", "hash.kronecker_factors"),
        ("selectors_per_module=8,eight", "selectors_per_module: found a string \"eight\"; expected an integer"),
    ])
    func badValueFailsBeforeAnyWork(_ setting: String, _ message: String) {
        let directory = SweepTestSupport.temporaryDirectory("bad")
        let result = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                           "--set", "accelerators=1,2", "--set", setting, "--out", directory + "/bad"])
        #expect(result.code == 65)
        #expect(result.err.contains("sweep point") && result.err.contains(message) && result.err.contains("no point was run"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.csv"))
    }

    /// Merge refuses shards of different grids, different traces, a missing shard, two outputs of one
    /// shard and an unfinished shard; exit 65 and nothing written. One file named twice (a glob matching
    /// its .csv and .jsonl) counts once.
    @Test func mergeRefusesInconsistentShards() throws {
        let d = SweepTestSupport.temporaryDirectory("refuse")
        func sweep(_ out: String, _ shard: String, trace: String = SweepTestSupport.tinyTrace, p: String = "1,2") -> Int32 {
            SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", trace, "--set", "approximation.p=\(p)",
                                  "--set", "attention_modules=2,4", "--out", out, "--shard", shard, "--quiet"]).code
        }
        #expect(sweep(d + "/a0", "0/2") == 0 && sweep(d + "/a1", "1/2") == 0)
        #expect(sweep(d + "/b1", "1/2", p: "1,4") == 0)                                  // other grid
        #expect(sweep(d + "/c1", "1/2", trace: SweepTestSupport.shippedSlice) == 0)        // other trace
        #expect(sweep(d + "/t0", "0/3") == 0)                                            // other N
        for ext in ["jsonl", "header.json", "csv"] { try FileManager.default.copyItem(atPath: d + "/a0.\(ext)", toPath: d + "/copy0.\(ext)") }
        let cases: [([String], String)] = [
            ([d + "/a0", d + "/b1"], "different grids"),
            ([d + "/a0", d + "/c1"], "different traces"),
            ([d + "/a0"], "missing shard 1/2"),
            ([d + "/a0", d + "/copy0", d + "/a1"], "are both shard 0/2"),
            ([d + "/a0", d + "/t0"], "all shards must split the grid the same way"),
        ]
        for (inputs, message) in cases {
            let result = SweepTestSupport.run(["sweep", "merge", d + "/out"] + inputs)
            #expect(result.code == 65 && result.err.contains(message), "\(inputs): \(result.err)")
            #expect(!FileManager.default.fileExists(atPath: d + "/out.jsonl"))
        }
        let glob = SweepTestSupport.run(["sweep", "merge", d + "/glob", d + "/a0.csv", d + "/a0.jsonl", d + "/a1.jsonl"])
        #expect(glob.code == 0 && glob.err.contains("2 shards, 4 points"), "\(glob.err)")
        // An unfinished shard: drop its last row.
        var lines = SweepTestSupport.read(d + "/a1.jsonl").split(separator: "\n").map(String.init)
        lines.removeLast()
        try (lines.joined(separator: "\n") + "\n").write(toFile: d + "/a1.jsonl", atomically: true, encoding: .utf8)
        let unfinished = SweepTestSupport.run(["sweep", "merge", d + "/out", d + "/a0", d + "/a1"])
        #expect(unfinished.code == 65 && unfinished.err.contains("has 1 of its 2 points"), "\(unfinished.err)")
    }

    /// Rerunning into an output of another sweep or shard is refused (exit 65) unless --fresh.
    @Test func existingOutputOfAnotherSweepIsRefused() {
        let d = SweepTestSupport.temporaryDirectory("other")
        let base = ["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace, "--out", d + "/o", "--quiet"]
        #expect(SweepTestSupport.run(base + ["--set", "approximation.p=1,2"]).code == 0)
        let other = SweepTestSupport.run(base + ["--set", "approximation.p=1,4"])
        #expect(other.code == 65 && other.err.contains("holds a sweep over other axes"))
        let shard = SweepTestSupport.run(base + ["--set", "approximation.p=1,2", "--shard", "0/2"])
        #expect(shard.code == 65 && shard.err.contains("holds shard all, this run is shard 0/2"))
        let fresh = SweepTestSupport.run(base + ["--set", "approximation.p=1,4", "--fresh"])
        #expect(fresh.code == 0 && fresh.err.contains("simulated 2 of 2 points"))
    }

    /// The whole shipped trace: a two-point sweep's p = 4 row equals `elsa-sim run` totals, and the p = 1
    /// row selects more pairs than the p = 4 row (larger p selects fewer keys, ELSA III-E).
    @Test func shippedTraceRowsMatchRun() throws {
        let d = SweepTestSupport.temporaryDirectory("shipped")
        let sweep = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedTrace,
                                          "--set", "approximation.p=1,4", "--out", d + "/s", "--quiet"])
        #expect(sweep.code == 0)
        let rows = SweepTestSupport.read(d + "/s.jsonl").split(separator: "\n")
            .map { try! SweepRow(line: String($0), file: "s.jsonl", lineNumber: 0) }
        #expect(rows.count == 2)
        #expect(rows[0].number("values.approximation.p") == 1 && rows[1].number("values.approximation.p") == 4)
        #expect((rows[0].number("selected_pairs") ?? 0) > (rows[1].number("selected_pairs") ?? 0))
        for (row, p) in zip(rows.dropFirst(), ["4"]) {
            let run = SweepTestSupport.run(["run", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.shippedTrace,
                                            "--set", "approximation.p=\(p)", "--json", d + "/r\(p).json", "--quiet"])
            #expect(run.code == 0)
            let totals = try JSONValue.parse(Data(SweepTestSupport.read(d + "/r\(p).json").utf8)).objectValue?["totals"]?.objectValue
            for key in ["cycles", "preprocessing_cycles", "execution_cycles", "selected_pairs", "total_pairs",
                        "paper_closed_form_cycles", "lower_bound_cycles"] {
                #expect(row.number(key) == totals?[key]?.doubleValue, "p = \(p): \(key)")
            }
            // What `run` reports beside the cycles: the row's new fields equal run's totals, area and provenance.
            let report = try JSONValue.parse(Data(SweepTestSupport.read(d + "/r\(p).json").utf8))
            func at(_ path: String) -> JSONValue? { SweepRow.lookup(report, path) }
            let pairs: [(row: String, run: String)] = [
                ("quality.mass_kept_mean", "totals.quality.mass_kept_mean"), ("quality.output_error", "totals.quality.output_error"),
                ("energy.total_uj", "totals.energy.total_uj"), ("area.core_mm2", "area.core_mm2"),
                ("area.external_memory_mm2", "area.external_memory_mm2"), ("area.total_mm2", "area.total_mm2"),
                ("throughput.queries_per_s_per_mm2", "throughput.queries_per_s_per_mm2"),
                ("bottleneck.busy_share", "totals.bottleneck.busy_share"),
            ]
            for (rowPath, runPath) in pairs {
                let expected = try #require(at(runPath)?.doubleValue, "run --json lacks \(runPath)")
                #expect(row.number(rowPath) == expected, "p = \(p): \(rowPath)")
            }
            #expect(SweepRow.lookup(row.value, "bottleneck.module") == at("totals.bottleneck.module"))
            #expect(SweepRow.lookup(row.value, "simulator") == at("provenance.simulator"))
            // Quality was measured: a mass share in (0, 1] and a defined, non-negative error.
            let mass = try #require(row.number("quality.mass_kept_mean"))
            #expect(mass > 0 && mass <= 1 && (row.number("quality.output_error") ?? -1) >= 0)
        }
    }

    /// `--plot` draws one line per combination of the other swept fields (well-formed SVG); `sweep plot`
    /// redraws from the output alone (a Pareto chart here) and refuses an unknown field with exit 64.
    @Test func plotsFromSweepAndFromOutput() throws {
        let d = SweepTestSupport.temporaryDirectory("plot")
        let r = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                      "--set", "attention_modules=1,2,4", "--set", "approximation.p=1,2", "--out", d + "/s", "--quiet",
                                      "--plot", d + "/line.svg", "--x", "approximation.p"])
        #expect(r.code == 0, "\(r.err)")
        let line = SweepTestSupport.read(d + "/line.svg")
        #expect(XMLParser(data: Data(line.utf8)).parse())
        #expect(line.components(separatedBy: "<polyline").count - 1 == 3)   // Pa = 1, 2, 4
        let pareto = SweepTestSupport.run(["sweep", "plot", d + "/s", "--plot", d + "/pareto.svg", "--x", "area_proxy"])
        #expect(pareto.code == 0 && XMLParser(data: Data(SweepTestSupport.read(d + "/pareto.svg").utf8)).parse())
        let bad = SweepTestSupport.run(["sweep", "plot", d + "/s", "--plot", d + "/x.svg", "--x", "selectors_per_module"])
        #expect(bad.code == 64 && bad.err.contains("'selectors_per_module' is not a field this chart can use here; expected one of: attention_modules, approximation.p, n, head_dim, layers, heads, kv_heads, area, area_proxy"))

        // --x area: the Pareto chart in mm² (AreaModel), one point per row at the row's area_mm2; more
        // attention modules cost more area at equal p.
        let area = SweepTestSupport.run(["sweep", "plot", d + "/s", "--plot", d + "/area.svg", "--x", "area"])
        #expect(area.code == 0 && SweepTestSupport.read(d + "/area.svg").contains("area (mm², ELSA Table I scaled, docs/energy.md)"))
        let output = try #require(try SweepOutputFile.read(d + "/s.jsonl"))
        let chart = try SweepCharts.pareto(rows: output.rows, header: output.header, x: "area", y: "cycles", color: nil, title: "")
        #expect(chart.points.map(\.x) == output.rows.map { $0.number("area.total_mm2")! })
        let p1 = output.rows.filter { $0.number("values.approximation.p") == 1 }.sorted { $0.index < $1.index }
        let areas = p1.map { $0.number("area.total_mm2")! }
        #expect(areas.count == 3 && areas[0] < areas[1] && areas[1] < areas[2], "\(areas)")
    }

    /// An output written with another column layout (an older elsa-sim: no `columns` in its header) is
    /// refused for resuming, naming the layout, instead of mixing rows of two layouts.
    @Test func olderColumnLayoutIsRefused() throws {
        let d = SweepTestSupport.temporaryDirectory("layout")
        let args = ["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                    "--set", "approximation.p=1,2", "--out", d + "/s", "--quiet"]
        #expect(SweepTestSupport.run(args).code == 0)
        let headerLine = SweepTestSupport.read(d + "/s.header.json")
        let stripped = headerLine.replacingOccurrences(of: #","columns":\[[^\]]*\]"#, with: "", options: .regularExpression)
        #expect(stripped != headerLine)
        try stripped.write(toFile: d + "/s.header.json", atomically: true, encoding: .utf8)
        let again = SweepTestSupport.run(args)
        #expect(again.code == 65 && again.err.contains("holds rows of another column layout (0 columns"), "\(again.err)")
    }

    /// A spec file (relative paths, a linked axis, a fixed field) gives the same grid and bytes as the
    /// equivalent command line; --list shows the points and their shards without running.
    @Test func specFileEqualsCommandLine() throws {
        let d = SweepTestSupport.temporaryDirectory("spec")
        let config = SweepTestSupport.paperConfig, trace = SweepTestSupport.tinyTrace
        let spec = """
        {"format": "elsa-sweep-spec/1", "config": "\(config)", "traces": ["\(trace)"], "set": {"selector.queue_depth": 6},
         "axes": [{"fields": ["attention_modules", "hash.multipliers"], "values": [[2, 128], [4, 256]]},
                  {"field": "approximation.p", "values": [1, 2]}]}
        """
        try spec.write(toFile: d + "/spec.json", atomically: true, encoding: .utf8)
        let fromSpec = SweepTestSupport.run(["sweep", "--spec", d + "/spec.json", "--out", d + "/a", "--quiet"])
        #expect(fromSpec.code == 0, "\(fromSpec.err)")
        let header = SweepTestSupport.read(d + "/a.csv").split(separator: "\n")[0]
        #expect(header.hasPrefix("index,trace,attention_modules,hash.multipliers,approximation.p,cycles"))
        let rows = SweepTestSupport.read(d + "/a.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(5).joined(separator: ",") }
        #expect(rows == ["0,tiny,2,128,1", "1,tiny,2,128,2", "2,tiny,4,256,1", "3,tiny,4,256,2"])
        // The same grid from the command line, with the linked axis written as a spec (no linked --set).
        let list = SweepTestSupport.run(["sweep", "--spec", d + "/spec.json", "--shard", "1/3", "--list"])
        #expect(list.code == 0 && list.out.contains("attention_modules=4, hash.multipliers=256, approximation.p=2"))
        #expect(list.out.split(separator: "\n").filter { $0.contains("1/3") }.count == 1)   // of points 0…3 only point 1 is in shard 1/3
        let cli = SweepTestSupport.run(["sweep", "--config", config, "--trace", trace, "--set", "selector.queue_depth=6",
                                        "--set", "attention_modules=2", "--set", "hash.multipliers=128", "--set", "approximation.p=1,2",
                                        "--out", d + "/b", "--quiet"])
        #expect(cli.code == 0)
        // Rows 0 and 1 of the spec run are the Pa = 2, m_h = 128 points of the command-line run.
        let specRows = SweepTestSupport.read(d + "/a.jsonl").split(separator: "\n").prefix(2).map { try! SweepRow(line: String($0), file: "a", lineNumber: 0) }
        let cliRows = SweepTestSupport.read(d + "/b.jsonl").split(separator: "\n").map { try! SweepRow(line: String($0), file: "b", lineNumber: 0) }
        #expect(specRows.map(\.configHash) == cliRows.map(\.configHash))
        #expect(specRows.map { $0.number("cycles") } == cliRows.map { $0.number("cycles") })
    }

    @Test func progressLine() {
        #expect(SweepRunner.progressLine(done: 12, of: 80, reused: 0, total: 80, elapsed: 14)
            == "sweep: 12/80 points, 0:14 elapsed, about 1:19 left")   // 14 s / 12 × 68 = 79.3 s
        #expect(SweepRunner.progressLine(done: 4, of: 4, reused: 76, total: 80, elapsed: 3725)
            == "sweep: 80/80 points (76 reused), 1:02:05 elapsed")
    }
}
