import Foundation
import ElsaModel
import SimIO
import SimCharts
import SimReports

/// The result of `elsa-sim sensitivity`: the baseline, one row per alternative with its change of total
/// cycles, execution cycles, selected fraction and output error, sorted by effect (|Δ total cycles|, then
/// |Δ execution cycles|, then |Δ output error|, then plan order), and the excluded assumptions with their
/// reasons. Table, JSON, CSV and a tornado chart (`docs/validation.md`, "Which unknowns matter").
package struct SensitivityReport {
    package struct Row {
        let point: SensitivityPoint
        let metrics: SensitivityMetrics
        let order: Int
    }
    package let configName: String
    package let traceName: String
    package let calibrationTraceName: String?
    package let baseline: SensitivityMetrics
    package let baselineAssumptions: AssumptionSummary
    /// Alternatives, sorted by effect.
    package let rows: [Row]
    package let excluded: [(field: String, reason: String)]

    package init(configName: String, traceName: String, calibrationTraceName: String?, baseline: SensitivityMetrics,
         baselineAssumptions: AssumptionSummary, alternatives: [(SensitivityPoint, SensitivityMetrics)], excluded: [(field: String, reason: String)]) {
        self.configName = configName
        self.traceName = traceName
        self.calibrationTraceName = calibrationTraceName
        self.baseline = baseline
        self.baselineAssumptions = baselineAssumptions
        self.excluded = excluded
        let b = baseline
        func key(_ m: SensitivityMetrics) -> (Int64, Int64, Double) {
            (abs(m.cycles - b.cycles), abs(m.executionCycles - b.executionCycles), abs((m.outputError ?? 0) - (b.outputError ?? 0)))
        }
        rows = alternatives.enumerated().map { Row(point: $1.0, metrics: $1.1, order: $0) }.sorted { x, y in
            let kx = key(x.metrics), ky = key(y.metrics)
            if kx.0 != ky.0 { return kx.0 > ky.0 }
            if kx.1 != ky.1 { return kx.1 > ky.1 }
            if kx.2 != ky.2 { return kx.2 > ky.2 }
            return x.order < y.order
        }
    }

    /// Assumptions (fields) varied.
    package var fieldCount: Int { Set(rows.map(\.point.field)).count }

    package func percent(_ value: Int64, _ base: Int64) -> Double { base == 0 ? 0 : Double(value - base) / Double(base) * 100 }

    // MARK: table

    package func table() -> String {
        let b = baseline
        var out = "elsa-sim sensitivity — config \(configName), trace \(traceName)"
            + (calibrationTraceName.map { ", held-out calibration on \($0)" } ?? "") + "\n"
        out += "baseline " + baselineAssumptions.headerLine
        out += "baseline: \(b.cycles) cycles, \(b.executionCycles) execution, selected \(String(format: "%.1f%%", b.selectedFraction * 100)), output error \(b.outputError.map { String(format: "%.4f", $0) } ?? "—")\n"
        var table = [["#", "assumption", "value", "cycles", "Δ total", "Δ exec", "selected", "Δ sel (pp)", "err", "Δ err"]]
        for (i, r) in rows.enumerated() {
            let m = r.metrics
            table.append(["\(i + 1)", r.point.field, r.point.value + (r.point.kind == "value" ? "" : " (\(r.point.kind))"), "\(m.cycles)",
                          String(format: "%+.2f%%", percent(m.cycles, b.cycles)),
                          String(format: "%+.2f%%", percent(m.executionCycles, b.executionCycles)),
                          String(format: "%.1f%%", m.selectedFraction * 100),
                          String(format: "%+.2f", (m.selectedFraction - b.selectedFraction) * 100),
                          m.outputError.map { String(format: "%.4f", $0) } ?? "—",
                          zip2(m.outputError, b.outputError).map { String(format: "%+.4f", $0 - $1) } ?? "—"])
        }
        out += TextTable.render(table, rightAligned: Set([0, 3, 4, 5, 6, 7, 8, 9]), ruleBefore: [1])
        out += "\(rows.count) alternatives of \(fieldCount) assumptions, sorted by |Δ total cycles|; Δ = alternative − baseline; "
            + "selected = selected / visible (query, key) pairs; err = relative L2 output error (docs/quality.md)\n"
        for e in excluded { out += "not varied: \(e.field) — \(e.reason)\n" }
        return out
    }

    package func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    // MARK: JSON

    package func json() -> JSONValue {
        let b = baseline
        func metrics(_ m: SensitivityMetrics) -> [String: JSONValue] {
            ["cycles": .int(m.cycles), "execution_cycles": .int(m.executionCycles), "selected_fraction": .double(m.selectedFraction),
             "output_error": m.outputError.map(JSONValue.double) ?? .null]
        }
        return .object([
            "config": .string(configName),
            "trace": .string(traceName),
            "calibration_trace": calibrationTraceName.map(JSONValue.string) ?? .null,
            "baseline": .object(metrics(b).merging(["assumptions": baselineAssumptions.json(),
                                                    "calibration": baselineAssumptions.calibration.json()]) { $1 }),
            "alternatives": .array(rows.enumerated().map { i, r in
                var o = metrics(r.metrics)
                o["rank"] = .int(Int64(i + 1))
                o["assumption"] = .string(r.point.field)
                o["value"] = .string(r.point.value)
                o["kind"] = .string(r.point.kind)
                o["delta_cycles"] = .int(r.metrics.cycles - b.cycles)
                o["delta_cycles_percent"] = .double(percent(r.metrics.cycles, b.cycles))
                o["delta_execution_cycles"] = .int(r.metrics.executionCycles - b.executionCycles)
                o["delta_execution_percent"] = .double(percent(r.metrics.executionCycles, b.executionCycles))
                o["delta_selected_fraction"] = .double(r.metrics.selectedFraction - b.selectedFraction)
                o["delta_output_error"] = zip2(r.metrics.outputError, b.outputError).map { .double($0 - $1) } ?? .null
                return .object(o)
            }),
            "not_varied": .array(excluded.map { .object(["assumption": .string($0.field), "reason": .string($0.reason)]) }),
        ])
    }

    // MARK: CSV

    package static let csvHeader = "rank,assumption,value,kind,cycles,execution_cycles,selected_fraction,output_error,delta_cycles,delta_cycles_percent,delta_execution_cycles,delta_execution_percent,delta_selected_fraction,delta_output_error"

    package func csv() -> String {
        let b = baseline
        var lines = [Self.csvHeader]
        func n(_ d: Double) -> String { JSONValue.format(d) }
        lines.append(["0", "baseline", "as configured", "baseline", "\(b.cycles)", "\(b.executionCycles)", n(b.selectedFraction),
                      b.outputError.map(n) ?? "", "0", "0", "0", "0", "0", b.outputError == nil ? "" : "0"].joined(separator: ","))
        for (i, r) in rows.enumerated() {
            let m = r.metrics
            lines.append(["\(i + 1)", r.point.field, r.point.value, r.point.kind, "\(m.cycles)", "\(m.executionCycles)", n(m.selectedFraction),
                          m.outputError.map(n) ?? "", "\(m.cycles - b.cycles)", n(percent(m.cycles, b.cycles)),
                          "\(m.executionCycles - b.executionCycles)", n(percent(m.executionCycles, b.executionCycles)),
                          n(m.selectedFraction - b.selectedFraction),
                          zip2(m.outputError, b.outputError).map { n($0 - $1) } ?? ""].map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    // MARK: chart

    /// One row per assumption (largest |Δ total cycles| first), one bar per alternative value.
    package func chart(title: String?) -> TornadoChart {
        var fields: [String] = []
        for r in rows where !fields.contains(r.point.field) { fields.append(r.point.field) }
        let chartRows = fields.map { f in
            TornadoChart.Row(name: f, bars: rows.filter { $0.point.field == f }.map {
                TornadoChart.Bar(label: $0.point.value, delta: percent($0.metrics.cycles, baseline.cycles))
            })
        }
        return TornadoChart(title: title ?? "Sensitivity of total cycles — \(configName) on \(traceName)",
                            xLabel: "Δ total cycles vs baseline (\(baseline.cycles) cycles)", rows: chartRows)
    }
}
