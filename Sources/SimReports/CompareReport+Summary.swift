import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The per-config part of `CompareReport`: what `run` reports for each whole trace (`RunSummary`:
/// quality, energy, area, bottleneck, closed form, simulator) and the inputs' provenance, as a second
/// table, CSV columns and JSON (`docs/sweeps.md`, "compare").
extension CompareReport {
    /// CSV columns appended when the report has summaries or provenance: `RunSummary.columns` (filled on
    /// `total` rows only, empty on layer rows), then `config_hash` and `trace_hash` (every row).
    public static var csvSummaryHeader: String {
        (RunSummary.columns.map(\.name) + ["config_hash", "trace_hash"]).joined(separator: ",")
    }

    func summaryCSVCells(_ e: Entry) -> [String] {
        guard !summaries.isEmpty || provenance != nil else { return [] }
        var cells: [String]
        if !summaries.isEmpty && e.layer == "total", let summary = summaries[e.trace][e.variant] {
            let fields = JSONValue.object(summary.fields)
            cells = RunSummary.columns.map { fields.value(atDottedPath: $0.path)?.csvCell ?? "" }
        } else {
            cells = Array(repeating: "", count: RunSummary.columns.count)
        }
        cells.append(provenance?.configHashes[e.variant] ?? "")
        cells.append(provenance?.traceHashes[e.trace] ?? "")
        return cells
    }

    /// `[{variant, ...RunSummary.fields}]` for trace `t`, in variant order.
    func summaryJSON(trace t: Int) -> JSONValue {
        .array(variants.indices.map { v in
            var o = summaries[t][v]?.fields ?? ["quality": results[t][v].quality.map(QualityFields.json) ?? .null]
            o["variant"] = .string(variants[v].label)
            return .object(o)
        })
    }

    /// The "per config" table (empty without summaries) and the provenance lines.
    func summaryTable() -> String {
        var out = ""
        if !summaries.isEmpty {
            var rows = [["trace", "config", "mass kept", "output error", "energy µJ", "area mm²", "bottleneck"]]
            var rules: Set<Int> = [1]
            for t in traces.indices {
                if t > 0 { rules.insert(rows.count) }
                for (v, summary) in summaries[t].enumerated() {
                    guard let s = summary else {
                        let q = results[t][v].quality
                        rows.append([traces[t].name, variants[v].label, QualityFields.massCell(q?.massKeptMean),
                                     QualityFields.errorCell(q?.outputError), "—", "—", "—"])
                        continue
                    }
                    rows.append([traces[t].name, variants[v].label, QualityFields.massCell(s.quality?.massKeptMean),
                                 QualityFields.errorCell(s.quality?.outputError), String(format: "%.3f", s.energy.totalPJ * 1e-6),
                                 String(format: "%.3f", s.area.totalMM2),
                                 String(format: "%@ %.0f%%", s.bottleneck.kind.rawValue, s.bottleneck.share * 100)])
                }
            }
            out += "\nper config (whole trace, as elsa-sim run reports it):\n"
            out += TextTable.render(rows, rightAligned: [2, 3, 4, 5], ruleBefore: rules)
            out += "mass kept: mean softmax mass of the selected keys; output error: relative (docs/quality.md §1); energy and area (core + external memories × accelerators): docs/energy.md; bottleneck: busiest module kind of the execution phase over every head, with its busy share (docs/model.md §5)\n"
            out += numericsSummaryTable()
        }
        if let provenance {
            out += "provenance: elsa-sim \(provenance.simulatorVersion); "
                + traces.indices.map { "trace \(traces[$0].name) \(provenance.traceHashes[$0])" }.joined(separator: ", ") + "; "
                + variants.indices.map { "[\($0 + 1)] \(provenance.configHashes[$0])" }.joined(separator: ", ") + "\n"
        }
        return out
    }
}
