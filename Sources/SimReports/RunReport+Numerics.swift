import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The number-format parts of `RunReport` (`numerics.mode: elsa`; `docs/numerics.md` §8): a `numerics`
/// object in the JSON of the totals, each layer and each head, CSV columns after the energy columns, and
/// a section under the human table. Absent in float mode, so float reports are unchanged.
extension RunReport {
    /// `base` with the numerics objects added (unchanged in float mode).
    func addingNumerics(to base: JSONValue) -> JSONValue {
        guard let total = result.numerics, var top = base.objectValue else { return base }
        if var totals = top["totals"]?.objectValue {
            totals["numerics"] = NumericsFields.json(total)
            top["totals"] = .object(totals)
        }
        if case let .array(layers)? = top["layers"] {
            top["layers"] = .array(zip(layers, result.layers).map { layerValue, layer in
                guard var object = layerValue.objectValue else { return layerValue }
                object["numerics"] = layer.numerics.map(NumericsFields.json) ?? .null
                if case let .array(heads)? = object["heads"] {
                    object["heads"] = .array(zip(heads, layer.heads).map { headValue, head in
                        guard var h = headValue.objectValue else { return headValue }
                        h["numerics"] = head.numerics.map(NumericsFields.json) ?? .null
                        return .object(h)
                    })
                }
                return .object(object)
            })
        }
        return .object(top)
    }

    /// The CSV header cells appended in elsa mode (empty in float mode).
    var numericsCSVHeader: String {
        result.numerics == nil ? "" : "," + NumericsFields.csvColumns.joined(separator: ",")
    }

    /// The appended CSV cells of every (layer, head) row, in row order; empty in float mode.
    func numericsCSVSuffixes() -> [String] {
        guard result.numerics != nil else { return [] }
        return result.layers.flatMap { layer in
            layer.heads.map { "," + NumericsFields.csvValues($0.numerics).map(Self.csvField).joined(separator: ",") }
        }
    }

    /// The section under the human table in elsa mode.
    func numericsTable() -> String {
        guard let total = result.numerics else { return "" }
        var out = "\nnumber formats (numerics.mode elsa, docs/numerics.md): hardware vs float model\n"
        var rows = [["layer", "sel changed", "gained", "lost", "selected", "float sel", "mass", "float mass", "err", "float err"]]
        func row(_ name: String, _ s: NumericsStatistics) -> [String] {
            [name, Self.percent(s.selectionChangeFraction), "\(s.selectionGained)", "\(s.selectionLost)",
             Self.percent(s.hardware.selectedFraction), Self.percent(s.floatModel.selectedFraction),
             QualityFields.massCell(s.hardware.massKeptMean), QualityFields.massCell(s.floatModel.massKeptMean),
             QualityFields.errorCell(s.hardware.outputError), QualityFields.errorCell(s.floatModel.outputError)]
        }
        for layer in result.layers { if let s = layer.numerics { rows.append(row(layer.name, s)) } }
        rows.append(row("total", total))
        out += TextTable.render(rows, rightAligned: Set(1 ..< 10), ruleBefore: [1, rows.count - 1])
        out += "sel changed: visible pairs selected differently from the float model (gained: only the hardware selects them); err: relative L2 error of the hardware's own output rows vs exact float attention; float err: the float model's (docs/quality.md §1)\n"
        return out
    }
}
