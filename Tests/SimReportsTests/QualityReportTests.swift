import Foundation
import Testing
import ElsaModel
import Workload
@testable import SimIO
@testable import SimReports

/// Quality in `run`'s reports and the `quality` command's report agree with the statistics they print.
@Suite struct QualityReportTests {
    static func config() -> ElsaConfig {
        var config = ElsaConfig()
        config.headDim = 8
        config.hash.bits = 8
        config.hash.kroneckerFactors = [2, 4]
        config.approximation.p = 2
        return config
    }

    static let trace = SyntheticTraceGenerator(layers: 2, heads: 2, n: 12, headDim: 8, seed: 21).generate()

    @Test func runReportCarriesQualityEverywhere() throws {
        let result = try ElsaSimulation.run(trace: Self.trace, traceName: "t", model: ElsaFunctionalModel(config: Self.config()))
        let report = RunReport(result: result)
        let json = report.json()
        let totals = try #require(json.objectValue?["totals"]?.objectValue?["quality"]?.objectValue)
        #expect(totals["mass_kept_mean"]?.doubleValue == result.quality!.massKeptMean)
        #expect(totals["queries"] == .int(48))
        let layer1 = try #require(json.objectValue?["layers"].flatMap { if case let .array(a) = $0 { return a[1] } else { return nil } })
        #expect(layer1.objectValue?["quality"]?.objectValue?["output_error"]?.doubleValue == result.layers[1].quality!.outputError)

        // CSV: the quality columns come last before the trace and config names, one value per column.
        let lines = report.csv().split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Array(header.suffix(2)) == ["trace", "config"])
        #expect(Array(header.dropLast(2).suffix(6)) == QualityFields.csvColumns)
        #expect(header.prefix(3) == ["layer", "head", "accelerator"])
        for (line, head) in zip(lines.dropFirst(), result.layers.flatMap(\.heads)) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == header.count)
            #expect(Array(fields.suffix(2)) == ["t", result.configName])
            #expect(Array(fields.dropLast(2).suffix(6)) == QualityFields.csvValues(head.quality))
            #expect(Double(fields[fields.count - 8]) == head.quality!.massKeptMean)
        }
        let table = report.table()
        #expect(table.contains("mass") && table.contains("err"))
        #expect(table.contains(QualityFields.errorCell(result.quality!.outputError)))
    }

    @Test func withoutQualityTheFieldsAreEmpty() throws {
        let result = try ElsaSimulation.run(trace: Self.trace, traceName: "t", model: ElsaFunctionalModel(config: Self.config()),
                                            quality: false)
        let report = RunReport(result: result)
        #expect(report.json().objectValue?["totals"]?.objectValue?["quality"] == .null)
        for line in report.csv().split(separator: "\n").dropFirst() {
            #expect(line.hasSuffix(",,,,,,,t,\(result.configName)"))
        }
        #expect(report.table().contains("—"))
    }

    @Test func sweepReportShiftIsOtherMinusSame() throws {
        let other = SyntheticTraceGenerator(layers: 2, heads: 2, n: 10, headDim: 8, seed: 22).generate()
        let ps = [0.5, 1, 2]
        let same = try QualitySweep.run(trace: Self.trace, config: Self.config(), ps: ps)
        let others = try QualitySweep.run(trace: Self.trace, config: Self.config(), ps: ps, calibration: ([other], ["o"]))
        let report = QualityReport(traceName: "t", configName: "c", layerNames: ["layer0", "layer1"], sameTrace: same, otherTraces: others)
        let json = report.json()
        guard case let .array(shifts)? = json.objectValue?["shift"] else { Issue.record("no shift array"); return }
        #expect(shifts.count == 3)
        for (i, shift) in shifts.enumerated() {
            let total = try #require(shift.objectValue?["total"]?.objectValue)
            #expect(total["selected_fraction"]?.doubleValue == others[i].total.selectedFraction - same[i].total.selectedFraction)
            #expect(total["mass_kept_mean"]?.doubleValue == others[i].total.massKeptMean - same[i].total.massKeptMean)
            // Per-head spread by a plain loop over the 4 heads.
            var largest = 0.0, sum = 0.0
            for l in 0 ..< 2 { for h in 0 ..< 2 {
                let d = abs(others[i].heads[l][h].selectedFraction - same[i].heads[l][h].selectedFraction)
                largest = max(largest, d)
                sum += d
            } }
            let heads = try #require(shift.objectValue?["heads"]?.objectValue)
            #expect(heads["max_abs_selected_fraction"]?.doubleValue == largest)
            #expect(abs(heads["mean_abs_selected_fraction"]!.doubleValue! - sum / 4) < 1e-15)
        }
        // CSV: (2 layers + total) × 3 p × 2 calibrations rows after the header.
        let lines = report.csv().split(separator: "\n")
        #expect(lines.count == 1 + 3 * 3 * 2)
        #expect(lines[3].hasPrefix("same-trace,0.5,total,\(same[0].total.queries),"))
        #expect(lines.last!.hasPrefix("other:o,2,total,"))
        // The table prints the paper's Fig. 10 mean at p = 1 on the total row.
        #expect(report.table().contains("36.0%"))
        let svg = report.figure().svg()
        #expect(svg.contains("paper Fig. 10 mean candidates") && svg.contains("other-trace thresholds"))
    }
}
