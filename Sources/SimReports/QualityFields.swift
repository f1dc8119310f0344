import SimIO
import SimCharts
import Foundation
import ElsaModel

/// The approximation-quality fields as every report writes them (JSON object, CSV columns, table
/// cells), so `run`, `quality` and other reports name and format them the same way. Definitions:
/// `docs/quality.md` §1.
public enum QualityFields {
    /// `"top5_recall"` for K = 5.
    public static let topKName = "top\(QualityStatistics.topK)_recall"

    /// The quality object: `queries`, `selected_fraction`, `mass_kept_mean`, `mass_kept_min`,
    /// `output_error` (null when undefined, with `output_error_reason` then saying why), `top1_recall`, `top5_recall`, `top_k`, `empty_queries`.
    public static func json(_ q: QualityStatistics) -> JSONValue {
        var object = jsonFields(q)
        if let reason = q.outputErrorReason { object["output_error_reason"] = .string(reason) }
        return .object(object)
    }

    private static func jsonFields(_ q: QualityStatistics) -> [String: JSONValue] {
        ([
            "queries": .int(Int64(q.queries)),
            "selected_fraction": .double(q.selectedFraction),
            "mass_kept_mean": .double(q.massKeptMean),
            "mass_kept_min": .double(q.massKeptMin),
            "output_error": q.outputError.map { .double($0) } ?? .null,
            "top1_recall": .double(q.top1Recall),
            topKName: .double(q.topKRecall),
            "top_k": .int(Int64(QualityStatistics.topK)),
            "empty_queries": .int(Int64(q.emptyQueries)),
        ])
    }

    /// CSV column names appended to per-head rows (`selected_fraction` is already a `run` column).
    public static let csvColumns = ["mass_kept_mean", "mass_kept_min", "output_error", "top1_recall", topKName, "empty_queries"]

    /// The `csvColumns` values; empty fields when quality was not measured.
    public static func csvValues(_ q: QualityStatistics?) -> [String] {
        guard let q else { return Array(repeating: "", count: csvColumns.count) }
        return [JSONValue.format(q.massKeptMean), JSONValue.format(q.massKeptMin), q.outputError.map(JSONValue.format) ?? "",
                JSONValue.format(q.top1Recall), JSONValue.format(q.topKRecall), "\(q.emptyQueries)"]
    }

    /// Table cell for a mass: a percentage with one decimal (`—` when not measured).
    public static func massCell(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    /// Table cell for the relative output error: four decimals (`—` when undefined or not measured).
    public static func errorCell(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.4f", value)
    }
}
