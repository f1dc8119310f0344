import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The long-sequence parts of `RunReport` (`docs/reports.md`): per layer the attention-sink fields
/// `sink_mass` (mean over queries of the exact softmax mass on key 0) and `sink_selected_fraction`
/// (share of queries whose selection keeps key 0), both `null` when quality was not measured; and, for
/// a trace longer than the key memory, a `tiling` object per layer and per head (`docs/model.md` §9).
extension RunReport {
    func addingLongSequences(to base: JSONValue) -> JSONValue {
        guard var top = base.objectValue, case let .array(layers)? = top["layers"] else { return base }
        top["layers"] = .array(zip(layers, result.layers).map { value, layer in
            guard var object = value.objectValue else { return value }
            let quality = layer.quality
            object["sink_mass"] = quality.map { .double($0.sinkMass) } ?? .null
            object["sink_selected_fraction"] = quality.map { .double($0.sinkSelectedFraction) } ?? .null
            if let first = layer.heads.first?.tiling {
                let passes = layer.heads.reduce(0) { $0 + ($1.tiling?.queryPasses ?? 0) }
                object["tiling"] = .object([
                    "tiles": .int(Int64(first.tiles)),
                    "preprocessing": .string(first.mode.rawValue),
                    "query_passes": .int(Int64(passes)),
                ])
                if case let .array(heads)? = object["heads"] {
                    object["heads"] = .array(zip(heads, layer.heads).map { headValue, head in
                        guard var h = headValue.objectValue, let t = head.tiling else { return headValue }
                        h["tiling"] = .object([
                            "tiles": .int(Int64(t.tiles)),
                            "keys_per_tile": .array(t.keysPerTile.map { .int(Int64($0)) }),
                            "queries_per_tile": .array(t.queriesPerTile.map { .int(Int64($0)) }),
                            "query_passes": .int(Int64(t.queryPasses)),
                        ])
                        return .object(h)
                    })
                }
            }
            return .object(object)
        })
        return .object(top)
    }

    /// Lines under the human table: the attention sink per layer (when quality was measured) and, for a
    /// tiled run, the tiling. Empty for an untiled run without quality.
    func longSequenceLines() -> String {
        var out = ""
        let sinks = result.layers.compactMap { layer in
            layer.quality.map { "\(layer.name) \(QualityFields.massCell($0.sinkMass)) mass, kept by \(QualityFields.massCell($0.sinkSelectedFraction))" }
        }
        if sinks.count == result.layers.count && !sinks.isEmpty {
            out += "attention sink (key 0; docs/quality.md): " + sinks.joined(separator: "; ") + "\n"
        }
        if let tiling = result.layers.first?.heads.first?.tiling {
            out += "tiled (long_sequences = tile, docs/model.md §9): \(tiling.tiles) key tiles of ≤ \(tiling.keysPerTile.max() ?? 0) keys per head, "
                + "\(tiling.mode.rawValue) preprocessing\n"
        }
        return out
    }
}
