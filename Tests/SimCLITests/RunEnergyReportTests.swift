import Testing
import Foundation
import Workload
import SimIO
import SimCharts
import SimReports
import SimStudies
@testable import SimCLI

/// `elsa-sim run` reports energy, area and throughput per area in all three outputs, consistently.
@Suite struct RunEnergyReportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Outputs {
        var json: JSONValue
        var csv: [String]
        var table: String
    }

    static func run(config: String) throws -> Outputs {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("energy-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = SyntheticTraceGenerator(layers: 2, heads: 2, n: 32, headDim: 64, seed: 9).generate()
        try TraceWriter.write(trace, to: dir.appendingPathComponent("trace"))
        let json = dir.appendingPathComponent("r.json").path, csv = dir.appendingPathComponent("r.csv").path
        let console = Console.capturing()
        let code = runMain(["run", "--config", root.appendingPathComponent("Configs/\(config).json").path,
                            "--trace", dir.appendingPathComponent("trace").path, "--json", json, "--csv", csv, "--threads", "1"],
                           console: console)
        #expect(code == 0, "\(console.standardError)")
        return Outputs(json: try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: json))),
                       csv: try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init),
                       table: console.standardOutput)
    }

    static func number(_ v: JSONValue?, _ path: String...) -> Double? {
        var cur = v
        for key in path { cur = cur?.objectValue?[key] }
        return cur?.doubleValue
    }

    @Test(arguments: ["elsa-base", "elsa-paper"])
    func jsonCsvAndTableAgree(config: String) throws {
        let out = try Self.run(config: config)
        let j = out.json
        #expect(abs(Self.number(j, "area", "core_mm2")! - 1.255) < 1e-9)
        #expect(abs(Self.number(j, "area", "external_memory_mm2")! - 0.892) < 1e-9)
        let total = try #require(Self.number(j, "totals", "energy", "total_uj"))
        guard case let .array(layers)? = j.objectValue?["layers"] else { Issue.record("no layers"); return }
        #expect(layers.count == 2)
        var layerSum = 0.0, headSums: [Double] = []
        for layer in layers {
            layerSum += Self.number(layer, "energy", "total_uj")!
            guard case let .array(heads)? = layer.objectValue?["heads"] else { Issue.record("no heads"); return }
            var sum = 0.0
            for h in heads { let e = Self.number(h, "energy", "total_uj")!; sum += e; headSums.append(e) }
            // One accelerator: the layer is its heads back to back.
            #expect(abs(sum - Self.number(layer, "energy", "total_uj")!) <= 1e-9 * sum)
        }
        #expect(abs(layerSum - total) <= 1e-9 * total)
        let shares = ["approximation", "attention_output_division", "external_memory"].map {
            Self.number(j, "totals", "energy", "group_shares", $0)!
        }
        #expect(abs(shares.reduce(0, +) - 1) < 1e-12)
        if config == "elsa-base" { #expect(shares[0] == 0) } else { #expect(shares[0] > 0) }
        // Average power = energy / time.
        let time = Self.number(j, "totals", "time_us")!
        #expect(abs(Self.number(j, "totals", "energy", "average_power_mw")! - total / time * 1000) < 1e-9 * total / time * 1000)
        // Throughput per area = 2 layers × 2 heads × 32 queries / time / 2.147 mm².
        let qps = 128 / (time * 1e-6)
        #expect(abs(Self.number(j, "throughput", "queries_per_s_per_mm2")! - qps / 2.147) < 1e-6 * qps)

        #expect(out.csv[0].hasPrefix(RunReport.csvHeader + "," + RunReport.csvEnergyHeader))
        let columns = out.csv[0].split(separator: ",").map(String.init)
        let energyColumn = try #require(columns.firstIndex(of: "energy_uj"))
        let areaColumn = try #require(columns.firstIndex(of: "area_mm2"))
        #expect(out.csv.count == 1 + 4)
        for (row, expected) in zip(out.csv.dropFirst(), headSums) {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(cells.count == columns.count)
            #expect(Double(cells[energyColumn]) == expected)
            #expect(abs(Double(cells[areaColumn])! - 2.147) < 1e-9)
        }
        #expect(out.table.contains("energy and area (docs/energy.md)"))
        #expect(out.table.contains("2.147 mm²"))
    }
}
