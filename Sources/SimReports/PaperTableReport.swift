import SimIO
import SimCharts
import Foundation
import ElsaModel

/// Renders `PaperComparison.rows()` as the Markdown tables of `docs/validation.md` ("The paper's
/// numbers") and as JSON (`elsa-sim validate --paper-table [--json FILE]`).
public enum PaperTableReport {
    /// One Markdown table per section: setting, paper, ours, difference (absolute and relative),
    /// explanation.
    public static func markdown(_ rows: [PaperComparison.Row]) -> String {
        var out = ""
        for section in PaperComparison.Section.allCases {
            let sectionRows = rows.filter { $0.section == section }
            guard !sectionRows.isEmpty else { continue }
            out += "**\(section.claim)**\n\n"
            out += "| setting | paper | ours | difference | explanation |\n|---|---:|---:|---:|---|\n"
            for row in sectionRows {
                let difference = format(row.difference, section, signed: true)
                    + (row.paper == 0 ? "" : String(format: " (%+.1f %%)", row.relativeDifference * 100))
                out += "| \(row.setting) | \(format(row.paper, section)) | \(format(row.ours, section)) | \(difference) | \(row.explanation) |\n"
            }
            out += "\n"
        }
        return out
    }

    /// `{"sections": {name: claim}, "rows": [{section, setting, paper, ours, difference, explanation}]}`.
    public static func json(_ rows: [PaperComparison.Row]) -> JSONValue {
        var claims: [String: JSONValue] = [:]
        for section in PaperComparison.Section.allCases { claims[section.rawValue] = .string(section.claim) }
        return .object([
            "sections": .object(claims),
            "rows": .array(rows.map { row in
                .object(["section": .string(row.section.rawValue), "setting": .string(row.setting),
                         "paper": .double(row.paper), "ours": .double(row.ours), "difference": .double(row.difference),
                         "explanation": .string(row.explanation)])
            }),
        ])
    }

    static func format(_ value: Double, _ section: PaperComparison.Section, signed: Bool = false) -> String {
        let sign = signed ? "+" : ""
        switch section {
        case .preprocessing:
            return value == value.rounded() ? String(format: "%\(sign).0f", value) : String(format: "%\(sign).2f", value)
        case .perQueryCost, .approximationSpeedup, .baseVersusIdeal, .approximateVersusIdeal:
            return String(format: "%\(sign).4f", value)
        case .preprocessingShare:
            return String(format: "%\(sign).1f %%", value * 100)
        }
    }
}
