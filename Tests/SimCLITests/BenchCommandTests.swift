import Foundation
import Testing
@testable import SimCLI
import SimIO

@Suite struct BenchCommandTests {
    @Test func processTimesReadsTimeLines() throws {
        // /usr/bin/time -f '%e %U %S %M': wall, user, system seconds, peak KiB; 0 KiB = unknown.
        let samples = try BenchInputs.processTimes("0.50 0.16 0.01 27720\n\n  1.5 1.0 0.5 0\n", path: "t.times")
        #expect(samples == [BenchSample(wall: 0.5, cpu: 0.17, peakBytes: 27720 * 1024),
                            BenchSample(wall: 1.5, cpu: 1.5, peakBytes: nil)])
    }

    @Test(arguments: ["0.5 0.1 x 10\n", "0.5 0.1 0.1\n", "0.5 0.1 0.1 10 3\n", "-1 0 0 10\n", "0.5 0.1 0.1 1.5\n"])
    func processTimesRejectsOtherLines(text: String) {
        do {
            _ = try BenchInputs.processTimes("1 1 0 10\n" + text, path: "w.times")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains("w.times: line 2"))
            #expect(error.description.contains("%e %U %S %M"))
        }
    }

    @Test func processTimesRejectsAnEmptyFile() {
        #expect(throws: UsageError.self) { try BenchInputs.processTimes("\n\n", path: "e.times") }
    }

    @Test func rowSummaries() {
        let odd = BenchRow(pass: "p", samples: [3, 1, 2].map { BenchSample(wall: $0, cpu: $0 * 2, peakBytes: Int($0) * 10) },
                           pairs: 1000, cycles: 500)
        #expect(odd.wallMin == 1 && odd.wallMedian == 2 && odd.cpuMedian == 4 && odd.peakBytes == 30)
        #expect(odd.pairsPerSecond == 1000 && odd.cyclesPerSecond == 500)
        let even = BenchRow(pass: "p", samples: [4, 1, 3, 2].map { BenchSample(wall: $0, cpu: 1, peakBytes: nil) },
                            pairs: 10, cycles: nil)
        #expect(even.wallMedian == 2.5 && even.peakBytes == nil && even.cyclesPerSecond == nil)
    }

    @Test func exactPassReadsTheScriptsJSON() throws {
        let json = #"{"pairs": 4096, "seconds_min": 0.5, "seconds_median": 0.75, "cpu_seconds_min": 0.9, "peak_bytes": 2048}"#
        let (row, seconds) = try BenchInputs.exactPass(Data(json.utf8), path: "x.json")
        #expect(seconds == 0.5 && row.wallMin == 0.5 && row.wallMedian == 0.75 && row.cpuMedian == 0.9)
        #expect(row.pairs == 4096 && row.peakBytes == 2048 && row.pairsPerSecond == 8192)
        do {
            _ = try BenchInputs.exactPass(Data(#"{"pairs": 1, "seconds_median": 1, "cpu_seconds_min": 1}"#.utf8), path: "y.json")
            Issue.record("accepted a missing seconds_min")
        } catch {
            #expect(error.description.contains("y.json: seconds_min: missing"))
        }
    }

    /// The whole command on a tiny trace: rows, CSV, and `--thresholds` reaching both passes (the selected
    /// pairs are those `run --thresholds` selects, not the learned ones).
    @Test func benchWithEveryInput() throws {
        let dir = Repo.temporaryDirectory()
        let trace = dir.appendingPathComponent("tiny").path
        #expect(CLIRun(["trace", "synth", "--layers", "1", "--heads", "2", "--n", "16", "--head-dim", "8", "--seed", "3",
                        "-o", trace]).status == 0)
        let thresholds = dir.appendingPathComponent("t.json").path
        try #"{"format": "elsa-thresholds/1", "p": 1, "layers": [{"name": "layer0", "t": [0.9, 0.8]}]}"#
            .write(toFile: thresholds, atomically: true, encoding: .utf8)
        let times = dir.appendingPathComponent("r.times").path
        try "0.2 0.3 0.1 1000\n0.4 0.3 0.1 1000\n".write(toFile: times, atomically: true, encoding: .utf8)
        let exact = dir.appendingPathComponent("x.json").path
        try #"{"pairs": 512, "seconds_min": 0.1, "seconds_median": 0.1, "cpu_seconds_min": 0.1}"#
            .write(toFile: exact, atomically: true, encoding: .utf8)
        let config = Repo.path("Configs/elsa-paper.json")
        let run = CLIRun(["run", "--config", config, "--trace", trace, "--thresholds", thresholds, "--no-quality", "--json", "-"])
        #expect(run.status == 0, "\(run.stderr)")
        let runSelected = try #require(try JSONValue.parse(Data(run.stdout.utf8)).objectValue?["totals"]?.objectValue?["selected_pairs"]?.integerValue)
        let json = dir.appendingPathComponent("b.json").path, csv = dir.appendingPathComponent("b.csv").path
        let r = CLIRun(["bench", "--config", config, "--trace", trace, "--repeat", "1", "--thresholds", thresholds,
                        "--workload", "tiny, 2 heads", "--process-times", times, "--exact", exact, "--json", json, "--csv", csv])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("run (process)") && r.stdout.contains("× exact"))
        let doc = try #require(try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: json))).objectValue)
        #expect(doc["pairs"]?.integerValue == 2 * 16 * 16)
        #expect(doc["selected_pairs"]?.integerValue == runSelected)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0] == Substring(BenchCommand.csvHeader))
        // the process row: minimum 0.2 s, median 0.3 s, CPU 0.4 s, 512 pairs / 0.2 s, 0.2 s / 0.1 s
        #expect(lines[1].hasPrefix("\"tiny, 2 heads\",run (process),0.2,0.30000000000000004,0.4,2560.0,"))
        #expect(lines[1].contains(",1024000,2.0,512,"))
        #expect(lines[4].hasPrefix("\"tiny, 2 heads\",numpy exact attention,0.1,0.1,0.1,5120.0,,,1.0,512,"))
    }
}
