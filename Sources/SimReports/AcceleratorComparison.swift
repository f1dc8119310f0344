import SimIO
import SimCharts
import Foundation
import A3Model
import ElsaModel

/// Several accelerator configs (ELSA or A^3) on one trace, side by side (`docs/a3.md` §8): per config
/// its cycles, preprocessing share, selected fraction, mass kept, output error and speedup over the
/// first config. Built from the simulation results, so any command can assemble one.
public struct AcceleratorComparison: Sendable {
    /// One config's summary.
    public struct Row: Sendable, Equatable {
        /// `"elsa"` or `"a3"`.
        public var accelerator: String
        public var config: String
        public var configFile: String
        public var cycles: Int64
        public var preprocessingCycles: Int64
        public var selectedPairs: Int
        public var totalPairs: Int
        public var clockGHz: Double
        /// `nil` when quality was not measured.
        public var quality: QualityStatistics?

        public init(accelerator: String, config: String, configFile: String, cycles: Int64, preprocessingCycles: Int64,
                    selectedPairs: Int, totalPairs: Int, clockGHz: Double, quality: QualityStatistics?) {
            self.accelerator = accelerator
            self.config = config
            self.configFile = configFile
            self.cycles = cycles
            self.preprocessingCycles = preprocessingCycles
            self.selectedPairs = selectedPairs
            self.totalPairs = totalPairs
            self.clockGHz = clockGHz
            self.quality = quality
        }

        /// An ELSA run (`selectedPairs` as the run report counts them: every visible pair in exact mode).
        public init(elsa r: SimulationResult, configFile: String) {
            self.init(accelerator: "elsa", config: r.configName, configFile: configFile, cycles: r.cycles,
                      preprocessingCycles: r.preprocessingCycles, selectedPairs: r.selectedPairs, totalPairs: r.totalPairs,
                      clockGHz: r.clockGHz, quality: r.quality)
        }

        /// An A^3 run (`selectedPairs`: keys kept by post-scoring).
        public init(a3 report: A3RunReport, configFile: String) {
            let r = report.result
            self.init(accelerator: "a3", config: r.configName, configFile: configFile, cycles: r.cycles,
                      preprocessingCycles: r.preprocessingCycles, selectedPairs: r.selectedPairs, totalPairs: r.totalPairs,
                      clockGHz: r.clockGHz, quality: report.totalQuality)
        }

        public var preprocessingShare: Double { cycles == 0 ? 0 : Double(preprocessingCycles) / Double(cycles) }
        public var selectedFraction: Double { totalPairs == 0 ? 0 : Double(selectedPairs) / Double(totalPairs) }
        /// Time at the config's clock, in microseconds.
        public var microseconds: Double { Double(cycles) / (clockGHz * 1000) }
    }

    public var trace: String
    public var rows: [Row]

    public init(trace: String, rows: [Row]) {
        self.trace = trace
        self.rows = rows
    }

    /// Time of the first row ÷ time of `row` (at each config's clock; cycles when the clocks agree).
    public func speedup(_ row: Row) -> Double {
        guard let first = rows.first, row.microseconds > 0 else { return 0 }
        return first.microseconds / row.microseconds
    }

    public func json() -> JSONValue {
        .object([
            "trace": .string(trace),
            "baseline": rows.first.map { .string($0.config) } ?? .null,
            "configs": .array(rows.map { r in
                var object: [String: JSONValue] = [
                    "accelerator": .string(r.accelerator), "config": .string(r.config), "config_file": .string(r.configFile),
                    "cycles": .int(r.cycles), "preprocessing_cycles": .int(r.preprocessingCycles),
                    "preprocessing_share": .double(r.preprocessingShare), "selected_pairs": .int(Int64(r.selectedPairs)),
                    "total_pairs": .int(Int64(r.totalPairs)), "selected_fraction": .double(r.selectedFraction),
                    "microseconds": .double(r.microseconds), "speedup": .double(speedup(r)),
                    "mass_kept_mean": r.quality.map { .double($0.massKeptMean) } ?? .null,
                    "output_error": r.quality?.outputError.map { .double($0) } ?? .null,
                ]
                if r.quality?.outputError == nil {
                    object["output_error_reason"] = .string(r.quality?.outputErrorReason ?? "quality not measured (--no-quality)")
                }
                return .object(object)
            }),
        ])
    }

    public static let csvHeader = "accelerator,config,config_file,cycles,preprocessing_cycles,preprocessing_share,selected_fraction,mass_kept_mean,output_error,microseconds,speedup"

    public func csv() -> String {
        var lines = [Self.csvHeader]
        for r in rows {
            lines.append([r.accelerator, RunReport.csvField(r.config), RunReport.csvField(r.configFile), "\(r.cycles)",
                          "\(r.preprocessingCycles)", JSONValue.format(r.preprocessingShare), JSONValue.format(r.selectedFraction),
                          r.quality.map { JSONValue.format($0.massKeptMean) } ?? "",
                          r.quality?.outputError.map(JSONValue.format) ?? "", JSONValue.format(r.microseconds),
                          JSONValue.format(speedup(r))].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func table() -> String {
        var rows: [[String]] = [["accelerator", "config", "cycles", "preproc", "selected", "mass", "err", "time µs", "speedup"]]
        for r in self.rows {
            rows.append([r.accelerator, r.config, "\(r.cycles)", String(format: "%.1f%%", r.preprocessingShare * 100),
                         String(format: "%.1f%%", r.selectedFraction * 100), QualityFields.massCell(r.quality?.massKeptMean),
                         QualityFields.errorCell(r.quality?.outputError), String(format: "%.2f", r.microseconds),
                         String(format: "%.2f×", speedup(r))])
        }
        var out = "elsa-sim compare-accelerators — trace \(trace)\n"
        out += TextTable.render(rows, rightAligned: Set(2 ..< 9), ruleBefore: [1])
        out += "preproc: preprocessing share of the cycles; selected: kept (query, key) pairs over visible pairs; mass, err: docs/quality.md §1; speedup: first config's time ÷ this config's (docs/a3.md §8)\n"
        return out
    }
}
