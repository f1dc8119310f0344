import Testing
import Foundation
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim sweep` with an A^3 base config (`docs/sweeps.md`, "A^3 sweeps"), on the tiny synthetic
/// trace (1 layer, 2 heads, n = 24, d = 16): 4 points over the greedy-search fraction and post-scoring T.
@Suite struct SweepA3Tests {
    static let config = SweepTestSupport.root.appendingPathComponent("Configs/a3-conservative.json").path
    static let fractions = [0.125, 0.5]
    static let thresholds = [5.0, 10.0]
    static let sets = ["--set", "approximation.iterations_fraction=0.125,0.5", "--set", "approximation.threshold_percent=5,10"]

    static func sweep(_ out: String, _ extra: [String] = []) -> (code: Int32, out: String, err: String) {
        SweepTestSupport.run(["sweep", "--config", config, "--trace", SweepTestSupport.tinyTrace, "--out", out, "--quiet",
                              "--threads", "2"] + sets + extra)
    }

    /// CSV lines as cells (empty cells kept).
    static func cells(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The base config file with the two fields set, written next to `directory` (the point's config,
    /// built without the sweep's override code).
    static func pointConfig(fraction: Double, threshold: Double, directory: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: config))
        var root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var approximation = try #require(root["approximation"] as? [String: Any])
        approximation["iterations_fraction"] = fraction
        approximation["threshold_percent"] = threshold
        root["approximation"] = approximation
        let path = directory + "/point-\(fraction)-\(threshold).json"
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// 4 rows in grid order (the last --set fastest); each row's cycles, preprocessing cycles, selected
    /// fraction and mass kept equal `elsa-sim run --config <that point's file> --json` on the same trace;
    /// the ELSA-only columns are empty; a second run simulates nothing and leaves the bytes unchanged.
    @Test func sweepRowsMatchRunAndResume() throws {
        let directory = SweepTestSupport.temporaryDirectory("a3")
        let out = directory + "/a3"
        let first = Self.sweep(out)
        #expect(first.code == 0, "\(first.err)")
        #expect(first.err.contains("simulated 4 of 4 points"), "\(first.err)")
        let csv = SweepTestSupport.read(out + ".csv")
        let rows = Self.cells(csv)
        try #require(rows.count == 1 + 4)
        let header = rows[0]
        /// The cell of `name` in `row` (a marker, never equal to a real cell, when the column is missing).
        func cell(_ row: [String], _ name: String) -> String { header.firstIndex(of: name).map { row[$0] } ?? "<no column \(name)>" }
        #expect(SweepTestSupport.read(out + ".jsonl").split(separator: "\n").count == 4)

        var hashes: Set<String> = []
        for (i, (fraction, threshold)) in Self.fractions.flatMap({ f in Self.thresholds.map { (f, $0) } }).enumerated() {
            let row = rows[i + 1]
            #expect(cell(row, "index") == "\(i)")
            #expect(Double(cell(row, "approximation.iterations_fraction")) == fraction)
            #expect(Double(cell(row, "approximation.threshold_percent")) == threshold)
            let json = directory + "/run-\(i).json"
            let run = SweepTestSupport.run(["run", "--config", try Self.pointConfig(fraction: fraction, threshold: threshold, directory: directory),
                                            "--trace", SweepTestSupport.tinyTrace, "--json", json, "--quiet", "--threads", "1"])
            #expect(run.code == 0, "\(run.err)")
            let root = try #require(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: json))).objectValue)
            let totals = try #require(root["totals"]?.objectValue)
            #expect(cell(row, "cycles") == SweepTable.cell(totals["cycles"]))
            #expect(cell(row, "preprocessing_cycles") == SweepTable.cell(totals["preprocessing_cycles"]))
            #expect(cell(row, "execution_cycles") == SweepTable.cell(totals["execution_cycles"]))
            #expect(cell(row, "selected_fraction") == SweepTable.cell(totals["selected_fraction"]))
            #expect(cell(row, "mass_kept_mean") == SweepTable.cell(totals["quality"]?.objectValue?["mass_kept_mean"]))
            #expect(!cell(row, "mass_kept_mean").isEmpty)
            // total = preprocessing + execution, with a nonzero host sort on the conservative config.
            let cycles = try #require(Int(cell(row, "cycles")))
            let pre = try #require(Int(cell(row, "preprocessing_cycles")))
            #expect(pre > 0 && cycles == pre + (Int(cell(row, "execution_cycles")) ?? -1))
            for empty in ["util_hash", "peak_attention", "ivd_execution_cycles", "area_proxy", "energy_uj", "area_mm2",
                          "paper_closed_form_cycles", "lower_bound_cycles"] {
                #expect(cell(row, empty) == "", "\(empty) should be empty for A^3")
            }
            // The bottleneck is a module name as in ELSA rows (it was an empty cell, read as a float column):
            // the A^3 module with the highest busy share of the run's head cycles: Σ busy / Σ head cycles
            // (one instance each), from the run JSON's layers.
            let modules = ["candidate_selection", "dot_product", "exponent", "output"]
            var layers: [JSONValue] = []
            if case let .array(a)? = root["layers"] { layers = a }
            func int(_ v: JSONValue?) -> Double { if case let .int(i)? = v { return Double(i) } else { return 0 } }
            var headCycles = 0.0
            for layer in layers {
                if case let .array(heads)? = layer.objectValue?["heads"] { headCycles += heads.reduce(0.0) { $0 + int($1.objectValue?["cycles"]) } }
            }
            let shares = modules.map { m in layers.reduce(0.0) { $0 + int($1.objectValue?["modules"]?.objectValue?[m]?.objectValue?["busy"]) } / headCycles }
            #expect(cell(row, "bottleneck") == modules[shares.firstIndex(of: shares.max()!)!])
            #expect(cell(row, "simulator").hasPrefix("elsa-sim "))
            hashes.insert(cell(row, "config_hash"))
        }
        #expect(hashes.count == 4)

        let jsonl = SweepTestSupport.read(out + ".jsonl")
        let again = Self.sweep(out)
        #expect(again.code == 0, "\(again.err)")
        #expect(again.err.contains("simulated 0 of 4 points (4 already in"), "\(again.err)")
        #expect(SweepTestSupport.read(out + ".jsonl") == jsonl)
        #expect(SweepTestSupport.read(out + ".csv") == csv)

        // Two shards merged give the unsharded bytes.
        for k in 0 ..< 2 {
            let shard = Self.sweep(directory + "/s\(k)", ["--shard", "\(k)/2"])
            #expect(shard.code == 0, "\(shard.err)")
        }
        let merged = SweepTestSupport.run(["sweep", "merge", directory + "/m", directory + "/s0", directory + "/s1"])
        #expect(merged.code == 0, "\(merged.err)")
        #expect(SweepTestSupport.read(directory + "/m.csv") == csv)
        #expect(SweepTestSupport.read(directory + "/m.jsonl") == jsonl)
    }

    /// A bad A^3 value on the last point stops the sweep before any point runs: exit 65 naming the field
    /// and the value, and no output file.
    @Test func badValueFailsBeforeAnyWork() {
        let directory = SweepTestSupport.temporaryDirectory("a3-bad")
        let result = SweepTestSupport.run(["sweep", "--config", Self.config, "--trace", SweepTestSupport.tinyTrace,
                                           "--out", directory + "/bad", "--set", "approximation.threshold_percent=5,150"])
        #expect(result.code == 65)
        #expect(result.err.contains("approximation.threshold_percent") && result.err.contains("150")
                && result.err.contains("no point was run"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.csv"))
    }

    /// Sweeping the accelerator, or ELSA inputs with an A^3 config, is refused (exit 64) with a message.
    @Test func mixingAcceleratorsIsRefused() {
        let directory = SweepTestSupport.temporaryDirectory("a3-mix")
        let axis = SweepTestSupport.run(["sweep", "--config", SweepTestSupport.paperConfig, "--trace", SweepTestSupport.tinyTrace,
                                         "--out", directory + "/mix", "--set", "accelerator=elsa,a3"])
        #expect(axis.code == 64 && axis.err.contains("sweep ELSA and A^3 configs separately"), "\(axis.err)")
        let matrix = SweepTestSupport.run(["sweep", "--config", Self.config, "--trace", SweepTestSupport.tinyTrace,
                                           "--out", directory + "/mix", "--hash-matrix", "h.npy", "--set", "approximation.threshold_percent=5,10"])
        #expect(matrix.code == 64 && matrix.err.contains("--hash-matrix"), "\(matrix.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/mix.jsonl"))
    }
}
