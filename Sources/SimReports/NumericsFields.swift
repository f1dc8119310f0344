import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The number-format fields as every report writes them (`numerics.mode: elsa`; `docs/numerics.md` §8):
/// JSON object, CSV columns and table cells, so `run`, `sweep` and `compare` name them the same way.
public enum NumericsFields {
    /// The `numerics` object: `mode`, `selection_changes`, `selection_gained`, `selection_lost`,
    /// `selection_change_fraction`, `selected_fraction` and `float_selected_fraction`, `mass_kept_mean`
    /// and `float_mass_kept_mean`, `output_error` (the hardware's rows) and `float_output_error` (the
    /// float model's), `empty_queries`, `nonfinite_outputs`, and per head `held_threshold`.
    public static func json(_ s: NumericsStatistics) -> JSONValue {
        var o: [String: JSONValue] = [
            "mode": .string(NumericsMode.elsa.rawValue),
            "selection_changes": .int(Int64(s.selectionChanges)),
            "selection_gained": .int(Int64(s.selectionGained)),
            "selection_lost": .int(Int64(s.selectionLost)),
            "selection_change_fraction": .double(s.selectionChangeFraction),
            "selected_fraction": .double(s.hardware.selectedFraction),
            "float_selected_fraction": .double(s.floatModel.selectedFraction),
            "mass_kept_mean": .double(s.hardware.massKeptMean),
            "float_mass_kept_mean": .double(s.floatModel.massKeptMean),
            "output_error": s.hardware.outputError.map { .double($0) } ?? .null,
            "float_output_error": s.floatModel.outputError.map { .double($0) } ?? .null,
            "empty_queries": .int(Int64(s.hardware.emptyQueries)),
            "nonfinite_outputs": .int(Int64(s.nonFiniteOutputs)),
        ]
        if let t = s.heldThreshold { o["held_threshold"] = .double(t) }
        return .object(o)
    }

    /// CSV columns appended to `run`'s per-head rows in elsa mode.
    public static let csvColumns = ["selection_changes", "selection_gained", "selection_lost", "hardware_mass_kept_mean",
                                    "hardware_output_error", "float_output_error", "held_threshold"]

    public static func csvValues(_ s: NumericsStatistics?) -> [String] {
        guard let s else { return Array(repeating: "", count: csvColumns.count) }
        return ["\(s.selectionChanges)", "\(s.selectionGained)", "\(s.selectionLost)", JSONValue.format(s.hardware.massKeptMean),
                s.hardware.outputError.map(JSONValue.format) ?? "", s.floatModel.outputError.map(JSONValue.format) ?? "",
                s.heldThreshold.map(JSONValue.format) ?? ""]
    }

    /// Sweep and compare CSV columns (name → dotted path into `RunSummary.fields`); empty in float mode.
    public static let summaryColumns: [(name: String, path: String)] = [
        ("selection_changes", "numerics.selection_changes"),
        ("hardware_mass_kept_mean", "numerics.mass_kept_mean"),
        ("hardware_output_error", "numerics.output_error"),
        ("float_output_error", "numerics.float_output_error"),
    ]
}
