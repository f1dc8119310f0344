import SimIO
import SimCharts
import Foundation
import Workload

/// The bias part of `TraceInspectReport` (docs/traces.md, "Inspecting a trace"): a `scores` header line
/// saying `q·kᵀ·scale + bias`, the bias's share of the score spread and how often it changes a query's
/// top key, per layer below the main table, and a `bias` object in the JSON (`null` without a bias).
extension TraceInspectReport {
    func biasJSON() -> JSONValue {
        guard let bias else { return .null }
        func object(_ b: BiasStatistics) -> [String: JSONValue] {
            ["queries": .int(Int64(b.queries)), "spread_share": .double(b.spreadShare),
             "top_key_changed": .int(Int64(b.topKeyChanged)), "top_key_changed_fraction": .double(b.topKeyChangedFraction)]
        }
        var overall = object(bias.overall)
        overall["per_layer"] = .array(bias.layers.enumerated().map { index, layer in
            var entry = object(layer)
            entry["layer"] = .int(Int64(index))
            entry["name"] = .string(layerNames[index])
            return .object(entry)
        })
        return .object(overall)
    }

    /// The header line about the scores (only for a trace with a bias).
    func biasHeader() -> [(String, String)] {
        guard let bias else { return [] }
        return [("scores", "q·kᵀ·scale + bias (additive bias [heads, n, n]); the bias holds "
                 + Self.fixed(bias.overall.spreadShare * 100, 1) + " % of the score spread and changes the top key of "
                 + Self.fixed(bias.overall.topKeyChangedFraction * 100, 1) + " % of the real queries")]
    }

    /// Per layer: the bias's spread share and top-key changes (empty without a bias).
    func biasTable() -> String {
        guard let bias else { return "" }
        var rows: [[String]] = [["layer", "queries", "bias share of spread", "top key changed"]]
        for (index, layer) in bias.layers.enumerated() {
            rows.append([layerNames[index], "\(layer.queries)", Self.fixed(layer.spreadShare * 100, 1) + " %",
                         Self.fixed(layer.topKeyChangedFraction * 100, 1) + " %"])
        }
        rows.append(["total", "\(bias.overall.queries)", Self.fixed(bias.overall.spreadShare * 100, 1) + " %",
                     Self.fixed(bias.overall.topKeyChangedFraction * 100, 1) + " %"])
        return "\n" + TextTable.render(rows, rightAligned: Set(1 ..< 4), ruleBefore: [1, rows.count - 1])
            + "bias share of spread: Σ Var(bias) / Σ (Var(q·k·scale) + Var(bias)) over each real query's visible keys; "
            + "top key changed: queries whose highest q·k·scale key is not their highest q·k·scale + bias key (docs/traces.md)\n"
    }
}
